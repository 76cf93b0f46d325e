"""The players' socket protocol, shared by ``progmoh play`` and ``progmoh serve``.

Line-delimited JSON over a Unix stream socket, one object per line, each
with ``"v": 1`` and a ``"type"``.  Standard library only: the player imports
this after its first audio is out.

Player -> serve
  hello    {"uniqueid"}                       first line; serve checks SO_PEERCRED
  state    {"state": CallState}               whenever progress changes (and about
                                              once a second while playing)
  class_changed {"music_class"}               after key 3: serve saves the choice

Serve -> player
  welcome  {"language", "music_class" (""=default), "state": CallState|null}
  denied   {"reason"}                         then serve closes the socket
  balance  {"status", "accounts": [Account], "language"}  status: "ok" |
                                              "not_registered" | "unavailable"
  position {"position": int, "language"}
  wait     {"minutes": int, "language"}       estimated wait, rounded; 0 = under a minute
  (``language`` of the personal messages: the caller's, as serve knows it
  when it speaks; a player without it uses the welcome's)
  next_class {}                               switch to the next music class
"""

from dataclasses import asdict, dataclass

from progmoh.player import wire
from progmoh.player.wire import (  # noqa: F401  (re-exported: the one wire format)
    BALANCE, BALANCE_STATUSES, CLASS_CHANGED, DENIED, HELLO, MAX_LINE_BYTES, NEXT_CLASS,
    POSITION, STATE, VERSION, WAIT, WELCOME, ProtocolError, decode,
)


@dataclass(frozen=True)
class Account:
    account: str             # account id, digits read in groups
    balance: str             # decimal text, e.g. "-12.50"; never a float
    currency: str            # ISO code, e.g. "RUB", "USD"; "" if unknown
    locked: bool = False


@dataclass(frozen=True)
class CallState:
    """What a restarted player needs to continue the same call's program."""
    music_class: str = ""
    track_index: int = 0
    offset_samples: int = 0          # position inside the current track
    advice_played: tuple[str, ...] = ()
    middle_order: tuple[str, ...] = ()   # this call's shuffled middle group
    call_samples: int = 0            # audio played so far in this call
    next_advice_at: int = 0          # call_samples at which the next advice may start


def encode(kind: str, **fields) -> bytes:
    """One message as a newline-terminated line."""
    return wire.encode(kind, **{name: asdict(value) if hasattr(value, "__dataclass_fields__")
                                else value for name, value in fields.items()})


def call_state(data: dict | None) -> CallState | None:
    if not data:
        return None
    known = CallState.__dataclass_fields__
    values = {k: v for k, v in data.items() if k in known}
    for name in ("advice_played", "middle_order"):
        values[name] = tuple(values.get(name, ()))
    return CallState(**values)

