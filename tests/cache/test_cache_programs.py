"""Programs in the cache: a generation holding the default program and ``b`` (synthetic
segments, no renderer), as ``progmoh cache`` shows it and as a publish writes its
players' indexes; and a manifest written before there were programs still reads."""

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from progmoh.cache import layout
from progmoh.cache.manifest import ProgramRecord, dumps, loads, segment_id
from progmoh.cache.player_index import index_text
from progmoh.cache.store import Store
from progmoh.cli.commands import progmoh
from progmoh.player.play import index_reader
from tests.support.cache_factory import EPOCH, PROGRAM, advice, manifest, pcm, sample_contents


def of_b(segment):
    """``segment`` as program b's (its id as b's ids are written)."""
    parts = dict(music_class=segment.music_class, track=segment.track, slot=segment.slot,
                 advice=segment.advice, language=segment.language, key=segment.key)
    return dataclasses.replace(segment, program="b",
                               id=segment_id(segment.kind, program="b", **parts))


@pytest.fixture
def cache(tmp_path):
    """One generation: the default program's four segments, and b's music and prompt
    (the same objects) with b's own advice item "offer"."""
    blobs, segments = sample_contents(seed=3)
    own = pcm(99, 900)
    b = [of_b(s) for s in segments if s.kind != "advice"] + [of_b(advice(own, item="offer"))]
    made = dataclasses.replace(
        manifest(segments + b, created=EPOCH),
        programs=(ProgramRecord("b", "calm", ("calm",), dict(PROGRAM, first_advice_s=0.0)),))
    root = tmp_path / "cache"
    with Store(root).writer() as writer:
        for blob in blobs + [own]:
            writer.put(blob)
        writer.publish(made)
    config = tmp_path / "progmoh.toml"
    config.write_text('[cache]\ndir = "cache"\n')
    return root, str(config), made


def run(config, *args):
    return CliRunner().invoke(progmoh, ["cache", *args, "--config", config])


def test_b_ids_carry_its_name_and_the_default_programs_are_as_they_were():
    assert segment_id("music", music_class="calm", track="01-dawn") == "music:calm/01-dawn"
    assert segment_id("advice", program="sales", music_class="calm", track="01-dawn", slot=2,
                      advice="welcome") == "sales/advice:calm/01-dawn@2:welcome"
    assert segment_id("prompt", program="b", language="ru", key="n_1_m") == "b/prompt:ru/n_1_m"


def test_a_publish_writes_each_programs_index_of_its_own_segments_only(cache):
    root, _, made = cache
    for program, items in (("default", {"welcome"}), ("b", {"offer"})):
        index = index_reader.read(layout.index_path(str(root), made.generation, program),
                                  lambda digest, samples, label: label)
        assert set(index.items) == items and index.problem() == ""
        labels = {label for _, _, label in index.music} | set(index.prompts.values())
        ours = {s.id for s in made.segments_of(program) if s.kind != "advice"}
        assert labels == ours
    header = index_reader.read(layout.index_path(str(root), made.generation, "b"),
                               lambda *_: None).header
    assert header["program"]["first_advice_s"] == 0.0 and header["default_class"] == "calm"
    assert Store(root).has_player_index(made.generation)


def test_ls_shows_each_generations_programs_with_counts_per_kind(cache):
    root, config, made = cache
    result = run(config, "ls")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    at = lines.index(next(line for line in lines if line.split()[:2] == ["GENERATION",
                                                                         "PROGRAM"]))
    assert lines[at].split() == ["GENERATION", "PROGRAM", "MUSIC", "ADVICE", "PROMPT"]
    assert lines[at + 1].split() == ["*", made.generation, "default", "2", "1", "1"]
    assert lines[at + 2].split() == ["b", "2", "1", "1"]
    assert lines[at + 2].index("b") == lines[at + 1].index("default")
    data = json.loads(run(config, "ls", "--json").stdout)
    assert data[0]["programs"] == [{"name": "default", "music": 2, "advice": 1, "prompt": 1},
                                   {"name": "b", "music": 2, "advice": 1, "prompt": 1}]


def test_ls_program_lists_that_programs_segments(cache):
    _, config, made = cache
    result = run(config, "ls", "--program", "b")
    assert result.exit_code == 0, result.output
    ids = [row.split()[0] for row in result.stdout.splitlines()[1:5]]
    assert ids == [s.id for s in made.segments_of("b")]
    assert (f"4 segment(s), 0:00.4 of audio, in generation {made.generation}, program b; "
            f"its other programs: default (--program NAME)") in result.stdout
    plain = run(config, "ls", "--current")
    assert f"in generation {made.generation}, program default; its other programs: b" in \
        plain.stdout and "b/" not in plain.stdout
    data = json.loads(run(config, "ls", "--program", "b", "--json").stdout)
    assert data["program"] == "b" and [r["id"] for r in data["segments"]] == ids


def test_an_unknown_program_is_an_error_naming_it_and_the_known_ones(cache):
    _, config, made = cache
    result = run(config, "ls", "--program", "nosuch")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: no program 'nosuch' in generation {made.generation} "
                             f"(its programs: default, b)\n")


def test_show_says_whose_segment_it_is(cache):
    _, config, _ = cache
    result = run(config, "show", "b/advice:calm/01-dawn@1:offer")
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.stdout.splitlines()]
    assert lines[:3] == [["id:", "b/advice:calm/01-dawn@1:offer"], ["program:", "b"],
                         ["kind:", "advice"]]
    assert ["advice:", "offer"] in lines
    plain = run(config, "show", "music:calm/01-dawn").stdout.splitlines()
    assert plain[1].split() == ["program:", "default"]
    data = json.loads(run(config, "show", "b/music:calm/01-dawn", "--json").stdout)
    assert data["program"] == "b" and data["id"] == "b/music:calm/01-dawn"


def test_a_manifest_written_before_programs_reads_as_the_default_program(tmp_path):
    _, segments = sample_contents(seed=4)
    data = json.loads(dumps(manifest(segments)))
    del data["programs"]
    for segment in data["segments"]:
        del segment["program"]
    old = loads(json.dumps(data))
    assert old.programs == () and old.program_names() == ("default",)
    assert {s.program for s in old.segments} == {"default"}
    assert old.segments_of("default") == old.segments
    assert old.record("default") == ProgramRecord("default", "calm", ("calm",), PROGRAM)
    assert index_text(old) == index_text(manifest(segments, generation=old.generation))
    with pytest.raises(KeyError):
        old.record("b")


def test_gc_of_a_generation_removes_every_programs_index(cache):
    root, _, made = cache
    store = Store(root)
    blobs, segments = sample_contents(seed=5)
    newer = manifest(segments, created=EPOCH.replace(year=2027))
    with store.writer() as writer:
        for blob in blobs:
            writer.put(blob)
        writer.publish(newer)
    paths = [Path(layout.index_path(str(root), made.generation, p)) for p in ("default", "b")]
    assert all(path.exists() for path in paths)
    report = store.gc(grace_s=3600.0, now=EPOCH.replace(year=2028).timestamp(), dry_run=False)
    assert report.removed_generations == (made.generation,)
    assert not any(path.exists() for path in paths)
    assert sorted(p.name for p in (Path(root) / layout.GENERATIONS).iterdir()) == [
        f"{newer.generation}.idx", f"{newer.generation}.json"]
