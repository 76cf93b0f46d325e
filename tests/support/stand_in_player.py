"""A stand-in for ``progmoh play`` on the control socket, run as a real subprocess.

argv: socket path, ``--uniqueid``, the call id.  It says hello, prints every
line serve sends to stdout, and copies its stdin lines to the socket.
"""

import json
import socket
import sys
import threading

path, uniqueid = sys.argv[1], sys.argv[3]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect(path)
sock.sendall(json.dumps({"v": 1, "type": "hello", "uniqueid": uniqueid}).encode() + b"\n")


def pump():
    for line in sock.makefile("rb"):
        sys.stdout.buffer.write(line)
        sys.stdout.flush()
    sys.stdout.write("EOF\n")
    sys.stdout.flush()


threading.Thread(target=pump, daemon=True).start()
while chunk := sys.stdin.buffer.read1(65536):
    sock.sendall(chunk)
