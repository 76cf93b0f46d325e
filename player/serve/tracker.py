"""What AMI says about each call, written into its record (calls.py).

Keyed by the Uniqueid of the channel that waits in the queue and owns the
MOH process (the ``;2`` half of a Local channel), which is the id in the
player's argv.  The caller number comes only from Asterisk's own headers.

``handle`` updates the records and returns a list of changes for the core to
act on.  A call AMI forgets (hangup, lost connection) and learns again
reports its number and language again, as if new.  app_queue
announces nobody's new position when someone ahead leaves, so the tracker
renumbers the callers behind a leaver itself; ``resync`` applies a
QueueStatus answer (the truth) on top.

``AgentConnect`` and ``QueueCallerAbandon`` of a queued call are reported
(``Answered``, ``Abandoned``) so the waits it was told are checked
(accuracy.py); its ``QueueCallerLeave`` still moves the queue.

A key counts when it goes down (``DTMFBegin``), so the answer starts about
a tone's length sooner; the ``DTMFEnd`` of that press is ignored, and a
``DTMFEnd`` no ``DTMFBegin`` announced (some paths send only that) counts.
"""

from dataclasses import dataclass

from progmoh.player.serve.ami.message import Message
from progmoh.player.serve.calls import CallRecord, CallRegistry, OnAmi


@dataclass(frozen=True)
class CallerKnown:
    uniqueid: str
    number: str          # "" when Asterisk does not know it


@dataclass(frozen=True)
class CallerSeen:
    """A channel's number before it queues: enough to read the remembered class,
    not yet a caller of ours (an agent's leg has a number too)."""
    uniqueid: str
    number: str


@dataclass(frozen=True)
class NumberRefused:
    """The channel's number is over ``max_number_chars`` or holds a control character:
    said once per call; the call goes on without a number (no billing, no remembered class)."""
    uniqueid: str
    chars: int


@dataclass(frozen=True)
class LanguageKnown:
    uniqueid: str
    language: str        # the channel's ``Language`` header, e.g. "en", "ru"


@dataclass(frozen=True)
class PositionChanged:
    uniqueid: str
    queue: str
    position: int


@dataclass(frozen=True)
class LeftQueue:
    uniqueid: str
    queue: str


@dataclass(frozen=True)
class MohStarted:
    uniqueid: str
    music_class: str


@dataclass(frozen=True)
class MohStopped:
    uniqueid: str


@dataclass(frozen=True)
class KeyPressed:
    uniqueid: str
    digit: str


@dataclass(frozen=True)
class CallEnded:
    uniqueid: str


@dataclass(frozen=True)
class Answered:
    """An agent took the call (``AgentConnect``): it leaves the queue next."""
    uniqueid: str


@dataclass(frozen=True)
class Abandoned:
    """The caller gave up waiting (``QueueCallerAbandon``): it leaves the queue next."""
    uniqueid: str


# Every change the tracker reports to the core.
Change = (CallerKnown | CallerSeen | NumberRefused | LanguageKnown | PositionChanged
          | LeftQueue | MohStarted | MohStopped | KeyPressed | CallEnded | Answered | Abandoned)


class Tracker:
    """Writes what AMI says into the call records (calls.py) and returns what changed."""

    _HANDLERS = {
        "QueueCallerJoin": "_join", "QueueCallerLeave": "_leave",
        "MusicOnHoldStart": "_moh_start", "MusicOnHoldStop": "_moh_stop",
        "Newchannel": "_channel_news", "NewCallerid": "_channel_news", "VarSet": "_channel_news",
        "DTMFBegin": "_dtmf_begin", "DTMFEnd": "_dtmf_end", "Hangup": "_hangup",
        "AgentConnect": "_answered", "QueueCallerAbandon": "_abandoned",
    }
    EVENTS = tuple(_HANDLERS)         # the events it reads; serve asks AMI for these

    def __init__(self, calls: CallRegistry | None = None, max_number_chars: int = 32) -> None:
        self._records = calls if calls is not None else CallRegistry()
        self._max_number_chars = max_number_chars
        self._handlers = {event: getattr(self, name) for event, name in self._HANDLERS.items()}

    @property
    def calls(self) -> OnAmi:
        """The calls AMI knows now, by unique id (a live view of the records)."""
        return self._records.known

    def handle(self, message: Message) -> list[Change]:
        handler = self._handlers.get(message.event or "")
        uniqueid = message.get("Uniqueid")
        if handler is None or not uniqueid:
            return []
        changes: list[Change] = handler(message, uniqueid)
        return changes

    def reset(self) -> list[Change]:
        """The AMI connection is gone: every call we knew is gone with it."""
        known = self._records.on_ami()
        for record in known:
            _forget(record)
        return [CallEnded(record.uniqueid) for record in known]

    def resync(self, entries: list[Message]) -> list[Change]:
        """Apply a complete QueueStatus answer (its QueueEntry messages)."""
        changes: list[Change] = []
        seen: set[str] = set()
        for entry in entries:
            if entry.event == "QueueEntry" and (uniqueid := entry.get("Uniqueid")):
                seen.add(uniqueid)
                changes += self._place(entry, uniqueid)
        for call in self._records.on_ami():
            if call.position and call.uniqueid not in seen:
                changes.append(LeftQueue(call.uniqueid, call.queue))
                call.queue, call.position = "", 0
        return changes

    def _tracked(self, uniqueid: str) -> CallRecord | None:
        record = self._records.get(uniqueid)
        return record if record is not None and record.on_ami else None

    def _track(self, uniqueid: str) -> tuple[CallRecord, bool]:
        """The call's record, now known on AMI; True if AMI did not know it before."""
        record = self._records.record(uniqueid)
        fresh, record.on_ami = not record.on_ami, True
        return record, fresh

    def _call(self, message: Message, uniqueid: str) -> tuple[CallRecord, list[Change]]:
        call, fresh = self._track(uniqueid)
        changes: list[Change] = []
        call.channel = message.get("Channel") or call.channel
        number, changes = self._number(call, message)
        if number and (fresh or number != call.number):
            call.number = number
            changes.append(CallerKnown(uniqueid, number))
        return call, changes + _language_change(call, message, fresh)

    def _number(self, call: CallRecord, message: Message) -> tuple[str, list[Change]]:
        """The message's caller number where it enters: "" when unknown or refused (over
        ``max_number_chars``, or any character that is not printable, NUL and line breaks
        included), with a NumberRefused the first time a call's number is refused."""
        value = (message.get("CallerIDNum") or "").strip()
        if _withheld(value):
            return "", []
        if len(value) <= self._max_number_chars and value.isprintable():
            return value, []
        if call.number_refused:
            return "", []
        call.number_refused = True
        return "", [NumberRefused(call.uniqueid, len(value))]

    def _place(self, message: Message, uniqueid: str) -> list[Change]:
        call, changes = self._call(message, uniqueid)
        queue, position = message.get("Queue") or "", _int(message.get("Position"))
        if position and (queue, position) != (call.queue, call.position):
            call.queue, call.position = queue, position
            changes.append(PositionChanged(uniqueid, queue, position))
        return changes

    def _channel_news(self, message: Message, uniqueid: str) -> list[Change]:
        """A channel event before the queue: its caller number, if it has one yet.

        The number is known here tens of milliseconds before QueueCallerJoin
        and Asterisk's realtime lookup, time enough to read the caller's
        remembered music.  Channels without a number are not tracked.
        """
        if self._tracked(uniqueid) is None and not _named(message):
            return []
        call, fresh = self._track(uniqueid)
        call.channel = message.get("Channel") or call.channel
        number, changes = self._number(call, message)
        if number and (fresh or number not in (call.number, call.seen_number)):
            call.seen_number = number
            changes.append(CallerSeen(uniqueid, number))
        return changes + _language_change(call, message, fresh)

    def _join(self, message: Message, uniqueid: str) -> list[Change]:
        return self._place(message, uniqueid)

    def _leave(self, message: Message, uniqueid: str) -> list[Change]:
        call = self._tracked(uniqueid)
        queue = message.get("Queue") or (call.queue if call else "")
        left_at = _int(message.get("Position")) or (call.position if call else 0)
        changes: list[Change] = []
        if call is not None and call.position:
            call.queue, call.position = "", 0
            changes.append(LeftQueue(uniqueid, queue))
        return changes + self._move_up(queue, left_at)

    def _move_up(self, queue: str, left_at: int) -> list[Change]:
        changes: list[Change] = []
        for other in self._records.on_ami():
            if other.queue == queue and left_at and other.position > left_at:
                other.position -= 1
                changes.append(PositionChanged(other.uniqueid, queue, other.position))
        return changes

    def _answered(self, message: Message, uniqueid: str) -> list[Change]:
        """The caller's channel (``Uniqueid``) was answered while it waited in a queue."""
        call = self._tracked(uniqueid)
        return [Answered(uniqueid)] if call is not None and call.position else []

    def _abandoned(self, message: Message, uniqueid: str) -> list[Change]:
        call = self._tracked(uniqueid)
        return [Abandoned(uniqueid)] if call is not None and call.position else []

    def _moh_start(self, message: Message, uniqueid: str) -> list[Change]:
        call, changes = self._call(message, uniqueid)
        call.moh_class, call.moh_playing = message.get("Class") or "", True
        return changes + [MohStarted(uniqueid, call.moh_class)]

    def _moh_stop(self, message: Message, uniqueid: str) -> list[Change]:
        call = self._tracked(uniqueid)
        if call is None or not call.moh_playing:
            return []
        call.moh_playing = False
        return [MohStopped(uniqueid)]

    def _dtmf_begin(self, message: Message, uniqueid: str) -> list[Change]:
        """A key goes down: act now, and let its DTMFEnd pass (a press is one key)."""
        call, digit = self._received_key(message, uniqueid)
        if call is None:
            return []
        call.key_down = digit
        return [KeyPressed(uniqueid, digit)]

    def _dtmf_end(self, message: Message, uniqueid: str) -> list[Change]:
        """A key comes up: a press only where no DTMFBegin announced it (some paths send none)."""
        call, digit = self._received_key(message, uniqueid)
        if call is None:
            return []
        was_down, call.key_down = call.key_down, ""
        return [] if was_down == digit else [KeyPressed(uniqueid, digit)]

    def _received_key(self, message: Message, uniqueid: str) -> tuple[CallRecord | None, str]:
        """The call and digit of a key its caller pressed; (None, "") for anything else."""
        digit = message.get("Digit") or ""
        call = self._tracked(uniqueid)
        if call is None or message.get("Direction") != "Received" or len(digit) != 1:
            return None, ""
        return call, digit

    def _hangup(self, message: Message, uniqueid: str) -> list[Change]:
        call = self._tracked(uniqueid)
        if call is None:
            return []
        queue, position = call.queue, call.position
        _forget(call)
        changes = self._move_up(queue, position) if position else []
        return changes + [CallEnded(uniqueid)]


def _forget(call: CallRecord) -> None:
    """AMI no longer knows the call: its place and its live AMI state go.

    The number and language stay with the record: a player still connected
    after the hangup may yet save a class for that number, and ``status`` shows it.
    """
    call.on_ami = False
    call.channel, call.queue, call.position = "", "", 0
    call.moh_playing, call.key_down = False, ""


def _named(message: Message) -> bool:
    """The channel event carries a caller number (perhaps one to refuse)."""
    return not _withheld((message.get("CallerIDNum") or "").strip())


def _withheld(value: str) -> bool:
    """A text without a digit stands for a withheld or unknown caller ID (``<unknown>``, or
    ``anonymous`` from a SIP From of a caller who withheld it): a placeholder many callers
    share is nobody's number, for billing or for a remembered class."""
    return not any("0" <= ch <= "9" for ch in value)


def _language_change(call: CallRecord, message: Message, fresh: bool) -> list[Change]:
    language = _language(message.get("Language"))
    if not language or (language == call.language and not fresh):
        return []
    call.language = language
    return [LanguageKnown(call.uniqueid, language)]


def _language(value: str | None) -> str:
    """A channel language code (``en``, ``ru``, ``pt_BR``); anything else is ignored."""
    value = (value or "").strip()
    ok = 0 < len(value) <= 16 and value.replace("_", "").replace("-", "").isalnum()
    return value if ok and value.isascii() else ""


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return 0
