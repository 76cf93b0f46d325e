"""Benchmark of `progmoh serve` under load: realtime lookups during an AMI event storm, and
lookups that all arrive at once.

    .venv/bin/python bench/ami_storm.py [--events 100000] [--rate 50] [--burst 500 1000]
                                        [--filter-refused]

`progmoh serve` runs as its own process with its real AMI client and
realtime backend.  This script plays Asterisk: the AMI emulator
(player/sim/ami_emulator.py) with 200 callers waiting, which then sends
``--events`` call and agent events serve does not use (Newstate, DialBegin,
BridgeEnter, QueueMemberStatus, ...) as fast as the socket takes them,
while lookups arrive as res_config_curl sends them (one POST per fresh
connection) ``--rate`` times a second.  It prints lookup p50/p99/max
before, during and after the storm, serve's RSS before, during (the
highest) and after, and whether the AMI connection survived (one login,
still connected).  ``--filter-refused`` plays an AMI user without the
``system`` write class, whose Filter actions Asterisk refuses, so every
event reaches serve.  Then ``--burst`` counts of lookups are opened at
once, each request sent as soon as its connection is up, and it prints
answered/total and p99.
"""

import argparse
import asyncio
import pathlib
import re
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]

from progmoh.player.sim.ami_emulator import AmiEmulator, Caller  # noqa: E402

PROGMOH = str(REPO / ".venv" / "bin" / "progmoh")
CALLERS = 200
START_TIMEOUT_S = 30.0
LOOKUP_TIMEOUT_S = 5.0
QUIET_BEFORE_S = 3.0
AFTER_S = 5.0
TARGET_STORM_P99_MS = 50.0
TARGET_BURST_P99_MS = 250.0
TARGET_RSS_MB = 5.0
PING_S = 5.0


def request(uid: str) -> bytes:
    body = f"name=progmoh-{uid}".encode()
    return (b"POST /moh/single HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n"
            b"Content-Length: %d\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n%s"
            % (len(body), body))


def answered(data: bytes) -> bool:
    """A whole 200 answer whose body is a row (not the empty "no such class")."""
    head, sep, body = data.partition(b"\r\n\r\n")
    found = re.search(rb"Content-Length: (\d+)", head)
    return bool(sep and found and len(body) >= int(found.group(1)) and b"application=" in body)


def lookup_ms(port: int, uid: str) -> float | None:
    """Milliseconds for one lookup on a fresh connection; None if it failed or gave up."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=LOOKUP_TIMEOUT_S) as sock:
            sock.sendall(request(uid))
            data = b""
            while not answered(data):
                chunk = sock.recv(65536)
                if not chunk:
                    return None
                data += chunk
    except OSError:
        return None
    return (time.monotonic() - started) * 1000


class Lookups:
    """Lookups at a steady rate from a process of their own (so this one's emulator does not
    slow them), each tagged with when it started; phases are cut by time."""

    def __init__(self, port: int, rate: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--lookups-child", str(port), str(rate)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.marks: list[tuple[float, str]] = [(0.0, "before")]

    def mark(self, phase: str) -> None:
        self.marks.append((time.monotonic(), phase))

    def finish(self) -> dict[str, list]:
        out, _ = self.process.communicate("", timeout=2 * LOOKUP_TIMEOUT_S)
        results: dict[str, list] = {}
        for line in out.splitlines():
            at, ms = line.split()
            phase = [name for since, name in self.marks if float(at) >= since][-1]
            results.setdefault(phase, []).append(None if ms == "-" else float(ms))
        return results


def lookups_child(port: int, rate: float) -> None:
    """Lookups every 1/rate s on an absolute schedule until stdin closes."""
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    start, n = time.monotonic(), 0
    while not stop.is_set():
        at = time.monotonic()
        ms = lookup_ms(port, f"1795900000.{n + 1}")
        print(f"{at:.6f} {'-' if ms is None else f'{ms:.3f}'}", flush=True)
        n += 1
        stop.wait(max(0.0, start + n / rate - time.monotonic()))


def burst(port: int, count: int) -> list:
    """``count`` lookups opened at once; each one's milliseconds from its connect to its whole
    answer, or None for one that got no row."""
    selector = selectors.DefaultSelector()
    started, data, done = {}, {}, {}
    for i in range(count):
        sock = socket.socket()
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
        started[sock], data[sock] = time.monotonic(), b""
        selector.register(sock, selectors.EVENT_WRITE, request(f"1795950000.{i + 1}"))
    deadline = time.monotonic() + 2 * LOOKUP_TIMEOUT_S
    while len(done) < count and time.monotonic() < deadline:
        for key, mask in selector.select(0.1):
            sock = key.fileobj
            if mask & selectors.EVENT_WRITE:
                try:
                    sock.send(key.data)
                except OSError:
                    _finish(selector, sock, done, None)
                    continue
                selector.modify(sock, selectors.EVENT_READ)
                continue
            try:
                chunk = sock.recv(65536)
            except OSError:
                chunk = b""
            data[sock] += chunk
            if answered(data[sock]):
                _finish(selector, sock, done, (time.monotonic() - started[sock]) * 1000)
            elif not chunk:
                _finish(selector, sock, done, None)
    for sock in list(started):
        if sock not in done:
            _finish(selector, sock, done, None)
    return list(done.values())


def _finish(selector, sock, done: dict, ms) -> None:
    selector.unregister(sock)
    sock.close()
    done[sock] = ms


def rss_mb(pid: int) -> float:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def figures(values: list, target_ms: float) -> str:
    got = sorted(v for v in values if v is not None)
    missing = len(values) - len(got)
    if not got:
        return f"no answers of {len(values)}"
    p99 = got[min(len(got) - 1, int(round(0.99 * (len(got) - 1))))]
    verdict = "meets" if p99 <= target_ms and not missing else "MISSES"
    return (f"answered {len(got)}/{len(values)}  p50 {statistics.median(got):7.1f} ms  "
            f"p99 {p99:7.1f} ms  max {got[-1]:7.1f} ms  [{verdict} all answered, p99 <= "
            f"{target_ms:.0f} ms]")


def write_config(work: pathlib.Path, ami_port: int) -> pathlib.Path:
    path = work / "storm.toml"
    path.write_text(f"""
[serve]
port = 0
metrics_enabled = false
socket = "run/serve.sock"
status_socket = "run/status.sock"
[cache]
dir = "cache"
[ami]
enabled = true
port = {ami_port}
username = "bench"
secret = "bench-secret"
ping_s = {PING_S}
[store]
url = "sqlite:///choices.db"
""")
    path.chmod(0o600)
    return path


async def start_serve(config: pathlib.Path):
    serve = await asyncio.create_subprocess_exec(
        PROGMOH, "serve", "--config", str(config), stderr=asyncio.subprocess.PIPE,
        cwd=str(config.parent))
    lines: list[bytes] = []
    while line := await asyncio.wait_for(serve.stderr.readline(), START_TIMEOUT_S):
        lines.append(line)
        found = re.search(rb"realtime backend on http://127\.0\.0\.1:(\d+)/moh", line)
        if found:
            asyncio.get_running_loop().create_task(_collect(serve.stderr, lines))
            return serve, int(found.group(1)), lines
    raise SystemExit("serve did not start:\n" + b"".join(lines).decode(errors="replace"))


async def _collect(stream, lines: list) -> None:
    while line := await stream.readline():
        lines.append(line)


async def sample_rss(pid: int, peak: list, stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], rss_mb(pid))
        await asyncio.sleep(0.05)


async def storm_scenario(args, work: pathlib.Path) -> None:
    emulator = AmiEmulator("bench", "bench-secret", filter_allowed=not args.filter_refused)
    callers = [Caller.local(f"1795800000.{i + 1}", f"+1555{i + 1:07d}", f"Caller {i + 1}", i)
               for i in range(CALLERS)]
    serve, port, lines = await start_serve(write_config(work, await emulator.start()))
    try:
        await asyncio.wait_for(emulator.logged_in.wait(), START_TIMEOUT_S)
        for caller in callers:
            emulator.arrive(caller)
            emulator.join(caller)
            emulator.start_moh(caller)
        lookups = Lookups(port, args.rate)
        await asyncio.sleep(QUIET_BEFORE_S)
        before_mb, peak, sampling = rss_mb(serve.pid), [0.0], asyncio.Event()
        sampler = asyncio.get_running_loop().create_task(sample_rss(serve.pid, peak, sampling))
        lookups.mark("during")
        started = time.monotonic()
        await emulator.storm(callers, args.events)
        sent_s = time.monotonic() - started
        await asyncio.sleep(1.0)            # what is still in the socket buffers
        lookups.mark("after")
        await asyncio.sleep(AFTER_S)
        sampling.set()
        await sampler
        after_mb = rss_mb(serve.pid)
        results = await asyncio.to_thread(lookups.finish)
        survived = emulator.logins == 1 and len(emulator._sessions) == 1
    finally:
        serve.terminate()
        await asyncio.wait_for(serve.wait(), START_TIMEOUT_S)
        await emulator.close()
    log = b"".join(lines).decode(errors="replace")
    mode = "Filter refused (every event reaches serve)" if args.filter_refused else "Filter allowed"
    print(f"== AMI storm: {args.events} events to serve in {sent_s:.2f} s ({mode}), "
          f"lookups at {args.rate:g}/s")
    for phase in ("before", "during", "after"):
        print(f"  lookups {phase:6}: {figures(results.get(phase, []), TARGET_STORM_P99_MS)}")
    grown = after_mb - before_mb
    print(f"  serve RSS: before {before_mb:.1f} MB, during (highest) {max(peak[0], before_mb):.1f} "
          f"MB, after {after_mb:.1f} MB ({grown:+.1f} MB) "
          f"[{'meets' if grown <= TARGET_RSS_MB else 'MISSES'} back within {TARGET_RSS_MB:g} MB]")
    print(f"  AMI connection survived: {'yes' if survived else 'NO'} "
          f"({emulator.logins} login(s)); 'never retrieved' in serve's log: "
          f"{log.count('never retrieved')}, log lines: {len(lines)}")


async def burst_scenario(args, work: pathlib.Path) -> None:
    emulator = AmiEmulator("bench", "bench-secret")
    serve, port, lines = await start_serve(write_config(work, await emulator.start()))
    try:
        await asyncio.wait_for(emulator.logged_in.wait(), START_TIMEOUT_S)
        print("== lookups opened at once")
        for count in args.burst:
            results = await asyncio.to_thread(burst, port, count)
            target = TARGET_BURST_P99_MS if count <= 500 else float("inf")
            print(f"  {count:5} at once: {figures(results, target)}")
            await asyncio.sleep(1.0)
    finally:
        serve.terminate()
        await asyncio.wait_for(serve.wait(), START_TIMEOUT_S)
        await emulator.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--burst", type=int, nargs="*", default=[500, 1000])
    parser.add_argument("--filter-refused", action="store_true")
    parser.add_argument("--lookups-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.lookups_child:
        return lookups_child(int(args.lookups_child[0]), float(args.lookups_child[1]))
    work = pathlib.Path(tempfile.mkdtemp(prefix="pms-", dir="/tmp"))
    try:
        if args.events:
            asyncio.run(storm_scenario(args, work))
        if args.burst:
            asyncio.run(burst_scenario(args, work))
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
