"""`progmoh simulate-call`: the real player, the faithful reader, keys at set times."""

import wave

import pytest
from click.testing import CliRunner

from progmoh.cache.audio_format import CHANNELS, SAMPLE_RATE_HZ
from progmoh.cli.commands import progmoh
from tests.support import player_cache
from tests.support.simulated_call import build_cache, config, timeline


def first_at(events, text, after_s=-1.0) -> float | None:
    return next((at for at, what in events if at >= after_s and text in what), None)


START_SKEW_S = 0.3      # the player's t= is audio time, AMI's is wall time since the exec


def answer_at(events, cause_s, text) -> float | None:
    """When ``text`` follows an AMI event at ``cause_s``: the player's audio time runs
    behind the wall clock by its start-up, up to START_SKEW_S on a loaded machine."""
    return first_at(events, text, cause_s - START_SKEW_S)


RU_BALANCE = "insert balance [balance_is minus n1_f thousand_1 n200 n30 n4 cur_RUB_2 n5 sub_RUB_5]"


def test_a_call_through_serve_hears_billing_a_saved_class_and_positions(short_dir):
    """AMI emulator -> real serve -> realtime answer -> real player: nothing sent by hand."""
    build_cache(short_dir)
    wav = short_dir / "call.wav"
    result = CliRunner().invoke(progmoh, [
        "simulate-call", str(wav), "--seconds", "6", "--keys", "2@1.5,3@2.5,4@3.5,5@4.5",
        "--ahead-leaves", "0.6", "--config", config(short_dir)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.output
    assert " through serve: " in out and "0 short reads, stopped by SIGHUP" in out
    events = timeline(out)
    assert first_at(events, "serve: realtime /moh/single for progmoh-") <= 0
    assert first_at(events, "AMI QueueCallerJoin: +15551230001 joins support at position 3") <= 0
    assert first_at(events, "insert position 3 [position_3]") < 0.6         # said on arrival
    left = first_at(events, "AMI QueueCallerLeave: +15551230101 leaves support from position 1")
    assert 0.6 <= left and answer_at(events, left, "insert position 2 [position_2]") < 1.5
    key_2 = first_at(events, "AMI DTMFBegin: key 2 pressed by +15551230001 (Direction: Received)")
    assert 1.5 <= key_2 and answer_at(events, key_2, RU_BALANCE) < 2.5   # the demo billing's amount
    key_3 = first_at(events, "AMI DTMFBegin: key 3 pressed")
    assert 2.5 <= key_3 and answer_at(events, key_3, "class jazz") < 3.5
    assert "serve: choice store remembers class jazz for +15551230001" in out
    key_4 = first_at(events, "AMI DTMFBegin: key 4 pressed")
    assert 3.5 <= key_4 and answer_at(events, key_4, "insert position 2 [position_2]") < 4.5
    key_5 = first_at(events, "AMI DTMFBegin: key 5 pressed")
    # (3 * 90 + 0) / 4 s x position 2 = 135 s, no agents named: +-50%, "одна-три минуты"
    wait = "insert wait 1-3 min [wait_prefix n1_f n3 minute_2]"
    assert 4.5 <= key_5 and answer_at(events, key_5, wait) < 5.5
    assert first_at(events, "AMI AgentConnect: an agent answers +15551230101") <= 0.7
    assert first_at(events, "AMI Hangup: +15551230001 hangs up") > 5.5
    assert "denied" not in out and "lost" not in out and f"WAV: {wav}" in out
    with wave.open(str(wav)) as heard:
        assert heard.getframerate() == SAMPLE_RATE_HZ and heard.getnchannels() == CHANNELS
        assert heard.getnframes() >= 5.7 * SAMPLE_RATE_HZ


def test_the_stand_in_sends_the_commands_itself(short_dir):
    build_cache(short_dir)
    wav = short_dir / "call.wav"
    result = CliRunner().invoke(progmoh, [
        "simulate-call", str(wav), "--seconds", "4.5", "--keys", "2@1.5,3@2.5,4@3.5", "--standin",
        "--config", config(short_dir)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.output
    assert " through stand-in: " in out and "0 short reads, stopped by SIGHUP" in out
    assert "key 2 pressed: balance" in out
    assert RU_BALANCE in out
    assert "key 3 pressed: next music class" in out and "class jazz" in out
    assert "insert position 3 [position_3]" in out
    assert "AMI " not in out and "serve: " not in out
    assert f"WAV: {wav}" in out
    with wave.open(str(wav)) as heard:
        assert heard.getframerate() == SAMPLE_RATE_HZ and heard.getnchannels() == CHANNELS
        assert heard.getnframes() >= 4.4 * SAMPLE_RATE_HZ


def test_a_caller_leaving_needs_serve(short_dir):
    build_cache(short_dir)
    result = CliRunner().invoke(progmoh, ["simulate-call", str(short_dir / "x.wav"), "--seconds",
                                          "2", "--standin", "--ahead-leaves", "1", "--keys", "",
                                          "--config", config(short_dir)])
    assert result.exit_code == 1
    assert "Error: a caller ahead leaving is an AMI event: it needs serve" in result.output


def test_a_player_line_over_asterisks_limit_is_a_clear_error(short_dir):
    """serve's realtime answer is empty (Asterisk would play its default class): say so."""
    deep = "d" * 200
    player_cache.build(short_dir / deep)
    result = CliRunner().invoke(progmoh, ["simulate-call", str(short_dir / "x.wav"), "--seconds",
                                          "2", "--keys", "", "--config", config(short_dir, deep)])
    assert result.exit_code == 1
    assert "Error: serve's realtime backend gave no player for progmoh-" in result.output
    assert "over 255 bytes" in result.output


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


@pytest.mark.parametrize("option, value", [("--keys", "2@nan"), ("--keys", "2@inf"),
                                           ("--ahead-leaves", "inf"), ("--seconds", "nan")])
def test_non_finite_times_are_refused(tmp_path, option, value):
    result = CliRunner().invoke(progmoh, ["simulate-call", str(tmp_path / "o.wav"), option, value])
    assert result.exit_code == 2 and value in result.output
    assert not (tmp_path / "o.wav").exists()


def test_a_call_of_another_program_gets_its_class_name_queue_and_keys(short_dir):
    """The sales program has no balance key: its key 2 does nothing, its key 4 still speaks."""
    build_cache(short_dir)
    path = config(short_dir)
    with open(path, "a") as handle:
        handle.write('[programs.sales.keys]\nbalance = ""\n')
    result = CliRunner().invoke(progmoh, [
        "simulate-call", str(short_dir / "call.wav"), "--program", "sales", "--seconds", "4",
        "--keys", "2@1.5,4@2.5", "--config", path], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert " of program sales through serve: " in result.output
    events = timeline(result.output)
    assert first_at(events, "serve: realtime /moh/single for progmoh-sales-") <= 0
    assert first_at(events, "AMI MusicOnHoldStart: music on hold starts, class progmoh-sales-") <= 0
    assert first_at(events, "AMI QueueCallerJoin: +15551230001 joins sales at position 3") <= 0
    key_2 = first_at(events, "AMI DTMFBegin: key 2 pressed")
    key_4 = first_at(events, "AMI DTMFBegin: key 4 pressed")
    assert first_at(events, "insert balance", key_2 - START_SKEW_S) is None
    assert answer_at(events, key_4, "insert position 3 [position_3]") < 3.5


def test_a_program_the_config_does_not_name_is_a_usage_error(short_dir):
    build_cache(short_dir)
    result = CliRunner().invoke(progmoh, [
        "simulate-call", str(short_dir / "call.wav"), "--program", "nosuch", "--seconds", "2",
        "--config", config(short_dir)])
    assert result.exit_code == 2
    assert "'nosuch' is not a program of the configuration (known: default)" in result.output
