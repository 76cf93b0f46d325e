"""The one record per call in ``serve``: every fact about a call, AMI's and the players'.

Asterisk stops and restarts the MOH application around every queue
announcement, so a call's facts live here, keyed by its unique id, and
outlive each player process.  Each field has one writer: the tracker
(tracker.py) writes what AMI says, and forgets it when AMI does (a hangup,
a lost connection); everything else is written by the core (core.py).
Rules and announcers keep only their own timers, and ``progmoh status`` reads a
frozen copy (snapshot.py).  A call is forgotten ``call_grace_s`` after its
hangup (or after the AMI connection that knew it was lost, unless a resync
brings it back).

A call may move to a queue of another program (docs/architecture.md,
"Programs"): its lookup names the program (``program``), and what the call
keeps per program, its progress and its remembered class, is held by program
(``ProgramPart``), so coming back to a program finds it and a player of one
program never gets another's.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from progmoh.player.programs import DEFAULT_PROGRAM
from progmoh.player.protocol import CallState
from progmoh.player.serve.accuracy import Told
from progmoh.player.serve.actions import Link


@dataclass(frozen=True)
class NowPlaying:
    """What a player last said it plays (``now`` of its state, player/protocol.py)."""
    kind: str                                 # protocol.NOW_KINDS: music, advice, insert
    name: str


@dataclass
class ProgramPart:
    """What a call keeps for one program it has been in: written by the core only."""
    state: CallState | None = None            # its last player's progress there (class, place)
    remembered_class: str = ""                # the caller's remembered class there ("" none)


@dataclass
class CallRecord:
    uniqueid: str
    # What AMI says: written by the tracker only.
    on_ami: bool = False                      # AMI knows the call now
    channel: str = ""
    number: str = ""                          # the queued caller's number; "" when unknown
    seen_number: str = ""                     # a channel's number before the queue
    number_refused: bool = False              # AMI's number was refused (tracker.py)
    language: str = ""                        # the channel's language
    queue: str = ""                           # the queue it waits in
    position: int = 0                         # 0: not waiting in a queue
    moh_class: str = ""
    moh_playing: bool = False
    key_down: str = ""                        # a DTMFBegin's digit whose DTMFEnd is to come
    # What the players say and serve decides: written by the core only.
    program: str = DEFAULT_PROGRAM            # what its last lookup named: its next player's
    link: Link | None = None                  # the proven, welcomed player of this call
    link_program: str = DEFAULT_PROGRAM       # the program that player plays
    connecting: Link | None = None            # a proven player waiting for its welcome
    connecting_program: str = DEFAULT_PROGRAM # the program that one plays
    per_program: dict[str, ProgramPart] = field(default_factory=dict)
    keys: tuple[str, ...] = ()                # digits pressed, oldest first (the last few)
    playing: NowPlaying | None = None
    audio: dict[str, int] = field(default_factory=dict)  # problem -> count, over all its players
    audio_link: Link | None = None            # the player whose counts audio_seen holds
    audio_seen: dict[str, int] = field(default_factory=dict)
    remembered_for: str = ""                  # the number whose remembered classes were read
    remembering: bool = False                 # that read is in flight
    position_unsaid: bool = False             # announce once a player is there
    joined_at_s: float | None = None          # monotonic seconds it joined its queue
    callback_offer_until_s: float | None = None   # a callback offer open until then
    callback_cancel_until_s: float | None = None  # a returning caller may cancel until then
    callback_told: bool = False               # told of the callback it has pending
    callback_offered: bool = False            # heard the offer (the periodic one comes once)
    goodbye_until_s: float | None = None      # took a callback: hung up after the goodbye
    goodbye_playing: bool = False             # its player has started the goodbye
    told: tuple[Told, ...] = ()               # the waits said to it, checked when it leaves
    advice_until_s: float | None = None       # when the wait last sent to its player ends
    first_seen_s: float | None = None         # monotonic seconds serve first heard of it
    ended_at_s: float | None = None           # monotonic seconds of hangup

    @property
    def on_hold(self) -> bool:
        return self.link is not None or (self.on_ami and self.position > 0)

    @property
    def playing_program(self) -> str:
        """The program of the call's welcomed player, else of its next one."""
        return self.link_program if self.link is not None else self.program

    def part(self, program: str) -> ProgramPart:
        """What the call keeps for ``program``, empty the first time."""
        found = self.per_program.get(program)
        if found is None:
            found = self.per_program[program] = ProgramPart()
        return found

    @property
    def state(self) -> CallState | None:
        """The last player's progress in the call's program (``program``)."""
        part = self.per_program.get(self.program)
        return part.state if part is not None else None

    @state.setter
    def state(self, state: CallState | None) -> None:
        self.part(self.program).state = state


class OnAmi(Mapping[str, CallRecord]):
    """A live, read-only view of the records of the calls AMI knows now, by unique id."""

    def __init__(self, records: dict[str, CallRecord]) -> None:
        self._records = records

    def __getitem__(self, uniqueid: str) -> CallRecord:
        record = self._records[uniqueid]
        if not record.on_ami:
            raise KeyError(uniqueid)
        return record

    def __iter__(self) -> Iterator[str]:
        return (uid for uid, record in list(self._records.items()) if record.on_ami)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class CallRegistry:
    """Every call serve knows, by unique id; the tracker and the core share one."""

    def __init__(self) -> None:
        self.records: dict[str, CallRecord] = {}
        self.known = OnAmi(self.records)

    def get(self, uniqueid: str) -> CallRecord | None:
        return self.records.get(uniqueid)

    def record(self, uniqueid: str) -> CallRecord:
        found = self.records.get(uniqueid)
        if found is None:
            found = self.records[uniqueid] = CallRecord(uniqueid)
        return found

    def on_ami(self) -> list[CallRecord]:
        """The records of the calls AMI knows now, oldest first (a list: callers may write)."""
        return [record for record in self.records.values() if record.on_ami]

    def expire(self, now_s: float, grace_s: float) -> list[str]:
        """Forget calls that ended at least ``grace_s`` ago and have no player; their ids."""
        gone = [uid for uid, r in self.records.items()
                if r.ended_at_s is not None and now_s - r.ended_at_s >= grace_s
                and r.link is None and r.connecting is None]
        for uid in gone:
            del self.records[uid]
        return gone
