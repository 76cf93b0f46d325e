"""Inputs the renderer cannot use are skipped and reported by name, and everything else is
still published: advice text that is not UTF-8, has no words, cannot be read or has no
voice; audio that decodes to nothing, vanished after the scan or makes ffmpeg hang.
Without ffmpeg at all the render stops with one line saying what to install.
Real ffmpeg and Festival throughout; only the hang is a stand-in."""

import stat
import subprocess
import sys
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner

from progmoh.cache.store import Store
from progmoh.cli.commands import progmoh
from progmoh.cli.config import load
from progmoh.renderer import condition
from progmoh.renderer.condition import Conditioning, condition_file
from progmoh.renderer.errors import InputProblem
from tests.support.render_support import copy_base, render_config

PROGMOH = str(Path(sys.executable).parent / "progmoh")
MUSIC = Conditioning(target_dbfs=-30.0, band_low_hz=300, band_high_hz=3400)
# `progmoh render` by root without capabilities: a renderer that may not read what it
# does not own, as the render user on a real server meets a file of another user.
WITHOUT_CAPABILITIES = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--"]
SLOW_FFMPEG = """#!/bin/sh
case "$*" in *slow.wav*) exec sleep 60;; esac
exec {ffmpeg} "$@"
"""


@pytest.fixture
def folder(tmp_path_factory, tmp_path):
    """A copy of the rendered tiny library (test_render_support.py)."""
    copy_base(tmp_path_factory, tmp_path)
    return tmp_path


def render_folder(folder: Path, **render_changes):
    return render_config(load(folder / "progmoh.toml"), **render_changes)


def published_ids(folder: Path) -> set[str]:
    return {s.id for s in Store(folder / "cache").current().segments}


def empty_wav(path: Path) -> Path:
    """A WAV header and not one sample."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
    return path


def test_advice_text_it_cannot_speak_and_audio_of_no_length_are_skipped_and_named(folder):
    middle, calm = folder / "lib" / "advice" / "middle", folder / "lib" / "music" / "calm"
    (middle / "latin1.txt").write_bytes("Appuyez sur deux, s'il vous pla\xeet.".encode("latin-1"))
    (middle / "blank.txt").write_text("  ... !\n\n")
    empty_wav(calm / "nothing.wav")
    result = render_folder(folder)
    assert sorted(result.problems) == sorted([
        f"{middle / 'latin1.txt'}: text is not UTF-8, skipped",
        f"{middle / 'blank.txt'}: no words to speak, skipped",
        f"{calm / 'nothing.wav'}: no audio (zero length after decoding), skipped"])
    ids = published_ids(folder)
    assert {"music:calm/a-chord", "music:bright/b-chord"} <= ids
    assert any(":tip" in i for i in ids)                          # the good text is spoken
    assert not any("latin1" in i or "blank" in i or "nothing" in i for i in ids)


def test_advice_text_without_a_voice_is_skipped_and_named(folder):
    result = render_folder(folder, languages=())
    tip = folder / "lib" / "advice" / "middle" / "tip.txt"
    assert f"{tip}: render.languages is empty, so no voice speaks it, skipped" in result.problems
    ids = published_ids(folder)
    assert "music:calm/a-chord" in ids and not any(":tip" in i for i in ids)


def test_advice_text_the_renderer_may_not_read_is_skipped_and_named(folder):
    middle = folder / "lib" / "advice" / "middle"
    secret = middle / "secret.txt"
    secret.write_text("Only the owner may read this.\n")
    secret.chmod(0)
    done = render_without_capabilities(folder)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [f"{secret}: cannot read: Permission denied, skipped"]
    assert "music:calm/a-chord" in published_ids(folder)


def test_a_class_folder_the_renderer_may_list_but_not_enter_is_skipped_and_named(folder):
    """As after ``chmod -R 644`` of a class: it used to end the render in a traceback."""
    calm = folder / "lib" / "music" / "calm"
    calm.chmod(0o644)
    done = render_without_capabilities(folder)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [f"{calm}: cannot read: Permission denied, skipped"]
    ids = published_ids(folder)
    assert "music:bright/b-chord" in ids and not any("calm" in i for i in ids)


def test_a_music_folder_the_renderer_cannot_look_into_stops_it_with_one_line(folder):
    music = folder / "lib" / "music"
    generation = Store(folder / "cache").current().generation
    music.chmod(0o644)
    done = render_without_capabilities(folder)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == f"Error: library: {music / 'bright'}: cannot read: Permission denied\n"
    assert Store(folder / "cache").current().generation == generation     # nothing published


def render_without_capabilities(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*WITHOUT_CAPABILITIES, PROGMOH, "render", "--config",
                           str(folder / "progmoh.toml")], capture_output=True, text=True,
                          timeout=300)


def test_audio_that_vanished_after_the_scan_is_a_problem_naming_it(tmp_path):
    gone = tmp_path / "gone.mp3"
    with pytest.raises(InputProblem) as caught:
        condition_file(gone, MUSIC)
    assert str(caught.value) == f"{gone}: cannot read: No such file or directory"


def test_audio_that_makes_ffmpeg_hang_is_skipped_after_the_timeout(folder, tmp_path_factory,
                                                                   monkeypatch):
    real = subprocess.run(["which", "ffmpeg"], capture_output=True, text=True).stdout.strip()
    tools = tmp_path_factory.mktemp("tools")
    (tools / "ffmpeg").write_text(SLOW_FFMPEG.format(ffmpeg=real))
    (tools / "ffmpeg").chmod(stat.S_IRWXU)
    monkeypatch.setenv("PATH", f"{tools}:{Path(real).parent}")
    monkeypatch.setattr(condition, "DECODE_TIMEOUT_S", 1.0)
    calm = folder / "lib" / "music" / "calm"
    (calm / "slow.wav").write_bytes(b"RIFF" + bytes(100))
    result = render_folder(folder)
    assert result.problems == (f"{calm / 'slow.wav'}: ffmpeg took longer than 1 s, skipped",)
    assert "music:calm/a-chord" in published_ids(folder)


def test_without_ffmpeg_the_render_stops_with_one_line_naming_the_package(folder, monkeypatch,
                                                                         tmp_path_factory):
    empty = tmp_path_factory.mktemp("no-tools")
    monkeypatch.setenv("PATH", str(empty))
    (folder / "lib" / "music" / "calm" / "new.wav").write_bytes(b"RIFF" + bytes(100))
    result = CliRunner().invoke(progmoh, ["render", "--config", str(folder / "progmoh.toml")])
    assert result.exit_code == 1
    assert result.stderr == "Error: ffmpeg is not installed (apt-get install ffmpeg)\n"
