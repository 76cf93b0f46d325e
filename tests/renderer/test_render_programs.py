"""Two programs in one render (tests/support/render_support.py): program b has the default
program's music and its own advice folder, a tone ``offer`` and the same ``tip`` text.
Each program's players' index holds its own segments only; what the two share is made
once and stored once; renders stay incremental; gc keeps what either program uses.
Real ffmpeg and Festival throughout."""

from collections import Counter
from pathlib import Path

import pytest

from progmoh.cache import layout
from progmoh.cache.gc import created_seconds
from progmoh.cache.store import Store
from progmoh.cli.config import load
from progmoh.player.play import catalog
from progmoh.renderer import music, speech
from progmoh.renderer.errors import RenderError
from progmoh.renderer.render import render
from progmoh.renderer.settings import RenderProgram
from tests.support.render_support import copy_two_programs, offer, render_config


@pytest.fixture
def config(tmp_path_factory, tmp_path):
    return copy_two_programs(tmp_path_factory, tmp_path)


def _current(config):
    return Store(config.cache.root).current()


def _ids(segments, kind=None, **match) -> set[str]:
    return {s.id for s in segments if (kind is None or s.kind == kind)
            and all(getattr(s, k) == v for k, v in match.items())}


def _heard_by_players(config, program: str) -> dict[str, set]:
    """What a player of ``program`` reads from its index, as the manifest's terms."""
    read = catalog.load(str(config.cache.root), program)
    assert read.problem == ""
    return {"music": {s.label for tracks in read.tracks.values() for s in tracks},
            "prompt": {s.label for s in read.prompts.values()},
            "advice": {(c, index, slot, item) for (c, index), slots in read.advice.items()
                       for slot, items in slots.items() for item in items},
            "items": set(read.items), "default_class": {read.default_class},
            "first_advice_s": {read.program["first_advice_s"]}}


def _in_manifest(manifest, program: str) -> dict[str, set]:
    segments, record = manifest.segments_of(program), manifest.record(program)
    return {"music": _ids(segments, "music"), "prompt": _ids(segments, "prompt"),
            "advice": {(s.music_class, s.track_index, s.slot_sample, s.advice)
                       for s in segments if s.kind == "advice"},
            "items": {s.advice for s in segments if s.kind == "advice"},
            "default_class": {record.default_class},
            "first_advice_s": {record.program["first_advice_s"]}}


def test_each_programs_index_holds_only_its_own_segments(config):
    manifest = _current(config)
    assert manifest.program_names() == ("default", "b")
    for program in manifest.program_names():
        assert _heard_by_players(config, program) == _in_manifest(manifest, program)
    b, default = _heard_by_players(config, "b"), _heard_by_players(config, "default")
    assert b["items"] == {"offer", "tip"} and default["items"] == {"hello", "tip", "bye"}
    assert (b["default_class"], default["default_class"]) == ({"calm"}, {"bright"})
    assert (b["first_advice_s"], default["first_advice_s"]) == ({0.0}, {20.0})
    assert b["music"] == {"b/music:calm/a-chord", "b/music:bright/b-chord"}
    assert all(i.startswith("b/prompt:") for i in b["prompt"]) and len(b["prompt"]) > 100
    assert not any("/" in i.split(":")[0] for i in default["music"] | default["prompt"])


def test_the_programs_share_the_objects_of_what_they_share(config):
    manifest, store = _current(config), Store(config.cache.root)

    def objects(program, kind, **match):
        return {(s.music_class, s.track, s.slot, s.key, s.language): store.path(s.object)
                for s in manifest.segments_of(program) if s.kind == kind
                and all(getattr(s, k) == v for k, v in match.items())}
    for kind, match in (("music", {}), ("advice", {"advice": "tip"}), ("prompt", {})):
        shared = objects("b", kind, **match)
        assert shared and shared == objects("default", kind, **match)
    own = {s.object for s in manifest.segments_of("b") if s.advice == "offer"}
    assert own and not own & {s.object for s in manifest.segments_of("default")}
    on_disk = len(list((Path(config.cache.root) / layout.OBJECTS).rglob("*.sln")))
    assert on_disk == len({s.object for s in manifest.segments})


def test_what_both_programs_need_is_made_once_in_a_render(config, monkeypatch):
    """A new music level re-renders the music and the advice over it, a higher
    max_position a new prompt per language: each is conditioned, spoken and mixed once."""
    conditioned, spoken = Counter(), Counter()
    condition_file, synthesize = music.condition_file, speech.synthesize

    def counting_condition(path, c):
        conditioned[Path(path).name] += 1
        return condition_file(path, c)

    def counting_synthesize(voice, texts, folder, timeout_s):
        spoken.update(texts)
        return synthesize(voice, texts, folder, timeout_s)
    monkeypatch.setattr(music, "condition_file", counting_condition)
    monkeypatch.setattr(speech, "synthesize", counting_synthesize)
    result = render_config(config, music_dbfs=-27.0, max_position=4)
    assert result.problems == ()
    assert conditioned == {"a-chord.mp3": 1, "b-chord.wav": 1}
    assert spoken == {"Press two for your balance.": 1, "You are number four in the queue.": 1,
                      "Ваш номер в очереди четыре": 1}
    manifest = _current(config)
    default, b = manifest.segments_of("default"), manifest.segments_of("b")
    assert set(result.rendered) == (_ids(default, "music") | _ids(default, "advice")
                                    | _ids(b, "advice", advice="offer")
                                    | {"prompt:en/position_4", "prompt:ru/position_4"})
    assert {"b/prompt:en/position_4", "b/prompt:ru/position_4"} <= _ids(b, "prompt")


def test_a_second_render_publishes_nothing(config):
    before = Store(config.cache.root).current_name()
    result = render_config(config)
    assert (result.rendered, result.published, result.generation) == ((), False, before)
    assert result.programs == ("default", "b")


def test_a_change_to_bs_advice_rerenders_only_bs_advice(config):
    before = _current(config)
    offer(Path(config.source).parent, freq_hz=1400)
    result = render_config(config)
    after = _current(config)
    offered = _ids(after.segments_of("b"), "advice", advice="offer")
    assert result.published and set(result.rendered) == offered and len(offered) >= 3
    assert after.segments_of("default") == before.segments_of("default")
    unchanged = [s for s in after.segments_of("b") if s.advice != "offer"]
    assert unchanged == [s for s in before.segments_of("b") if s.advice != "offer"]


def test_gc_removes_every_index_of_a_removed_generation_and_keeps_bs_objects(config):
    store, root = Store(config.cache.root), str(config.cache.root)
    old = store.current()
    offer(Path(config.source).parent, freq_hz=1400)
    render_config(config)
    new = store.current()
    report = store.gc(grace_s=3600.0, now=created_seconds(new.created) + 7200.0,
                      dry_run=False)
    assert report.kept_generations == (new.generation,)
    old_offers = {s.object for s in old.segments if s.advice == "offer"}
    assert set(report.removed_objects) == old_offers
    assert all(store.has(s.object) for s in new.segments_of("b"))
    assert store.verify().ok
    for name in report.removed_generations:
        for path in (layout.manifest_path(root, name), layout.index_path(root, name),
                     layout.index_path(root, name, "b")):
            assert not Path(path).exists(), path
    assert store.has_player_index(new.generation)


def test_a_current_generation_without_one_programs_index_is_published_again(config):
    store = Store(config.cache.root)
    old = store.current_name()
    Path(layout.index_path(str(config.cache.root), old, "b")).unlink()
    assert not store.has_player_index(old)
    result = render_config(config)
    assert result.published and result.rendered == ()
    assert store.current_name() != old and store.has_player_index(store.current_name())
    assert store.current().segments == store.manifest(old).segments


def _program_b_music_dir(config, folder: str) -> None:
    path = Path(config.source)
    path.write_text(path.read_text().replace(
        "[programs.b.library]\n", f'[programs.b.library]\nmusic_dir = "{folder}"\n'))


def test_an_unusable_program_keeps_its_last_render_and_the_others_are_published(config):
    before = _current(config)
    _program_b_music_dir(config, "lib/nowhere")
    (config.library.advice_dir / "first" / "hello.limits.toml").write_text('weekdays = ["mon"]\n')
    result = render_config(load(config.source))
    nowhere = Path(config.source).parent / "lib" / "nowhere"
    assert result.problems == (f"programs.b.library.music_dir: {nowhere}: no such folder, "
                               f"so program b keeps its last render",)
    after = _current(config)
    assert result.published and after.segments_of("b") == before.segments_of("b")
    assert after.record("b") == before.record("b")
    hello = [s for s in after.segments_of("default") if s.advice == "hello"]
    assert hello and all(s.limits.weekdays == (0,) for s in hello)
    assert render_config(load(config.source)).published is False


def test_an_unusable_program_never_rendered_is_left_out_and_named(config):
    empty = Path(config.source).parent / "lib" / "empty"
    empty.mkdir()
    with open(config.source, "a", encoding="utf-8") as handle:
        handle.write('\n[programs.c.library]\nmusic_dir = "lib/empty"\n')
    result = render_config(load(config.source))
    assert result.problems == (f"programs.c.library.music_dir: {empty}: no music class in it "
                               f"(each subfolder is one), so program c is not rendered",)
    assert result.programs == ("default", "b") == _current(config).program_names()
    assert not Path(layout.index_path(str(config.cache.root), result.generation, "c")).exists()


def test_when_no_program_is_usable_nothing_is_published(config):
    before = Store(config.cache.root).current_name()
    _program_b_music_dir(config, "lib/nowhere")
    text = Path(config.source).read_text().replace('music_dir = "lib/music"', 'music_dir = "gone"')
    Path(config.source).write_text(text)
    folder = Path(config.source).parent
    with pytest.raises(RenderError) as raised:
        render_config(load(config.source))
    assert str(raised.value) == (f"library.music_dir: {folder / 'gone'}: no such folder; "
                                 f"programs.b.library.music_dir: {folder / 'lib' / 'nowhere'}: "
                                 f"no such folder")
    assert Store(config.cache.root).current_name() == before


@pytest.mark.parametrize("names, message", [
    (("default", "b", "b"), "program 'b' is given twice"),
    (("default", "../b"), "program name '../b' must be a-z, 0-9 and _, at most 32, starting "
                          "with a letter")])
def test_programs_are_named_once_each_and_by_a_program_name(tmp_path, names, message):
    config = load(None)
    programs = [RenderProgram(name, config.library, config.program) for name in names]
    with pytest.raises(RenderError) as raised:
        render(programs, config.render, tmp_path / "cache")
    assert str(raised.value) == message
    assert not (tmp_path / "cache").exists()


def test_a_programs_own_texts_are_its_prompts_and_what_they_share_is_made_once(config):
    config.source.write_text(config.source.read_text() + """
[texts.en]
next_payment = "Your next payment of"
[programs.b.texts.en]
due = "is due on"
unavailable = "Program b cannot say that now."
""")
    config = load(config.source)
    first = render_config(config)
    assert first.problems == ()
    default, b = (catalog.load(str(config.cache.root), name) for name in ("default", "b"))
    assert ("en", "due") in b.prompts and ("en", "due") not in default.prompts
    assert default.prompts["en", "next_payment"].digest == b.prompts["en", "next_payment"].digest
    assert default.prompts["en", "unavailable"].digest != b.prompts["en", "unavailable"].digest
    assert default.prompts["en", "n5"].digest == b.prompts["en", "n5"].digest
    assert render_config(config).rendered == ()                      # incremental
