"""The players' socket protocol, shared by ``progmoh play`` and ``progmoh serve``.

Line-delimited JSON over a Unix stream socket, one object per line, each
with ``"v": 1`` and a ``"type"``.  Standard library only: the player imports
this after its first audio is out.

Player -> serve
  hello    {"uniqueid"}                       first line; serve checks SO_PEERCRED
  state    {"state": CallState,               whenever progress changes (and about
            "audio": {problem: count},        once a second while playing); audio
            "now": {"kind", "name"}}          counts since this process started
  class_changed {"music_class"}               after key 3: serve saves the choice

Serve -> player
  welcome  {"language", "music_class" (""=default), "state": CallState|null}
  denied   {"reason"}                         then serve closes the socket
  balance  {"status", "accounts": [Account], "language"}  status: "ok" |
                                              "not_registered" | "unavailable"
  position {"position": int, "language"}
  wait     {"minutes": int, "language",       estimated wait, rounded; 0 = under a minute;
            "min_minutes", "max_minutes"}     optional, together: a range ("about 3 to 5
                                              minutes"); a player without them says minutes
  remaining {"seconds": int|null}             the wait likely left: start no advice longer
                                              (0: an agent is about to answer; null: no limit)
  (``language`` of the personal messages: the caller's, as serve knows it
  when it speaks; a player without it uses the welcome's)
  next_class {}                               switch to the next music class
  say      {"keys": [key], "language",        a say key's sentence, as serve rendered its
            "what"}                           template (at most MAX_SAY_KEYS prompt keys);
                                              "what" names it in the player's log
"""

from dataclasses import Field, asdict, dataclass, is_dataclass, make_dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from progmoh.player import wire
from progmoh.player.wire import (
    AUDIO_PROBLEMS,
    BALANCE,
    BALANCE_STATUSES,
    CLASS_CHANGED,
    DENIED,
    HELLO,
    MAX_LINE_BYTES,
    MAX_SAY_KEYS,
    NEXT_CLASS,
    NOW_KINDS,
    POSITION,
    REMAINING,
    SAY,
    STATE,
    VERSION,
    WAIT,
    WELCOME,
    ProtocolError,
    decode,
)

# The wire format's names are re-exported (one wire format for both sides), beside this
# module's own dataclasses.
__all__ = [
    "AUDIO_PROBLEMS", "BALANCE", "BALANCE_STATUSES", "CLASS_CHANGED", "DENIED", "HELLO",
    "MAX_LINE_BYTES", "MAX_SAY_KEYS", "NEXT_CLASS", "NOW_KINDS", "POSITION", "REMAINING", "SAY",
    "STATE",
    "VERSION", "WAIT", "WELCOME",
    "ProtocolError", "decode",
    "Account", "CallState", "call_state", "encode",
]


@dataclass(frozen=True)
class Account:
    account: str             # account id, digits read in groups
    balance: str             # decimal text, e.g. "-12.50"; never a float
    currency: str            # ISO code, e.g. "RUB", "USD"; "" if unknown
    locked: bool = False


# What a restarted player needs to continue the same call's program: serve's
# typed view of wire.STATE_DEFAULTS (the one definition, commented there).
if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    class CallState(DataclassInstance):
        """What the checker sees of the class make_dataclass builds below (it cannot read
        the fields of wire.STATE_DEFAULTS): a frozen dataclass, with the one field serve
        reads by name."""
        __dataclass_fields__: ClassVar[dict[str, Field[Any]]]
        music_class: str

        def __init__(self, **fields: object) -> None: ...
else:
    CallState = make_dataclass(
        "CallState",
        [(name, tuple[str, ...] if isinstance(default, tuple) else type(default), default)
         for name, default in wire.STATE_DEFAULTS],
        frozen=True)
    CallState.__module__ = __name__
    CallState.__doc__ = ("A call's progress, as the player reports it "
                         "(fields: wire.STATE_DEFAULTS).")


def encode(kind: str, **fields: object) -> bytes:
    """One message as a newline-terminated line."""
    return wire.encode(kind, **{name: asdict(value)
                                if is_dataclass(value) and not isinstance(value, type)
                                else value for name, value in fields.items()})


def call_state(data: object) -> CallState | None:
    """A state from the wire, checked by wire.check_state; None for no state.

    Serve's side of the one check: any bad field makes the whole state a
    ProtocolError (the player's side takes defaults instead).
    """
    state, problems = wire.check_state(data)
    if problems:
        raise ProtocolError("bad state: " + "; ".join(problems))
    return None if state is None else CallState(**state)

