"""The realtime listener when the process is out of descriptors: pause, retry, one log line."""

import asyncio
import errno
import resource
import socket

from progmoh.player.serve.guarded_listener import GuardedListener, Throttled, connection_cap


class OutOfDescriptors:
    """A listening socket that is always readable and whose every accept fails with EMFILE."""

    def __init__(self) -> None:
        self.ready, self.poke = socket.socketpair()
        self.poke.send(b"x")
        self.accepts = 0

    def fileno(self) -> int:
        return self.ready.fileno()

    def setblocking(self, flag) -> None:
        pass

    def listen(self, backlog) -> None:
        pass

    def accept(self):
        self.accepts += 1
        raise OSError(errno.EMFILE, "Too many open files")

    def close(self) -> None:
        self.ready.close()
        self.poke.close()


async def _handler(reader, writer, connection):
    pass


def test_out_of_descriptors_pauses_accepting_and_says_so_once(caplog):
    sock = OutOfDescriptors()

    async def scenario():
        listener = GuardedListener(sock, _handler, max_connections=4, limit=1024,
                                   pause_s=0.05, log_every_s=60.0)
        loop = asyncio.get_running_loop()
        listener.start()
        started = loop.time()
        try:
            while sock.accepts < 5:
                assert loop.time() - started < 5, "accepting never resumed"
                await asyncio.sleep(0.01)
            return loop.time() - started
        finally:
            await listener.close()

    elapsed_s = asyncio.run(scenario())
    assert sock.accepts <= elapsed_s / 0.05 + 2              # one try per pause, no tight loop
    lines = [r.getMessage() for r in caplog.records if "cannot accept" in r.getMessage()]
    assert lines == ["realtime: cannot accept connections (Too many open files); "
                     "pausing accepts for 0.05 s"]


def test_throttled_warning_counts_what_it_did_not_say(caplog):
    now = [0.0]
    throttled = Throttled(60.0, clock=lambda: now[0])
    for at in (0.0, 1.0, 2.0, 61.0):
        now[0] = at
        throttled.warn("realtime: %s", "trouble")
    assert [r.getMessage() for r in caplog.records] == [
        "realtime: trouble", "realtime: trouble (2 more like it in the last 60 s)"]


def test_the_cap_leaves_most_descriptors_to_the_rest_of_serve():
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert 1 <= connection_cap(10**9) <= max(1, soft // 4)
    assert connection_cap(3) <= 3
