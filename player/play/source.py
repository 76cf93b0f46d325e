"""Reading cache objects a few hundred samples at a time.

A track is never loaded whole: the player asks for the samples of the next
wake-up only (os.pread on a descriptor kept open while the segment plays),
which keeps a call's memory flat however long the music is.
"""

import os

from progmoh.cache.audio_format import SAMPLE_BYTES


class ObjectError(Exception):
    """A cache object that is missing, unreadable or of the wrong length."""


class Reader:
    """One segment's samples, read by absolute position."""

    __slots__ = ("path", "samples", "label", "fd")

    def __init__(self, path, samples, label):
        self.path, self.samples, self.label = path, samples, label
        self.fd = -1

    def open(self):
        """Open and check the length, so a truncated object is caught before it plays."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as error:
            raise ObjectError("%sobject %s: %s" % (self._who(), self.path, error.strerror)) from None
        size = os.fstat(fd).st_size
        if size != self.samples * SAMPLE_BYTES:
            os.close(fd)
            raise ObjectError("%sobject %s has %d bytes, manifest says %d samples"
                              % (self._who(), self.path, size, self.samples))
        self.fd = fd
        return self

    def read(self, pos_samples, count):
        """Up to ``count`` samples from sample ``pos_samples``; fewer only at the end."""
        count = max(0, min(count, self.samples - pos_samples))
        if count == 0:
            return b""
        try:
            data = os.pread(self.fd, count * SAMPLE_BYTES, pos_samples * SAMPLE_BYTES)
        except OSError as error:
            raise ObjectError("%sobject %s: read failed: %s" % (self._who(), self.path, error.strerror)) from None
        if len(data) != count * SAMPLE_BYTES:
            raise ObjectError("%sobject %s ended early at sample %d"
                              % (self._who(), self.path, pos_samples + len(data) // SAMPLE_BYTES))
        return data

    def _who(self):
        return self.label + ": " if self.label else ""

    def close(self):
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class Tail:
    """The rest of a stream being faded out: a reader from a position, then silence."""

    __slots__ = ("reader", "pos_samples")

    def __init__(self, reader, pos_samples):
        self.reader, self.pos_samples = reader, pos_samples

    def read(self, count):
        data = b""
        if self.reader is not None:
            try:
                data = self.reader.read(self.pos_samples, count)
            except ObjectError:
                data = b""
            self.pos_samples += len(data) // SAMPLE_BYTES
        return data + bytes(count * SAMPLE_BYTES - len(data))

    def close(self):
        if self.reader is not None:
            self.reader.close()
            self.reader = None
