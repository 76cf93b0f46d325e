"""A stand-in for ``progmoh play`` on the control socket, run as a real subprocess.

argv: socket path, ``--uniqueid``, the call id, then options.  It says hello,
prints every line serve sends to stdout, and copies its stdin lines to the
socket.  With ``--deaf`` it never reads the socket (a player that stopped
reading).  With ``--outlive`` a forked child does the printing and copying
while this process only waits: killed, it leaves its connection open in the
child, a connection whose process is gone (as when a player's descendant
still holds its socket).
"""

import json
import os
import socket
import sys
import threading

path, uniqueid = sys.argv[1], sys.argv[3]
outlive, deaf = "--outlive" in sys.argv[4:], "--deaf" in sys.argv[4:]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect(path)
sock.sendall(json.dumps({"v": 1, "type": "hello", "uniqueid": uniqueid}).encode() + b"\n")


def pump():
    for line in sock.makefile("rb"):
        sys.stdout.buffer.write(line)
        sys.stdout.flush()
    sys.stdout.write("EOF\n")
    sys.stdout.flush()
    if outlive:
        os._exit(0)                 # the child: the connection was all it kept


if outlive and (child := os.fork()):
    os.waitpid(child, 0)
    sys.exit()
if not deaf:
    threading.Thread(target=pump, daemon=True).start()
while chunk := sys.stdin.buffer.read1(65536):
    sock.sendall(chunk)
