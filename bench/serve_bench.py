"""Benchmark of `progmoh serve`: key event at serve -> first inserted sample written
by the player, with 1 and 300 calls; serve's CPU and memory with 300 calls.

    .venv/bin/python bench/serve_bench.py [--calls 1 300] [--rounds 40] [--idle-s 10]

`progmoh serve` runs as its own process with its real AMI client, realtime
backend and players' socket.  This script plays Asterisk: an AMI server that
sends the recorded event bytes (one-caller-dtmf, ids rewritten), realtime
lookups over HTTP, and a real `progmoh play` per call started from serve's
answer.  Each pipe is read as soon as it is readable (timestamped on
CLOCK_MONOTONIC) and compared with the class's music byte for byte: the
first byte that differs after a key is the first inserted sample (the start
of the gain ramp under the spoken words).  Keys are 4
(position) and 2 (balance; billing "none" answers at once with "information
unavailable"), alternately: one call at a time, 30 calls at once, every call at once.
"""

import argparse
import asyncio
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

import repo_path  # noqa: F401 (puts the checkout's root on sys.path, for tests.support)

from progmoh.cache.audio_format import FRAME_BYTES, SAMPLE_BYTES, SAMPLE_RATE_HZ
from progmoh.player.serve.ami.framing import Framer
from progmoh.player.serve.ami.message import parse
from tests.support import ami_recordings as rec
from tests.support.checkout import REPO

PROGMOH = str(REPO / ".venv" / "bin" / "progmoh")
TICKS_PER_S = os.sysconf("SC_CLK_TCK")
RECORDED_UID = b"1795710278.1"
TARGET_P99_MS = 50.0
QUIET_S = 0.6
START_TIMEOUT_S = 30.0          # serve starting, answering a lookup, stopping
SEARCH_BYTES = 5 * SAMPLE_RATE_HZ * SAMPLE_BYTES    # the music within 5 s of where it was left


def recorded_blocks() -> list[bytes]:
    return [b + b"\r\n" for b in Framer().feed(rec.recv_bytes("one-caller-dtmf"))]


class Asterisk:
    """The AMI side: answers serve's actions, sends call events on demand."""

    def __init__(self) -> None:
        self.blocks = recorded_blocks()
        self.writer = None
        self.logged_in = asyncio.Event()
        self.positions: dict[str, int] = {}

    async def start(self) -> int:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return server.sockets[0].getsockname()[1]

    def event(self, index: int, uid: str, position: int = 1, digit: str = "") -> bytes:
        block = self.blocks[index - 1].replace(RECORDED_UID + b"\r\n", uid.encode() + b"\r\n")
        block = block.replace(b"progmoh-" + RECORDED_UID, b"progmoh-" + uid.encode())
        block = block.replace(b"capin-00000000;", b"capin-%08x;" % int(uid.split(".")[1]))
        block = block.replace(b"Position: 1\r\n", b"Position: %d\r\n" % position)
        block = block.replace(b"Count: 1\r\n", b"Count: %d\r\n" % position)
        return re.sub(rb"Digit: \d", b"Digit: " + digit.encode(), block) if digit else block

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    async def _serve(self, reader, writer) -> None:
        self.writer = writer
        writer.write(rec.recv_bytes("one-caller-dtmf")[:30])       # the banner
        framer = Framer()
        framer.feed(b"Asterisk Call Manager/13.0.0\r\n")
        while data := await reader.read(65536):
            for block in framer.feed(data):
                self._answer(parse(block))

    def _answer(self, action) -> None:
        name, action_id = action.get("Action"), action.get("ActionID")
        head = f"Response: Success\r\nActionID: {action_id}\r\n"
        if name == "Login":
            self.send((head + "Message: Authentication accepted\r\n\r\n").encode() + self.blocks[1])
            self.logged_in.set()
        elif name == "QueueStatus":
            self.send(self._queue_status(head, action_id))
        else:
            self.send((head + "Ping: Pong\r\n\r\n").encode())

    def _queue_status(self, head: str, action_id: str) -> bytes:
        out = head + "EventList: start\r\nMessage: Queue status will follow\r\n\r\n"
        for uid, position in self.positions.items():
            out += (f"Event: QueueEntry\r\nQueue: testq\r\nPosition: {position}\r\n"
                    f"Channel: Local/caller@capin-x;2\r\nUniqueid: {uid}\r\n"
                    f"CallerIDNum: +1555{uid.split('.')[1]}\r\nActionID: {action_id}\r\n\r\n")
        out += (f"Event: QueueStatusComplete\r\nActionID: {action_id}\r\nEventList: Complete\r\n"
                f"ListItems: {len(self.positions)}\r\n\r\n")
        return out.encode()


class Call:
    """One player's pipe, read as soon as it is readable and compared with its music.

    While the output equals the class's music byte for byte the call is
    "aligned"; the first byte that differs (the insert's gain ramp starting)
    marks the first inserted sample.  After the insert the music is found
    again and alignment resumes.
    """

    def __init__(self, uid: str, process, music: bytes) -> None:
        self.uid, self.process, self.music = uid, process, music
        self.fd = process.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.pos: int | None = None
        self.last_pos = 0
        self.last_insert_at = 0.0
        self.inserted = asyncio.Event()
        self.key_at: float | None = None
        self.latency_ms: float | None = None

    def readable(self) -> None:
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return
        now = time.monotonic()
        if self.pos is not None:
            if data == self.music[self.pos:self.pos + len(data)]:
                self.pos += len(data)
                return
            self.last_pos, self.pos = self.pos, None
            self._insert_seen(now)
        elif len(data) >= FRAME_BYTES:
            self.pos = self._realign(data[-FRAME_BYTES:])
        if self.pos is None:
            self.last_insert_at = now

    def _realign(self, tail: bytes) -> int | None:
        """Find the music again near where it was left (a bounded search keeps this cheap)."""
        start = max(0, self.last_pos - SEARCH_BYTES) if self.last_pos else 0
        window = self.music[start:self.last_pos + SEARCH_BYTES] if self.last_pos else self.music
        found = window.find(tail)
        return start + found + len(tail) if found >= 0 and found % 2 == 0 else None

    def _insert_seen(self, now: float) -> None:
        self.last_insert_at = now
        self.inserted.set()
        if self.key_at is not None and self.latency_ms is None:
            self.latency_ms = (now - self.key_at) * 1000

    def quiet(self) -> bool:
        return self.pos is not None and time.monotonic() - self.last_insert_at >= QUIET_S


def write_config(work: pathlib.Path, ami_port: int, cache_root: str) -> pathlib.Path:
    path = work / "bench.toml"
    path.write_text(f"""
[serve]
port = 0
socket = "s"
asterisk_executables = ["{sys.executable}"]
[cache]
dir = "{cache_root}"
[player]
log = "{work / 'play.log'}"
[keys]
min_interval_s = 0.0
position_every_s = 0.0
[ami]
enabled = true
port = {ami_port}
username = "bench"
secret = "bench-secret"
ping_s = 5.0
resync_s = 5.0
[store]
url = "sqlite:///choices.db"
""")
    path.chmod(0o600)
    return path


async def start_serve(config: pathlib.Path):
    serve = await asyncio.create_subprocess_exec(
        PROGMOH, "serve", "--config", str(config), stderr=asyncio.subprocess.PIPE)
    while line := await asyncio.wait_for(serve.stderr.readline(), START_TIMEOUT_S):
        found = re.search(rb"realtime backend on http://127\.0\.0\.1:(\d+)/moh", line)
        if found:
            asyncio.get_running_loop().create_task(_drain(serve.stderr))
            return serve, int(found.group(1))
    raise SystemExit("serve did not start")


async def _drain(stream) -> None:
    while await stream.readline():
        pass


async def lookup(port: int, uid: str) -> str:
    body = f"name=progmoh-{uid}".encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST /moh/single HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\n\r\n%s" % (len(body), body))
    head = await reader.readuntil(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
    answer = (await reader.readexactly(length)).decode()
    writer.close()
    return urllib.parse.unquote(dict(p.split("=", 1) for p in answer.split("&"))["application"])


async def start_call(ami: Asterisk, port: int, uid: str, position: int, music: bytes) -> Call:
    argv = (await asyncio.wait_for(lookup(port, uid), START_TIMEOUT_S)).split(" ")
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               start_new_session=True, close_fds=True)
    call = Call(uid, process, music)
    asyncio.get_running_loop().add_reader(call.fd, call.readable)
    ami.positions[uid] = position
    ami.send(ami.event(36, uid, position) + ami.event(37, uid, position))
    return call


async def until_quiet(calls) -> None:
    while not all(c.quiet() for c in calls):
        await asyncio.sleep(0.05)


async def press(ami: Asterisk, calls, digit: str) -> list[float]:
    for call in calls:
        call.key_at, call.latency_ms = None, None
    data = b""
    for call in calls:
        data += ami.event(38, call.uid, digit=digit) + ami.event(39, call.uid, digit=digit)
    sent_at = time.monotonic()
    for call in calls:
        call.key_at = sent_at
    ami.send(data)
    deadline = sent_at + 5.0
    while any(c.latency_ms is None for c in calls) and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
    await until_quiet(calls)
    return [c.latency_ms for c in calls]


def proc_cpu_s(pid: int) -> float:
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_S


def cpu_now(serve_pid: int, calls) -> tuple[float, float, float]:
    """CPU seconds so far of serve, of all players together, and of this process."""
    players = sum(proc_cpu_s(c.process.pid) for c in calls)
    return proc_cpu_s(serve_pid), players, time.process_time()


def proc_memory_mb(pid: int) -> tuple[float, float]:
    status = pathlib.Path(f"/proc/{pid}/status").read_text()
    values = dict(line.split(":", 1) for line in status.splitlines())
    return int(values["VmRSS"].split()[0]) / 1024, int(values["VmHWM"].split()[0]) / 1024


def percentiles(values: list) -> str:
    got = sorted(v for v in values if v is not None)
    missing = len(values) - len(got)
    if not got:
        return "no answers"
    p99 = got[min(len(got) - 1, int(round(0.99 * (len(got) - 1))))]
    text = (f"p50 {statistics.median(got):6.1f} ms  p99 {p99:6.1f} ms  max {got[-1]:6.1f} ms  "
            f"(n={len(got)})")
    verdict = "meets" if p99 <= TARGET_P99_MS and not missing else "MISSES"
    return (text + (f"  {missing} never" if missing else "")
            + f"  [{verdict} p99 <= {TARGET_P99_MS:.0f} ms]")


async def scenario(count: int, rounds: int, idle_s: float, cache, work: pathlib.Path) -> None:
    cache_root = cache.root
    music = (cache.tracks[("calm", 0)] + cache.tracks[("calm", 1)]) * 4
    ami = Asterisk()
    config = write_config(work, await ami.start(), cache_root)
    serve, port = await start_serve(config)
    calls = []
    try:
        await asyncio.wait_for(ami.logged_in.wait(), 10)
        baseline_mb = proc_memory_mb(serve.pid)[0]
        for i in range(count):
            calls.append(await start_call(ami, port, f"1795800000.{i + 1}", i + 1, music))
        await asyncio.sleep(1.0)                # each hears its position on arrival
        await asyncio.wait_for(until_quiet(calls), 60)
        print(f"== {count} call(s): serve RSS {baseline_mb:.1f} MB before calls; "
              f"machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
              f"(other work skews the bursts)")
        await measure_idle(serve.pid, count, idle_s)
        cases = [("one call at a time", lambda r: [calls[r % count]], rounds)]
        if count >= 30:
            cases.append(("30 calls at once", lambda r: calls[(r * 30) % count:][:30], rounds // 2))
        if count > 1:
            cases.append(("every call at once", lambda r: calls, max(4, rounds // 5)))
        for label, group_of, case_rounds in cases:
            results, cpu_before = {"4": [], "2": []}, cpu_now(serve.pid, calls)
            worst = []
            for r in range(case_rounds):
                digit = "4" if r % 2 == 0 else "2"
                got = await press(ami, group_of(r), digit)
                results[digit] += got
                worst.append(max((v for v in got if v is not None), default=float("nan")))
            for digit, name in (("4", "position"), ("2", "balance")):
                print(f"  key {digit} ({name}), {label}: {percentiles(results[digit])}")
            if len(group_of(0)) > 1:
                print("    slowest per round (ms): " + " ".join(f"{w:.0f}" for w in worst))
            presses = sum(map(len, results.values()))
            used = [(after - before) * 1000
                    for before, after in zip(cpu_before, cpu_now(serve.pid, calls), strict=True)]
            print(f"    CPU per key press (state messages meanwhile included): "
                  f"serve {used[0] / presses:.2f} ms, players {used[1] / presses:.2f} ms, "
                  f"this reader {used[2] / presses:.2f} ms")
        rss, peak = proc_memory_mb(serve.pid)
        print(f"  serve memory after the keys: RSS {rss:.1f} MB, peak {peak:.1f} MB")
    finally:
        for call in calls:
            asyncio.get_running_loop().remove_reader(call.fd)
            try:
                os.killpg(call.process.pid, 1)
            except ProcessLookupError:
                pass
        for call in calls:
            try:
                call.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(call.process.pid, 9)
                call.process.wait()
            call.process.stdout.close()
        serve.terminate()
        await asyncio.wait_for(serve.wait(), START_TIMEOUT_S)


async def measure_idle(pid: int, count: int, idle_s: float) -> None:
    cpu_start, started = proc_cpu_s(pid), time.monotonic()
    await asyncio.sleep(idle_s)
    cpu_s, wall_s = proc_cpu_s(pid) - cpu_start, time.monotonic() - started
    rss, peak = proc_memory_mb(pid)
    print(f"  serve with {count} call(s) playing for {wall_s:.1f} s (a state message per player"
          f" per second): CPU {cpu_s:.2f} s = {100 * cpu_s / wall_s:.1f}% of one core;"
          f" RSS {rss:.1f} MB, peak {peak:.1f} MB")


def build_cache(folder: pathlib.Path):
    from tests.support import player_cache
    return player_cache.build(folder, track_s=30.0, program={"first_advice_s": 1000.0},
                              default_class="calm")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 300])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--idle-s", type=float, default=10.0)
    args = parser.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="pmb-", dir="/tmp"))
    try:
        cache = build_cache(work / "c")
        for count in args.calls:
            asyncio.run(scenario(count, args.rounds, args.idle_s, cache, work))
    finally:
        shutil.rmtree(work) if not os.environ.get("KEEP") else print(work)


if __name__ == "__main__":
    main()
