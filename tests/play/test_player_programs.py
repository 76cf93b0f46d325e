"""The real `progmoh play` on a really rendered cache of two programs (real ffmpeg and
Festival, tests/support/render_support.py), read as Asterisk reads it: a player of
``--program b`` plays b's hold, and one of a program the cache lacks plays the default
program's and says so.  What was heard is checked against the cache's own objects."""

import os
import sys

import pytest

from progmoh.cache.audio_format import FRAME_BYTES, SAMPLE_BYTES, SAMPLE_RATE_HZ
from progmoh.cache.store import Store
from progmoh.player.sim import asterisk_reader as ar
from tests.support.render_support import copy_two_programs

PROGMOH = os.path.join(os.path.dirname(sys.executable), "progmoh")
CALL = "1795709779.380"


@pytest.fixture
def cache(tmp_path_factory, short_dir):
    return copy_two_programs(tmp_path_factory, short_dir / "r").cache.root


def heard(cache, short_dir, seconds, *options):
    line = "%s play --uniqueid %s --cache %s --log %s %s" % (
        PROGMOH, CALL, cache, short_dir / "p.log", " ".join(options))
    channel = ar.play(line, seconds, wav_path=short_dir / "call.wav", from_first_audio=True)
    assert channel.short_reads == 0 and channel.proc.returncode == 0
    return channel.heard(), (short_dir / "p.log").read_text()


def audio(store, segment) -> bytes:
    return store.read(segment.object)


def at_a_sample(heard: bytes, pcm: bytes) -> bool:
    """Whether ``pcm`` was heard whole, starting on a sample boundary."""
    at = heard.find(pcm)
    while at >= 0 and at % SAMPLE_BYTES:
        at = heard.find(pcm, at + 1)
    return at >= 0


def test_a_player_of_program_b_hears_bs_advice_and_not_the_default_programs(cache, short_dir):
    """Started 4.5 s into calm's track (as a restarted call would be), b's first advice
    is due at once and its first slot is at 5 s: ``offer``, b's own first item."""
    store = Store(cache)
    manifest = store.current()
    start_samples = 36000
    track = next(s for s in manifest.segments_of("b") if s.id == "b/music:calm/a-chord")
    offer = next(s for s in manifest.segments_of("b")
                 if s.advice == "offer" and s.track == "a-chord" and s.slot == 0)
    assert offer.slot_sample == 40000 and offer.samples < 3 * SAMPLE_RATE_HZ
    played, log = heard(cache, short_dir, 4.5, "--program b", "--class calm",
                        f"--at 0:{start_samples}:0:")
    lead = played[:FRAME_BYTES * 10]
    assert lead == audio(store, track)[start_samples * SAMPLE_BYTES:][:len(lead)]
    assert at_a_sample(played, audio(store, offer))
    others = [s for s in manifest.segments if s.kind == "advice" and s.track == "a-chord"
              and s.id != offer.id]
    assert {s.advice for s in others} == {"hello", "tip", "bye", "offer"}
    assert not any(at_a_sample(played, audio(store, s)) for s in others)
    assert "t=0.500 advice offer start (b/music:calm/a-chord at 5.0 s)" in log


def test_a_player_of_program_b_starts_in_bs_default_class(cache, short_dir):
    store = Store(cache)
    calm = next(s for s in store.current().segments_of("b") if s.music_class == "calm"
                and s.kind == "music")
    played, log = heard(cache, short_dir, 0.5, "--program b")
    assert len(played) >= 10 * FRAME_BYTES
    assert played == audio(store, calm)[:len(played)]
    assert "is not in generation" not in log


def test_a_player_of_a_program_the_cache_lacks_plays_the_default_program_and_says_so(
        cache, short_dir):
    store = Store(cache)
    manifest = store.current()
    assert manifest.default_class == "bright"
    bright = next(s for s in manifest.segments_of("default") if s.id == "music:bright/b-chord")
    played, log = heard(cache, short_dir, 0.5, "--program nosuch")
    assert len(played) >= 10 * FRAME_BYTES
    assert played == audio(store, bright)[:len(played)]
    assert (f"program nosuch is not in generation {manifest.generation}: the default program"
            in log)
