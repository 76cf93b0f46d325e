"""A small synthetic cache for player tests, written straight through
cache/layout.py and cache.manifest.dumps (no renderer needed).

Tracks are sines (a distinct frequency per class and track); an advice
segment honours the contract: it is its track's own music from the slot on,
ducked in the middle with a "voice" tone over it, starting and ending at
full music level.  Prompt clips are short tones, one frequency per key.
"""

import hashlib
import math
import os
from array import array

from progmoh.cache import blocks, layout
from progmoh.cache.audio_format import SAMPLE_RATE_HZ as RATE
from progmoh.cache.manifest import Limits, Manifest, Segment, dumps, segment_id
from progmoh.cache.player_index import index_text
from progmoh.player.words.compose import number_words
from progmoh.player.words.vocabulary import prompt_texts

AMPLITUDE = 8000


def sine(freq, samples, amplitude=AMPLITUDE, glide_hz_per_s=0.0):
    """A tone; gliding upwards makes every stretch of a track unique, so a
    test can find where in the track a piece of heard audio comes from."""
    return array("h", (int(amplitude * math.sin(2 * math.pi * (
        freq * i / RATE + glide_hz_per_s * (i / RATE) ** 2 / 2)))
        for i in range(samples))).tobytes()


def advice_pcm(track_pcm, slot_sample, samples, voice_freq):
    """The track from the slot on, ducked to 0.1 in the middle half, a tone over it."""
    bed = array("h", track_pcm[slot_sample * 2:(slot_sample + samples) * 2])
    quarter = samples // 4
    for i in range(quarter, samples - quarter):
        voice = int(4000 * math.sin(2 * math.pi * voice_freq * i / RATE))
        bed[i] = int(bed[i] * 0.1) + voice
    return bed.tobytes()


def store(root, pcm):
    """The object and its block checksums, as the cache's writer stores them."""
    digest = hashlib.sha256(pcm).hexdigest()
    path = layout.object_path(str(root), digest)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(pcm)
    with open(blocks.sums_path(path), "wb") as handle:
        handle.write(blocks.sums(pcm))
    return digest


class Built:
    """What was written, so tests can compare the player's output with it."""

    def __init__(self, root):
        self.root = str(root)
        self.tracks = {}        # (class, index) -> pcm
        self.advice = {}        # (class, index, slot_sample, item) -> pcm
        self.prompts = {}       # (language, key) -> pcm
        self.segments = []
        self.manifest = None

    def object_of(self, segment_id):
        seg = next(s for s in self.segments if s.id == segment_id)
        return layout.object_path(self.root, seg.object)


DEFAULT_ITEMS = (("a-first", "first", Limits()), ("b-first", "first", Limits()),
                 ("m1", "middle", Limits()), ("m2", "middle", Limits()),
                 ("m3", "middle", Limits()), ("z-last", "last", Limits()))


def build(root, classes=("calm", "jazz"), tracks_per_class=2, track_s=6.0, slot_every_s=2.0,
          advice_s=1.0, items=DEFAULT_ITEMS, program=None, languages=("en", "ru"),
          max_position=5, prompt_ms=40, generation="g1", default_class="calm",
          block_check=blocks.SCHEME, index=True):
    """``block_check=""`` writes a manifest as it was before block checksums; ``index=False``
    one without the players' index (a cache rendered before every publish wrote one)."""
    built = Built(root)
    track_samples = int(track_s * RATE)
    advice_samples = int(advice_s * RATE)
    for c_index, music_class in enumerate(classes):
        for t in range(tracks_per_class):
            pcm = sine(200 + 100 * c_index + 20 * t, track_samples, glide_hz_per_s=10.0)
            name = "%02d-track" % t
            built.tracks[(music_class, t)] = pcm
            built.segments.append(Segment(
                id=segment_id("music", music_class=music_class, track=name), kind="music",
                object=store(root, pcm), samples=track_samples, music_class=music_class,
                track=name, track_index=t))
            _advice(built, root, music_class, name, t, pcm, slot_every_s, advice_samples, items)
    for language in languages:
        _prompts(built, root, language, max_position, prompt_ms)
    built.manifest = Manifest(
        generation=generation, created="2026-11-26T00:00:00Z", default_class=default_class,
        classes=tuple(classes), program=dict(_PROGRAM, **(program or {})),
        segments=tuple(built.segments), block_check=block_check)
    os.makedirs(os.path.join(root, layout.GENERATIONS), exist_ok=True)
    with open(layout.manifest_path(str(root), generation), "w", encoding="utf-8") as handle:
        handle.write(dumps(built.manifest))
    if index:                               # as the store publishes it
        with open(layout.index_path(str(root), generation), "wb") as handle:
            handle.write(index_text(built.manifest).encode("utf-8"))
    with open(os.path.join(root, layout.CURRENT), "w", encoding="ascii") as handle:
        handle.write(generation + "\n")
    return built


_PROGRAM = {"first_advice_s": 1.0, "advice_gap_s": 2.0, "insert_duck_db": -20.0,
            "insert_ramp_ms": 50, "crossfade_ms": 100}


def _advice(built, root, music_class, name, t, pcm, slot_every_s, samples, items):
    slot_step = int(slot_every_s * RATE)
    total = len(pcm) // 2
    for slot, slot_sample in enumerate(range(slot_step, total - samples + 1, slot_step)):
        for i_index, (item, group, limits, *language) in enumerate(items):
            seg_pcm = advice_pcm(pcm, slot_sample, samples, 1000 + 50 * i_index)
            built.advice[(music_class, t, slot_sample, item)] = seg_pcm
            built.segments.append(Segment(
                id=segment_id("advice", music_class=music_class, track=name, slot=slot,
                              advice=item),
                kind="advice", object=store(root, seg_pcm), samples=samples,
                music_class=music_class, track=name, track_index=t, slot=slot,
                slot_sample=slot_sample, advice=item, group=group, limits=limits,
                language=language[0] if language else ""))


def _prompts(built, root, language, max_position, prompt_ms):
    samples = prompt_ms * RATE // 1000
    keys = sorted(prompt_texts(language, max_position, number_words))
    for k_index, key in enumerate(keys):
        pcm = sine(300 + 7 * k_index, samples, amplitude=6000)
        built.prompts[(language, key)] = pcm
        built.segments.append(Segment(
            id=segment_id("prompt", language=language, key=key), kind="prompt",
            object=store(root, pcm), samples=samples, language=language, key=key))
