"""``progmoh status`` against a running serve: the calls on hold, masked, over the status socket."""

import asyncio
import json
import os
import tempfile
from pathlib import Path

from click.testing import CliRunner

from progmoh.cli.commands import progmoh
from progmoh.cli.status_cmd import render
from progmoh.player.serve.status import mask_number
from tests.support.ami_events import A, join, key
from tests.support.service_scenario import (
    FAST,
    connect,
    next_of,
    round_trip,
    run_with_split_billing,
)

STRANGER_UID = 65534          # nobody


def invoke(*args):
    return CliRunner().invoke(progmoh, ["status", *args], catch_exceptions=False)


def socket_of(service) -> str:
    return str(service.settings.serve.status_socket)


async def status_during_a_call(service, clock, players, path):
    service.ami_up()
    service.ami_event(join(A, FAST, 2))
    clock.now_s += 65
    player = await connect(players, path, A)
    await next_of(player, "welcome")
    service.ami_event(key(A, "4"))
    service.ami_event(key(A, "2"))
    await next_of(player, "balance")
    await player.send("state", state={"music_class": "calm"},
                      now={"kind": "advice", "name": "opening-hours"},
                      audio={"blocked_writes": 1, "schedule_resets": 0, "skipped_objects": 0,
                             "internal_errors": 0})
    await round_trip(player, service, A)
    as_json = await asyncio.to_thread(invoke, "--socket", socket_of(service), "--json")
    table = await asyncio.to_thread(invoke, "--socket", socket_of(service))
    return as_json, table


def test_json_shows_the_call_masked_with_what_plays_and_the_keys(tmp_path):
    as_json, table = run_with_split_billing(tmp_path, status_during_a_call)
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.output)
    call, = report["calls"]
    assert call == {"uniqueid": A, "caller": "*******0002", "program": "default",
                    "queue": "testq", "position": 2,
                    "waited_s": 65.0, "music_class": "sync", "player": True,
                    "playing": {"kind": "advice", "name": "opening-hours"}, "keys": "42",
                    "audio_problems": {"blocked_writes": 1}}
    health = report["health"]
    assert health["ami"] == {"enabled": True, "connected": True, "last_event_age_s": 0.0}
    assert health["billing"] == {"backend": "command", "last_lookup": "ok"}
    assert health["store"] == {"last_operation": "read none"}
    assert health["players_connected"] == 1
    assert health["programs"] == ["default"]
    for text in (as_json.output, table.output):
        assert FAST not in text and "5551230002" not in text and "USD" not in text


def test_the_table_has_one_row_per_call_under_a_health_line(tmp_path):
    _, table = run_with_split_billing(tmp_path, status_during_a_call)
    assert table.exit_code == 0, table.output
    health, blank, head, row = table.output.splitlines()
    assert health.startswith("AMI connected (last event 0s ago) | billing command (last: ok)")
    assert "cache: nothing published" in health and health.endswith("1 players")
    assert head.split() == ["CALL", "CALLER", "QUEUE", "POS", "WAITED", "CLASS", "PLAYING",
                            "KEYS", "PROBLEMS"]
    assert row.split() == [A, "*******0002", "testq", "2", "1m05s", "sync", "advice",
                           "opening-hours", "4", "2", "1"]


def test_no_calls_and_no_serve():
    report = {"calls": [], "health": {
        "ami": {"enabled": False, "connected": False, "last_event_age_s": None},
        "billing": {"backend": "none", "last_lookup": ""}, "store": {"last_operation": ""},
        "cache": {"generation": "", "created_s": None, "problems": 0, "readable": False},
        "players_connected": 0}}
    assert render(report).splitlines() == [
        "AMI disabled | billing none (last: -) | store (last: -) | cache: nothing published | "
        "0 players", "", "No calls on hold."]
    result = CliRunner().invoke(progmoh, ["status", "--socket", "/nonexistent/status.sock"])
    assert result.exit_code == 1
    assert result.output == ("Error: serve is not running (nothing listens on "
                             "/nonexistent/status.sock; serve.status_socket)\n")


def test_numbers_are_masked_except_their_last_digits():
    assert mask_number("+15551230002") == "*******0002"
    assert mask_number("12345") == "****5"
    assert mask_number("12") == "**"
    assert mask_number("") == ""
    assert mask_number("<script>81234567890") == "*******7890"


def test_a_user_who_may_not_read_the_socket_is_told_so(tmp_path):
    folder = Path(tempfile.mkdtemp(prefix="progmoh-status-"))
    folder.chmod(0o755)                      # the stranger may reach the socket, not open it

    async def scenario(service, clock, players, path):
        moved = folder / "status.sock"
        os.rename(socket_of(service), moved)
        os.chmod(moved, 0o600)
        return await asyncio.to_thread(as_stranger, str(moved))

    try:
        code, output = run_with_split_billing(tmp_path, scenario)
    finally:
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()
    assert code == 1
    assert output.startswith(f"Error: you may not read {folder}/status.sock (permission denied)")
    assert "run status as the user serve runs as" in output


def as_stranger(socket_path: str) -> tuple[int, str]:
    """Run `progmoh status` in a forked child that has become another user."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:                                          # pragma: no cover (child)
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(STRANGER_UID)
            os.setuid(STRANGER_UID)
            result = CliRunner().invoke(progmoh, ["status", "--socket", socket_path])
            os.write(write_end, json.dumps([result.exit_code, result.output]).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    assert data, "the stranger's child reported nothing"
    return tuple(json.loads(data))


def test_the_status_socket_has_its_configured_mode_and_goes_with_serve(tmp_path):
    async def scenario(service, clock, players, path):
        return os.stat(socket_of(service)).st_mode & 0o777, socket_of(service)

    mode, where = run_with_split_billing(tmp_path, scenario)
    assert mode == 0o660
    assert not os.path.exists(where)
