"""Callbacks that keep the caller's place: the decisions, with no sockets and no clock of
their own (docs/architecture.md, "Callbacks"; the core calls in, actions come out).

A caller presses the program's callback key and hears the offer, with the
last digits of their number; the confirmation key within ``confirm_s`` books
it (the store refuses a second one for the number in that queue, wherever it
was booked).  A placeholder, a Local channel that plays nothing, then joins
the same queue at the caller's position while the caller is still in it, so
nobody moves ahead of it and it moves ahead of nobody; once AMI shows it in
the queue the caller hears the goodbye and is hung up after it.  When an
agent answers the placeholder, its other half whispers to the agent and dials
the customer (the dialplan of ``progmoh asterisk-config``), and AMI's own
DialEnd of that half says how it went: answered is done; no answer, busy or
a failure is tried again after ``retry_s`` at the head of the queue,
``retries`` times, then given up.  After a restart of serve or of Asterisk,
``channels_listed`` first reads the channels Asterisk has up (CoreShowChannels,
once per AMI connection): a dial-out bridged with the customer was answered
while serve was away, one still in the dial context is whispering or
ringing (its DialEnd will come), and a dial that was under way and whose
channel is gone ended unseen, so it is tried again.  Then ``resynced`` finds
each placeholder again in the queues or puts it back, in the callers'
original order (one answered, dialled and ended entirely while serve was down
leaves no channel to find, and is put back too).
"""

import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace

from progmoh.player import protocol
from progmoh.player.serve.actions import (
    Action,
    BookCallback,
    CallbackState,
    Count,
    HangUp,
    PlaceCallback,
    Send,
    Whisper,
)
from progmoh.player.serve.ami.message import Message
from progmoh.player.serve.callback_store import (
    CANCELLED,
    DIALLING,
    DONE,
    GIVEN_UP,
    PLACED,
    WAITING,
    CallbackRow,
)
from progmoh.player.serve.calls import CallRecord
from progmoh.player.serve.settings import CallbackSettings, ServeProgram
from progmoh.player.serve.snapshot import CallbackView
from progmoh.player.words.readings import account_keys, minutes_keys, number_keys

log = logging.getLogger("progmoh.serve.callbacks")

HOLD_CONTEXT = "progmoh-callback-hold"        # the placeholder's queue half
DIAL_CONTEXT = "progmoh-callback-dial"        # its other half: whisper, dial, report
PLACEHOLDER = re.compile(r"Local/(\d{6,40})@" + HOLD_CONTEXT + r"-[0-9a-f]+;2")
DIAL_OUT = re.compile(r"Local/(\d{6,40})@" + HOLD_CONTEXT + r"-[0-9a-f]+;1")
ANSWERED = "ANSWER"
PLACE_WAIT_S = 30.0             # a placeholder not in its queue by then is placed again
GOODBYE_WAIT_S = 20.0           # the longest a goodbye may take before the caller is hung up


@dataclass
class Pending:
    """One callback of this serve's Asterisk, from booking to its end."""
    row: CallbackRow
    caller: str = ""                    # the queued call still to say goodbye to and hang up
    placeholder: str = ""               # the placeholder's uniqueid while it is in the queue
    placed_at_s: float | None = None    # when its Originate was asked (monotonic)
    retry_at_s: float | None = None     # when to place it again (monotonic)


def new_callback_id(now_unix_s: float) -> str:
    """Digits only (the placeholder's extension): the booking's millisecond, then chance."""
    return f"{int(now_unix_s * 1000)}{secrets.randbelow(10**6):06d}"


def key_keys(language: str, key: str) -> list[str]:
    """How a DTMF key is read: its digit, or "star" and "hash"."""
    if key.isdigit():
        return number_keys(language, int(key))
    return ["key_star" if key == "*" else "key_hash"]


def last_digits(number: str, count: int) -> str:
    return "".join(c for c in number if c.isdigit())[-count:]


class CallbackDesk:
    EVENTS = ("QueueCallerJoin", "AgentConnect", "QueueCallerAbandon", "DialEnd", "Hangup")
    def __init__(self, program: Callable[[str], ServeProgram], clock: Callable[[], float],
                 wall: Callable[[], float], server: str) -> None:
        self._program = program             # program(name): its settings
        self._clock, self._wall, self._server = clock, wall, server
        self.pending: dict[str, Pending] = {}

    def _settings(self, program: str) -> CallbackSettings:
        return self._program(program).callback

    # -- the caller's side ----------------------------------------------------------------

    def eligible(self, number: str, program: str) -> bool:
        pattern = self._settings(program).numbers
        return bool(number) and re.fullmatch(pattern, number) is not None

    def offer(self, record: CallRecord, language: str) -> list[Action]:
        """The callback key: an offer, or why there is none."""
        program = record.playing_program
        settings = self._settings(program)
        if not self.eligible(record.number, program) or not record.queue:
            return self._say(record, ["callback_impossible"], language, "callback")
        if self._booked(record.number, record.queue):
            return self._say(record, ["callback_booked"], language, "callback")
        record.callback_offer_until_s = self._clock() + settings.confirm_s
        record.callback_offered = True
        digits = account_keys(language, last_digits(record.number, settings.last_digits))
        press = ["callback_press"] + key_keys(language, settings.confirm_key) \
            + ["callback_to_confirm"]
        return (self._say(record, ["callback_offer"] + digits + press, language, "callback")
                + [Count("callbacks", ("offered",))])

    def confirming(self, record: CallRecord, digit: str) -> bool:
        """Whether this key is the confirmation of an offer still open."""
        until = record.callback_offer_until_s
        if until is None or self._clock() > until:
            return False
        return digit == self._settings(record.playing_program).confirm_key

    def periodic(self, record: CallRecord, language: str,
                 remaining_s: float | None) -> list[Action]:
        """After a periodic announcement: the offer, once, to a caller of a program with a
        callback key who has waited ``offer_after_s`` or whose estimated wait left
        (``remaining_s``, estimate.py) is over ``offer_over_s``."""
        program = self._program(record.playing_program)
        settings = program.callback
        if not program.keys.callback or record.callback_offered:
            return []
        waited_s = self._clock() - record.joined_at_s if record.joined_at_s is not None else 0.0
        long_wait = bool(settings.offer_after_s) and waited_s >= settings.offer_after_s
        long_ahead = bool(settings.offer_over_s) and remaining_s is not None \
            and remaining_s > settings.offer_over_s
        return self.offer(record, language) if long_wait or long_ahead else []

    def returning(self, record: CallRecord, language: str) -> list[Action]:
        """A caller with a callback pending in this queue hears so, once, and that the
        confirmation key cancels it; doing nothing keeps it (the default: a caller who
        called again may only want to ask something while they wait for it)."""
        if record.callback_told or record.link is None or not record.queue \
                or not self._booked(record.number, record.queue):
            return []
        record.callback_told = True
        record.callback_cancel_until_s = self._clock() + self._settings(
            record.playing_program).confirm_s
        key = key_keys(language, self._settings(record.playing_program).confirm_key)
        return self._say(record, ["callback_booked", "callback_press"] + key
                         + ["callback_to_cancel"], language, "callback")

    def cancelling(self, record: CallRecord, digit: str) -> bool:
        until = record.callback_cancel_until_s
        return until is not None and self._clock() <= until \
            and digit == self._settings(record.playing_program).confirm_key

    def cancel_for(self, record: CallRecord, language: str,
                   record_of: Callable[[str], CallRecord | None]) -> list[Action]:
        """The returning caller cancels: the row ends and its placeholder leaves the queue."""
        record.callback_cancel_until_s = None
        pending = next((p for p in self.pending.values() if p.row.number == record.number
                        and p.row.queue == record.queue), None)
        if pending is None:
            return []
        placeholder = record_of(pending.placeholder) if pending.placeholder else None
        hang_up = [HangUp(placeholder.channel)] if placeholder and placeholder.channel else []
        return (self.cancel(pending.row.id) + hang_up
                + self._say(record, ["callback_cancelled"], language, "callback"))

    def confirm(self, record: CallRecord) -> list[Action]:
        record.callback_offer_until_s = None
        now = self._wall()
        joined = now - (self._clock() - (record.joined_at_s or self._clock()))
        row = CallbackRow(new_callback_id(now), record.number, record.queue,
                          record.playing_program, joined, now, server=self._server)
        return [BookCallback(record.uniqueid, row, record.position), Count("callbacks",
                                                                           ("accepted",))]

    def booked(self, record: CallRecord | None, row: CallbackRow, position: int,
               ok: bool | None, language: str) -> list[Action]:
        """The store's answer to a BookCallback: True booked, False one is pending, None
        the store failed."""
        if not ok:
            if record is None or record.link is None:
                return []
            return self._say(record, ["callback_booked" if ok is False else "unavailable"],
                             language, "callback")
        pending = self.pending[row.id] = Pending(row, caller=record.uniqueid if record else "")
        return self._place(pending, max(1, position))

    def _booked(self, number: str, queue: str) -> bool:
        return any(p.row.number == number and p.row.queue == queue for p in self.pending.values())

    def _say(self, record: CallRecord, keys: list[str], language: str,
             what: str) -> list[Action]:
        if record.link is None:
            return []
        return [Send(record.link, protocol.SAY, {"keys": keys, "language": language,
                                                 "what": what}),
                Count("inserts", ("say",))]

    # -- AMI ---------------------------------------------------------------------------

    def placeholder_joined(self, message: Message, goodbye: Callable[[CallRecord], list[Action]],
                           record_of: Callable[[str], CallRecord | None]) -> list[Action]:
        """A placeholder is in its queue: its caller hears the goodbye."""
        pending = self._of_channel(message.get("Channel") or "")
        if pending is None:
            return []
        pending.placeholder, pending.placed_at_s = message.get("Uniqueid") or "", None
        caller = record_of(pending.caller) if pending.caller else None
        pending.caller = ""
        if caller is None or caller.link is None:
            return []
        caller.goodbye_until_s = self._clock() + GOODBYE_WAIT_S
        return goodbye(caller)

    def player_reported(self, record: CallRecord) -> list[Action]:
        """A caller who took a callback is hung up once their player has played the goodbye
        (``tick`` hangs up one whose goodbye runs out of time)."""
        if record.goodbye_until_s is None or record.playing is None:
            return []
        if record.playing.kind == "insert":
            record.goodbye_playing = True
            return []
        if not record.goodbye_playing:
            return []
        record.goodbye_until_s, record.goodbye_playing = None, False
        return [HangUp(record.channel)]

    def agent_connected(self, uniqueid: str) -> list[Action]:
        pending = self._of_placeholder(uniqueid)
        if pending is None:
            return []
        pending.placeholder = ""
        program = self._program(pending.row.program)
        minutes = max(0, round((self._wall() - pending.row.joined_at) / 60))
        keys = ["callback_whisper"] + minutes_keys(program.language, minutes)
        return [Whisper(pending.row.id, program.name, program.language, tuple(keys)),
                self._move(pending, DIALLING), Count("callbacks", ("dialled",))]

    def dial_ended(self, message: Message) -> list[Action]:
        """The dial-out's Dial ended (the placeholder's ``;1`` half dials the customer):
        answered is done, anything else a retry or the end."""
        pending = self._dialling(message)
        if pending is None:
            return []
        status = message.get("DialStatus") or "FAILED"
        pending.placeholder = ""
        if status == ANSWERED:
            return self._answered(pending)
        return self._retry_or_give_up(pending, status)

    def _answered(self, pending: Pending) -> list[Action]:
        del self.pending[pending.row.id]
        waited_s = self._wall() - pending.row.joined_at
        return [self._move(pending, DONE),
                Count("callbacks", ("answered",), seconds=max(0.0, waited_s))]

    def hung_up(self, message: Message) -> list[Action]:
        """The dial-out hung up before its Dial ended (the agent left during the whisper)."""
        pending = self._dialling(message)
        if pending is None or pending.row.state != DIALLING:
            return []
        return self._retry_or_give_up(pending, "HANGUP")

    def _dialling(self, message: Message) -> Pending | None:
        match = DIAL_OUT.fullmatch(message.get("Channel") or "")
        return self.pending.get(match.group(1)) if match else None

    def _retry_or_give_up(self, pending: Pending, why: str) -> list[Action]:
        settings = self._settings(pending.row.program)
        pending.row = replace(pending.row, attempts=pending.row.attempts + 1)
        if pending.row.attempts > settings.retries:
            del self.pending[pending.row.id]
            log.warning("callback %s (queue %s): given up after %d attempts, the last %s",
                        pending.row.id, pending.row.queue, pending.row.attempts, why)
            return [self._move(pending, GIVEN_UP), Count("callbacks", ("given_up",))]
        pending.retry_at_s = self._clock() + settings.retry_s
        log.info("callback %s: %s; tried again in %.0f s", pending.row.id, why, settings.retry_s)
        return [self._move(pending, WAITING), Count("callbacks", ("retried",))]

    def _move(self, pending: Pending, state: str) -> CallbackState:
        pending.row = replace(pending.row, state=state)
        return CallbackState(pending.row)

    def _place(self, pending: Pending, position: int) -> list[Action]:
        pending.placed_at_s = self._clock()
        return [self._move(pending, PLACED), PlaceCallback(pending.row, position)]

    def placeholder_left(self, uniqueid: str) -> list[Action]:
        """A placeholder that left its queue unanswered (hung up, timed out): placed again
        at the head, where it was."""
        pending = self._of_placeholder(uniqueid)
        if pending is None:
            return []
        pending.placeholder = ""
        return self._place(pending, 1)

    def channels_listed(self, channels: list[Message]) -> list[Action]:
        """The channels Asterisk has up (CoreShowChannel items), listed before the first
        resync of an AMI connection: what became of each callback's dial while serve or its
        AMI connection was away."""
        dial_outs = {m.group(1): channel for channel in channels
                     if (m := DIAL_OUT.fullmatch(channel.get("Channel") or ""))
                     and channel.get("Context") == DIAL_CONTEXT}
        actions: list[Action] = []
        for pending in list(self.pending.values()):
            if pending.retry_at_s is not None:
                continue
            dial_out = dial_outs.get(pending.row.id)
            if dial_out is not None and dial_out.get("BridgeId"):
                log.info("callback %s (queue %s): answered while serve was not watching",
                         pending.row.id, pending.row.queue)
                actions += self._answered(pending)
            elif dial_out is not None and pending.row.state != DIALLING:
                pending.placeholder, pending.placed_at_s = "", None
                actions += [self._move(pending, DIALLING), Count("callbacks", ("dialled",))]
            elif dial_out is None and pending.row.state == DIALLING:
                actions += self._retry_or_give_up(pending, "its dial ended unseen")
        return actions

    def resynced(self, entries: list[Message]) -> list[Action]:
        """After (re)connecting: each placeholder found in a queue is adopted; every other
        callback still waiting to be answered is placed again, in original order, each at
        the place after those before it (callers who came later are behind them)."""
        found = {m.group(1): entry.get("Uniqueid") or "" for entry in entries
                 if entry.event == "QueueEntry"
                 and (m := PLACEHOLDER.fullmatch(entry.get("Channel") or ""))}
        actions: list[Action] = []
        ahead: dict[str, int] = {}
        for pending in sorted(self.pending.values(), key=lambda p: p.row.joined_at):
            if pending.row.id in found:
                pending.placeholder, pending.placed_at_s = found[pending.row.id], None
            elif pending.row.state != DIALLING and not pending.retry_at_s \
                    and (pending.placed_at_s is None
                         or self._clock() - pending.placed_at_s > PLACE_WAIT_S):
                ahead[pending.row.queue] = ahead.get(pending.row.queue, 0) + 1
                actions += self._place(pending, ahead[pending.row.queue])
                continue
            ahead[pending.row.queue] = ahead.get(pending.row.queue, 0) + 1
        return actions

    def tick(self, records: list[CallRecord]) -> list[Action]:
        """Retries due, and callers whose goodbye ran out of time (the core hangs up the
        others as soon as their player has played it)."""
        now, actions = self._clock(), []
        for pending in list(self.pending.values()):
            if pending.retry_at_s is not None and now >= pending.retry_at_s:
                pending.retry_at_s = None
                actions += self._place(pending, 1)
        for record in records:
            if record.callback_offer_until_s is not None and now > record.callback_offer_until_s:
                record.callback_offer_until_s = None
                actions.append(Count("callbacks", ("declined",)))
            if record.goodbye_until_s is not None and now >= record.goodbye_until_s:
                record.goodbye_until_s, record.goodbye_playing = None, False
                actions.append(HangUp(record.channel))
        return actions

    def restore(self, rows: list[CallbackRow]) -> None:
        """What the store holds for this serve's Asterisk, at start."""
        for row in rows:
            if row.server == self._server and row.id not in self.pending:
                self.pending[row.id] = Pending(row)

    def placing_failed(self, row: CallbackRow, why: str) -> list[Action]:
        """The Originate was refused or the store would not let this serve place it."""
        pending = self.pending.get(row.id)
        if pending is None:
            return []
        log.warning("callback %s: cannot place it: %s", row.id, why)
        return self._retry_or_give_up(pending, why)

    def cancel(self, callback_id: str) -> list[Action]:
        pending = self.pending.pop(callback_id, None)
        if pending is None:
            return []
        return [self._move(pending, CANCELLED), Count("callbacks", ("cancelled",))]

    def views(self, record_of: Callable[[str], CallRecord | None]) -> tuple[CallbackView, ...]:
        """What `progmoh status` lists: each pending callback and its place now."""
        def place(pending: Pending) -> int:
            record = record_of(pending.placeholder) if pending.placeholder else None
            return record.position if record is not None else 0
        return tuple(CallbackView(p.row.number, p.row.queue, place(p), p.row.attempts,
                                  p.row.state)
                     for p in sorted(self.pending.values(), key=lambda p: p.row.joined_at))

    def _of_channel(self, channel: str) -> Pending | None:
        match = PLACEHOLDER.fullmatch(channel)
        return self.pending.get(match.group(1)) if match else None

    def _of_placeholder(self, uniqueid: str) -> Pending | None:
        if not uniqueid:
            return None
        return next((p for p in self.pending.values() if p.placeholder == uniqueid), None)

