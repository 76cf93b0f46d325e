"""The realtime lookup picks the call's program from the class name (player/programs.py):
the answer's name is the one asked for, its player's line names the program, and the
core is told it before the line is written."""

import asyncio
import logging

from progmoh.player.programs import DEFAULT_PROGRAM
from progmoh.player.serve.realtime import RealtimeServer
from progmoh.player.sim.simulate_serve import realtime_single
from tests.support.realtime_support import serve_settings

UID = "1795710278.1"
PROGRAMS = (DEFAULT_PROGRAM, "sales", "collections")
TODAY = ["/opt/progmoh/bin/progmoh", "play", "--uniqueid", UID, "--cache", "/var/cache/progmoh",
         "--socket", "/run/progmoh/serve.sock", "--lead-ms", "200", "--log",
         "/var/log/progmoh/play.log"]


def lookups(names, start_class=None, start_place=None):
    """Each name's answered row ({} for an empty body), and what the core was told."""
    told = []

    async def main():
        server = RealtimeServer(serve_settings(), start_class, start_place=start_place,
                                programs=PROGRAMS,
                                class_requested=lambda uid, program: told.append((uid, program)))
        await server.start()
        try:
            return [await asyncio.to_thread(realtime_single, "127.0.0.1", server.port, "/moh",
                                            name) for name in names]
        finally:
            await server.close()
    return asyncio.run(main()), told


def test_a_programs_class_gets_its_own_name_and_a_line_naming_the_program():
    (row,), told = lookups([f"progmoh-sales-{UID}"])
    assert row["name"] == f"progmoh-sales-{UID}" and row["mode"] == "custom"
    assert row["application"].split(" ") == TODAY[:8] + ["--program", "sales"] + TODAY[8:]
    assert told == [(UID, "sales")]


def test_the_default_programs_class_gets_todays_line():
    (row,), told = lookups([f"progmoh-{UID}"])
    assert row["name"] == f"progmoh-{UID}" and row["application"].split(" ") == TODAY
    assert told == [(UID, DEFAULT_PROGRAM)]


def test_an_unknown_program_plays_the_default_and_is_said_once_per_name(caplog):
    caplog.set_level(logging.WARNING, "progmoh.serve.realtime")
    names = [f"progmoh-nosuch-{UID}", "progmoh-nosuch-1795710278.2", f"progmoh-other-{UID}"]
    rows, told = lookups(names)
    assert [row["name"] for row in rows] == names                 # exactly as asked
    assert [row["application"].split(" ")[3] for row in rows] == [UID, "1795710278.2", UID]
    assert all("--program" not in row["application"] for row in rows)
    assert told == [(UID, DEFAULT_PROGRAM), ("1795710278.2", DEFAULT_PROGRAM),
                    (UID, DEFAULT_PROGRAM)]
    said = [r.getMessage() for r in caplog.records if "which the config does not hold" in
            r.getMessage()]
    assert len(said) == 2
    assert "'nosuch'" in said[0] and "'other'" in said[1] and "plays the default" in said[0]


def test_a_class_whose_program_part_is_no_program_name_is_not_ours():
    names = [f"progmoh-Sales-{UID}", f"progmoh-sa les-{UID}", f"progmoh--{UID}",
             "progmoh-sales-", "progmoh-sales-abc.1", f"progmoh-1sales-{UID}",
             f"progmoh-{'s' * 33}-{UID}", f"progmoh-sales-{UID}-x"]
    rows, told = lookups(names)
    assert rows == [{}] * len(names) and told == []


def test_a_restarted_calls_class_and_place_follow_the_program():
    async def start_class(uid):
        return "jazz"
    (row,), _ = lookups([f"progmoh-collections-{UID}"], start_class, lambda uid: "1:8000:0:")
    assert row["application"].split(" ")[8:] == [
        "--program", "collections", "--lead-ms", "200", "--class", "jazz", "--at", "1:8000:0:",
        "--log", "/var/log/progmoh/play.log"]
