"""`make coverage` measures the real player too, though it leaves by ``posix._exit`` (no
atexit, where coverage.py saves): the exit saves first, and only when coverage runs; the
player itself never loads coverage."""

import inspect
import os
import subprocess
import sys

import coverage

from progmoh.player.play import engine
from progmoh.player.sim import asterisk_reader as ar
from tests.support import player_cache
from tests.support.checkout import REPO

CALL = "1795709779.380"
SETUP_CFG = REPO / "setup.cfg"
# What the .pth file scripts/coverage puts in the venv does at a measured process's start.
MEASURED_PLAY = """import sys, coverage
coverage.process_startup()
from progmoh.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def without_coverage() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}


def test_a_player_stopped_by_a_signal_saves_what_coverage_measured(short_dir):
    cache = player_cache.build(short_dir / "c")
    data_file = short_dir / "measured" / "data"
    data_file.parent.mkdir()
    (short_dir / "play.py").write_text(MEASURED_PLAY)
    env = dict(without_coverage(), COVERAGE_PROCESS_START=str(SETUP_CFG),
               COVERAGE_FILE=str(data_file))
    channel = ar.play(f"{sys.executable} {short_dir / 'play.py'} play --uniqueid {CALL} "
                      f"--cache {cache.root}", 1.0, env=env)
    assert channel.stopped_by == "SIGHUP" and channel.proc.returncode == 0
    saved, = data_file.parent.glob("data.*")          # parallel = True: one file per process
    data = coverage.CoverageData(str(saved))
    data.read()
    source, first = inspect.getsourcelines(engine.leave)
    saving = first + next(i for i, line in enumerate(source) if ".save()" in line)
    assert saving in data.lines(engine.__file__)            # measured up to the save itself


def test_the_player_loads_no_coverage_of_its_own():
    code = ("import sys, progmoh.cli.play_fast, progmoh.player.play.engine; "
            "print('coverage' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=30, env=without_coverage())
    assert done.stdout == "False\n", done.stderr
