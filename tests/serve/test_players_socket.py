"""The players' socket with real player-like subprocesses and SO_PEERCRED checks."""

import asyncio
import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from progmoh.cli.config import defaults
from progmoh.player import protocol
from progmoh.player.serve.peercred import (
    UNREADABLE_EXE,
    carries_uniqueid,
    denial_reason,
    resolved,
)
from progmoh.player.serve.players import PlayerServer, PlayerSocketError, bind_socket
from tests.support.piped_process import TIMEOUT_S, PipedProcess

CALL, OTHER_CALL = "1795709779.380", "1795709779.381"
MY_EXE = os.readlink(f"/proc/{os.getpid()}/exe")      # what the stand-ins' parent runs
ASTERISKS = tuple(defaults()["serve"]["asterisk_executables"])

# A stand-in for `progmoh play`: says hello, then copies its stdin to the socket
# and every line it receives to its stdout.  In "deaf" mode it never reads the socket.
PLAYER = r"""
import socket, sys, threading, json
path, hello_id, mode = sys.argv[1], sys.argv[2], sys.argv[3]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect(path)
sock.sendall(json.dumps({"v": 1, "type": "hello", "uniqueid": hello_id}).encode() + b"\n")
def pump():
    stream = sock.makefile("rb")
    for line in stream:
        sys.stdout.buffer.write(line); sys.stdout.flush()
    sys.stdout.write("EOF\n"); sys.stdout.flush()
if mode != "deaf":
    threading.Thread(target=pump, daemon=True).start()
while chunk := sys.stdin.buffer.read1(65536):
    sock.sendall(chunk)
"""


class Recorder:
    """A handler that records what the server tells it and greets each player."""

    def __init__(self):
        self.events: asyncio.Queue = asyncio.Queue()
        self.links = {}

    async def player_connected(self, uniqueid, link):
        self.links[uniqueid] = link
        link.send(protocol.WELCOME, language="en", music_class="jazz", state=None)
        await self.events.put(("connected", uniqueid))

    async def player_message(self, uniqueid, link, message):
        await self.events.put(("message", uniqueid, message))

    async def player_gone(self, uniqueid, link):
        await self.events.put(("gone", uniqueid))

    async def next(self):
        return await asyncio.wait_for(self.events.get(), TIMEOUT_S)


class Player(PipedProcess):
    @classmethod
    async def start(cls, path, hello_id, argv_id=None, mode="normal", options=()):
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", PLAYER, str(path), hello_id, mode,
            "--uniqueid", argv_id or hello_id, *options,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        return cls(process)

    async def line(self) -> str:
        return (await self.raw_line()).decode().rstrip("\n")

    async def message(self) -> dict:
        return json.loads(await self.line())


def run(scenario, tmp_path, mode=0o660, parents=(sys.executable,), **options):
    """Run ``scenario(server, recorder, path)`` against a started server; always clean up."""
    path = tmp_path / "run" / "players.sock"

    async def main():
        recorder = Recorder()
        server = PlayerServer(path, mode, parents, recorder, **options)
        await server.start()
        try:
            return await scenario(server, recorder, path)
        finally:
            await server.close()
    return asyncio.run(main())


def test_player_with_matching_argv_and_parent_is_welcomed(tmp_path):
    async def scenario(server, recorder, path):
        player = await Player.start(path, CALL)
        welcome = await player.message()
        assert await recorder.next() == ("connected", CALL)
        assert recorder.links[CALL].pid == player.process.pid
        await player.write(protocol.encode(protocol.STATE, state=protocol.CallState("jazz", 2)))
        event = await recorder.next()
        await player.stop()
        return welcome, event, await recorder.next()

    welcome, event, gone = run(scenario, tmp_path)
    assert (welcome["type"], welcome["music_class"]) == ("welcome", "jazz")
    assert event[:2] == ("message", CALL)
    assert protocol.call_state(event[2]["state"]) == protocol.CallState("jazz", 2)
    assert gone == ("gone", CALL)


def test_an_admitted_players_program_is_read_from_its_own_command_line(tmp_path):
    """As the player reads it: a --program that is no program name is the default."""
    async def scenario(server, recorder, path):
        programs = {}
        for uid, options in ((CALL, ("--program", "sales")), (OTHER_CALL, ("--program", "Bad!")),
                             ("1795709779.382", ())):
            player = await Player.start(path, uid, options=options)
            assert await recorder.next() == ("connected", uid)
            programs[uid] = recorder.links[uid].program
            await player.stop()
            assert await recorder.next() == ("gone", uid)
        return programs

    assert run(scenario, tmp_path) == {CALL: "sales", OTHER_CALL: "default",
                                       "1795709779.382": "default"}


def test_player_claiming_another_call_is_denied(tmp_path):
    async def scenario(server, recorder, path):
        player = await Player.start(path, CALL, argv_id=OTHER_CALL)
        answer, end = await player.message(), await player.line()
        await player.stop()
        return answer, end

    answer, end = run(scenario, tmp_path)
    assert answer["type"] == "denied" and "arguments" in answer["reason"]
    assert end == "EOF"


def test_player_with_disallowed_parent_is_denied(tmp_path):
    async def scenario(server, recorder, path):
        player = await Player.start(path, CALL)
        answer = await player.message()
        await player.stop()
        return answer, recorder.events.empty()

    answer, nothing_reported = run(scenario, tmp_path, parents=ASTERISKS)
    assert answer["type"] == "denied"
    assert repr(MY_EXE) in answer["reason"]
    assert nothing_reported


@pytest.mark.parametrize("hello", [
    b"garbage\n",
    b'{"v": 1, "type": "state"}\n',
    b'{"v": 1, "type": "hello", "uniqueid": "12345"}\n',
    b'{"v": 1, "type": "hello", "uniqueid": "1.2; rm -rf /"}\n',
    b'{"v": 2, "type": "hello", "uniqueid": "1.2"}\n',
])
def test_bad_hello_from_this_process_is_denied(tmp_path, hello):
    async def scenario(server, recorder, path):
        reader, writer = await asyncio.open_unix_connection(str(path))
        writer.write(hello)
        answer = await asyncio.wait_for(reader.readline(), TIMEOUT_S)
        end = await asyncio.wait_for(reader.read(), TIMEOUT_S)
        writer.close()
        return protocol.decode(answer), end

    answer, end = run(scenario, tmp_path)
    assert answer["type"] == "denied" and end == b""


def test_this_test_process_cannot_claim_a_call(tmp_path):
    """A valid hello from a process whose argv lacks the id is denied."""
    async def scenario(server, recorder, path):
        reader, writer = await asyncio.open_unix_connection(str(path))
        writer.write(protocol.wire.encode(protocol.HELLO, uniqueid=CALL))
        answer = await asyncio.wait_for(reader.readline(), TIMEOUT_S)
        writer.close()
        return protocol.decode(answer)

    assert run(scenario, tmp_path)["type"] == "denied"


def test_silent_client_is_dropped_after_the_hello_timeout(tmp_path):
    async def scenario(server, recorder, path):
        reader, writer = await asyncio.open_unix_connection(str(path))
        end = await asyncio.wait_for(reader.read(), TIMEOUT_S)
        writer.close()
        return end

    assert run(scenario, tmp_path, hello_timeout_s=0.2) == b""


@pytest.mark.parametrize("bad", [
    b"x" * (protocol.MAX_LINE_BYTES + 10) + b"\n",
    b"{not json}\n",
    b'{"v": 99, "type": "state"}\n',
    b"\xff\xfe\n",
])
def test_misbehaving_player_is_dropped_without_touching_another(tmp_path, bad):
    async def scenario(server, recorder, path):
        good, rogue = await Player.start(path, CALL), await Player.start(path, OTHER_CALL)
        for player in (good, rogue):
            assert (await player.message())["type"] == "welcome"
        events = {await recorder.next(), await recorder.next()}
        await rogue.write(bad)
        rogue_end, gone = await rogue.line(), await recorder.next()
        sent = recorder.links[CALL].send(protocol.POSITION, position=3)
        good_heard = await good.message()
        await good.write(protocol.encode(protocol.CLASS_CHANGED, music_class="rock"))
        good_said = await recorder.next()
        for player in (good, rogue):
            await player.stop()
        return events, rogue_end, gone, sent, good_heard, good_said

    events, rogue_end, gone, sent, good_heard, good_said = run(scenario, tmp_path)
    assert events == {("connected", CALL), ("connected", OTHER_CALL)}
    assert (rogue_end, gone) == ("EOF", ("gone", OTHER_CALL))
    assert sent and good_heard["position"] == 3
    assert good_said == ("message", CALL, {"v": 1, "type": "class_changed", "music_class": "rock"})


def test_player_that_stops_reading_is_dropped(tmp_path):
    async def scenario(server, recorder, path):
        deaf = await Player.start(path, CALL, mode="deaf")
        assert await recorder.next() == ("connected", CALL)
        link = recorder.links[CALL]
        padding = "x" * 8000
        sends = 0
        while link.send(protocol.POSITION, position=1, padding=padding) and sends < 5000:
            sends += 1
        gone = await recorder.next()
        await deaf.stop()
        return sends, gone, link.closed

    sends, gone, closed = run(scenario, tmp_path, max_buffer_bytes=64 * 1024)
    assert sends < 5000
    assert gone == ("gone", CALL) and closed


def test_close_says_goodbye_to_every_player_and_removes_the_socket(tmp_path):
    async def scenario(server, recorder, path):
        players = [await Player.start(path, CALL), await Player.start(path, OTHER_CALL)]
        for player in players:
            await player.message()
            await recorder.next()
        await server.close()
        ends = [await player.line() for player in players]
        gone = {await recorder.next(), await recorder.next()}
        for player in players:
            await player.stop()
        return ends, gone, path.exists()

    ends, gone, exists = run(scenario, tmp_path)
    assert ends == ["EOF", "EOF"]
    assert gone == {("gone", CALL), ("gone", OTHER_CALL)}
    assert not exists


@pytest.mark.parametrize("mode", [0o660, 0o600, 0o640])
def test_socket_file_has_the_configured_mode(tmp_path, mode):
    async def scenario(server, recorder, path):
        return stat.S_IMODE(os.stat(path).st_mode), stat.S_IMODE(os.stat(path.parent).st_mode)

    assert run(scenario, tmp_path, mode=mode) == (mode, 0o750)


def test_world_writable_mode_is_refused(tmp_path):
    with pytest.raises(PlayerSocketError, match="world-writable"):
        bind_socket(tmp_path / "p.sock", 0o666)


def test_stale_socket_file_is_replaced(tmp_path):
    path = tmp_path / "run" / "players.sock"
    path.parent.mkdir()
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()

    async def scenario(server, recorder, path):
        player = await Player.start(path, CALL)
        answer = await player.message()
        await player.stop()
        return answer["type"]

    assert run(scenario, tmp_path) == "welcome"


def test_live_socket_and_other_files_are_not_taken_over(tmp_path):
    live = tmp_path / "live.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(live))
    listener.listen()
    regular = tmp_path / "file.sock"
    regular.write_text("data")
    try:
        with pytest.raises(PlayerSocketError, match="another process"):
            bind_socket(live, 0o660)
        with pytest.raises(PlayerSocketError, match="not a socket"):
            bind_socket(regular, 0o660)
    finally:
        listener.close()
    assert regular.read_text() == "data"


@pytest.mark.parametrize("argv, ok", [
    (["progmoh", "play", "--uniqueid", CALL], True),
    (["progmoh", "play", "--uniqueid", CALL, "--socket", "/x"], True),
    (["progmoh", "play", "--uniqueid", OTHER_CALL], False),
    (["progmoh", "play", "--uniqueid", CALL, "--uniqueid", OTHER_CALL], False),
    (["progmoh", "play", "--uniqueid", CALL, "--uniqueid=" + OTHER_CALL], False),
    (["progmoh", "play", CALL], False),
    (["progmoh", "play", "--uniqueid"], False),
    (["progmoh", "play", "--uniqueid", CALL + "0"], False),
])
def test_argv_must_name_exactly_this_call(argv, ok):
    assert carries_uniqueid(argv, CALL) is ok


def test_denial_reason_for_a_process_that_is_gone():
    assert denial_reason(2 ** 22 + 12345, CALL, resolved((MY_EXE,))) == "process not found"


# A parent that calls itself "asterisk" (any process may write its own comm),
# says so on stdout, then runs the stand-in player as its child.
RENAMED_PARENT = r"""
import subprocess, sys
with open("/proc/self/comm", "w") as comm:
    comm.write("asterisk")
print("renamed:" + open("/proc/self/comm").read().strip(), flush=True)
sys.exit(subprocess.call(sys.argv[1:]))
"""


def test_child_of_a_parent_renamed_asterisk_is_denied(tmp_path):
    async def scenario(server, recorder, path):
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", RENAMED_PARENT,
            sys.executable, "-c", PLAYER, str(path), CALL, "normal", "--uniqueid", CALL,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        player = Player(process)
        renamed, answer = await player.line(), await player.message()
        await player.stop()
        return renamed, answer, recorder.events.empty()

    renamed, answer, nothing_reported = run(scenario, tmp_path, parents=ASTERISKS)
    assert renamed == "renamed:asterisk"
    assert answer["type"] == "denied"
    assert f"runs {MY_EXE!r}, not one of serve.asterisk_executables" in answer["reason"]
    assert nothing_reported


@pytest.mark.parametrize("uniqueid", ["\uff11.\uff11", "1" * 21 + ".2", "1." + "2" * 13])
def test_only_ascii_digits_within_the_bound_are_a_call_id(tmp_path, uniqueid):
    """Python's \\d and str.isdigit take any script's digits; a call id is ASCII, 1-20
    digits, a dot, 1-12 digits (player/command_line.py)."""
    async def scenario(server, recorder, path):
        player = await Player.start(path, uniqueid)
        answer = await player.message()
        await player.stop()
        return answer, recorder.events.empty()

    answer, nothing_reported = run(scenario, tmp_path)
    assert answer["type"] == "denied" and "hello naming a call" in answer["reason"]
    assert nothing_reported


def test_the_longest_call_id_is_welcomed(tmp_path):
    longest = "9" * 20 + "." + "9" * 12

    async def scenario(server, recorder, path):
        player = await Player.start(path, longest)
        answer = await player.message()
        connected = await recorder.next()
        await player.stop()
        return answer, connected

    answer, connected = run(scenario, tmp_path)
    assert answer["type"] == "welcome" and connected == ("connected", longest)


def test_second_player_for_a_call_with_a_running_player_is_refused(tmp_path, caplog):
    async def scenario(server, recorder, path):
        first = await Player.start(path, CALL)
        assert (await first.message())["type"] == "welcome"
        assert await recorder.next() == ("connected", CALL)
        second = await Player.start(path, CALL)
        refused = await second.message()
        first_still_hears = recorder.links[CALL].send(protocol.POSITION, position=2)
        heard = await first.message()
        await second.stop()
        await first.stop()
        assert await recorder.next() == ("gone", CALL)
        third = await Player.start(path, CALL)
        later = await third.message()
        await third.stop()
        return second.process.pid, refused, first_still_hears, heard, later

    second_pid, refused, first_still_hears, heard, later = run(scenario, tmp_path)
    assert refused["type"] == "denied" and "still running" in refused["reason"]
    assert first_still_hears and heard == {"v": 1, "type": "position", "position": 2}
    assert later["type"] == "welcome"
    assert any(f"player pid {second_pid} claiming call {CALL} denied" in record.message
               for record in caplog.records)


def _fake_proc(tmp_path, parent_exe: str) -> Path:
    """A /proc with a player (pid 20) whose parent (pid 10) runs ``parent_exe``."""
    proc = tmp_path / "proc"
    (proc / "20").mkdir(parents=True)
    (proc / "10").mkdir()
    (proc / "20" / "cmdline").write_bytes(b"progmoh\0play\0--uniqueid\0" + CALL.encode() + b"\0")
    (proc / "20" / "status").write_text("Name:\tprogmoh\nPPid:\t10\n")
    (proc / "10" / "exe").symlink_to(parent_exe)
    return proc


def test_upgraded_asterisk_binary_still_counts(tmp_path):
    """After a package upgrade the running binary's link reads "<path> (deleted)"."""
    proc = _fake_proc(tmp_path, "/usr/sbin/asterisk (deleted)")
    assert denial_reason(20, CALL, resolved(ASTERISKS), proc) is None


def test_configured_paths_are_compared_after_resolving_symlinks(tmp_path):
    real = tmp_path / "opt" / "asterisk"
    real.parent.mkdir()
    real.write_text("")
    (tmp_path / "sbin-asterisk").symlink_to(real)
    proc = _fake_proc(tmp_path, str(real))
    assert denial_reason(20, CALL, resolved((str(tmp_path / "sbin-asterisk"),)), proc) is None
    assert "not one of" in denial_reason(20, CALL, resolved(ASTERISKS), proc)


# -- serve cannot see the parent: each is a refusal that says why ----------------------
# serve's check of one process, run by a serve that may not read its parent's
# executable: root without capabilities (setpriv) against this test, which has them all,
# as a serve run as another user than Asterisk's meets it on a real server.
CHECK = ("import sys; from progmoh.player.serve.peercred import denial_reason, resolved; "
         "print(denial_reason(int(sys.argv[1]), sys.argv[2], resolved((sys.argv[3],))))")
WITHOUT_CAPABILITIES = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--"]


def test_a_parent_whose_executable_serve_may_not_read_is_refused_and_says_what_to_do():
    assert os.geteuid() == 0, "the suite runs as root (make test)"
    player = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()",
                               "--uniqueid", CALL], stdin=subprocess.PIPE)
    try:
        checked = subprocess.run([*WITHOUT_CAPABILITIES, sys.executable, "-c", CHECK,
                                  str(player.pid), CALL, MY_EXE],
                                 capture_output=True, text=True, timeout=30)
    finally:
        player.communicate(b"", timeout=30)
    assert checked.stdout.strip() == UNREADABLE_EXE.format(pid=os.getpid()), checked.stderr


def test_a_parent_gone_before_its_executable_is_read_is_refused(tmp_path):
    proc = _fake_proc(tmp_path, "/usr/sbin/asterisk")
    (proc / "10" / "exe").unlink()                       # the parent exited meanwhile
    assert denial_reason(20, CALL, resolved(ASTERISKS), proc) == "parent process not found"


def test_a_status_without_a_parent_is_a_process_not_found(tmp_path):
    proc = _fake_proc(tmp_path, "/usr/sbin/asterisk")
    (proc / "20" / "status").write_text("Name:\tprogmoh\n")
    assert denial_reason(20, CALL, resolved(ASTERISKS), proc) == "process not found"
