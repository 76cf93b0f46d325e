"""The AMI emulator the simulated call points serve at: Asterisk's wire format, message by
message compared with the recordings in tests/data/ami, and what serve's real AMI client
and tracker derive from it."""

import asyncio

from progmoh.player.serve.ami.client import AmiClient
from progmoh.player.serve.ami.framing import Framer
from progmoh.player.serve.ami.message import format_action, parse
from progmoh.player.serve.settings import AmiSettings
from progmoh.player.serve.tracker import Tracker
from progmoh.player.sim.ami_emulator import BANNER, AmiEmulator, Caller
from tests.support import ami_recordings as rec

A = Caller("1795710278.1", "+15551230001", "Caller One", "Local/caller@capin-00000000;2")
AHEAD = Caller("1795710277.1", "+15551230009", "Caller Nine", "Local/caller@capin-00000009;2")


def recorded(name: str) -> list:
    return [parse(b) for b in Framer().feed(rec.recv_bytes(name))]


class Conversation:
    """A raw TCP client: what we send, every block we get back, parsed."""

    def __init__(self, reader, writer) -> None:
        self.reader, self.writer, self.framer = reader, writer, Framer()
        self.blocks: list = []

    @classmethod
    async def open(cls, port: int) -> "Conversation":
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def send(self, name, action_id, *fields) -> None:
        self.writer.write(format_action(name, action_id, fields))
        await self.writer.drain()

    async def until(self, count: int) -> list:
        while len(self.blocks) < count:
            data = await asyncio.wait_for(self.reader.read(65536), 5)
            assert data, f"connection closed after {self.blocks}"
            self.blocks += [parse(b) for b in self.framer.feed(data)]
        return self.blocks

    async def closed(self) -> bool:
        return await asyncio.wait_for(self.reader.read(65536), 5) == b""


def shape(message) -> list:
    """Header names in order, with the values that do not vary between calls."""
    fixed = {"Event", "Response", "Privilege", "ChannelState", "ChannelStateDesc", "Language",
             "AccountCode", "ConnectedLineNum", "ConnectedLineName", "EventList", "Message",
             "Direction", "DurationMs", "Cause", "Cause-txt", "Status", "Strategy", "Max"}
    return [(name, value if name in fixed else None) for name, value in message.headers]


def test_login_and_call_events_have_the_recorded_form():
    async def main():
        emulator = AmiEmulator("lab", "labsecret")
        client = await Conversation.open(await emulator.start())
        await client.send("Login", "lst-1", ("Username", "lab"), ("Secret", "labsecret"))
        await client.until(2)
        assert await asyncio.wait_for(emulator.logged_in.wait(), 5) is True
        emulator.join(A), emulator.start_moh(A), emulator.press(A, "2"), emulator.hang_up(A)
        blocks = await client.until(10)
        await emulator.close()
        return client, blocks

    client, blocks = asyncio.run(main())
    recorded_banner = rec.recv_bytes("one-caller-dtmf")[:30]
    assert client.framer.banner.encode() + b"\r\n" == BANNER == recorded_banner
    want = recorded("one-caller-dtmf")          # '#N' in the .md is want[N - 1]
    for got, number in zip(blocks, (1, 2, 36, 37, 38, 39, 46, 54, 55, 58), strict=False):
        assert shape(got) == shape(want[number - 1]), number
    assert blocks[3].get("Class") == "progmoh-1795710278.1"
    assert [b.get("Position") for b in blocks if b.event == "QueueCallerJoin"] == ["1"]
    assert blocks[8].get("Count") == "0" and blocks[9].get("Uniqueid") == A.uniqueid


def test_queue_status_is_a_list_like_the_recording():
    async def main():
        emulator = AmiEmulator("lab", "labsecret")
        emulator.seat(AHEAD)
        emulator.join(A)
        client = await Conversation.open(await emulator.start())
        await client.send("Login", "lst-1", ("Username", "lab"), ("Secret", "labsecret"),
                          ("Events", "off"))
        await client.send("QueueStatus", "lst-3", ("Queue", "testq"))
        blocks = await client.until(5)
        await client.send("Ping", "lst-4")
        await client.send("Logoff", "lst-5")
        blocks = await client.until(8)
        closed = await client.closed()
        await emulator.close()
        return blocks, closed

    blocks, closed = asyncio.run(main())
    want = recorded("three-callers-positions")
    assert [b.event or b.response for b in blocks[:5]] == [
        "Success", "Success", "QueueParams", "QueueEntry", "QueueEntry"]   # no FullyBooted: off
    assert shape(blocks[1]) == shape(want[4])                                # list start
    assert shape(blocks[2]) == shape(want[107])                   # QueueParams
    assert [(b.get("Position"), b.get("Uniqueid")) for b in blocks[3:5]] == [
        ("1", AHEAD.uniqueid), ("2", A.uniqueid)]
    assert shape(blocks[3]) == shape(want[108])
    complete = blocks[5]
    assert shape(complete) == shape(want[111]) and complete.get("ListItems") == "3"
    assert blocks[6].response == "Success" and blocks[6].get("Ping") == "Pong"
    assert shape(blocks[7]) == shape(recorded("one-caller-dtmf")[58]) and closed     # Goodbye


def test_a_wrong_secret_is_refused_and_the_connection_closed():
    async def main():
        emulator = AmiEmulator("lab", "labsecret", refuse_delay_s=0)
        client = await Conversation.open(await emulator.start())
        await client.send("Login", "lst-1", ("Username", "lab"), ("Secret", "nope"))
        blocks = await client.until(1)
        closed = await client.closed()
        await emulator.close()
        return blocks, closed, emulator.logged_in.is_set()

    blocks, closed, logged_in = asyncio.run(main())
    assert shape(blocks[0]) == shape(recorded("login-bad-secret")[0])
    assert closed and not logged_in


class Listener:
    def __init__(self) -> None:
        self.tracker, self.digits, self.resynced = Tracker(), [], asyncio.Event()
        self.changed = asyncio.Event()

    def ami_up(self):
        pass

    def ami_event(self, message):
        self.digits += [c.digit for c in self.tracker.handle(message) if hasattr(c, "digit")]
        self.changed.set()

    def ami_resync(self, entries):
        self.tracker.resync(entries)
        self.resynced.set()

    def wants_channels(self):
        return False

    def ami_channels(self, channels):
        pass

    def ami_down(self):
        pass

    async def until(self, condition):
        while not condition():
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), 5)


def test_serves_client_derives_the_call_position_changes_and_keys():
    async def main():
        emulator = AmiEmulator("progmoh", "s3cret", queue="support")
        emulator.seat(AHEAD)
        port = await emulator.start()
        listener = Listener()
        settings = AmiSettings(enabled=True, host="127.0.0.1", port=port, username="progmoh",
                               secret="s3cret", ping_s=3600.0, resync_s=3600.0, reconnect_max_s=1.0)
        task = asyncio.create_task(AmiClient(settings, listener).run())
        await asyncio.wait_for(listener.resynced.wait(), 5)       # QueueStatus after FullyBooted
        calls = listener.tracker.calls
        emulator.join(A), emulator.start_moh(A)
        await listener.until(lambda: A.uniqueid in calls and calls[A.uniqueid].moh_playing)
        seen = [(calls[AHEAD.uniqueid].position, calls[A.uniqueid].position,
                 calls[A.uniqueid].number, calls[A.uniqueid].moh_class)]
        emulator.press(A, "2"), emulator.hang_up(AHEAD)
        await listener.until(lambda: AHEAD.uniqueid not in calls)
        seen.append((listener.digits, calls[A.uniqueid].position))
        emulator.hang_up(A)
        await listener.until(lambda: not calls)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await emulator.close()
        return seen, [text for _, text in emulator.journal]

    seen, journal = asyncio.run(main())
    assert seen == [(1, 2, "+15551230001", "progmoh-1795710278.1"), (["2"], 1)]
    assert "AMI DTMFBegin: key 2 pressed by +15551230001 (Direction: Received)" in journal
    assert ("AMI QueueCallerLeave: +15551230009 leaves support from position 1, 1 left waiting"
            in journal)
