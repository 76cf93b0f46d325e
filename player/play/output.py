"""Writing frames to Asterisk's pipe and noticing when it stops reading."""

import fcntl
import posix
import sys

from progmoh.cache.audio_format import SAMPLE_BYTES

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from collections.abc import Callable

FIONREAD = 0x541B               # Linux: bytes waiting in a pipe, from either end


class Output:
    def __init__(self, fd: int, clock: "Callable[[], float]", blocked_s: float = 0.06) -> None:
        self.fd, self.clock, self.blocked_s = fd, clock, blocked_s

    def write(self, data: bytes) -> bool:
        """Write all of ``data``; True if that took long enough to mean the pipe was full.

        BrokenPipeError (Asterisk closed the pipe) is left to the caller:
        for a player it is the normal end of a call.
        """
        started_s = self.clock()
        written = posix.write(self.fd, data)
        if written < len(data):
            view = memoryview(data)[written:]
            while view:
                view = view[posix.write(self.fd, view):]
        return self.clock() - started_s > self.blocked_s

    def queued_samples(self) -> int | None:
        """Samples still in the pipe, or None when the descriptor cannot say."""
        try:
            raw = fcntl.ioctl(self.fd, FIONREAD, b"\0\0\0\0")
        except OSError:
            return None
        return int.from_bytes(raw, sys.byteorder) // SAMPLE_BYTES
