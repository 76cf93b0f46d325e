"""What serve's core (core.py) asks its shell (service.py) to do: one frozen class per effect.

A link is whatever the players' socket gave the core for one player
process (players.PlayerLink); the core only compares links and names one in
an action, never calls them.  An action that asks something (a balance, a
remembered class) says which input of the core takes the answer.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from progmoh.player.programs import DEFAULT_PROGRAM

if TYPE_CHECKING:
    from progmoh.player.serve.callback_store import CallbackRow


class Link(Protocol):
    """What the shell does with a link that an action names (players.PlayerLink)."""

    def send(self, kind: str, **fields: Any) -> bool: ...


@dataclass(frozen=True)
class Send:
    """One message (player/protocol.py) to the player ``link``, and no other."""
    link: Link
    kind: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PrefetchBalance:
    """Start fetching a caller's balance, so key 2 is answered at once."""
    number: str


@dataclass(frozen=True)
class LookUpBalance:
    """The balance for the player ``link`` of a call: ``core.balance_answered`` takes it."""
    uniqueid: str
    link: Link
    number: str


@dataclass(frozen=True)
class LookUp:
    """A lookup's answer for a say key of the call's program, for the player ``link``:
    ``core.lookup_answered`` takes it."""
    uniqueid: str
    link: Link
    number: str
    program: str
    digit: str


@dataclass(frozen=True)
class BookCallback:
    """Book a callback for the call (player/serve/callbacks.py): ``core.callback_booked``
    takes the store's answer."""
    uniqueid: str
    row: "CallbackRow"
    position: int                   # the caller's place now: the placeholder takes it


@dataclass(frozen=True)
class PlaceCallback:
    """Put a callback's placeholder into its queue at ``position`` (its row says which
    queue); ``core.callback_not_placed`` takes a refusal."""
    row: "CallbackRow"
    position: int


@dataclass(frozen=True)
class CallbackState:
    """Write a callback's new state and attempts (its row) to the store."""
    row: "CallbackRow"


@dataclass(frozen=True)
class Whisper:
    """Write the whisper of a callback an agent just took: prompt ``keys`` of its program
    in ``language`` (player/serve/whisper.py)."""
    callback_id: str
    program: str
    language: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class HangUp:
    """Hang up a channel on AMI (a caller who took a callback, after the goodbye)."""
    channel: str


@dataclass(frozen=True)
class ReadChoice:
    """Read a number's remembered class in every configured program, instead of any
    earlier read for this call: ``core.choice_answered`` takes the answer."""
    uniqueid: str
    number: str


@dataclass(frozen=True)
class WriteChoice:
    """Remember the class a caller chose with key 3, in the program they chose it in."""
    number: str
    music_class: str
    program: str = DEFAULT_PROGRAM


@dataclass(frozen=True)
class Count:
    """One event for the metrics: ``metric`` is a name of ``metrics.Metrics.count``."""
    metric: str
    labels: tuple[str, ...] = ()
    amount: int = 1
    seconds: float | None = None              # how long it took (how far off: wait_checks)


@dataclass(frozen=True)
class CallOnAmi:
    """AMI knows this call now: a player waiting for that to be welcomed may go on."""
    uniqueid: str


@dataclass(frozen=True)
class CallForgotten:
    """The call's record is gone: drop what the shell keeps for it (its choice read)."""
    uniqueid: str


# Every action the core gives its shell.
Action = (Send | PrefetchBalance | LookUpBalance | LookUp | ReadChoice | WriteChoice | Count
          | CallOnAmi | CallForgotten | BookCallback | PlaceCallback | CallbackState | HangUp
          | Whisper)
