"""Fixtures of the real-Asterisk tests: the built Asterisks, the demo cache, one lab per test.

Every Asterisk test runs once per version of ``$PROGMOH_TEST_ASTERISK_VERSIONS``
(``make test`` sets it; by default 22 and 20, the LTS releases admins run; add
``master`` to try the development snapshot), each built by tests/services/asterisk.sh
(a second when it is built already).  ``$PROGMOH_TEST_ASTERISK_PREFIX`` names
one installed Asterisk to use instead.  Never skipped: a failed build fails
the tests with its output.
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
from tests.support.asterisk_lab import PROGMOH, toml_text, write_wav
from tests.support.checkout import REPO, SERVICES
from tests.support.isolation import machine_environment
from tests.support.queue_lab import Lab

BUILD_SCRIPT = SERVICES / "asterisk.sh"
DEFAULT_VERSIONS = "22 20"

# The demo library's advice and prompts rendered for calls: the
# first advice due 4 s into a call at slots every 5 s of a track, no second
# advice for 2 minutes.  The demo music is steady chords (the first chord of
# both classes is the same), which no correlation can place in a track, so the
# music classes here are melodies of random notes, each place of each track unique.
# The sales queue's program (demo.toml's) has its own advice over the same music.
# Prompts are rendered in English and Russian, with the program's own texts of
# a say key's template (DATE_TEXTS; the test gives serve the same).
DATE_TEXTS = {"en": {"next_payment": "Your next payment of", "due": "is due on"},
              "ru": {"next_payment": "Ваш следующий платёж,", "due": "оплатите до"}}
RENDER_TOML = """
[library]
music_dir = "{music}"
advice_dir = "{repo}/music/advice"
prompts_dir = "{repo}/music/prompts"
[render]
languages = ["en", "ru"]
slot_spacing_s = 5.0
[program]
first_advice_s = 4.0
advice_gap_s = 120.0
[cache]
dir = "{cache}"
[programs.sales.library]
advice_dir = "{repo}/music/advice-sales"
"""


def versions() -> list[str]:
    if os.environ.get("PROGMOH_TEST_ASTERISK_PREFIX", "").strip():
        return ["given"]
    return os.environ.get("PROGMOH_TEST_ASTERISK_VERSIONS", DEFAULT_VERSIONS).split()


@pytest.fixture(scope="session", params=versions())
def asterisk_prefix(request, pytestconfig) -> Path:
    """The install prefix of one Asterisk version: each Asterisk test runs once per version."""
    prefix = os.environ.get("PROGMOH_TEST_ASTERISK_PREFIX", "").strip()
    if not prefix:     # the machine's build (~/.cache/progmoh-asterisk when not root) is kept
        done = subprocess.run([str(BUILD_SCRIPT), request.param], capture_output=True, text=True,
                              timeout=1800, env=machine_environment(pytestconfig))
        assert done.returncode == 0, (
            f"{BUILD_SCRIPT} {request.param} failed:\n{done.stderr[-4000:]}")
        prefix = done.stdout.strip().splitlines()[-1]
    binary = Path(prefix) / "sbin" / "asterisk"
    assert binary.is_file(), f"no Asterisk at {binary} (version {request.param}, prefix {prefix!r})"
    pjsip = Path(prefix) / "lib" / "asterisk" / "modules" / "chan_pjsip.so"
    assert pjsip.is_file(), (f"the Asterisk in {prefix} was built without chan_pjsip ({pjsip} is "
                             f"missing): build one with {BUILD_SCRIPT}")
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
                                         cache=folder / "cache")
                      + toml_text({f"texts.{lang}": texts for lang, texts in DATE_TEXTS.items()}))
    done = subprocess.run([str(PROGMOH), "render", "--config", str(config)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"rendering the demo library failed:\n{done.stderr[-4000:]}"
    return Store(folder / "cache")


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
