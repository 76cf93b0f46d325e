"""Benchmark of the players' socket: admission and serve -> player delivery latency.

Run:  .venv/bin/python bench/players_socket.py [--calls 1 300] [--rounds 20]

Spawns real player-like processes (one per call, ``--uniqueid`` in argv,
this process as their parent), admits them through SO_PEERCRED checks, then
sends ``position`` messages: one call at a time, and all calls at once (every
caller pressing a key in the same instant, the worst case).  Each player
reports the one-way delay it saw (CLOCK_MONOTONIC is system-wide).  Prints
p50/p99 per case and serve's CPU time and memory growth.
"""

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from progmoh.player import protocol
from progmoh.player.serve.players import PlayerServer

PLAYER = r"""
import _socket, sys, time, json
sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
sock.connect(sys.argv[1])
sock.sendall(b'{"v":1,"type":"hello","uniqueid":"%s"}\n' % sys.argv[3].encode())
buffer = b""
while data := sock.recv(65536):
    buffer += data
    while b"\n" in buffer:
        line, buffer = buffer.split(b"\n", 1)
        now_ns = time.monotonic_ns()
        message = json.loads(line)
        if message["type"] == "position":
            reply = {"v": 1, "type": "seen", "delay_ns": now_ns - message["sent_ns"]}
            sock.sendall(json.dumps(reply).encode() + b"\n")
"""


class Bench:
    def __init__(self):
        self.welcomed: asyncio.Queue = asyncio.Queue()
        self.seen: asyncio.Queue = asyncio.Queue()
        self.links = {}

    async def player_connected(self, uniqueid, link):
        self.links[uniqueid] = link
        await self.welcomed.put(uniqueid)

    async def player_message(self, uniqueid, link, message):
        if message["type"] == "seen":
            await self.seen.put(message["delay_ns"] / 1e6)

    async def player_gone(self, uniqueid, link):
        self.links.pop(uniqueid, None)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def run(calls: int, rounds: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="progmoh-bench-"))
    path = folder / "players.sock"
    bench = Bench()
    me = Path(f"/proc/{os.getpid()}/comm").read_text().strip()
    server = PlayerServer(path, 0o660, (me,), bench)
    await server.start()
    rss_before, cpu_before = rss_kib(), time.process_time()
    started = time.monotonic()
    ids = [f"1795709779.{n}" for n in range(calls)]
    players = [await asyncio.create_subprocess_exec(
        sys.executable, "-S", "-c", PLAYER, str(path), "--uniqueid", uniqueid)
        for uniqueid in ids]
    for _ in ids:
        await asyncio.wait_for(bench.welcomed.get(), 30)
    admit_s = time.monotonic() - started
    one, burst = [], []
    for _ in range(rounds):
        for uniqueid in ids[:min(calls, 20)]:
            bench.links[uniqueid].send(protocol.POSITION, position=1, sent_ns=time.monotonic_ns())
            one.append(await asyncio.wait_for(bench.seen.get(), 10))
        for uniqueid in ids:
            bench.links[uniqueid].send(protocol.POSITION, position=2, sent_ns=time.monotonic_ns())
        burst.extend([await asyncio.wait_for(bench.seen.get(), 10) for _ in ids])
    cpu_s = time.process_time() - cpu_before
    rss_grew = rss_kib() - rss_before
    await server.close()
    for process in players:
        await asyncio.wait_for(process.wait(), 10)
    print(f"calls={calls:4d}  all admitted in {admit_s:6.2f} s (spawn + hello + peer checks)")
    print(f"  one call at a time : p50 {percentile(one, .5):6.2f} ms  "
          f"p99 {percentile(one, .99):6.2f} ms  ({len(one)} messages)")
    print(f"  all calls at once  : p50 {percentile(burst, .5):6.2f} ms  "
          f"p99 {percentile(burst, .99):6.2f} ms  ({len(burst)} messages)")
    print(f"  serve CPU {cpu_s:.2f} s, RSS growth {rss_grew / 1024:.1f} MiB "
          f"({rss_grew / max(calls, 1):.0f} KiB per call)")
    print(f"  target p99 < 50 ms: {'met' if percentile(burst, .99) < 50 else 'MISSED'}"
          f" (ratio {percentile(burst, .99) / 50:.2f} of the budget)")
    shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 300])
    parser.add_argument("--rounds", type=int, default=20)
    arguments = parser.parse_args()
    for calls in arguments.calls:
        asyncio.run(run(calls, arguments.rounds))


if __name__ == "__main__":
    main()
