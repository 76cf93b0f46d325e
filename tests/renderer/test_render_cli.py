"""`progmoh render` as cron and a terminal see it: quiet, problems on stderr, exit 1."""

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from progmoh.cache.store import Store
from progmoh.cli.commands import progmoh
from tests.support.render_support import copy_base, ffmpeg

PROGMOH = str(Path(sys.executable).parent / "progmoh")


@pytest.fixture
def config(tmp_path_factory, tmp_path):
    copy_base(tmp_path_factory, tmp_path)
    return tmp_path / "progmoh.toml"


def _render(config, *args):
    return CliRunner().invoke(progmoh, ["render", "--config", str(config), *args],
                              catch_exceptions=False)


def test_success_is_silent(config):
    result = _render(config)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_verbose_says_what_it_did(config):
    _render(config)
    result = _render(config, "--verbose")
    assert result.exit_code == 0
    assert result.stdout.startswith("rendered 0 of ")
    assert "nothing changed" in result.stdout


def test_bad_inputs_are_reported_and_skipped_and_the_rest_is_published(config):
    folder = config.parent
    calm = folder / "lib" / "music" / "calm"
    (calm / "corrupt.mp3").write_bytes(b"ID3" + bytes(range(256)) * 20)
    (calm / "empty.flac").write_bytes(b"")
    ffmpeg("anullsrc=r=8000:cl=mono", calm / "quiet.wav", "-t", "3")
    (folder / "lib" / "advice" / "middle" / "tip.limits.toml").write_text('dayparts = ["lunch"]\n')
    result = _render(config)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 4, lines
    assert f"{calm / 'corrupt.mp3'}: not audio ffmpeg can decode (" in result.stderr
    assert f"{calm / 'empty.flac'}: empty file (0 bytes), skipped" in lines
    assert any(line.startswith(f"{calm / 'quiet.wav'}: silent (") for line in lines)
    assert any("tip.limits.toml: unknown daypart 'lunch'" in line for line in lines)
    manifest = Store(folder / "cache").current()
    ids = {s.id for s in manifest.segments}
    assert {"music:calm/a-chord", "music:bright/b-chord"} <= ids
    assert not any("corrupt" in i or "empty" in i or "quiet" in i or ":tip" in i for i in ids)
    assert manifest.problems == tuple(lines)
    assert result.stdout == ""


def test_a_track_too_short_to_loop_is_reported_and_not_published(config):
    calm = config.parent / "lib" / "music" / "calm"
    ffmpeg("sine=f=440:r=8000", calm / "blip.wav", "-t", "0.1")
    ffmpeg("sine=f=440:r=8000", calm / "second.wav", "-t", "1.2")
    result = _render(config)
    assert result.exit_code == 1
    assert result.stderr == (f"{calm / 'blip.wav'}: 0.1 s long, shorter than the 1 s a "
                             f"music track needs to loop sensibly, skipped\n")
    ids = {s.id for s in Store(config.parent / "cache").current().segments}
    assert "music:calm/second" in ids and "music:calm/blip" not in ids


def test_a_missing_advice_folder_is_reported_and_the_music_published(config):
    advice = config.parent / "lib" / "advice"
    advice.rename(config.parent / "elsewhere")
    result = _render(config)
    assert result.exit_code == 1
    assert result.stderr == (f"library.advice_dir: {advice}: no such folder, "
                             f"so no advice is rendered\n")
    ids = {s.id for s in Store(config.parent / "cache").current().segments}
    assert "music:calm/a-chord" in ids and not any(i.startswith("advice:") for i in ids)


def test_a_missing_music_folder_is_one_error_line(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[library]\nmusic_dir = "nowhere"\n[cache]\ndir = "cache"\n')
    result = CliRunner().invoke(progmoh, ["render", "--config", str(config)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: library.music_dir: {tmp_path / 'nowhere'}: no such folder\n"


def test_progress_bar_only_on_a_terminal(config):
    assert "Rendering" not in _render(config).stdout
    primary, secondary = pty.openpty()
    process = subprocess.Popen([PROGMOH, "render", "--config", str(config)],
                               stdout=secondary, stderr=subprocess.PIPE)
    os.close(secondary)
    shown, deadline = b"", time.monotonic() + 60
    while True:
        remaining_s = deadline - time.monotonic()
        if remaining_s <= 0 or not select.select([primary], [], [], remaining_s)[0]:
            process.kill()
            raise AssertionError(
                f"render still running after 60 s; terminal showed {shown[-300:]!r}")
        try:
            chunk = os.read(primary, 4096)
        except OSError:                     # EIO: the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(primary)
    assert process.wait(timeout=60) == 0
    assert process.stderr.read() == b""
    assert b"Rendering" in shown and b"100%" in shown
