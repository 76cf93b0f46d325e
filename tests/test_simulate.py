"""`progmoh simulate-call`: the real player, the faithful reader, keys at set times."""

import pathlib
import shutil
import tempfile
import wave

import pytest
from click.testing import CliRunner

import player_cache
from cli.commands import progmoh


@pytest.fixture
def short_dir(monkeypatch):
    path = pathlib.Path(tempfile.mkdtemp(prefix="pm-", dir="/tmp"))
    monkeypatch.setenv("HOME", str(path))
    monkeypatch.delenv("PROGMOH_CONFIG", raising=False)
    yield path
    shutil.rmtree(path)


def config(folder, cache="c"):
    path = folder / "progmoh.toml"
    path.write_text(f'[cache]\ndir = "{cache}"\n[serve]\nlanguage = "ru"\n')
    return str(path)


def test_simulated_call_prints_the_timeline_and_writes_the_wav(short_dir):
    player_cache.build(short_dir / "c", track_s=10.0, slot_every_s=3.0,
                       program={"first_advice_s": 1.0, "advice_gap_s": 60.0})
    wav = short_dir / "call.wav"
    result = CliRunner().invoke(progmoh, [
        "simulate-call", str(wav), "--seconds", "4.5", "--keys", "2@1.5,3@2.5,4@3.5",
        "--config", config(short_dir)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "0 short reads, stopped by SIGHUP" in out
    assert "key 2 pressed: balance" in out
    assert "insert balance [balance_is minus n1_f thousand_1 n200 n30 n4 cur_RUB_2 n5 sub_RUB_5]" in out
    assert "key 3 pressed: next music class" in out and "class jazz" in out
    assert "insert position 3 [position_3]" in out
    assert f"WAV: {wav}" in out
    with wave.open(str(wav)) as heard:
        assert heard.getframerate() == 8000 and heard.getnchannels() == 1
        assert heard.getnframes() >= 4.4 * 8000


def test_no_cache_is_a_clear_error(short_dir):
    result = CliRunner().invoke(progmoh, ["simulate-call", str(short_dir / "x.wav"),
                                          "--config", config(short_dir, "missing")])
    assert result.exit_code == 1
    assert "Error: no rendered cache in" in result.output and "progmoh render" in result.output


@pytest.mark.parametrize("keys", ["2", "2@soon", "@5"])
def test_bad_keys_are_usage_errors(short_dir, keys):
    result = CliRunner().invoke(progmoh, ["simulate-call", "x.wav", "--keys", keys])
    assert result.exit_code == 2
    assert "is not KEY@SECONDS" in result.output


def test_a_key_after_the_call_is_an_error(short_dir):
    player_cache.build(short_dir / "c")
    result = CliRunner().invoke(progmoh, ["simulate-call", str(short_dir / "x.wav"), "--seconds",
                                          "2", "--keys", "2@5", "--config", config(short_dir)])
    assert result.exit_code == 1
    assert "Error: key 2 at 5.0 s is outside the 2.0 s call" in result.output
