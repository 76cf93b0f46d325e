"""Per-block checksums of cache objects, so that no damaged byte is ever heard.

``cache verify`` re-hashes whole objects, but a player cannot afford a
sha256 of a track before it plays it, and an object damaged in place keeps
its size.  So every object has a sidecar file beside it,
``<digest>.crc32-4096``: one CRC-32 (4 bytes, little-endian) per block of
4096 samples (8 KiB, 0.512 s of audio; the last block may be shorter),
written when the object is stored.  The player checks each block as it
first reads from it, before any of its samples are written, and drops the
segment at the first mismatch.  A manifest's ``block_check`` names this
scheme; a manifest without one (written before sidecars existed) plays
unchecked.

Standard library only (``zlib``): the player imports it on its way to the
first audio.
"""

import zlib

from progmoh.cache.audio_format import SAMPLE_BYTES

SCHEME = "crc32-4096"
BLOCK_SAMPLES = 4096
BLOCK_BYTES = BLOCK_SAMPLES * SAMPLE_BYTES
SUM_BYTES = 4


def sums_path(object_path: str) -> str:
    """The sidecar of the object at ``object_path`` (``.sln`` replaced by the scheme)."""
    return object_path[:object_path.rindex(".")] + "." + SCHEME


def sums(pcm: bytes | bytearray | memoryview) -> bytes:
    """The sidecar's content for the object ``pcm``."""
    view = memoryview(pcm)
    return b"".join(zlib.crc32(view[start:start + BLOCK_BYTES]).to_bytes(SUM_BYTES, "little")
                    for start in range(0, len(view), BLOCK_BYTES))


def sums_length(samples: int) -> int:
    """Bytes of the sidecar of an object of ``samples`` samples."""
    return -(-samples // BLOCK_SAMPLES) * SUM_BYTES


def intact(block: bytes | memoryview, index: int, table: bytes) -> bool:
    """Whether ``block`` (block number ``index`` of its object) matches ``table``."""
    start = index * SUM_BYTES
    return zlib.crc32(block) == int.from_bytes(table[start:start + SUM_BYTES], "little")
