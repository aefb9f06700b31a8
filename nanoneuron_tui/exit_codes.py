"""How the process ends, in one place: scripts and the shell read these."""

OK = 0
FAILED = 1  # the work was done, but something the user asked for was not (a save failed)
USAGE = 2  # a bad argument or file: nothing was done
DIVERGED = 3  # training blew up; the report says where


def after_signal(signum: int) -> int:
    """The shell's convention for a process ended by a signal: 128 + its number."""
    return 128 + signum
