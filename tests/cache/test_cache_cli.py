"""``progmoh cache`` through click's CliRunner: exit codes and key output."""

import dataclasses
import json
import wave
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from progmoh.cache.audio_format import CHANNELS, SAMPLE_BYTES, SAMPLE_RATE_HZ
from progmoh.cache.manifest import Limits
from progmoh.cache.store import Store
from progmoh.cli.commands import progmoh
from tests.support.cache_factory import EPOCH, advice, hours, manifest, pcm, publish


@pytest.fixture
def env(tmp_path):
    """A config file whose cache.dir is a fresh folder."""
    config = tmp_path / "progmoh.toml"
    config.write_text('[cache]\ndir = "cache"\ngc_grace_hours = 6.0\n')
    return tmp_path / "cache", str(config)


def run(config, *args, ok=True):
    result = CliRunner().invoke(progmoh, ["cache", *args, "--config", config],
                                catch_exceptions=not ok)
    return result


@pytest.fixture
def two(env):
    root, config = env
    old = publish(root, seed=1, created=EPOCH)
    new = publish(root, seed=2, created=EPOCH + hours(1))
    return root, config, old, new


def test_ls_lists_generations_newest_first_with_current_marked(two):
    root, config, old, new = two
    result = run(config, "ls")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["GENERATION", "CREATED", "SEGMENTS", "SIZE"]
    assert lines[1].startswith(f"* {new.generation}")
    assert lines[2].startswith(f"  {old.generation}")
    assert f"2 generation(s), 12.5 KiB of objects on disk, in {root}" in result.stdout


def test_ls_json(two):
    _, config, old, new = two
    result = run(config, "ls", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [(g["name"], g["is_current"], g["segments"]) for g in data] == [
        (new.generation, True, 4), (old.generation, False, 4)]


def test_ls_current_lists_segments_with_every_column(two):
    _, config, _, new = two
    result = run(config, "ls", "--current")
    assert result.exit_code == 0
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["ID", "KIND", "CLASS", "TRACK", "SLOT", "ADVICE", "GROUP",
                              "DAYPARTS", "DURATION", "SIZE"]
    advice_row = next(r for r in rows if r.startswith("advice:"))
    assert advice_row.split() == ["advice:calm/01-dawn@1:welcome", "advice", "calm", "01-dawn",
                                  "1", "welcome", "first", "morning", "0:00.1", "1.6", "KiB"]
    assert f"4 segment(s), 0:00.4 of audio, in generation {new.generation}" in result.stdout


def test_ls_named_generation_json(two):
    _, config, old, _ = two
    result = run(config, "ls", old.generation, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["generation"] == old.generation
    assert [s["object"] for s in data["segments"]] == [s.object for s in old.segments]
    assert data["segments"][2]["dayparts"] == ["morning"]
    assert data["segments"][0]["slot"] is None


def test_ls_generation_and_current_together_is_a_usage_error(two):
    _, config, old, _ = two
    result = run(config, "ls", old.generation, "--current")
    assert result.exit_code == 2
    assert "give either GENERATION or --current, not both" in result.stderr


def test_ls_unknown_generation(two):
    root, config, _, _ = two
    result = run(config, "ls", "20200101T000000Z-000000")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {root}/generations/20200101T000000Z-000000.json: "
                                    f"no such generation")


@pytest.mark.parametrize("args", [["ls"], ["ls", "--current"], ["verify"], ["gc"],
                                  ["show", "music:calm/01-dawn"],
                                  ["export", "music:calm/01-dawn", "out.wav"]])
def test_nothing_published_is_a_clear_error(env, args):
    root, config = env
    result = run(config, *args)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {root}: nothing has been published in this cache yet "
                             f"(run `progmoh render` first, or check cache.dir)\n")
    assert "Traceback" not in result.output


def test_show_segment_of_current_generation(two):
    root, config, _, new = two
    segment = new.segments[2]
    result = run(config, "show", segment.id)
    assert result.exit_code == 0
    assert "advice:        welcome" in result.stdout
    assert f"generation:    {new.generation}" in result.stdout
    assert f"path:          {Store(root).path(segment.object)}" in result.stdout
    assert "daypart_names: morning" in result.stdout


def test_show_in_another_generation_as_json(two):
    root, config, old, _ = two
    result = run(config, "show", "prompt:en/n_1", "--generation", old.generation, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["object"] == old.segments[3].object
    assert data["generation"] == old.generation
    assert data["duration_s"] == old.segments[3].samples / SAMPLE_RATE_HZ
    assert data["path"] == str(Store(root).path(old.segments[3].object))


def test_show_unknown_segment_suggests_close_ids(two):
    _, config, _, new = two
    result = run(config, "show", "music:calm/01-dwn")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: no segment 'music:calm/01-dwn' in generation "
                                    f"{new.generation}; did you mean music:calm/01-dawn")


def test_verify_ok(two):
    _, config, _, _ = two
    result = run(config, "verify")
    assert result.exit_code == 0
    assert result.stdout == "OK: 8 object(s), 12.5 KiB, in 2 generation(s)\n"


def test_verify_names_each_bad_object_and_exits_1(two):
    root, config, old, new = two
    store = Store(root)
    flipped, truncated = store.path(new.segments[0].object), store.path(old.segments[1].object)
    data = bytearray(flipped.read_bytes())
    data[0] ^= 0x80
    flipped.write_bytes(bytes(data))
    truncated.write_bytes(truncated.read_bytes()[:10])
    result = run(config, "verify")
    assert result.exit_code == 1
    assert f"BAD {flipped}: content does not match its name" in result.stdout
    assert f"BAD {truncated}: length 10 bytes, expected 1604" in result.stdout
    assert result.stderr == (f"Error: 2 of 8 object(s) in {root} are bad; delete them and "
                             f"run `progmoh render` to make them again\n")


def test_verify_json_reports_bad_objects(two):
    root, config, _, new = two
    Store(root).path(new.segments[3].object).unlink()
    result = run(config, "verify", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert [(b["digest"], b["problem"]) for b in data["bad"]] == [(new.segments[3].object,
                                                                 "missing")]


def test_gc_dry_run_then_gc(env):
    root, config = env
    now = datetime.now(timezone.utc)
    old = publish(root, seed=1, created=now - hours(48))
    publish(root, seed=2, created=now - hours(47))    # superseded only an hour ago: kept
    publish(root, seed=3, created=now - hours(1))
    dry = run(config, "gc", "--dry-run")
    assert dry.exit_code == 0
    assert f"Would remove generation {old.generation}" in dry.stdout
    assert "Would remove 1 generation(s), 4 object(s), 0 temp file(s)" in dry.stdout
    assert len(Store(root).generations()) == 3
    real = run(config, "gc", "--json")
    assert real.exit_code == 0
    report = json.loads(real.stdout)
    assert report["removed_generations"] == [old.generation]
    assert sorted(report["removed_objects"]) == sorted(s.object for s in old.segments)
    assert len(Store(root).generations()) == 2
    again = run(config, "gc")
    assert again.stdout == ("Removed 0 generation(s), 0 object(s), 0 temp file(s): 0 B; "
                            "kept 2 generation(s)\n")


def test_gc_while_a_render_holds_the_lock(two):
    root, config, _, _ = two
    with Store(root).writer():
        result = run(config, "gc")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {root}/lock: the cache is locked: another render "
                             f"(or gc) is running\n")


def test_export_writes_a_telephone_wav(two, tmp_path):
    root, config, _, new = two
    out = tmp_path / "dawn.wav"
    result = run(config, "export", "music:calm/01-dawn", str(out))
    assert result.exit_code == 0
    assert result.stdout == f"Wrote {out} (0:00.1, 8000 Hz mono 16-bit)\n"
    with wave.open(str(out), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (
            CHANNELS, SAMPLE_BYTES, SAMPLE_RATE_HZ)
        assert wav.readframes(wav.getnframes()) == pcm(20, 800)
    assert new.segments[0].object == Store(root).path(new.segments[0].object).stem


def test_export_to_a_missing_folder_names_it(two, tmp_path):
    _, config, _, _ = two
    out = tmp_path / "no" / "such" / "x.wav"
    result = run(config, "export", "music:calm/01-dawn", str(out))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {out}: cannot write WAV file: No such file or directory\n"


def test_export_of_a_truncated_object_says_so(two, tmp_path):
    root, config, _, new = two
    path = Store(root).path(new.segments[0].object)
    path.write_bytes(path.read_bytes()[:100])
    result = run(config, "export", "music:calm/01-dawn", str(tmp_path / "x.wav"))
    assert result.exit_code == 1
    assert "is 100 bytes, expected 1600" in result.stderr


def test_export_needs_both_arguments(two):
    _, config, _, _ = two
    result = run(config, "export", "music:calm/01-dawn")
    assert result.exit_code == 2
    assert "Missing argument 'OUT.wav'" in result.stderr


def test_bad_config_file_is_an_error(tmp_path):
    result = CliRunner().invoke(progmoh, ["cache", "ls", "--config", str(tmp_path / "nope.toml")])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {tmp_path / 'nope.toml'}: no such configuration file\n"


def test_config_from_environment_variable(two, monkeypatch):
    root, config, _, new = two
    monkeypatch.setenv("PROGMOH_CONFIG", config)
    result = CliRunner().invoke(progmoh, ["cache", "ls"], catch_exceptions=False)
    assert result.exit_code == 0
    assert new.generation in result.stdout


def test_show_spells_out_play_limits(env):
    root, config = env
    data = pcm(7, 500)
    limited = dataclasses.replace(advice(data, item="winter"), limits=Limits(
        dayparts=(("06:00", "10:00"),), daypart_names=("morning",), weekdays=(0, 4),
        dates=(("2026-12-01", "2027-01-15"),)))
    with Store(root).writer() as writer:
        writer.put(data)
        writer.publish(manifest([limited]))
    result = run(config, "show", limited.id)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[-4:] == ["dayparts:      06:00-10:00", "daypart_names: morning",
                          "weekdays:      Mon, Fri", "dates:         2026-12-01..2027-01-15"]
    as_json = json.loads(run(config, "show", limited.id, "--json").stdout)
    assert as_json["limits"]["weekdays"] == [0, 4]


def test_names_with_control_characters_are_escaped_so_each_row_stays_one_line(env):
    from tests.support.cache_factory import music
    root, config = env
    data = pcm(7, 800)
    segment = music(data, track="evil\nname\x1b[2J\\x")
    with Store(root).writer() as writer:
        writer.put(data)
        writer.publish(manifest([segment]))
    result = run(config, "ls", "--current")
    assert result.exit_code == 0
    header, row, blank, summary = result.stdout.splitlines()
    assert row.split()[:4] == ["music:calm/evil\\nname\\x1b[2J\\\\x", "music", "calm",
                               "evil\\nname\\x1b[2J\\\\x"]
    shown = run(config, "show", segment.id).stdout
    assert "track:       evil\\nname\\x1b[2J\\\\x\n" in shown
