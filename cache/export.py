"""Export a cached segment as a WAV file an admin can listen to."""

import wave
from pathlib import Path

from progmoh.cache.audio_format import SAMPLE_BYTES, SAMPLE_RATE_HZ
from progmoh.cache.errors import CacheError
from progmoh.cache.manifest import Segment


def export_wav(store, segment: Segment, out_path: Path) -> int:
    """Write ``segment`` to ``out_path`` (8 kHz mono 16-bit); returns the samples written."""
    pcm = store.read(segment.object)
    if len(pcm) != segment.samples * SAMPLE_BYTES:
        raise CacheError(f"{store.path(segment.object)}: object of segment {segment.id!r} is "
                         f"{len(pcm)} bytes, expected {segment.samples * SAMPLE_BYTES} "
                         f"(run `progmoh cache verify`)")
    try:
        with open(out_path, "wb") as handle, wave.open(handle, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(SAMPLE_BYTES)
            out.setframerate(SAMPLE_RATE_HZ)
            out.writeframes(pcm)
    except OSError as error:
        raise CacheError(f"{out_path}: cannot write WAV file: {error.strerror}") from None
    return segment.samples
