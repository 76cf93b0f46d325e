"""Incremental renders: nothing is rendered twice; a changed setting re-renders
exactly the segments it shapes; the cache lock keeps renders apart."""

import itertools
import os

import pytest

from progmoh.cache import layout
from progmoh.cache.audio_format import SAMPLE_RATE_HZ
from progmoh.cache.errors import CacheError
from progmoh.cache.store import Store
from tests.support.render_support import TRACK, copy_base, ffmpeg, render_config


@pytest.fixture
def config(tmp_path_factory, tmp_path):
    return copy_base(tmp_path_factory, tmp_path)


def _ids(config, kind=None, **match):
    return {s.id for s in Store(config.cache.root).current().segments
            if (kind is None or s.kind == kind)
            and all(getattr(s, k) == v for k, v in match.items())}


def test_a_second_render_renders_nothing_and_publishes_nothing(config):
    moved = render_config(config)           # the copy moved the sources: new paths only
    assert moved.rendered == () and moved.published is True
    before = Store(config.cache.root).current_name()
    result = render_config(config)
    assert result.rendered == ()
    assert result.published is False
    assert result.generation == before == Store(config.cache.root).current_name()
    assert result.segments == len(_ids(config))


def test_a_current_generation_without_the_players_index_is_published_again(config):
    """A cache rendered before every publish wrote the index: the next render
    publishes the same segments again, objects reused, now with the index."""
    render_config(config)
    store = Store(config.cache.root)
    old = store.current_name()
    os.remove(layout.index_path(str(config.cache.root), old))
    assert not store.has_player_index(old)
    result = render_config(config)
    assert result.published is True and result.rendered == ()
    assert store.has_player_index(store.current_name()) and store.current_name() != old
    assert store.current().segments == store.manifest(old).segments
    assert render_config(config).published is False


def test_duck_settings_remix_advice_only(config):
    result = render_config(config, duck_db=-14.0)
    assert set(result.rendered) == _ids(config, "advice")
    assert len(result.rendered) == len(set(result.rendered))
    assert render_config(config, duck_db=-14.0).rendered == ()


def test_music_level_rerenders_music_and_the_advice_over_it(config):
    result = render_config(config, music_dbfs=-27.0)
    assert set(result.rendered) == _ids(config, "music") | _ids(config, "advice")


def test_slot_spacing_renders_advice_at_the_new_slots_only(config):
    result = render_config(config, slot_spacing_s=4.0)
    assert set(result.rendered) == _ids(config, "advice")
    assert all(s.slot_sample % (4 * SAMPLE_RATE_HZ) == 0
               for s in Store(config.cache.root).current().segments if s.kind == "advice")


def test_a_changed_track_rerenders_that_track_and_its_advice(config):
    track = config.library.music_dir / "bright" / "b-chord.wav"
    ffmpeg(TRACK.format(d=13).replace("523.25", "440"), track)
    result = render_config(config)
    assert set(result.rendered) == _ids(config, music_class="bright", track="b-chord") - \
        _ids(config, "prompt")
    assert "music:bright/b-chord" in result.rendered
    assert result.published is True


def test_an_object_missing_from_the_cache_is_rendered_again(config):
    store = Store(config.cache.root)
    music = next(s for s in store.current().segments if s.id == "music:calm/a-chord")
    store.path(music.object).unlink()
    result = render_config(config)
    assert result.rendered == ("music:calm/a-chord",)
    assert store.has(music.object)


def test_new_limits_publish_without_rendering_audio(config):
    sidecar = config.library.advice_dir / "first" / "hello.limits.toml"
    sidecar.write_text('weekdays = ["mon"]\n')
    result = render_config(config)
    assert result.rendered == () and result.published is True
    hello = [s for s in Store(config.cache.root).current().segments if s.advice == "hello"]
    assert hello and all(s.limits.weekdays == (0,) for s in hello)


def test_a_render_while_another_holds_the_lock_fails_cleanly(config):
    with Store(config.cache.root).writer():
        with pytest.raises(CacheError, match="locked"):
            render_config(config)


def test_progress_is_reported_through_the_callback_up_to_the_total(config):
    calls = []
    from dataclasses import replace

    from progmoh.cli.render_cmd import render_programs
    from progmoh.renderer.render import render
    render(render_programs(config), replace(config.render, duck_db=-12.0),
           config.cache.root, progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1] >= 2
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(calls))
    assert all(done <= total for done, total in calls)


def test_advice_too_long_for_every_slot_is_reported(config):
    from tests.support.render_support import VOICE
    long_item = ffmpeg(VOICE.format(d=20), config.library.advice_dir / "middle" / "speech.wav")
    result = render_config(config)
    assert result.problems == (f"{long_item}: 20.0 s of speech fits no advice slot of any "
                               f"track, so it never plays",)
    assert not any(s.advice == "speech" for s in Store(config.cache.root).current().segments)
