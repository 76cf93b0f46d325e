"""What the AMI client's tests hand it: a listener that feeds a tracker as serve does, and a
sleep that records the client's backoff."""

import asyncio

from progmoh.player.serve.ami.message import Message
from progmoh.player.serve.tracker import Tracker
from tests.support import ami_recordings as rec


class Listener:
    """Feeds a tracker like the service does and records what happened."""

    def __init__(self) -> None:
        self.tracker, self.history, self.events = Tracker(), {}, []
        self.ups = self.downs = 0
        self.resyncs: list[list[Message]] = []
        self.changed = asyncio.Event()

    def ami_up(self):
        self.ups += 1
        self.changed.set()

    def ami_event(self, message):
        self.events.append(message)
        rec.record_changes(self.history, self.tracker, self.tracker.handle(message), 1)

    def ami_resync(self, entries):
        self.resyncs.append(entries)
        rec.record_changes(self.history, self.tracker, self.tracker.resync(entries), 1)

    def wants_channels(self):
        return False

    def ami_channels(self, channels):
        pass

    def ami_down(self):
        self.downs += 1
        rec.record_changes(self.history, self.tracker, self.tracker.reset(), 2)
        self.changed.set()

    async def until(self, condition):
        while not condition():
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), 10)


class FakeSleep:
    """Records backoff delays; after ``limit`` calls it blocks for good."""

    def __init__(self, limit: int) -> None:
        self.delays, self.limit = [], limit

    async def __call__(self, seconds):
        self.delays.append(seconds)
        if len(self.delays) >= self.limit:
            await asyncio.Event().wait()
        await asyncio.sleep(0)
