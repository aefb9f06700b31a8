"""Serve the app to a class: `nanoneuron serve ssh` (an SSH server) and `serve web` (a browser tab each).

One app process per client, on its own terminal, with every file name the
client types confined to the client's own directory.
"""

STUDENT_ENV = "NANONEURON_STUDENT"  # the name a student logged in with, set by the server for the teacher's view
