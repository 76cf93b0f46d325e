"""Shared helpers of the renderer tests (this module holds no tests).

A tiny library (two classes, short tracks, three advice items, slots every
5 s) is rendered once per test session with real ffmpeg and real Festival,
one Festival batch per language; tests copy that cache and library into
their own tmp_path and work from there.  A second base adds the program
``b``: the same music, its own advice folder (a tone ``offer`` first, and
the default program's ``tip`` text), ``calm`` as its default class and its
first advice at once.
"""

import audioop
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

from progmoh.cli.config import Config, load
from progmoh.cli.render_cmd import render_programs
from progmoh.renderer.render import RenderResult, render

CONFIG = """\
[library]
music_dir = "lib/music"
advice_dir = "lib/advice"
prompts_dir = "lib/prompts"

[dayparts]
morning = "06:00-10:00"
evening = "18:00-23:00"

[cache]
dir = "cache"

[render]
slot_spacing_s = 5.0
duck_fade_ms = 500
languages = ["en", "ru"]
max_position = 3
tts_timeout_s = 60.0
"""

PROGRAM_B = """
[programs.b.library]
advice_dir = "lib/advice-b"
default_class = "calm"

[programs.b.program]
first_advice_s = 0.0
"""

TRACK = "aevalsrc=0.3*sin(2*PI*523.25*t)+0.2*sin(2*PI*659.25*t)+0.15*sin(2*PI*784*t):s=22050:d={d}"
VOICE = "aevalsrc=0.5*sin(2*PI*900*t)*(0.6+0.4*sin(2*PI*3*t)):s=16000:d={d}"
OFFER = "aevalsrc=0.5*sin(2*PI*{f}*t)*(0.6+0.4*sin(2*PI*5*t)):s=16000:d=1.5"

_BASE: dict[str, Path] = {}


def ffmpeg(source: str, out: Path, *options: str) -> Path:
    """Synthesize ``out`` from a lavfi ``source`` (format from the file name)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", source, *options, str(out)], check=True, timeout=60)
    return out


def make_library(folder: Path) -> Path:
    """The tiny library and its config file; returns the config path."""
    lib = folder / "lib"
    ffmpeg(TRACK.format(d=14), lib / "music" / "calm" / "a-chord.mp3", "-ac", "2")
    ffmpeg(TRACK.format(d=12), lib / "music" / "bright" / "b-chord.wav")
    ffmpeg(VOICE.format(d=1.5), lib / "advice" / "first" / "hello.wav")
    (lib / "advice" / "middle").mkdir(parents=True)
    (lib / "advice" / "middle" / "tip.txt").write_text("Press two for your balance.\n")
    ffmpeg(VOICE.format(d=1.0), lib / "advice" / "last" / "bye.ogg")
    (lib / "advice" / "last" / "bye.limits.toml").write_text(
        'dayparts = ["morning"]\nweekdays = ["sat", "Sunday"]\n'
        'dates = ["2026-12-24..2026-12-26", "2027-01-01"]\n')
    config = folder / "progmoh.toml"
    config.write_text(CONFIG)
    return config


def base(tmp_path_factory) -> Path:
    """A folder with the tiny library and its rendered cache (made once per session)."""
    if "folder" not in _BASE:
        folder = tmp_path_factory.mktemp("render-base")
        config = make_library(folder)
        result = render_config(load(config))
        assert result.problems == (), result.problems
        _BASE["folder"] = folder
    return _BASE["folder"]


def copy_base(tmp_path_factory, target: Path) -> Config:
    """A private copy of the rendered base in ``target``; returns its config."""
    shutil.copytree(base(tmp_path_factory), target, dirs_exist_ok=True)
    return load(target / "progmoh.toml")


def offer(folder: Path, freq_hz: int = 1250) -> Path:
    """Program b's own advice item, a tone of ``freq_hz``."""
    return ffmpeg(OFFER.format(f=freq_hz), folder / "lib" / "advice-b" / "first" / "offer.wav")


def add_program_b(folder: Path) -> None:
    offer(folder)
    tip = folder / "lib" / "advice-b" / "middle" / "tip.txt"
    tip.parent.mkdir(parents=True)
    shutil.copy(folder / "lib" / "advice" / "middle" / "tip.txt", tip)
    with open(folder / "progmoh.toml", "a", encoding="utf-8") as handle:
        handle.write(PROGRAM_B)


def two_programs_base(tmp_path_factory) -> Path:
    """The base with program b added and rendered (made once per session)."""
    if "two" not in _BASE:
        folder = tmp_path_factory.mktemp("render-two")
        shutil.copytree(base(tmp_path_factory), folder, dirs_exist_ok=True)
        add_program_b(folder)
        result = render_config(load(folder / "progmoh.toml"))
        assert result.problems == () and result.programs == ("default", "b"), result
        _BASE["two"] = folder
    return _BASE["two"]


def copy_two_programs(tmp_path_factory, target: Path) -> Config:
    """A private copy of the two programs' base, rendered again where it now is (its
    sources moved: the same objects, new paths), so a test starts from a quiet cache."""
    shutil.copytree(two_programs_base(tmp_path_factory), target, dirs_exist_ok=True)
    config = load(target / "progmoh.toml")
    moved = render_config(config)
    assert moved.rendered == () and moved.problems == (), moved
    return config


def render_config(config: Config, **render_changes) -> RenderResult:
    """Every program of ``config``, as `progmoh render` renders them."""
    settings = replace(config.render, **render_changes)
    return render(render_programs(config), settings, config.cache.root)


def rms_dbfs(pcm: bytes) -> float:
    import math
    rms = audioop.rms(pcm, 2)
    return 20 * math.log10(rms / 32768) if rms else -math.inf


def max_jump(pcm: bytes) -> int:
    """The largest sample-to-sample step: a click shows up as a big one."""
    samples = memoryview(pcm).cast("h")
    return max((abs(samples[i + 1] - samples[i]) for i in range(len(samples) - 1)), default=0)
