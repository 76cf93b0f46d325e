"""The whole system: serve + an AMI server replaying a recorded call + the faithful
Asterisk reader spawning real players from serve's realtime answers.

Caller A is one-caller-dtmf's call, its AMI bytes unmodified; caller B is a
copy of A's queue and MOH events with B's uniqueid, channel, number and
position.  The reader looks up each call's class over HTTP with the recorded
request bytes, starts the player Asterisk would start, and records what each
caller hears.  Music of the default class is silence here, so a spoken clip
can be found in what a caller heard byte for byte.
"""

import asyncio
import itertools
import logging
import os
import pathlib
import shutil
import socket
import sys
import tempfile
import threading
import urllib.parse

import pytest

from progmoh.cache.audio_format import FRAME_BYTES
from progmoh.player.serve.ami.client import AmiClient
from progmoh.player.serve.ami.framing import Framer
from progmoh.player.serve.service import Service
from progmoh.player.sim import asterisk_reader as ar
from progmoh.player.words.compose import balance_keys, position_keys
from tests.support import ami_recordings as rec
from tests.support import player_cache
from tests.support.fake_ami import FakeAmi, Script
from tests.support.service_support import service_settings, write_config

PROGMOH = os.path.join(os.path.dirname(sys.executable), "progmoh")
A, B = "1795710278.1", "1795710279.3"
GAP_TICKS = 30                   # 1.2 s between keys


@pytest.fixture
def short_tmp():
    """Asterisk's application line holds 255 characters and a socket path 107."""
    path = tempfile.mkdtemp(prefix="pm-", dir="/tmp")
    yield pathlib.Path(path)
    shutil.rmtree(path)


@pytest.fixture
def cache(short_tmp, monkeypatch):
    real_sine = player_cache.sine

    def quiet_calm(freq, samples, amplitude=player_cache.AMPLITUDE, glide_hz_per_s=0.0):
        if glide_hz_per_s and freq < 300:          # the calm class's tracks: silence
            return bytes(2 * samples)
        return real_sine(freq, samples, amplitude, glide_hz_per_s)

    monkeypatch.setattr(player_cache, "sine", quiet_calm)
    return player_cache.build(short_tmp / "c", program={"first_advice_s": 100.0},
                              max_position=5, default_class="calm")


def recorded_messages() -> list[bytes]:
    framer = Framer()
    blocks = framer.feed(rec.recv_bytes("one-caller-dtmf"))
    return [block + b"\r\n" for block in blocks]          # #N is blocks[N - 1]


def as_caller_b(block: bytes) -> bytes:
    for old, new in ((A.encode() + b"\r\n", B.encode() + b"\r\n"),
                     (b"capin-00000000;", b"capin-00000001;"), (b"+15551230001", b"+15551230002"),
                     (b"Position: 1\r\n", b"Position: 2\r\n"), (b"Count: 1\r\n", b"Count: 2\r\n"),
                     (b"progmoh-" + A.encode(), b"progmoh-" + B.encode())):
        block = block.replace(old, new)
    return block


def ami_script(gates) -> Script:
    m = recorded_messages()
    queue_status = rec.recv_bytes("three-callers-positions").split(b"\r\n\r\n")
    empty_status = b"\r\n\r\n".join(queue_status[4:7]) + b"\r\n\r\n"      # lst-2 on an empty queue
    banner = rec.recv_bytes("one-caller-dtmf")[:30]
    joins = m[35] + m[36] + as_caller_b(m[35]) + as_caller_b(m[36])
    chunks = [banner, m[0] + m[1], empty_status, gates[0], joins,
              gates[1], m[37] + m[38],                # key 2
              gates[2], m[41] + m[42],                # key 4
              gates[3], m[39] + m[40],                # key 3
              gates[4], m[45] + m[53] + m[54] + m[57]]
    assert b"Digit: 2" in m[38] and b"Digit: 4" in m[42] and b"Digit: 3" in m[40]
    assert b"QueueCallerJoin" in joins and b"Hangup" in m[57]
    return Script(chunks, {"lst-1", "lst-2"}, close_at_end=False)


class Backstage(threading.Thread):
    """serve and the fake AMI on their own event loop, as in production."""

    def __init__(self, tmp, cache_root):
        super().__init__(daemon=True)
        self.tmp, self.cache_root = tmp, cache_root
        self.ready, self.failed = threading.Event(), None
        self.loop = self.service = self.stop = self.gates = None

    def run(self):
        try:
            asyncio.run(self._main())
        except BaseException as error:          # surfaced by the test through .failed
            self.failed = error
            self.ready.set()

    async def _main(self):
        self.loop, self.stop = asyncio.get_running_loop(), asyncio.Event()
        self.gates = [asyncio.Event() for _ in range(5)]
        server = FakeAmi([ami_script(self.gates)])
        port = await server.start()
        path = write_config(self.tmp, ami_port=port, cache_dir=self.cache_root,
                            player_log=str(self.tmp / "play.log"), executable=PROGMOH)
        def ids():
            return (f"lst-{n}" for n in itertools.count(1))

        self.service = Service(service_settings(path), ami_factory=lambda settings, listener:
                               AmiClient(settings, listener, action_ids=ids))
        await self.service.start()
        self.ready.set()
        await self.stop.wait()
        await self.service.close()
        await server.close()

    def open_gate(self, index):
        self.loop.call_soon_threadsafe(self.gates[index].set)

    def call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    def finish(self):
        self.loop.call_soon_threadsafe(self.stop.set)
        self.join(10)


def lookup(port: int, uniqueid: str) -> str:
    """The realtime request Asterisk sends at MOH start (recorded bytes); the application."""
    recorded = (rec.AMI_DIR / "realtime-single.http").read_bytes()
    request = recorded.replace(A.encode(), uniqueid.encode())
    length = len(b"name=progmoh-" + uniqueid.encode())
    request = request.replace(b"Content-Length: 25", b"Content-Length: %d" % length)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < _length(answer):
            answer += conn.recv(65536)
    row = dict(item.split("=", 1) for item in answer.split(b"\r\n\r\n", 1)[1].decode().split("&"))
    return urllib.parse.unquote(row["application"])


def _length(answer: bytes) -> int:
    return int(answer.split(b"Content-Length: ")[1].split(b"\r\n")[0])


def find_in_order(heard: bytes, clips: list[bytes], start: int) -> int:
    """Offset of the first clip, each clip found after the previous one; -1 if not all."""
    at, first = start, -1
    for clip in clips:
        found = heard.find(clip, at)
        if found < 0:
            return -1
        first = found if first < 0 else first
        at = found + len(clip)
    return first


def test_keys_reach_only_their_callers_player_and_are_heard(short_tmp, cache, caplog):
    caplog.set_level(logging.DEBUG)
    backstage = Backstage(short_tmp, cache.root)
    backstage.start()
    assert backstage.ready.wait(10) and backstage.failed is None, backstage.failed
    marks = {}
    try:
        port = backstage.service.realtime.port
        a = ar.Channel(lookup(port, A), record=True).start()
        b = ar.Channel(lookup(port, B), record=True).start()
        steps = iter([(0, "joins"), (1, "key 2"), (2, "key 4"), (3, "key 3"), (4, "hangup")])
        pending = [next(steps)]

        def on_tick(index):
            if not pending:
                return
            gate, name = pending[0]
            calls = backstage.service.calls
            both_playing = all(calls.get(u) and calls.get(u).state for u in (A, B))
            ready = gate == 0 or (gate == 1 and both_playing and index >= GAP_TICKS) or (
                gate > 1 and index >= marks[f"tick {gate - 1}"] + GAP_TICKS)
            if ready:
                marks[f"tick {gate}"], marks[name] = index, a.frames_read * FRAME_BYTES
                backstage.open_gate(gate)
                pending[:] = [next(steps, None)] if gate < 4 else []

        ar.run([a, b], 6.0, on_tick)
        a.stop(), b.stop()
        saved = backstage.call(backstage.service.choices.get("+15551230001"))
    finally:
        backstage.finish()
    heard_a, heard_b = a.heard(), b.heard()
    log = (short_tmp / "play.log").read_text()
    assert "hangup" in marks, (marks, log)
    for text in (" ".join(a.argv), " ".join(b.argv), log, caplog.text, str(os.environ)):
        assert "labsecret" not in text                      # the AMI secret stays in serve
    assert a.short_reads == 0 and b.short_reads == 0

    def clip(key):
        return cache.prompts[("en", key)]

    balance = [clip(k) for k in balance_keys("en", "ok", [
        {"account": "123456", "balance": "1520.50", "currency": "RUB", "locked": False}])]
    said_at = find_in_order(heard_a, balance, marks["key 2"])
    assert marks["key 2"] <= said_at < marks["key 4"], (marks, said_at, log)
    assert heard_a.find(balance[0]) == said_at          # never before the key
    position = [clip(k) for k in position_keys("en", 1, 5)]
    assert find_in_order(heard_a, position, 0) < marks["key 2"]          # said on arrival
    assert marks["key 4"] <= find_in_order(heard_a, position, marks["key 4"]) < marks["key 3"]
    after_key_3 = heard_a[marks["key 3"] + 8000:]
    window = after_key_3[-3200:-1600]
    assert any(window and window in cache.tracks[("jazz", t)] for t in (0, 1))
    assert not any(window in cache.tracks[("calm", t)] for t in (0, 1)) or not any(window)
    assert saved == "jazz"

    assert balance[0] not in heard_b and find_in_order(heard_b, balance, 0) < 0
    second = [clip(k) for k in position_keys("en", 2, 5)]
    said_2 = find_in_order(heard_b, second, 0)
    assert 0 <= said_2 < marks["key 2"]
    quiet_from = said_2 + sum(map(len, second))
    assert not any(heard_b[quiet_from:marks["hangup"]])      # nothing of A's keys, not even music
    assert find_in_order(heard_b, position, marks["hangup"]) >= marks["hangup"]  # A left: B is 1st
