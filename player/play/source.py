"""Reading cache objects a few hundred samples at a time.

A track is never loaded whole: the player asks for the samples of the next
wake-up only (os.pread on a descriptor kept open while the segment plays),
which keeps a call's memory flat however long the music is.

When the manifest promises block checksums (cache/blocks.py), reads go a
whole 4096-sample block at a time: a block is checked before any of its
samples is handed out and kept for the reads that follow, so an object
damaged in place is dropped before a caller hears it.
"""

import posix

from progmoh.cache import blocks
from progmoh.cache.audio_format import SAMPLE_BYTES
from progmoh.cache.errors import ProgmohError

BLOCK_SAMPLES = blocks.BLOCK_SAMPLES


class ObjectError(ProgmohError):
    """A cache object that is missing, unreadable or of the wrong length."""


class Reader:
    """One segment's samples, read by absolute position."""

    __slots__ = ("path", "samples", "label", "checked", "fd", "sums", "block", "data")

    def __init__(self, path: str, samples: int, label: str, checked: bool = False) -> None:
        self.path, self.samples, self.label, self.checked = path, samples, label, checked
        self.fd = -1
        self.sums: bytes | None = None     # the block checksums, when the manifest promises them
        self.block, self.data = -1, b""     # the last block read and checked

    def open(self) -> "Reader":
        """Open and check the length, so a truncated object is caught before it plays."""
        if self.checked:
            self.sums = self._sums()
        try:
            fd = posix.open(self.path, posix.O_RDONLY | posix.O_CLOEXEC)
        except OSError as error:
            raise ObjectError("%sobject %s: %s"
                              % (self._who(), self.path, error.strerror)) from None
        size = posix.fstat(fd).st_size
        if size != self.samples * SAMPLE_BYTES:
            posix.close(fd)
            raise ObjectError("%sobject %s has %d bytes, manifest says %d samples"
                              % (self._who(), self.path, size, self.samples))
        self.fd = fd
        return self

    def _sums(self) -> bytes:
        path = blocks.sums_path(self.path)
        want = blocks.sums_length(self.samples)
        try:
            with open(path, "rb", buffering=0) as handle:
                table = handle.read(want + 1)
        except OSError as error:
            raise ObjectError("%sblock checksums %s: %s"
                              % (self._who(), path, error.strerror)) from None
        if len(table) != want:
            raise ObjectError("%sblock checksums %s: %d bytes, expected %d"
                              % (self._who(), path, len(table), want))
        return table

    def read(self, pos_samples: int, count: int) -> bytes:
        """Up to ``count`` samples from sample ``pos_samples``; fewer only at the end."""
        count = max(0, min(count, self.samples - pos_samples))
        if count == 0:
            return b""
        if self.sums is not None:
            return self._checked(pos_samples, pos_samples + count, self.sums)
        return self._pread(pos_samples, count)

    def _checked(self, pos_samples: int, end_samples: int, sums: bytes) -> bytes:
        """Samples ``[pos_samples, end_samples)`` from checked blocks."""
        parts: list[bytes] = []
        while pos_samples < end_samples:
            index = pos_samples // BLOCK_SAMPLES
            base_samples = index * BLOCK_SAMPLES
            data = self.data if index == self.block else self._block(index, base_samples, sums)
            stop_samples = min(end_samples, base_samples + BLOCK_SAMPLES)
            parts.append(data[(pos_samples - base_samples) * SAMPLE_BYTES:
                              (stop_samples - base_samples) * SAMPLE_BYTES])
            pos_samples = stop_samples
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _block(self, index: int, base_samples: int, sums: bytes) -> bytes:
        data = self._pread(base_samples, min(BLOCK_SAMPLES, self.samples - base_samples))
        if not blocks.intact(data, index, sums):
            raise ObjectError("%sobject %s is damaged: block %d (samples %d-%d) fails its checksum"
                              % (self._who(), self.path, index, base_samples,
                                 base_samples + len(data) // SAMPLE_BYTES))
        self.block, self.data = index, data
        return data

    def _pread(self, pos_samples: int, count: int) -> bytes:
        try:
            data = posix.pread(self.fd, count * SAMPLE_BYTES, pos_samples * SAMPLE_BYTES)
        except OSError as error:
            raise ObjectError("%sobject %s: read failed: %s"
                              % (self._who(), self.path, error.strerror)) from None
        if len(data) != count * SAMPLE_BYTES:
            raise ObjectError("%sobject %s ended early at sample %d"
                              % (self._who(), self.path, pos_samples + len(data) // SAMPLE_BYTES))
        return data

    def _who(self) -> str:
        return self.label + ": " if self.label else ""

    def close(self) -> None:
        if self.fd >= 0:
            posix.close(self.fd)
            self.fd = -1
        self.block, self.data = -1, b""


class Tail:
    """The rest of a stream being faded out: a reader from a position, then silence."""

    __slots__ = ("reader", "pos_samples")

    def __init__(self, reader: Reader | None, pos_samples: int) -> None:
        self.reader, self.pos_samples = reader, pos_samples

    def read(self, count: int) -> bytes:
        data = b""
        if self.reader is not None:
            try:
                data = self.reader.read(self.pos_samples, count)
            except ObjectError:
                data = b""
            self.pos_samples += len(data) // SAMPLE_BYTES
        return data + bytes(count * SAMPLE_BYTES - len(data))

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
            self.reader = None
