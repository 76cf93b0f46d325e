"""Split the AMI byte stream into message blocks.

AMI sends a banner line (``Asterisk Call Manager/<version>``) on connect, then
messages of CRLF-terminated ``Name: value`` lines, each ended by an empty
line.  TCP delivers them in arbitrary chunks, so this keeps the unfinished
tail between reads.  It knows nothing of headers: that is ``message.parse``.
"""

from progmoh.cache.errors import ProgmohError

BANNER_PREFIX = b"Asterisk Call Manager/"
MAX_MESSAGE_BYTES = 1 << 20     # a QueueStatus list item is < 1 KiB; this is a runaway guard


class FramingError(ProgmohError):
    """The peer is not speaking AMI (bad banner or an endless message)."""


class Framer:
    """Feed it bytes as they arrive; it returns the complete blocks so far."""

    def __init__(self) -> None:
        self._buffer = b""
        self.banner: str | None = None

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        blocks: list[bytes] = []
        if self.banner is None and not self._take_banner():
            return blocks
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            block, self._buffer = self._buffer[:end + 2], self._buffer[end + 4:]
            blocks.append(block)
        self._check_size()
        return blocks

    def _take_banner(self) -> bool:
        end = self._buffer.find(b"\r\n")
        if end < 0:
            self._check_size()
            return False
        line, self._buffer = self._buffer[:end], self._buffer[end + 2:]
        if not line.startswith(BANNER_PREFIX):
            raise FramingError(f"not an Asterisk manager: banner {line[:80]!r}")
        self.banner = line.decode("utf-8", "replace")
        return True

    def _check_size(self) -> None:
        if len(self._buffer) > MAX_MESSAGE_BYTES:
            raise FramingError(f"AMI message longer than {MAX_MESSAGE_BYTES} bytes")
