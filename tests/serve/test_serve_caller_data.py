"""The real `progmoh serve` given hostile caller data by AMI (the emulator plays Asterisk) and
hostile billing answers: numbers are bounded and cleaned where they enter, the log stays one
line per fault, masked, without tracebacks or raw control characters, and a billing program
cannot outlive its answer, even after ``setsid``."""

import asyncio
import json
import sys
import time
from pathlib import Path

from progmoh.player.serve.peercred import is_running
from progmoh.player.sim.ami_emulator import AmiEmulator, Caller
from tests.support.checkout import TESTS
from tests.support.hostile_serve import START_TIMEOUT_S, WAIT_S, Serve, metric


class Player:
    """The stand-in player (tests/support/stand_in_player.py) of one call, our child."""

    def __init__(self, process) -> None:
        self.process, self.messages = process, []

    @classmethod
    async def connect(cls, serve: Serve, uniqueid: str) -> "Player":
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(TESTS / "support" / "stand_in_player.py"),
            str(serve.work / "run/serve.sock"),
            "--uniqueid", uniqueid, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE)
        player = cls(process)
        await player.next("welcome")
        return player

    async def next(self, kind: str) -> dict:
        while True:
            line = await asyncio.wait_for(self.process.stdout.readline(), WAIT_S)
            assert line and line != b"EOF\n", f"the socket closed before a {kind!r} message"
            message = json.loads(line)
            if message["type"] == kind:
                return message

    async def close(self) -> None:
        self.process.stdin.close()
        self.process.kill()
        await self.process.wait()


def asked(work: Path) -> list[str]:
    path = work / "asked"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def run(scenario, tmp_path):
    async def main():
        emulator = AmiEmulator("lab", "labsecret", queue="support")
        serve = await Serve(tmp_path, await emulator.start()).start()
        try:
            await asyncio.wait_for(emulator.logged_in.wait(), START_TIMEOUT_S)
            return await scenario(emulator, serve)
        finally:
            await serve.stop()
            await emulator.close()
    return asyncio.run(main())


def test_an_overlong_or_nul_number_gets_no_billing_and_the_caller_hears_unavailable(tmp_path):
    long_caller = Caller.local("1795710401.1", "5" * 10_000, "Long", 1)
    nul_caller = Caller.local("1795710402.1", "+1555\x00123", "Nul", 2)

    async def scenario(emulator, serve):
        for caller in (long_caller, nul_caller):
            emulator.arrive(caller)
            emulator.join(caller)
            emulator.start_moh(caller)
        player = await Player.connect(serve, long_caller.uniqueid)
        try:
            emulator.press(long_caller, "2")
            balance = await player.next("balance")
        finally:
            await player.close()
        await serve.until(lambda: serve.log().count("refused") >= 2)
        return balance, serve.log()

    balance, log = run(scenario, tmp_path)
    assert balance["status"] == "unavailable" and balance["accounts"] == []
    assert asked(tmp_path) == []                      # no billing lookup, for neither
    refusals = [line for line in log.splitlines() if "refused" in line]
    assert len(refusals) == 2 and all(len(line) < 300 for line in refusals), refusals
    assert "Traceback" not in log and "\x00" not in log and "5555555555" not in log


def test_billing_failures_are_one_masked_line_each_with_no_secret_and_no_traceback(tmp_path):
    rounds = [[Caller.local(f"179571040{r}.{n}", "+1555123000" + last, "F", n)
               for n, last in ((1, "7"), (2, "8"))] for r in (3, 5)]

    async def scenario(emulator, serve):
        for done, callers in ((2, rounds[0]), (4, rounds[1])):   # each number asked twice
            for caller in callers:
                emulator.arrive(caller)
                emulator.join(caller)
            await serve.until(lambda done=done: len(asked(tmp_path)) >= done)
            await serve.until(lambda: serve.log().count("billing command") >= 2)
        await asyncio.sleep(0.3)                      # a second line would come now
        return serve.log()

    log = run(scenario, tmp_path)
    lines = [line for line in log.splitlines() if "billing command" in line]
    assert len(lines) == 2, lines                     # once per failure, not once per lookup
    assert "STDERRSECRET_77" not in log and "abcSECRETdef" not in log
    stderr_line, = [line for line in lines if "exit status 2" in line]
    assert any("nested too deeply" in line for line in lines)
    assert "Traceback" not in log and "RecursionError" not in log
    assert "+15551230007" not in log and "*******0007" in stderr_line


async def counted(serve, series: str, wanted: float = 1.0) -> float:
    """The series once it reaches ``wanted``, or what it is at the deadline: the child goes
    when the program exits, a moment before serve counts the program's answer."""
    deadline = time.monotonic() + WAIT_S
    while (value := await metric(serve.metrics_port, series)) != wanted:
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.02)
    return value


def test_a_setsid_child_of_the_billing_program_neither_spoils_the_answer_nor_outlives_it(
        tmp_path):
    caller = Caller.local("1795710404.1", "+15551230009", "S", 1)

    async def scenario(emulator, serve):
        emulator.arrive(caller)
        emulator.join(caller)
        child_file = tmp_path / "asked.child"
        await serve.until(lambda: child_file.exists() and child_file.read_text())
        child = int(child_file.read_text())
        series = 'progmoh_billing_lookups_total{outcome="ok"}'
        await serve.until(lambda: not is_running(child), 3.0)
        return await counted(serve, series), child

    ok, child = run(scenario, tmp_path)
    assert ok == 1.0 and not is_running(child)


def test_stopping_serve_mid_lookup_ends_the_billing_program_and_its_setsid_child(tmp_path):
    caller = Caller.local("1795710405.1", "+15551230006", "S", 1)

    async def scenario(emulator, serve):
        emulator.arrive(caller)
        emulator.join(caller)
        child_file = tmp_path / "asked.child"
        await serve.until(lambda: child_file.exists() and child_file.read_text())
        await serve.stop()                            # the lookup still waits for its answer
        child = int(child_file.read_text())
        await serve.until(lambda: not is_running(child), 3.0)
        return child

    assert not is_running(run(scenario, tmp_path))


def test_garbage_on_the_realtime_and_metrics_ports_is_one_short_line_per_source_and_kind(
        tmp_path):
    async def scenario(emulator, serve):
        for port in (serve.port, serve.metrics_port):
            for _ in range(20):
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(b"GARBAGE \x1b[31m" + b"x" * 200 + b"\r\n\r\n")
                await asyncio.wait_for(reader.read(), WAIT_S)
                writer.close()
        await asyncio.sleep(0.2)
        return serve.log()

    log = run(scenario, tmp_path)
    garbage = [line for line in log.splitlines() if "bad request line" in line]
    assert len(garbage) == 2, garbage                 # one for each port
    assert all(len(line) < 160 and "xxxx" not in line for line in garbage)
    assert "\x1b" not in log
