"""Fixtures of the real-Asterisk tests: the built Asterisk, the demo cache, one lab per test.

Never skipped: without ``$PROGMOH_TEST_ASTERISK_PREFIX`` (set by ``make test``)
the build script runs here, and its failure fails the tests with its output.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

import heard
from asterisk_lab import (PROGMOH, SHORT_READ, AmiSession, Asterisk, Caller, Serve, serve_config,
                          wait_until)
from progmoh.cache.store import Store

REPO = Path(__file__).resolve().parent.parent
BUILD_SCRIPT = REPO / "tests" / "services" / "asterisk.sh"

# The demo library rendered for calls: English only, the first advice due
# 4 s into a call at slots every 5 s of a track, no second advice for 2 minutes.
# (The demo tracks repeat every 20 s, so a call of the tests stays shorter.)
RENDER_TOML = """
[library]
music_dir = "{repo}/music/classes"
advice_dir = "{repo}/music/advice"
prompts_dir = "{repo}/music/prompts"
[render]
languages = ["en"]
slot_spacing_s = 5.0
[program]
first_advice_s = 4.0
advice_gap_s = 120.0
[cache]
dir = "{cache}"
"""


@pytest.fixture(scope="session")
def asterisk_prefix() -> Path:
    prefix = os.environ.get("PROGMOH_TEST_ASTERISK_PREFIX", "").strip()
    if not prefix:
        done = subprocess.run([str(BUILD_SCRIPT)], capture_output=True, text=True, timeout=1200)
        assert done.returncode == 0, f"{BUILD_SCRIPT} failed:\n{done.stderr[-4000:]}"
        prefix = done.stdout.strip().splitlines()[-1]
    binary = Path(prefix) / "sbin" / "asterisk"
    assert binary.is_file(), f"no Asterisk at {binary} (PROGMOH_TEST_ASTERISK_PREFIX={prefix!r})"
    return Path(prefix)


@pytest.fixture(scope="session")
def demo_cache(tmp_path_factory) -> Store:
    """The demo library rendered once per session; tests read clips from it."""
    folder = tmp_path_factory.mktemp("asterisk-cache")
    config = folder / "render.toml"
    config.write_text(RENDER_TOML.format(repo=REPO, cache=folder / "cache"))
    done = subprocess.run([str(PROGMOH), "render", "--config", str(config)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"rendering the demo library failed:\n{done.stderr[-4000:]}"
    return Store(folder / "cache")


class Lab:
    """Asterisk, serve, an AMI session that listens and one per caller that acts, in one folder."""

    def __init__(self, folder: Path, prefix: Path, store: Store):
        self.folder, self.store = folder, store
        self.asterisk = Asterisk(prefix, folder)
        self.sections = serve_config(folder, self.asterisk, store.root)
        self.balances: dict[str, str] = {}
        self.serve = None
        self.events = None
        self.callers: list[Caller] = []
        self.sessions: list[AmiSession] = []

    def start(self, balances: dict[str, str]) -> None:
        self.balances = balances
        self.asterisk.start()
        self.events = self.asterisk.session()
        self.serve = Serve(self.folder, self.sections, balances)
        self.serve.start()

    def caller(self, number: str, queue: str = "support") -> Caller:
        """A new caller with its own action session, so keys of many callers go together."""
        actions = self.asterisk.session()
        self.sessions.append(actions)
        caller = Caller(self.events, actions, self.folder / "rec" / f"{len(self.callers)}.wav",
                        number, queue)
        self.callers.append(caller)
        return caller

    def wait_player(self, caller: Caller, welcomes: int = 1, timeout_s: float = 5.0) -> None:
        """Until the caller's player has been welcomed by serve ``welcomes`` times."""
        needle = f"call={caller.call_id} welcome"
        wait_until(lambda: self.player_log_text().count(needle) >= welcomes, timeout_s,
                   f"player of {caller.call_id} welcomed by serve\n{self.player_log(caller)}")

    def clip(self, segment_id: str):
        """The audio of one cache segment, as the player plays it."""
        manifest = self.store.current()
        segment = next((s for s in manifest.segments if s.id == segment_id), None)
        assert segment is not None, f"no segment {segment_id} in the demo cache"
        return heard.pcm(self.store.read(segment.object))

    def classes(self) -> tuple[str, str]:
        """(class a caller starts in, the class key 3 switches to)."""
        manifest = self.store.current()
        first = manifest.default_class or manifest.classes[0]
        index = manifest.classes.index(first)
        return first, manifest.classes[(index + 1) % len(manifest.classes)]

    def first_track(self, music_class: str) -> str:
        manifest = self.store.current()
        tracks = sorted((s.track_index, s.id) for s in manifest.segments
                        if s.kind == "music" and s.music_class == music_class)
        return tracks[0][1]

    def recording(self, caller: Caller):
        return heard.load_wav(caller.recording)

    def player_log_text(self) -> str:
        path = self.folder / "play.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def player_log(self, caller: Caller | None = None) -> str:
        """The player's last log lines (of one caller), for failure messages."""
        lines = self.player_log_text().splitlines()
        if caller is not None:
            lines = [line for line in lines if caller.call_id in line]
        return "\n".join(lines[-25:])

    def short_reads(self) -> list[str]:
        return [line for line in self.asterisk.messages().splitlines() if SHORT_READ in line]

    def check_everywhere(self, single_calls: bool = True, max_start_loss_s: float = 0.3) -> dict:
        """What every test asserts; returns the figures measured, for the report."""
        reads = self.short_reads()
        assert not reads, f"{len(reads)} short reads in Asterisk's log: {reads[:5]}\n{self.player_log()}"
        assert "MOH: exec failed" not in self.asterisk.stderr_text(), self.asterisk.tail()
        figures = {}
        for caller in self.callers:
            heard_now = self.recording(caller)
            silent = heard.zero_runs(heard_now, 0.1)
            assert not silent, (f"caller {caller.number} heard digital silence (start s, length s) "
                                f"{silent}\n{self.player_log(caller)}")
            lost = round(caller.held_s() - len(heard_now) / heard.RATE, 3)
            figures[caller.number] = lost
            if single_calls:
                assert lost <= max_start_loss_s, (
                    f"caller {caller.number} lost {lost} s: recorded {len(heard_now) / heard.RATE:.3f}"
                    f" s of {caller.held_s()} s on hold\n{self.player_log(caller)}")
        return figures

    def close(self) -> None:
        for session in [self.events] + self.sessions:
            if session is not None:
                session.close()
        if self.serve is not None:
            self.serve.stop()
        self.asterisk.stop()
        for pid in stray_players(self.folder):
            os.kill(pid, 9)


def stray_players(folder: Path) -> list[int]:
    """PIDs of players started for this lab (their argv names its socket) still running."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(folder / "serve.sock").encode() in argv and b"play" in argv:
            found.append(int(entry.name))
    return found


@pytest.fixture
def lab(asterisk_prefix, demo_cache):
    # Short: Asterisk's control socket and serve's socket paths hold at most 107 bytes.
    folder = Path(tempfile.mkdtemp(prefix="pm-ast-", dir="/tmp"))
    lab = Lab(folder, asterisk_prefix, demo_cache)
    try:
        yield lab
    finally:
        lab.close()
        shutil.rmtree(folder, ignore_errors=True)
