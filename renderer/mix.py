"""Advice pre-mixed over the track's own music (docs/architecture.md, "The cache contract").

Layout of one advice segment starting at ``slot_sample`` of a track::

    | fade down | voice at speech level ... | tail | fade up |
    gain 1.0 -> duck                duck ...  duck -> 1.0

The bed IS the track's samples ``[slot_sample, slot_sample + length)``; the
gain is exactly 1.0 on the first and last step and the voice is silent
there, so the segment's first and last samples equal the plain track's and
the player's splice track -> segment -> track has no seam.  The envelope is
linear in dB, applied in steps of ``STEP_SAMPLES`` (for the defaults 0.04 dB
every 2 ms: no zipper noise), all in audioop's C loops.
"""

import audioop
from dataclasses import dataclass

from progmoh.cache.audio_format import SAMPLE_BYTES, SAMPLE_RATE_HZ

STEP_SAMPLES = 16            # 2 ms envelope steps
TAIL_MS = 300                # ducked music after the voice, before the fade up


@dataclass(frozen=True)
class Ducking:
    duck_db: float
    duck_fade_ms: int

    @property
    def fade_samples(self) -> int:
        steps = max(1, round(self.duck_fade_ms * SAMPLE_RATE_HZ / 1000 / STEP_SAMPLES))
        return steps * STEP_SAMPLES

    def segment_samples(self, voice_samples: int) -> int:
        return 2 * self.fade_samples + voice_samples + SAMPLE_RATE_HZ * TAIL_MS // 1000

    def voice_samples(self, segment_samples: int) -> int:
        """Inverse of ``segment_samples``: the voice length inside a rendered segment."""
        return segment_samples - self.segment_samples(0)


def slot_samples(track_samples: int, spacing_s: float, segment_samples: int) -> list[int]:
    """Slot k starts (k+1)*spacing into the track; only slots whose segment fits."""
    spacing = round(spacing_s * SAMPLE_RATE_HZ)
    if spacing <= 0:
        return []
    starts = range(spacing, track_samples - segment_samples + 1, spacing)
    return list(starts)


def duck_mix(bed: bytes, voice: bytes, ducking: Ducking) -> bytes:
    """``bed`` (exactly ``segment_samples(voice samples)`` samples) ducked under ``voice``."""
    width = SAMPLE_BYTES
    fade = ducking.fade_samples
    total = ducking.segment_samples(len(voice) // width)
    if len(bed) != width * total:
        raise ValueError(f"bed has {len(bed) // width} samples, the segment needs {total}")
    duck = 10 ** (ducking.duck_db / 20)
    head = bed[:width * fade]
    middle, end = bed[width * fade:width * (total - fade)], bed[width * (total - fade):]
    shaped = b"".join((_fade(head, ducking.duck_db, down=True), audioop.mul(middle, width, duck),
                       _fade(end, ducking.duck_db, down=False)))
    padded = bytes(width * fade) + voice + bytes(width * (total - fade) - len(voice))
    return audioop.add(shaped, padded, width)


def _fade(pcm: bytes, duck_db: float, down: bool) -> bytes:
    """Down: step 0 at gain 1.0; up: the last step at gain 1.0 exactly."""
    step_bytes = SAMPLE_BYTES * STEP_SAMPLES
    steps = len(pcm) // step_bytes
    parts = []
    for i in range(steps):
        fraction = i / steps if down else (steps - 1 - i) / steps
        gain = 10 ** (duck_db * fraction / 20)
        chunk = pcm[i * step_bytes:(i + 1) * step_bytes]
        parts.append(chunk if gain == 1.0 else audioop.mul(chunk, SAMPLE_BYTES, gain))
    return b"".join(parts)
