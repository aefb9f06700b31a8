"""How the process ends, in one place: scripts and the shell read these."""

import signal

OK = 0
FAILED = 1  # the work was done, but something the user asked for was not (a save failed)
USAGE = 2  # a bad argument or file: nothing was done
DIVERGED = 3  # training blew up; the report says where


def after_signal(signum: int) -> int:
    """The shell's convention for a process ended by a signal: 128 + its number."""
    return 128 + signum


# The reader of our output went away (`nanoneuron train | head -1`): we end quietly with the
# code the shell gives a Unix tool that the closed pipe stopped, as `yes | head -1` does.
PIPE_CLOSED = after_signal(signal.SIGPIPE)
