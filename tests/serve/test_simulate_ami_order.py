"""A bug the simulated call found in serve's AMI client: a QueueStatus answer was applied
late, after events that came behind it on the wire, so a caller who joined right after
the answer lost their position (no position announcement, key 4 silent) until the next
periodic resync a minute later.  Recorded bytes: the empty-queue list answer and caller
A's QueueCallerJoin arrive in one TCP chunk, as they can from a live Asterisk.
"""

import asyncio

from progmoh.player.serve.ami.client import AmiClient
from progmoh.player.serve.ami.framing import Framer
from progmoh.player.serve.settings import AmiSettings
from progmoh.player.serve.tracker import Tracker
from tests.support import ami_recordings as rec
from tests.support.fake_ami import FakeAmi, Script

A = "1795710278.1"


class Listener:
    def __init__(self) -> None:
        self.tracker, self.order = Tracker(), []
        self.changed = asyncio.Event()

    def ami_up(self):
        pass

    def ami_event(self, message):
        self.order.append(message.event)
        self.tracker.handle(message)
        self.changed.set()

    def ami_resync(self, entries):
        self.order.append("resync")
        self.tracker.resync(entries)
        self.changed.set()

    def wants_channels(self):
        return False

    def ami_channels(self, channels):
        pass

    def ami_down(self):
        pass


def chunks() -> list[bytes]:
    blocks = [b + b"\r\n" for b in Framer().feed(rec.recv_bytes("one-caller-dtmf"))]
    status = rec.recv_bytes("three-callers-positions").split(b"\r\n\r\n")
    empty_status = b"\r\n\r\n".join(status[4:7]) + b"\r\n\r\n"          # lst-2, empty queue
    assert b"QueueCallerJoin" in blocks[35] and b"EventList: Complete" in empty_status
    banner = rec.recv_bytes("one-caller-dtmf")[:30]
    return [banner, blocks[0] + blocks[1], empty_status + blocks[35]]


async def session() -> Listener:
    server = FakeAmi([Script(chunks(), {"lst-1", "lst-2"}, close_at_end=False)])
    port = await server.start()
    listener = Listener()
    settings = AmiSettings(enabled=True, host="127.0.0.1", port=port, username="lab",
                           secret="labsecret", ping_s=3600.0, resync_s=3600.0,
                           reconnect_max_s=4.0)
    ids = iter(["lst-1", "lst-2", "lst-3"])
    client = AmiClient(settings, listener, action_ids=lambda: ids)
    task = asyncio.create_task(client.run())
    try:
        while not ("resync" in listener.order and "QueueCallerJoin" in listener.order):
            listener.changed.clear()
            await asyncio.wait_for(listener.changed.wait(), 10)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await server.close()
    return listener


def test_a_queue_status_answer_is_applied_before_the_events_behind_it():
    listener = asyncio.run(session())
    assert listener.order.index("resync") < listener.order.index("QueueCallerJoin")
    assert listener.tracker.calls[A].position == 1
