"""The player's side of the control socket: non-blocking, optional, never in the way.

``_socket`` rather than ``socket`` (which imports ``enum`` and costs
1.5 MB).  Nothing here ever blocks the audio: connect and send are
non-blocking, a full send buffer drops old state messages, and a dead or
absent ``serve`` only means a quiet retry every few seconds.
"""

import _socket

from progmoh.player import wire

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

RETRY_S = 5.0
MAX_PENDING_BYTES = 65536
RECV_BYTES = 65536


class Link:
    def __init__(self, path: str, uniqueid: str, log: "Callable[[str], None]",
                 clock: "Callable[[], float]") -> None:
        self.path, self.uniqueid, self.log, self.clock = path, uniqueid, log, clock
        self.sock: _socket.socket | None = None
        self.inbox, self.outbox = b"", b""
        self.retry_at_s = 0.0
        self.given_up = False
        self.welcomed = 0           # welcomes received by this process
        self.last_error = ""

    def fileno(self) -> int:
        return self.sock.fileno() if self.sock is not None else -1

    def tick(self) -> None:
        """Connect when it is time to (try) again."""
        if self.sock is None and not self.given_up and self.clock() >= self.retry_at_s:
            self._connect()

    def _connect(self) -> None:
        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            sock.connect(self.path)
        except OSError as error:
            sock.close()
            self._failed("cannot reach control socket %s: %s"
                         % (self.path, error.strerror or error))
            return
        self.sock, self.inbox, self.outbox, self.last_error = sock, b"", b"", ""
        self.log("connected to %s" % self.path)
        self.send(wire.encode(wire.HELLO, uniqueid=self.uniqueid))

    def _failed(self, message: str) -> None:
        if message != self.last_error:
            self.log(message + "; music and advice only, retrying every %.0f s" % RETRY_S)
            self.last_error = message
        self.retry_at_s = self.clock() + RETRY_S

    def close(self, reason: str, retry: bool = True) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self.given_up = self.given_up or not retry
        if retry:
            self._failed(reason)
        else:
            self.log(reason)

    def send(self, line: bytes, droppable: bool = False) -> None:
        if self.sock is None:
            return
        if droppable and len(self.outbox) > MAX_PENDING_BYTES:
            return
        self.outbox += line
        try:
            sent = self.sock.send(self.outbox)
            self.outbox = self.outbox[sent:]
        except BlockingIOError:
            pass
        except OSError as error:
            self.close("control socket send failed: %s" % (error.strerror or error))

    def send_last(self, line: bytes) -> None:
        """One last line after what is pending, in a single send that never blocks:
        what the socket cannot take at once is lost (the process is leaving)."""
        if self.sock is None:
            return
        try:
            self.sock.send(self.outbox + line)
        except OSError:
            pass

    def receive(self) -> "list[dict[str, Any]]":
        """Every complete message waiting; bad lines are logged and skipped."""
        if self.sock is None:
            return []
        try:
            data = self.sock.recv(RECV_BYTES)
        except BlockingIOError:
            return []
        except OSError as error:
            self.close("control socket read failed: %s" % (error.strerror or error))
            return []
        if not data:
            self.close("control socket closed by serve")
            return []
        return self._messages(self.inbox + data)

    def _messages(self, buffer: bytes) -> "list[dict[str, Any]]":
        *lines, self.inbox = buffer.split(b"\n")
        if len(self.inbox) > wire.MAX_LINE_BYTES:
            self.inbox = b""
            self.log("control socket: over-long line dropped")
        messages: list[dict[str, Any]] = []
        for line in lines:
            try:
                messages.append(wire.decode(line))
            except wire.ProtocolError as error:
                self.log("control socket: bad message ignored: %s" % error)
        return messages
