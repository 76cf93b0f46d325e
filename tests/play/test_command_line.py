"""The player's command line, written by ``build`` and read back by ``parse``
(player/command_line.py): every line serve can write means to the player what
serve meant, and the help and the docs name the options the parser takes."""

import itertools
import os
import sys

from click.testing import CliRunner

from progmoh.cli import play_cmd, play_fast
from progmoh.cli.commands import progmoh
from progmoh.player import command_line as cl
from progmoh.player.serve.peercred import carries_uniqueid
from progmoh.player.sim import asterisk_reader as ar
from progmoh.player.sim.standin import ServeStandIn
from tests.support import player_cache
from tests.support.checkout import REPO

PROGMOH = os.path.join(os.path.dirname(sys.executable), "progmoh")
WORTH = ("lead_ms", "music_class", "place", "log_target")     # build drops them from the end
FLAGS = {option.dest: option.flag for option in cl.OPTIONS}
DEFAULTS = {option.dest: option.default for option in cl.OPTIONS}

COMMANDS = (["/opt/progmoh/bin/progmoh", "play"],
            ["/opt/progmoh/venv/bin/python", "-I", "-S", "/opt/progmoh/bin/progmoh-play"],
            ["/opt/my progmoh/bin/progmoh", "play"])             # split by Asterisk: no line
UNIQUEIDS = ("1.2", "1795709779.380", "9" * 20 + "." + "9" * 12)
CACHES = ("/var/cache/progmoh", "/var/ca=che", "/var/my cache")
SOCKETS = ("/run/progmoh/serve.sock", "/run/s=1.sock")
LEADS = (40, 200, 2000)
# Each optional value, and whether build may write it at all.
LOGS = {"": False, "syslog": True, "/l/p=1.log": True, "/var/log/my logs/p.log": False,
        "/l/" + "p" * 60: True}
CLASSES = {"": False, "jazz": True, "a=b": True, "=": True, "джаз": True, "x" * 64: True,
           "progmoh-1.2": True, "uniqueid=--at": True, "#!$&'()*;<>?[]^`{|}~": True,
           "two words": False, "-x": False, "--uniqueid": False, "x" * 65: False,
           "tab\there": False, "nl\n": False, "nb\u00a0sp": False}
PLACES = {"": False, "1:8000:0:": True, "0:0:0:a-first": True, "2:5:7:x=y": True,
          "1:2:3:a b": False, "1:2:3:\t": False}


def written(values):
    """The optional parts build may write for these values, most worth first."""
    ok = {"lead_ms": True, "music_class": CLASSES[values["music_class"]],
          "log_target": LOGS[values["log_target"]]}
    ok["place"] = ok["music_class"] and PLACES[values["place"]]
    return [dest for dest in WORTH if ok[dest]]


def check_round_trip(command, values):
    """Build the line for ``values`` and read it back as the player does: "none" (no
    line), "dropped" (optional parts left out) or "whole"."""
    line = cl.build(command, **values)
    required = [*command, "--uniqueid", values["uniqueid"], "--cache", values["cache_dir"],
                "--socket", values["socket_path"]]
    if line is None:
        assert any(" " in part for part in required) or utf8(" ".join(required)) > 255, values
        return "none"
    argv = line.split(" ")
    assert utf8(line) <= cl.MAX_BYTES and argv[:len(required)] == required, line
    options, problems = play_fast.parse(argv[len(command):])
    assert problems == [] and carries_uniqueid(argv, values["uniqueid"]), (line, problems)
    for dest in ("uniqueid", "cache_dir", "socket_path"):
        assert options[dest] == values[dest], (line, dest)
    flags = argv[len(required)::2]
    eligible = written(values)
    kept = [dest for dest in eligible if FLAGS[dest] in flags]
    assert kept == eligible[:len(kept)] and len(flags) == len(kept), (line, kept)
    for dest in WORTH:
        assert options[dest] == (values[dest] if dest in kept else DEFAULTS[dest]), (line, dest)
    if kept == eligible:
        return "whole"
    left_out = eligible[len(kept)]                                # it would not have fitted
    assert utf8(line) + utf8(" %s %s" % (FLAGS[left_out], values[left_out])) > cl.MAX_BYTES
    return "dropped"


def utf8(text: str) -> int:
    """Asterisk's measure of the line: bytes, not characters."""
    return len(text.encode("utf-8"))


def test_every_line_build_writes_parses_back_to_its_values():
    outcomes = {"none": 0, "dropped": 0, "whole": 0}
    for command, uniqueid, cache, sock, lead, log, music_class, place in itertools.product(
            COMMANDS, UNIQUEIDS, CACHES, SOCKETS, LEADS, LOGS, CLASSES, PLACES):
        values = {"uniqueid": uniqueid, "cache_dir": cache, "socket_path": sock, "lead_ms": lead,
                  "log_target": log, "music_class": music_class, "place": place}
        outcomes[check_round_trip(command, values)] += 1
    assert outcomes["none"] and outcomes["dropped"] and outcomes["whole"], outcomes


def test_at_the_limit_options_are_dropped_in_order_of_worth():
    """A cache path one character longer at a time walks the line across 255 characters
    with every optional part, then without each one, then past what can be written."""
    at_the_limit, outcomes = set(), []
    for command in COMMANDS[:2]:
        for size in range(1, 260):
            values = {"uniqueid": UNIQUEIDS[2], "cache_dir": "/" + "c" * size,
                      "socket_path": SOCKETS[1], "lead_ms": 2000, "log_target": "/l/p=1.log",
                      "music_class": "a=b", "place": "2:5:7:x=y"}
            outcomes.append(check_round_trip(command, values))
            line = cl.build(command, **values)
            if line is not None and utf8(line) == cl.MAX_BYTES:
                at_the_limit.add(sum(line.split(" ").count(FLAGS[dest]) for dest in WORTH))
    assert at_the_limit == {0, 1, 2, 3, 4}         # right at 255 with each number of parts
    assert outcomes[0] == "whole" and outcomes[-1] == "none" and "dropped" in outcomes


def test_the_usage_line_names_the_table_s_options():
    assert cl.synopsis() == ("progmoh play --uniqueid ID [--cache DIR] [--socket PATH] "
                             "[--program NAME] [--log FILE|syslog] [--lead-ms N] "
                             "[--class NAME] [--at PLACE]")


def test_bad_arguments_are_reported_with_the_usage_and_the_player_still_starts(
        monkeypatch, capfd):
    ran = []
    monkeypatch.setattr(play_fast, "run", ran.append)
    play_fast.main(["--bogus", "--uniqueid", "1.2"])
    assert capfd.readouterr().err == (
        "progmoh play: unknown argument '--bogus'\n"
        "usage: progmoh play --uniqueid ID [--cache DIR] [--socket PATH] [--program NAME] "
        "[--log FILE|syslog] [--lead-ms N] [--class NAME] [--at PLACE]\n")
    assert [options["uniqueid"] for options in ran] == ["1.2"]


def test_play_help_says_what_the_parser_takes():
    result = CliRunner().invoke(progmoh, ["play", "--help"], catch_exceptions=False)
    text = " ".join(result.output.split())
    for option in cl.OPTIONS:
        assert f"{option.flag} {option.metavar} {option.help}" in text, option.flag
    assert "[required]" in text and "40<=x<=2000" in text


def test_click_takes_what_the_parser_takes(monkeypatch):
    """``progmoh play`` through click (only ever typed by hand) runs the player with the
    options the hand-made parser gives, and refuses what it refuses."""
    ran = []
    monkeypatch.setattr(play_cmd, "run", ran.append)
    argv = ["--uniqueid", "1.2", "--cache", "/c", "--socket", "/s=1", "--log", "syslog",
            "--lead-ms", "150", "--class", "a=b", "--at", "1:8000:0:"]
    for args in (argv, argv[:2]):
        result = CliRunner().invoke(progmoh, ["play", *args], catch_exceptions=False)
        assert result.exit_code == 0 and ran.pop() == play_fast.parse(args)[0]
    result = CliRunner().invoke(progmoh, ["play", "--cache", "/c"])
    assert result.exit_code == 2 and "Missing option '--uniqueid'" in result.output
    assert ran == []


def test_the_readme_shows_the_line_serve_writes():
    readme = open(REPO / "README.md").read()
    assert f"Asterisk runs `{cl.synopsis(cl.ALWAYS_WRITTEN)}`" in readme


def test_an_over_long_call_id_gets_music_and_advice_only(short_dir):
    """The player's rule is serve's (1-20 digits, a dot, 1-12 digits): an id serve would
    never admit is not offered to it; the caller still hears the music."""
    cache = player_cache.build(short_dir / "c", program={"first_advice_s": 100.0})
    sock, log = short_dir / "s", short_dir / "p.log"
    line = "%s play --cache %s --log %s --socket %s --uniqueid " % (PROGMOH, cache.root, log, sock)
    with ServeStandIn(str(sock)) as serve:
        valid = ar.play(line + UNIQUEIDS[2], 1.0)
        serve.wait_for(lambda e: e[1] == "in" and e[3]["type"] == "hello")
        over_long = ar.play(line + "1." + "2" * 13, 1.0)
        hellos = [e[2] for e in serve.transcript if e[1] == "in" and e[3]["type"] == "hello"]
    assert valid.frames_read >= 10 and over_long.frames_read >= 10
    assert over_long.short_reads == 0
    assert hellos == [UNIQUEIDS[2]]
    assert log.read_text().count("uniqueid is not <digits>.<digits>: music and advice only") == 1
