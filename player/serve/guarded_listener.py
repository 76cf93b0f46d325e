"""A TCP listener for the realtime backend that a flood of connections cannot take down.

``asyncio.start_server`` accepts without limit and, once the process runs
out of descriptors, logs a traceback for every failed accept while other
servers of the same process (the players' socket) fail too.  This listener
holds at most ``max_connections``.  A connection whose request has arrived
whole (read, or still in the socket's buffer) is never evicted: it will be
answered in a few milliseconds.  To make room for a new connection, the one
that has waited longest without a whole request goes (an idle keep-alive, a
half-sent head, or one that has sent nothing for ``FRESH_S``); when every
connection holds a request, new ones wait in the kernel's accept queue until
one ends.  So a flood of half-open connections cannot keep Asterisk's lookup
out, and a burst of lookups is answered, every one.  When ``accept`` fails
for lack of descriptors it stops accepting for ``pause_s`` and says so in
one log line per ``log_every_s``.
"""

import asyncio
import errno
import logging
import resource
import socket
import time

log = logging.getLogger("progmoh.serve.realtime")

MAX_CONNECTIONS = 256
DESCRIPTOR_SHARE = 4            # never more than a quarter of the descriptor limit
ACCEPT_PAUSE_S = 1.0
LOG_EVERY_S = 60.0
ACCEPTS_PER_WAKEUP = 256
BACKLOG = 1024                  # the kernel caps it at net.core.somaxconn; a short queue
                                # drops SYNs in a flood, and a dropped SYN costs a lookup 1 s
OUT_OF_RESOURCES = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)
FRESH_S = 0.5                   # a new connection's time to send its first bytes
HEAD_END = b"\r\n\r\n"
PEEK_BYTES = 16384


def connection_cap(wanted: int = MAX_CONNECTIONS) -> int:
    """``wanted``, but at most a share of the soft descriptor limit: serve needs the rest."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft // DESCRIPTOR_SHARE))


def peer_host(writer) -> str:
    """The address a connection comes from (no port: a flood uses many), for a log line."""
    peer = writer.get_extra_info("peername")
    return str(peer[0]) if isinstance(peer, tuple) and peer else "a local socket"


class Throttled:
    """A warning said at most once per interval for each key (a source and a kind of
    trouble), with how often it happened meanwhile; at most ``MAX_KEYS`` keys are
    remembered, the oldest forgotten first."""

    MAX_KEYS = 1024

    def __init__(self, every_s: float, clock=time.monotonic, logger=log) -> None:
        self.every_s, self._clock, self._log = every_s, clock, logger
        self._said: dict = {}                   # key -> [said at, times unsaid since]

    def warn(self, text: str, *args, key=()) -> None:
        now = self._clock()
        said = self._said.get(key)
        if said is not None and now - said[0] < self.every_s:
            said[1] += 1
            return
        more = (f" ({said[1]} more like it in the last {self.every_s:.0f} s)"
                if said is not None and said[1] else "")
        self._log.warning(text + more, *args)
        self._said.pop(key, None)
        self._said[key] = [now, 0]
        if len(self._said) > self.MAX_KEYS:
            del self._said[next(iter(self._said))]


class Connection:
    """One accepted connection as the listener sees it: evictable while it waits without a
    whole request.

    ``waiting_queue`` is shared by all connections of a listener and ordered
    by when each started waiting, so the longest-waiting one is its first key.
    Requests are counted by their head's end as bytes arrive (``received``),
    and taken by ``working``: one arrived and not yet taken is never evicted.
    """

    __slots__ = ("task", "transport", "sock", "accepted_at", "_waiting_queue", "_heads_seen",
                 "_heads_taken", "_tail", "_bytes")

    def __init__(self, waiting_queue: dict, sock: socket.socket | None = None,
                 accepted_at: float = 0.0) -> None:
        self.task: asyncio.Task | None = None
        self.transport: asyncio.Transport | None = None
        self.sock, self.accepted_at = sock, accepted_at
        self._waiting_queue = waiting_queue
        self._heads_seen = self._heads_taken = self._bytes = 0
        self._tail = b""
        self.waiting()

    def waiting(self) -> None:
        if self not in self._waiting_queue:
            self._waiting_queue[self] = None

    def working(self) -> None:
        """Its handler took a request (it is no longer evictable until it waits again)."""
        self._waiting_queue.pop(self, None)
        self._heads_taken = min(self._heads_taken + 1, self._heads_seen)

    def received(self, data: bytes) -> None:
        joined = self._tail + data
        self._heads_seen += joined.count(HEAD_END)
        self._tail, self._bytes = joined[-3:], self._bytes + len(data)

    def evictable(self, now_s: float) -> bool:
        """No whole request waits on it, and it is not a new one still about to send."""
        if self.transport is None and self.sock is not None:
            self._peek()
        if self._heads_seen > self._heads_taken:
            return False
        return self._bytes > 0 or self._heads_taken > 0 or now_s - self.accepted_at >= FRESH_S

    def _peek(self) -> None:
        """What a connection not yet read holds in its socket buffer, left there."""
        if self.sock is None:
            return
        try:
            data = self.sock.recv(PEEK_BYTES, socket.MSG_PEEK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        self._heads_seen, self._bytes = data.count(HEAD_END), len(data)

    def end_waiting(self) -> None:
        self._waiting_queue.pop(self, None)

    def end(self) -> None:
        self.end_waiting()
        if self.task is not None:
            self.task.cancel()
        if self.transport is not None:
            self.transport.abort()


class _Watched(asyncio.StreamReaderProtocol):
    """A stream protocol that tells its connection what arrives."""

    def __init__(self, reader: asyncio.StreamReader, connection: Connection) -> None:
        super().__init__(reader)
        self._connection = connection

    def connection_made(self, transport) -> None:
        self._connection.sock = None            # from now on ``received`` counts its bytes
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self._connection.received(data)
        super().data_received(data)


class GuardedListener:
    """Accepts on ``sock`` and runs ``handler(reader, writer, connection)`` for each connection."""

    def __init__(self, sock: socket.socket, handler, *, max_connections: int, limit: int,
                 pause_s: float = ACCEPT_PAUSE_S, log_every_s: float = LOG_EVERY_S) -> None:
        self._sock, self._handler = sock, handler
        self.max_connections, self._limit = max_connections, limit
        self._pause_s = pause_s
        self._out_of_descriptors = Throttled(log_every_s)
        self._connections: set[Connection] = set()
        self._waiting: dict[Connection, None] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._resume: asyncio.TimerHandle | None = None
        self._full = False              # accepting paused until a connection ends

    @property
    def connections(self) -> int:
        return len(self._connections)

    @property
    def _started(self) -> asyncio.AbstractEventLoop:
        """The loop start() listens on: every callback below runs between start and close."""
        if self._loop is None:
            raise RuntimeError("the listener is not started")
        return self._loop

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._sock.setblocking(False)
        self._sock.listen(BACKLOG)
        self._loop.add_reader(self._sock.fileno(), self._accept_ready)

    async def close(self) -> None:
        if self._loop is None:
            return
        if self._resume is not None:
            self._resume.cancel()
        self._loop.remove_reader(self._sock.fileno())
        self._sock.close()
        tasks = [c.task for c in self._connections if c.task is not None]
        for connection in list(self._connections):
            connection.end()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._loop = None

    def _accept_ready(self) -> None:
        for _ in range(ACCEPTS_PER_WAKEUP):
            try:
                conn, _ = self._sock.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError as error:
                self._accept_failed(error)
                return
            full = len(self._connections) >= self.max_connections and not self._evict_one()
            self._admit(conn)
            if full:                    # one over the cap: no more until one ends
                self._wait_for_room()
                return

    def _accept_failed(self, error: OSError) -> None:
        if error.errno not in OUT_OF_RESOURCES:
            log.warning("realtime: accept failed: %s", error.strerror or error)
            return
        self._out_of_descriptors.warn(
            "realtime: cannot accept connections (%s); pausing accepts for %g s",
            error.strerror, self._pause_s)
        self._started.remove_reader(self._sock.fileno())
        self._resume = self._started.call_later(self._pause_s, self._resume_accepting)

    def _resume_accepting(self) -> None:
        self._resume, self._full = None, False
        if self._loop is not None:
            self._started.add_reader(self._sock.fileno(), self._accept_ready)

    def _wait_for_room(self) -> None:
        """Every connection holds a request (or has only just come): leave the next ones in
        the accept queue until one ends, or a new one's ``FRESH_S`` is up."""
        self._started.remove_reader(self._sock.fileno())
        self._full = True
        if self._resume is None:
            self._resume = self._started.call_later(FRESH_S, self._resume_accepting)

    def _admit(self, conn: socket.socket) -> None:
        conn.setblocking(False)
        connection = Connection(self._waiting, conn, self._started.time())
        self._connections.add(connection)
        connection.task = self._started.create_task(self._run(conn, connection))

    def _evict_one(self) -> bool:
        """End the connection that has waited longest without a whole request; False if none
        may go."""
        now_s = self._started.time()
        oldest = next((c for c in self._waiting if c.evictable(now_s)), None)
        if oldest is None:
            return False
        self._connections.discard(oldest)
        oldest.end()
        return True

    async def _run(self, conn: socket.socket, connection: Connection) -> None:
        try:
            reader = asyncio.StreamReader(limit=self._limit)
            protocol = _Watched(reader, connection)
            connection.transport, _ = await self._started.connect_accepted_socket(
                lambda: protocol, conn)
            writer = asyncio.StreamWriter(connection.transport, protocol, reader, self._started)
            await self._handler(reader, writer, connection)
        except OSError:
            pass
        finally:
            self._connections.discard(connection)
            connection.end_waiting()
            if connection.transport is None:
                conn.close()
            else:
                connection.transport.close()
            if self._full and self._loop is not None:
                if self._resume is not None:
                    self._resume.cancel()
                self._resume_accepting()
