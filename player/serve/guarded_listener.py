"""A TCP listener for the realtime backend that a flood of connections cannot take down.

``asyncio.start_server`` accepts without limit and, once the process runs
out of descriptors, logs a traceback for every failed accept while other
servers of the same process (the players' socket) fail too.  This listener
holds at most ``max_connections``: a connection accepted beyond that evicts
the one that has waited longest for a request (an idle keep-alive or a
half-sent head), so a fresh lookup from Asterisk is always served.  When
``accept`` fails for lack of descriptors it stops accepting for
``pause_s`` and says so in one log line per ``log_every_s``.
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


def connection_cap(wanted: int = MAX_CONNECTIONS) -> int:
    """``wanted``, but at most a share of the soft descriptor limit: serve needs the rest."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft // DESCRIPTOR_SHARE))


class Throttled:
    """A warning said at most once per interval, with how often it happened meanwhile."""

    def __init__(self, every_s: float, clock=time.monotonic) -> None:
        self.every_s, self._clock = every_s, clock
        self._said_at: float | None = None
        self._unsaid = 0

    def warn(self, text: str, *args) -> None:
        now = self._clock()
        if self._said_at is not None and now - self._said_at < self.every_s:
            self._unsaid += 1
            return
        more = (f" ({self._unsaid} more like it in the last {self.every_s:.0f} s)"
                if self._unsaid else "")
        log.warning(text + more, *args)
        self._said_at, self._unsaid = now, 0


class Connection:
    """One accepted connection as the listener sees it: evictable while it waits.

    ``waiting_queue`` is shared by all connections of a listener and ordered
    by when each started waiting, so the longest-waiting one is its first key.
    """

    __slots__ = ("task", "transport", "_waiting_queue")

    def __init__(self, waiting_queue: dict) -> None:
        self.task: asyncio.Task | None = None
        self.transport: asyncio.Transport | None = None
        self._waiting_queue = waiting_queue
        self.waiting()

    def waiting(self) -> None:
        self._waiting_queue.pop(self, None)
        self._waiting_queue[self] = None

    def working(self) -> None:
        self._waiting_queue.pop(self, None)

    def end(self) -> None:
        self.working()
        if self.task is not None:
            self.task.cancel()
        if self.transport is not None:
            self.transport.abort()


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
            self._admit(conn)

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
        self._resume = None
        if self._loop is not None:
            self._loop.add_reader(self._sock.fileno(), self._accept_ready)

    def _admit(self, conn: socket.socket) -> None:
        if len(self._connections) >= self.max_connections and not self._evict_one():
            conn.close()
            return
        conn.setblocking(False)
        connection = Connection(self._waiting)
        self._connections.add(connection)
        connection.task = self._started.create_task(self._run(conn, connection))

    def _evict_one(self) -> bool:
        """End the connection that has waited longest for a request; False if all are busy."""
        oldest = next(iter(self._waiting), None)
        if oldest is None:
            return False
        self._connections.discard(oldest)
        oldest.end()
        return True

    async def _run(self, conn: socket.socket, connection: Connection) -> None:
        try:
            reader = asyncio.StreamReader(limit=self._limit)
            protocol = asyncio.StreamReaderProtocol(reader)
            connection.transport, _ = await self._started.connect_accepted_socket(
                lambda: protocol, conn)
            writer = asyncio.StreamWriter(connection.transport, protocol, reader, self._started)
            await self._handler(reader, writer, connection)
        except OSError:
            pass
        finally:
            self._connections.discard(connection)
            connection.working()
            if connection.transport is None:
                conn.close()
            else:
                connection.transport.close()
