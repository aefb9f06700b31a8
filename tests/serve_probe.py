"""A stand-in for the app in server tests: it reports what it was given and what happens to it.

Run by the server as ``python serve_probe.py HOME``. Prints one JSON line per
event (start, resize, key) and leaves a file in HOME when hung up.
"""

import json
import os
import signal
import sys
import tty

home = sys.argv[1]


def report(event: str, **details) -> None:
    columns, rows = os.get_terminal_size(0)
    line = json.dumps({"event": event, "pid": os.getpid(), "size": [columns, rows], **details})
    os.write(1, f"PROBE {line}\n".encode())


def hung_up(signum, frame) -> None:
    with open(os.path.join(home, "hung-up"), "a") as marker:
        marker.write(f"{os.getpid()}\n")
    os._exit(129)


signal.signal(signal.SIGHUP, hung_up)
signal.signal(signal.SIGWINCH, lambda signum, frame: report("resize"))
controlling = os.tcgetpgrp(0) == os.getpgrp()
tty.setraw(0)
report("start", env=dict(os.environ), cwd=os.getcwd(), controlling_terminal=controlling, argv=sys.argv[1:])
if started := os.environ.get("NANONEURON_STARTED_FD"):  # up at once: the next student's start may begin
    os.write(int(started), b"up")
    os.close(int(started))
while True:
    keys = os.read(0, 1024)
    if not keys or b"q" in keys:
        break
    report("keys", hex=keys.hex())
