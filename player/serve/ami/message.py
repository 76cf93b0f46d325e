"""One AMI message: an ordered list of headers, repeats kept.

Header names are matched without regard to case (Asterisk itself is case
insensitive); values are kept exactly, including empty ones (``AccountCode: ``).
"""

from dataclasses import dataclass

ENCODING = "utf-8"


@dataclass(frozen=True)
class Message:
    headers: tuple[tuple[str, str], ...]

    def get(self, name: str, default: str | None = None) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    @property
    def event(self) -> str | None:
        return self.get("Event")

    @property
    def response(self) -> str | None:
        return self.get("Response")

    @property
    def action_id(self) -> str | None:
        return self.get("ActionID")


def parse(block: bytes) -> Message:
    """A block from the framer (CRLF lines, no blank line) as a Message.

    A line without ``: `` (seen only in old command output) is kept as a
    header with an empty name, so nothing is silently lost.
    """
    headers = []
    for raw in block.split(b"\r\n"):
        if not raw:
            continue
        line = raw.decode(ENCODING, "replace")
        name, sep, value = line.partition(":")
        if not sep:
            headers.append(("", line))
            continue
        headers.append((name.strip(), value[1:] if value.startswith(" ") else value))
    return Message(tuple(headers))


def format_action(name: str, action_id: str, fields: tuple[tuple[str, str], ...] = ()) -> bytes:
    """An action as wire bytes: ``Action`` and ``ActionID`` first, like the recordings."""
    lines = [f"Action: {name}", f"ActionID: {action_id}"]
    for key, value in fields:
        if "\r" in value or "\n" in value or "\r" in key or "\n" in key:
            raise ValueError(f"AMI header {key!r} must not contain a line break")
        lines.append(f"{key}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode(ENCODING)
