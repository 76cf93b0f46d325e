"""A stand-in control plane for tests and the simulated call.

It speaks player/protocol.py on a Unix socket exactly as ``progmoh serve``
does towards players (hello -> welcome, state kept per call id, commands
sent on demand) but checks no peer credentials and knows no AMI or
billing: the demo's balances are given to it.  A transcript of every
message, with its time, lets tests wait for events instead of sleeping.
"""

import os
import select
import socket
import threading
import time

from progmoh.player import protocol


class ServeStandIn:
    """Plays serve towards real players (the opposite of the tests' PlayerStandIn)."""

    def __init__(self, path, language="en", music_class="", clock=time.monotonic):
        self.path, self.language, self.music_class, self.clock = path, language, music_class, clock
        self.states = {}            # uniqueid -> last state dict
        self.choices = {}           # uniqueid -> music class chosen with key 3
        self.transcript = []        # (time, "in"/"out", uniqueid, message dict)
        self.deny = set()           # uniqueids to deny
        self._players = {}          # socket -> uniqueid
        self._buffers = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._stop = False
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(path)
        self._server.listen(64)
        self._thread = threading.Thread(target=self._serve, name="standin", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._stop = True
        self._thread.join(timeout=2)
        for sock in list(self._players) + [self._server]:
            sock.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass

    # -- commands to a call's player -------------------------------------------

    def send(self, uniqueid, kind, **fields):
        """Send one message to every connected player of ``uniqueid``; how many got it."""
        line = protocol.encode(kind, **fields)
        with self._lock:
            targets = [s for s, u in self._players.items() if u == uniqueid]
            for sock in targets:
                sock.sendall(line)
                self._record("out", uniqueid, protocol.decode(line))
        return len(targets)

    def wait_for(self, predicate, timeout_s=5.0):
        """The first transcript entry matching ``predicate``, waiting for it if needed."""
        deadline = self.clock() + timeout_s
        with self._changed:
            while True:
                for entry in self.transcript:
                    if predicate(entry):
                        return entry
                left = deadline - self.clock()
                if left <= 0:
                    raise TimeoutError("no matching message in %.1f s" % timeout_s)
                self._changed.wait(left)

    # -- the server thread -------------------------------------------------------

    def _serve(self):
        while not self._stop:
            sockets = [self._server] + list(self._players)
            readable = select.select(sockets, [], [], 0.05)[0]
            for sock in readable:
                if sock is self._server:
                    conn, _ = self._server.accept()
                    with self._lock:
                        self._players[conn], self._buffers[conn] = "", b""
                else:
                    self._read(sock)

    def _read(self, sock):
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            with self._lock:
                self._players.pop(sock, None)
                self._buffers.pop(sock, None)
            sock.close()
            return
        *lines, self._buffers[sock] = (self._buffers[sock] + data).split(b"\n")
        for line in lines:
            if sock.fileno() >= 0:
                self._handle(sock, protocol.decode(line))

    def _handle(self, sock, message):
        with self._lock:
            uniqueid = message.get("uniqueid") or self._players.get(sock, "")
            self._record("in", uniqueid, message)
            if message["type"] == protocol.HELLO:
                self._hello(sock, uniqueid)
            elif message["type"] == protocol.STATE:
                self.states[uniqueid] = message["state"]
            elif message["type"] == protocol.CLASS_CHANGED:
                self.choices[uniqueid] = message["music_class"]

    def _hello(self, sock, uniqueid):
        if uniqueid in self.deny:
            reply = protocol.encode(protocol.DENIED, reason="not this call's player")
        else:
            self._players[sock] = uniqueid
            reply = protocol.encode(
                protocol.WELCOME, language=self.language,
                music_class=self.choices.get(uniqueid, self.music_class),
                state=self.states.get(uniqueid))
        sock.sendall(reply)
        self._record("out", uniqueid, protocol.decode(reply))
        if uniqueid in self.deny:
            self._players.pop(sock, None)
            self._buffers.pop(sock, None)
            sock.close()

    def _record(self, direction, uniqueid, message):
        self.transcript.append((self.clock(), direction, uniqueid, message))
        self._changed.notify_all()
