"""The wire format of player/protocol.py without ``dataclasses``.

The player imports this on its hot path, where importing ``dataclasses``
alone would cost about 2.5 MB of its 3 MB budget; ``player.protocol``
re-exports these names and adds the dataclasses ``serve`` uses, so both
sides speak exactly the same bytes.

The call state (what a restarted player needs to continue the same call)
is defined here once, ``STATE_DEFAULTS``, and checked here once,
``check_state``; ``protocol.CallState`` is built from the same table.
The two sides act differently on what the check finds: the player takes
each bad field's default and logs it (a bad field must never stop a call's
audio), while ``serve`` rejects the message and drops that player's
connection (a player sending bad state is broken, and its state is not
worth keeping).
"""

from progmoh.cache.errors import ProgmohError
from progmoh.player import lean_json

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from typing import Any

VERSION = 1
MAX_LINE_BYTES = 16384

HELLO, STATE, CLASS_CHANGED = "hello", "state", "class_changed"
WELCOME, DENIED, BALANCE, POSITION, NEXT_CLASS, WAIT, SAY, REMAINING = (
    "welcome", "denied", "balance", "position", "next_class", "wait", "say", "remaining")
MAX_SAY_KEYS = 128              # prompt keys of one say message: a sentence, not a speech
BALANCE_STATUSES = ("ok", "not_registered", "unavailable")
# Counters a player reports in each state message ("audio"), counted from its start.
AUDIO_PROBLEMS = ("blocked_writes", "schedule_resets", "skipped_objects", "internal_errors")
NOW_KINDS = ("music", "advice", "insert")        # "now": {"kind", "name"}: what is playing

# The call state's fields and defaults, in order: the one definition.  A
# str field holds text, an int field a count >= 0, a tuple field text items.
# Positions are what the caller has heard (written less what is still in
# Asterisk's pipe), so a restarted player repeats nothing.
STATE_DEFAULTS = (
    ("music_class", ""),        # the class playing
    ("track_index", 0),         # the track in that class's playlist
    ("offset_samples", 0),      # position inside the current track
    ("advice_played", ()),      # advice items played in this call, in order
    ("middle_order", ()),       # this call's shuffled middle group
    ("call_samples", 0),        # audio played so far in this call
    ("next_advice_at", 0),      # call_samples at which the next advice may start
    ("advice_item", ""),        # the advice in progress ("" = none): a restart continues it
    ("advice_samples", 0),      # how far into that advice's segment
)


def place_argument(state: "dict[str, Any]") -> str:
    """``--at`` for a restarted player: ``TRACK:OFFSET:ADVICE_SAMPLES:ADVICE_ITEM``, the
    heard place of ``state`` (a dict of STATE_DEFAULTS), so its very first sample goes on
    from there; "" when the advice's name would not survive Asterisk's split on spaces."""
    item = state["advice_item"]
    if item and (not item.isprintable() or any(c.isspace() for c in item) or len(item) > 64):
        return ""
    return "%d:%d:%d:%s" % (state["track_index"], state["offset_samples"],
                            state["advice_samples"], item)


def read_place(text: object) -> tuple[int, int, int, str] | None:
    """``(track_index, offset_samples, advice_samples, advice_item)`` of ``--at``, or None."""
    parts = str(text).split(":", 3)
    if len(parts) != 4 or not all(p.isdigit() and p.isascii() for p in parts[:3]):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2]), parts[3]


class ProtocolError(ProgmohError, ValueError):
    """A line that is not a valid message of this protocol."""


def encode(kind: str, **fields: object) -> bytes:
    """One message as a newline-terminated line; field values are plain JSON data."""
    payload: dict[str, object] = {"v": VERSION, "type": kind}
    payload.update(fields)
    line = lean_json.dumps_compact(payload).encode() + b"\n"
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError(f"message {kind!r} is {len(line)} bytes, over {MAX_LINE_BYTES}")
    return line


def decode(line: bytes | str) -> "dict[str, Any]":
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


def check_state(data: object) -> "tuple[dict[str, Any] | None, list[str]]":
    """``(state, problems)`` for a call state from the wire.

    ``state`` is None for no state (None or an empty object), else a dict
    with every field of STATE_DEFAULTS, lists as tuples; a field missing
    takes its default, a field of the wrong type (or a negative count)
    takes its default and is named in ``problems``.  Unknown fields are
    dropped without a word: a newer peer may send more.
    """
    if data is None or data == {}:
        return None, []
    if not isinstance(data, dict):
        return None, ["state is not an object but %s" % type(data).__name__]
    state: dict[str, object] = {}
    problems: list[str] = []
    for name, default in STATE_DEFAULTS:
        value = data.get(name, default)
        if not _state_value_ok(value, default):
            problems.append("state field %r: %.40r is not %s; using %r"
                            % (name, value, _STATE_KINDS[type(default)], default))
            value = default
        state[name] = tuple(value) if isinstance(default, tuple) else value
    return state, problems


_STATE_KINDS = {str: "text", int: "a count >= 0", tuple: "a list of text"}


def _state_value_ok(value: object, default: object) -> bool:
    if isinstance(default, tuple):
        return isinstance(value, (list, tuple)) and all(type(v) is str for v in value)
    if type(default) is int:
        return type(value) is int and value >= 0
    return type(value) is type(default)
