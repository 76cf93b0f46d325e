"""Synthetic cache contents for tests: deterministic PCM, segments, manifests
and published generations, without the renderer.
"""

import hashlib
import struct
from datetime import datetime, timedelta, timezone
from pathlib import Path

from progmoh.cache.audio_format import SAMPLE_RATE_HZ
from progmoh.cache.manifest import Limits, Manifest, Segment, segment_id
from progmoh.cache.store import Store, new_generation_name

EPOCH = datetime(2026, 11, 26, 12, 0, 0, tzinfo=timezone.utc)
PROGRAM = {"first_advice_s": 20.0, "advice_gap_s": 45.0, "insert_duck_db": -20.0,
           "insert_ramp_ms": 150, "crossfade_ms": 800}


def pcm(seed: int, samples: int) -> bytes:
    """A short, recognisable s16le waveform; different seeds give different bytes."""
    values = ((seed * 7919 + i * 131) % 20000 - 10000 for i in range(samples))
    return struct.pack(f"<{samples}h", *values)


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def music(data: bytes, music_class="calm", track="01-dawn", index=0) -> Segment:
    return Segment(id=segment_id("music", music_class=music_class, track=track),
                   kind="music", object=digest_of(data), samples=len(data) // 2,
                   music_class=music_class, track=track, track_index=index,
                   sources=(f"music/classes/{music_class}/{track}.ogg",))


def advice(data: bytes, music_class="calm", track="01-dawn", slot=1, item="welcome",
           group="first", dayparts=()) -> Segment:
    limits = Limits(daypart_names=tuple(dayparts))
    return Segment(id=segment_id("advice", music_class=music_class, track=track, slot=slot,
                                 advice=item),
                   kind="advice", object=digest_of(data), samples=len(data) // 2,
                   music_class=music_class, track=track, slot=slot,
                   slot_sample=slot * 30 * SAMPLE_RATE_HZ,
                   advice=item, group=group, limits=limits,
                   sources=(f"music/advice/{group}/{item}.txt",))


def prompt(data: bytes, language="en", key="n_1") -> Segment:
    return Segment(id=segment_id("prompt", language=language, key=key), kind="prompt",
                   object=digest_of(data), samples=len(data) // 2, language=language, key=key)


def manifest(segments, created: datetime = EPOCH, generation: str | None = None,
             classes=("calm",)) -> Manifest:
    return Manifest(generation=generation or new_generation_name(created),
                    created=created.isoformat(), default_class=classes[0],
                    classes=tuple(classes), program=dict(PROGRAM), segments=tuple(segments))


def sample_contents(seed: int = 0, samples: int = 800):
    """(objects, segments) of a small generation: two tracks, an advice, a prompt."""
    blobs = [pcm(seed * 10 + i, samples + 2 * i) for i in range(4)]
    segments = [music(blobs[0], track="01-dawn", index=0),
                music(blobs[1], track="02-noon", index=1),
                advice(blobs[2], dayparts=("morning",)),
                prompt(blobs[3])]
    return blobs, segments


def publish(root: Path, seed: int = 0, created: datetime = EPOCH, samples: int = 800,
            extra: tuple[bytes, ...] = ()) -> Manifest:
    """Write a generation's objects and publish it; returns its manifest."""
    blobs, segments = sample_contents(seed, samples)
    segments += [prompt(blob, key=f"extra_{i}") for i, blob in enumerate(extra)]
    made = manifest(segments, created=created)
    with Store(root).writer() as writer:
        for blob in blobs + list(extra):
            writer.put(blob)
        writer.publish(made)
    return made


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
