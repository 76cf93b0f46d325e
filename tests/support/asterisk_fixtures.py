"""Fixtures of the real-Asterisk tests: the built Asterisk, the demo cache, one lab per test.

Never skipped: without ``$PROGMOH_TEST_ASTERISK_PREFIX`` (set by ``make test``)
the build script runs here, and its failure fails the tests with its output.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from progmoh.cache.store import Store
from tests.support import heard
from tests.support.asterisk_lab import (
    PROGMOH,
    SHORT_READ,
    AmiSession,
    Asterisk,
    Caller,
    Serve,
    serve_config,
    wait_until,
    write_wav,
)
from tests.support.checkout import REPO, SERVICES
from tests.support.isolation import machine_environment

MATCH = 0.9          # an exported clip where it plays scores about 0.99, under ducked music too
MUSIC_MATCH = 0.98   # music is copied sample for sample; other places of a track score <= 0.95
WITHIN_S = 0.3       # an announcement begins at most this long after its key goes down
EARLY_S = 0.3        # a clip may seem to begin this much before its key (event timing)
BUILD_SCRIPT = SERVICES / "asterisk.sh"

# The demo library's advice and prompts rendered for calls: English only, the
# first advice due 4 s into a call at slots every 5 s of a track, no second
# advice for 2 minutes.  The demo music is steady chords (the first chord of
# both classes is the same), which no correlation can place in a track, so the
# music classes here are melodies of random notes, each place of each track unique.
RENDER_TOML = """
[library]
music_dir = "{music}"
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
def asterisk_prefix(pytestconfig) -> Path:
    prefix = os.environ.get("PROGMOH_TEST_ASTERISK_PREFIX", "").strip()
    if not prefix:     # the machine's build (~/.cache/progmoh-asterisk when not root) is kept
        done = subprocess.run([str(BUILD_SCRIPT)], capture_output=True, text=True, timeout=1200,
                              env=machine_environment(pytestconfig))
        assert done.returncode == 0, f"{BUILD_SCRIPT} failed:\n{done.stderr[-4000:]}"
        prefix = done.stdout.strip().splitlines()[-1]
    binary = Path(prefix) / "sbin" / "asterisk"
    assert binary.is_file(), f"no Asterisk at {binary} (PROGMOH_TEST_ASTERISK_PREFIX={prefix!r})"
    return Path(prefix)


def write_music(folder: Path, seconds: float = 30.0) -> None:
    """Two classes of two tracks: random notes of 62 to 250 ms, a seed per track."""
    for seed, name in enumerate(("bright/01-morning", "bright/02-noon", "calm/01-dawn",
                                 "calm/02-dusk")):
        rng = np.random.default_rng(1000 + seed)
        notes, total = [], 0
        while total < seconds * heard.RATE:
            samples = int(rng.integers(1, 5) * 0.0625 * heard.RATE)
            t = np.arange(samples) / heard.RATE
            pitch = 330.0 * 2 ** (rng.integers(0, 30) / 12)
            tone = sum(np.sin(2 * np.pi * pitch * h * t) / h for h in (1, 2, 3))
            notes.append(tone * np.hanning(samples) ** 0.25 * rng.uniform(3000, 9000))
            total += samples
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        write_wav(folder / f"{name}.wav", np.concatenate(notes))


@pytest.fixture(scope="session")
def demo_cache(tmp_path_factory) -> Store:
    """The demo library rendered once per session; tests read clips from it."""
    folder = tmp_path_factory.mktemp("asterisk-cache")
    config = folder / "render.toml"
    write_music(folder / "classes")
    config.write_text(RENDER_TOML.format(repo=REPO, music=folder / "classes",
                                         cache=folder / "cache"))
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

    def call(self, number: str, queue: str = "support", player: bool = True) -> Caller:
        """A caller in the queue with music on hold started (and its player welcomed by serve)."""
        caller = self.caller(number, queue)
        caller.originate()
        caller.wait_music()
        if player:
            self.wait_player(caller)
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

    def clip_after(self, caller: Caller, recording, segment_id: str, key_s: float, what: str,
                   within_s: float = WITHIN_S) -> float:
        """Where ``segment_id`` begins after the key; asserts it began within ``within_s``.

        ``key_s`` is on the call's clock; in the file it is earlier by what the
        recording lost at the start (callers joining together lose most).
        """
        lost_s = max(0.0, caller.held_s() - len(recording) / heard.RATE)
        in_file_s = key_s - lost_s
        after = heard.excerpt(recording, in_file_s - EARLY_S, 8.0)
        score, at = heard.best(after, self.clip(segment_id))
        begins = round(at - EARLY_S, 3)
        assert score >= MATCH and begins <= within_s, (
            f"{what}: key at {key_s} s of the call, {in_file_s:.3f} s into the recording "
            f"(recorded {len(recording) / heard.RATE} s of {caller.held_s()} s on hold); best "
            f"match of {segment_id} scores {score} at {begins} s after the key (needs >= {MATCH} "
            f"within {within_s} s)\n{self.player_log(caller)}")
        return begins

    def heard_track(self, recording, track: str, start_s: float, length_s: float = 0.6):
        """(score, position in ``track``) of a short excerpt of the recording from ``start_s``."""
        return heard.where_in(self.clip(track), heard.excerpt(recording, start_s, length_s))

    def sentence_s(self, keys) -> float:
        """How long the prompt clips of ``keys`` last together."""
        return sum(len(self.clip(f"prompt:en/{key}")) for key in keys) / heard.RATE

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
        assert not reads, (f"{len(reads)} short reads in Asterisk's log: {reads[:5]}\n"
                           f"{self.player_log()}")
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
                    f"caller {caller.number} lost {lost} s: recorded "
                    f"{len(heard_now) / heard.RATE:.3f} s of {caller.held_s()} s on hold\n"
                    f"{self.player_log(caller)}")
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
        if os.environ.get("PROGMOH_TEST_KEEP_LAB"):     # to read a failed call's logs and WAVs
            print(f"lab kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
