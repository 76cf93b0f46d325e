"""The advice seam: segments continue the plain track exactly, with no click."""

import audioop
import os

import pytest

from progmoh.cache.audio_format import SAMPLE_RATE_HZ
from progmoh.cache.store import Store
from progmoh.renderer.mix import Ducking, duck_mix, slot_samples
from tests.support.render_support import copy_base, max_jump, rms_dbfs


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    config = copy_base(tmp_path_factory, tmp_path_factory.mktemp("mix"))
    store = Store(config.cache.root)
    return config, store, store.current()


def _track(store, manifest, music_class, track) -> bytes:
    music = [s for s in manifest.segments if s.kind == "music"
             and (s.music_class, s.track) == (music_class, track)]
    return store.read(music[0].object)


def _advice(manifest):
    return [s for s in manifest.segments if s.kind == "advice"]


def test_every_advice_segment_starts_and_ends_on_the_plain_tracks_samples(rendered):
    config, store, manifest = rendered
    assert len(_advice(manifest)) >= 6
    for seg in _advice(manifest):
        track = _track(store, manifest, seg.music_class, seg.track)
        pcm = store.read(seg.object)
        start, end = 2 * seg.slot_sample, 2 * (seg.slot_sample + seg.samples)
        assert end <= len(track), seg.id
        assert pcm[:2 * 16] == track[start:start + 2 * 16], seg.id     # first envelope step
        assert pcm[-2 * 16:] == track[end - 2 * 16:end], seg.id         # last envelope step


def test_splicing_track_segment_track_adds_no_click(rendered):
    config, store, manifest = rendered
    for seg in _advice(manifest):
        track = _track(store, manifest, seg.music_class, seg.track)
        start, end = 2 * seg.slot_sample, 2 * (seg.slot_sample + seg.samples)
        spliced = track[:start] + store.read(seg.object) + track[end:]
        natural = max_jump(track)
        for join in (start, end):
            around = spliced[join - 2 * 64:join + 2 * 64]
            assert max_jump(around) <= natural, (seg.id, join)


def test_music_is_ducked_under_the_voice_by_duck_db(rendered):
    config, store, manifest = rendered
    ducking = Ducking(config.render.duck_db, config.render.duck_fade_ms)
    seg = next(s for s in _advice(manifest) if s.advice == "hello")
    track = _track(store, manifest, seg.music_class, seg.track)
    pcm = store.read(seg.object)
    # The tail (after the voice, before the fade up) is music alone, ducked.
    tail_end = seg.samples - ducking.fade_samples
    tail_start = tail_end - SAMPLE_RATE_HZ // 5
    bed = track[2 * (seg.slot_sample + tail_start):2 * (seg.slot_sample + tail_end)]
    ducked = pcm[2 * tail_start:2 * tail_end]
    assert rms_dbfs(ducked) - rms_dbfs(bed) == pytest.approx(config.render.duck_db, abs=0.5)


def test_voice_sits_at_speech_level_over_the_bed(rendered):
    config, store, manifest = rendered
    ducking = Ducking(config.render.duck_db, config.render.duck_fade_ms)
    seg = next(s for s in _advice(manifest) if s.advice == "hello")
    fade = ducking.fade_samples
    voice = store.read(seg.object)[2 * fade:2 * (seg.samples - fade)]
    assert rms_dbfs(voice) == pytest.approx(config.render.speech_dbfs, abs=1.5)


def test_slots_start_one_spacing_in_and_only_where_the_segment_fits():
    assert slot_samples(14 * SAMPLE_RATE_HZ, 5.0, 3 * SAMPLE_RATE_HZ) == [
        5 * SAMPLE_RATE_HZ, 10 * SAMPLE_RATE_HZ]
    assert slot_samples(12 * SAMPLE_RATE_HZ, 5.0, 3 * SAMPLE_RATE_HZ) == [5 * SAMPLE_RATE_HZ]
    assert slot_samples(12 * SAMPLE_RATE_HZ, 5.0, 2 * SAMPLE_RATE_HZ) == [
        5 * SAMPLE_RATE_HZ, 10 * SAMPLE_RATE_HZ]
    assert slot_samples(4 * SAMPLE_RATE_HZ, 5.0, SAMPLE_RATE_HZ) == []


def test_duck_mix_keeps_exact_edges_on_noise_and_refuses_a_wrong_bed():
    ducking = Ducking(duck_db=-20.0, duck_fade_ms=1000)
    voice = os.urandom(2 * SAMPLE_RATE_HZ)
    bed = os.urandom(2 * ducking.segment_samples(SAMPLE_RATE_HZ))
    mixed = duck_mix(bed, voice, ducking)
    assert len(mixed) == len(bed)
    assert mixed[:32] == bed[:32] and mixed[-32:] == bed[-32:]
    with pytest.raises(ValueError, match="bed has"):
        duck_mix(bed[:-2], voice, ducking)
    assert audioop.rms(mixed, 2) > 0
