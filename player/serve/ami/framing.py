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
        """The blocks completed by ``data``; the buffer is cut once per feed, not per block,
        so a storm of small messages costs time in step with its size."""
        self._buffer += data
        blocks: list[bytes] = []
        if self.banner is None and not self._take_banner():
            return blocks
        start, buffer = 0, self._buffer
        while (end := buffer.find(b"\r\n\r\n", start)) >= 0:
            blocks.append(buffer[start:end + 2])
            start = end + 4
        self._buffer = buffer[start:]
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


def unwanted(block: bytes, wanted: frozenset[bytes]) -> bool:
    """An event whose name is not in ``wanted`` and that answers no action (no ActionID):
    dropped before it is parsed, so a storm of events serve never uses costs it little."""
    if not block.startswith(b"Event: ") or b"ActionID:" in block:
        return False
    end = block.find(b"\r\n")
    return block[7:end if end >= 0 else None] not in wanted
