"""The real `progmoh serve` under an AMI event storm (the emulator's ``storm``: call and agent
events serve never reads, as fast as the socket takes them): it asks Asterisk for its own
events only, and where Asterisk refuses that, realtime lookups still come at once, the AMI
connection survives and memory comes back."""

import asyncio
import statistics
import subprocess
import sys

from progmoh.player.sim.ami_emulator import STORM_KINDS, AmiEmulator, Caller
from tests.support.hostile_serve import START_TIMEOUT_S, Serve

CALLERS = 100
STORM = 30_000
LOOKUPS_PER_S = 50
# Lookups from a process of their own, each line "<monotonic start> <ms or ->", until stdin ends.
LOOKUPS = r"""
import socket, sys, threading, time
port, rate = int(sys.argv[1]), float(sys.argv[2])
body = b"name=progmoh-1795910000.1"
request = (b"POST /moh/single HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n"
           b"Content-Type: application/x-www-form-urlencoded\r\n\r\n%s" % (len(body), body))
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
start, n = time.monotonic(), 0
while not stop.is_set():
    at, answer = time.monotonic(), b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(request)
            while b"application=" not in answer and (chunk := sock.recv(65536)):
                answer += chunk
    except OSError:
        pass
    ms = (time.monotonic() - at) * 1000 if b"application=" in answer else None
    print(f"{at:.6f} {'-' if ms is None else f'{ms:.3f}'}", flush=True)
    n += 1
    stop.wait(max(0.0, start + n / rate - time.monotonic()))
"""


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        line, = [line for line in status if line.startswith("VmRSS:")]
    return int(line.split()[1]) / 1024


def storm_under_lookups(tmp_path, filter_allowed: bool) -> dict:
    callers = [Caller.local(f"1795800000.{i + 1}", f"+1555{i + 1:07d}", "C", i)
               for i in range(CALLERS)]

    async def main():
        emulator = AmiEmulator("lab", "labsecret", filter_allowed=filter_allowed)
        serve = await Serve(tmp_path, await emulator.start(), billing="none").start()
        lookups = None
        try:
            await asyncio.wait_for(emulator.logged_in.wait(), START_TIMEOUT_S)
            for caller in callers:
                emulator.join(caller)
            await asyncio.sleep(0.5)
            rss_before = rss_mb(serve.process.pid)
            lookups = subprocess.Popen([sys.executable, "-c", LOOKUPS, str(serve.port),
                                        str(LOOKUPS_PER_S)], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, text=True)
            await asyncio.sleep(0.3)
            began = asyncio.get_running_loop().time()
            await emulator.storm(callers, STORM)
            await asyncio.sleep(1.0)
            ended = asyncio.get_running_loop().time()
            out, _ = lookups.communicate("", timeout=10)
            await asyncio.sleep(1.0)
            return {"during": [None if ms == "-" else float(ms)
                               for at, ms in (line.split() for line in out.splitlines())
                               if began <= float(at) <= ended],
                    "rss_grown_mb": rss_mb(serve.process.pid) - rss_before,
                    "logins": emulator.logins,
                    "storm_delivered": sum(emulator.delivered[kind] for kind, _ in STORM_KINDS),
                    "log": serve.log()}
        finally:
            if lookups is not None and lookups.poll() is None:
                lookups.kill()
                lookups.wait()
            await serve.stop()
            await emulator.close()
    return asyncio.run(main())


def p99(values: list) -> float:
    return statistics.quantiles(values, n=100)[98]


def test_serve_asks_asterisk_for_its_events_only_so_a_storm_never_reaches_it(tmp_path):
    seen = storm_under_lookups(tmp_path, filter_allowed=True)
    assert seen["storm_delivered"] == 0 and seen["logins"] == 1
    assert None not in seen["during"] and p99(seen["during"]) < 50, seen["during"]


def test_a_storm_asterisk_does_not_filter_holds_up_no_lookup_and_drops_no_connection(tmp_path):
    seen = storm_under_lookups(tmp_path, filter_allowed=False)
    during = seen["during"]
    assert seen["storm_delivered"] == STORM and seen["logins"] == 1
    assert len(during) >= 20 and None not in during
    assert p99(during) < 100, sorted(during)[-10:]
    assert seen["rss_grown_mb"] < 5
    assert "never retrieved" not in seen["log"] and "Traceback" not in seen["log"]
