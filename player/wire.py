"""The wire format of player/protocol.py without ``dataclasses``.

The player imports this on its hot path, where importing ``dataclasses``
alone would cost about 2.5 MB of its 3 MB budget; ``player.protocol``
re-exports these names and adds the dataclasses ``serve`` uses, so both
sides speak exactly the same bytes.
"""

from progmoh.player import lean_json

VERSION = 1
MAX_LINE_BYTES = 16384

HELLO, STATE, CLASS_CHANGED = "hello", "state", "class_changed"
WELCOME, DENIED, BALANCE, POSITION, NEXT_CLASS = (
    "welcome", "denied", "balance", "position", "next_class")
BALANCE_STATUSES = ("ok", "not_registered", "unavailable")

# CallState's fields and defaults, as plain data (see protocol.CallState).
STATE_DEFAULTS = (
    ("music_class", ""), ("track_index", 0), ("offset_samples", 0),
    ("advice_played", ()), ("middle_order", ()), ("call_samples", 0),
    ("next_advice_at", 0))


class ProtocolError(ValueError):
    """A line that is not a valid message of this protocol."""


def encode(kind, **fields):
    """One message as a newline-terminated line; field values are plain JSON data."""
    payload = {"v": VERSION, "type": kind}
    payload.update(fields)
    line = lean_json.dumps_compact(payload).encode() + b"\n"
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError(f"message {kind!r} is {len(line)} bytes, over {MAX_LINE_BYTES}")
    return line


def decode(line):
    """Parse one line; raises ProtocolError on anything malformed."""
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError(f"line of {len(line)} bytes is over {MAX_LINE_BYTES}")
    try:
        message = lean_json.loads(line)
    except (ValueError, UnicodeDecodeError) as error:
        raise ProtocolError(f"not JSON: {error}") from None
    if not isinstance(message, dict) or message.get("v") != VERSION:
        raise ProtocolError(f"not a version {VERSION} message")
    if not isinstance(message.get("type"), str):
        raise ProtocolError("message has no type")
    return message


def plain_state(data):
    """A state dict from the wire with every field present and lists as tuples,
    or None; unknown fields are dropped and wrong types fall back to defaults."""
    if not isinstance(data, dict) or not data:
        return None
    state = {}
    for name, default in STATE_DEFAULTS:
        value = data.get(name, default)
        if isinstance(default, tuple):
            ok = isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
            value = tuple(value) if ok else default
        elif type(value) is not type(default):
            value = default
        state[name] = value
    return state
