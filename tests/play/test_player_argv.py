"""`progmoh play` argv: parsed by hand, never fatal; `--help` through click."""

import os

from click.testing import CliRunner

from progmoh.cli import paths, play_fast
from progmoh.cli.commands import progmoh
from progmoh.player.command_line import valid_uniqueid


def test_full_argv():
    options, problems = play_fast.parse([
        "--uniqueid", "1795709779.380", "--cache", "/c", "--socket=/s", "--log", "syslog",
        "--lead-ms", "150", "--class", "jazz", "--at", "1:8000:0:", "--program", "sales"])
    assert problems == []
    assert options == {"uniqueid": "1795709779.380", "cache_dir": "/c", "socket_path": "/s",
                       "log_target": "syslog", "lead_ms": 150, "music_class": "jazz",
                       "place": "1:8000:0:", "program": "sales"}


def test_defaults():
    options, problems = play_fast.parse(["--uniqueid", "1.2"])
    assert problems == []
    assert options["cache_dir"] == os.path.join(paths.CHECKOUT_DIR, "var", "cache")
    assert options["socket_path"] is None and options["log_target"] == ""
    assert options["lead_ms"] == 160 and options["music_class"] == "" and options["place"] == ""
    assert options["program"] == "default"


def test_problems_are_reported_but_never_fatal():
    options, problems = play_fast.parse(["--lead-ms", "5", "--bogus", "--cache"])
    assert problems == ["unknown argument '--bogus'", "--cache needs a value",
                        "--lead-ms must be 40..2000, not '5'; using 160", "--uniqueid is missing"]
    assert options["lead_ms"] == 160 and options["uniqueid"] == ""


def test_uniqueid_shape():
    assert valid_uniqueid("1795709779.380")
    for bad in ("", "1795709779", "1.2.3", "a.1", "1.2; rm -rf /", "١.٢", ".5", "5."):
        assert not valid_uniqueid(bad), bad


def test_uniqueid_is_bounded_as_serve_bounds_it():
    """1-20 digits, a dot, 1-12 digits: the player, the realtime answer and the hello
    take the same ids (player/command_line.py)."""
    assert valid_uniqueid("9" * 20 + "." + "9" * 12) and valid_uniqueid("0.0")
    for bad in ("9" * 21 + ".1", "1." + "9" * 13, "1.2\n", " 1.2", "+1.2", "1.-2", None, 1.2):
        assert not valid_uniqueid(bad), bad


def test_help_is_click_documented():
    result = CliRunner().invoke(progmoh, ["play", "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    for option in ("--uniqueid", "--cache", "--socket", "--log", "--lead-ms", "--class", "--at"):
        assert option in result.output


def test_main_dispatches_play_without_click():
    import subprocess
    import sys
    code = ("import sys; from progmoh.cli.main import main; import progmoh.cli.play_fast as p; "
            "p.run = lambda o: print(sorted(sys.modules.keys() & {'click', 'argparse', "
            "'logging', 'dataclasses', 'typing'})); main(['play', '--uniqueid', '1.2'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.stdout.strip() == "[]", done.stderr


def test_the_player_imports_only_light_modules():
    """Memory budget: each of these costs 0.6-10 MB in this interpreter."""
    import subprocess
    import sys
    heavy = {"dataclasses", "typing", "logging", "argparse", "hashlib", "socket", "random",
             "datetime", "asyncio", "urllib.request", "tomllib", "click", "subprocess", "json"}
    code = ("import sys; import progmoh.cli.play_fast, progmoh.player.play.engine, "
            "progmoh.player.words.compose; "
            "print(sorted(sys.modules.keys() & %r))" % heavy)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_the_first_audio_waits_for_no_socket_no_os_and_no_mixing_library():
    """What comes after the first write stays out of the start: the socket and message
    code, ``audioop`` (an insert's), ``cli.paths``; ``os`` (a millisecond and 0.2 MB)
    is replaced by ``posix`` in every module the start loads."""
    import subprocess
    import sys
    later = {"_socket", "audioop", "progmoh.player.play.link", "progmoh.player.play.session",
             "progmoh.player.wire", "progmoh.cli.paths", "progmoh.player.words.compose"}
    code = ("import sys; import progmoh.cli.play_fast, progmoh.player.play.engine; "
            "print(sorted(sys.modules.keys() & %r)); "
            "print(sorted(n for n, m in sys.modules.items() if n.startswith('progmoh') "
            "and 'os' in vars(m)))" % later)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.stdout.split("\n")[:2] == ["[]", "[]"], done.stdout + done.stderr
