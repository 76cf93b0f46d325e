"""serve's pure core: AMI, the players, billing and the choice store in; actions out.

Everything serve decides about a call is decided here, on the one record
per call (calls.py) that the tracker fills from AMI: what to say to which
player, when a balance may be spoken, what to read and write, what to
count.  Each input is one method that returns the actions (actions.py) for
the shell (service.py) to carry out; the core has no sockets, no tasks and no
clock of its own (one is injected), so any order of events can be driven
directly in a test, and the shell does all the waiting.

Personal data goes only to the player an action names, and every answer
that comes back later is checked against the record when it arrives:
``balance_answered`` speaks only to the player that asked, while it still
holds the call and AMI still knows it; ``player_ready`` welcomes only the
newest player of a call; ``choice_answered`` keeps a class only for the
number it was read for.

Each call plays a program (docs/architecture.md, "Programs"): the realtime
lookup names it (``class_requested``), its keys, announcements and language
are that program's (program_rules.py), and what the call keeps per program
(its progress, its remembered class) is its record's by program (calls.py).
"""

import dataclasses
import logging

from progmoh.player import protocol, wire
from progmoh.player.programs import DEFAULT_PROGRAM
from progmoh.player.serve import audio_reports
from progmoh.player.serve import tracker as t
from progmoh.player.serve.accuracy import ABANDONED, ANSWERED, Accuracy, checks
from progmoh.player.serve.actions import (
    Action,
    CallForgotten,
    CallOnAmi,
    Count,
    Link,
    PrefetchBalance,
    ReadChoice,
    Send,
    WriteChoice,
)
from progmoh.player.serve.ami.message import Message
from progmoh.player.serve.billing import BalanceResult
from progmoh.player.serve.cache_state import CacheState
from progmoh.player.serve.callback_store import CallbackRow
from progmoh.player.serve.callbacks import CallbackDesk
from progmoh.player.serve.calls import CallRecord, CallRegistry
from progmoh.player.serve.estimate import WaitEstimator
from progmoh.player.serve.inserts import Speaker
from progmoh.player.serve.lookups import Answer
from progmoh.player.serve.metrics import key_label
from progmoh.player.serve.program_rules import ProgramBook
from progmoh.player.serve.rules import CALLBACK, Clock
from progmoh.player.serve.settings import ServeProgram, ServeSettings
from progmoh.player.serve.snapshot import Health, Snapshot, call_view

log = logging.getLogger("progmoh.serve")

AMI_EVENTS = tuple(dict.fromkeys(t.Tracker.EVENTS + WaitEstimator.EVENTS
                                 + CallbackDesk.EVENTS))    # every event the core reads
MAX_CLASS_CHARS = 255
MAX_KEYS_KEPT = 20          # keys shown by `progmoh status`, per call
REMAINING_STEP_S = 15.0     # a remaining wait that moved less is not sent again


class ServeCore:
    """Every input is one method returning the actions it calls for, in order; the
    queries at the end (``start_class``, ``snapshot``, ...) change nothing."""

    def __init__(self, serve: ServeSettings, programs: tuple[ServeProgram, ...], clock: Clock, *,
                 ami_enabled: bool = True, billing_backend: str = "none",
                 max_number_chars: int = 32, wall: Clock | None = None,
                 server: str = "serve") -> None:
        self._serve, self._clock = serve, clock
        self.calls = CallRegistry()
        self.tracker = t.Tracker(self.calls, max_number_chars)
        self.programs = ProgramBook(programs, clock)
        self.estimator, self.accuracy = WaitEstimator(), Accuracy()
        self.speaker = Speaker(self.programs, self.estimator, self.accuracy, clock,
                               serve.languages)
        self.callbacks = CallbackDesk(lambda name: self.programs[name].program, clock,
                                      wall or clock, server)     # serve gives Unix time
        self._ami_enabled, self._billing_backend = ami_enabled, billing_backend
        self._ami_connected, self._ami_logins = False, 0
        self._ami_event_at_s: float | None = None
        self._last_billing, self._last_store = "", ""

    # -- the realtime lookup -------------------------------------------------------------

    def class_requested(self, uniqueid: str, program: str) -> list[Action]:
        """Asterisk asked for the call's class, which names ``program``: the call's next
        player plays it.  No race can beat this source: the lookup comes before the player,
        and maybe before AMI names the call.  A call serve has not met is kept (for the
        grace, unless AMI or a player claims it) only when its program is not the default."""
        program = self.programs.known(program)
        record = self.calls.get(uniqueid)
        if record is None:
            if program == DEFAULT_PROGRAM:
                return []
            record = self.calls.record(uniqueid)
            record.first_seen_s = record.ended_at_s = self._clock()
        if record.program != program:
            log.info("call %s: program %s (was %s)", uniqueid, program, record.program)
            record.program = program
        return []

    # -- AMI -------------------------------------------------------------------------

    def ami_up(self) -> list[Action]:
        log.info("AMI connection up")
        actions: list[Action] = [Count("ami_reconnects")] if self._ami_logins else []
        self._ami_logins += 1
        self._ami_connected = True
        return actions

    def ami_event(self, message: Message) -> list[Action]:
        self._ami_event_at_s = self._clock()
        self.estimator.on_event(message, self._ami_event_at_s)
        return self._apply(self.tracker.handle(message)) + self._callback_event(message)

    def ami_channels(self, channels: list[Message]) -> list[Action]:
        """The channels up, listed once per AMI connection before its first resync."""
        return self.callbacks.channels_listed(channels)

    def ami_resync(self, entries: list[Message]) -> list[Action]:
        self.estimator.on_resync(entries, self._clock())
        return ([Count("ami_resyncs")] + self._apply(self.tracker.resync(entries))
                + self.callbacks.resynced(entries))

    def _callback_event(self, message: Message) -> list[Action]:
        """What a callback's placeholder or dial-out says on AMI (callbacks.py)."""
        uniqueid = message.get("Uniqueid") or ""
        match message.event:
            case "QueueCallerJoin":
                return self.callbacks.placeholder_joined(message, self.speaker.goodbye,
                                                         self.calls.get)
            case "AgentConnect":
                return self.callbacks.agent_connected(uniqueid)
            case "QueueCallerAbandon":
                return self.callbacks.placeholder_left(uniqueid)
            case "DialEnd":
                return self.callbacks.dial_ended(message)
            case "Hangup":
                return self.callbacks.hung_up(message)
        return []

    def ami_down(self) -> list[Action]:
        log.warning("AMI connection lost: dropping what it told us about every call")
        self._ami_connected = False
        return self._apply(self.tracker.reset())

    def _apply(self, changes: list[t.Change]) -> list[Action]:
        actions: list[Action] = []
        for change in changes:
            actions += self._change(self.calls.record(change.uniqueid), change)
        waiting = dict.fromkeys(c.uniqueid for c in changes if self._awaits_ami(c.uniqueid))
        return actions + [CallOnAmi(uniqueid) for uniqueid in waiting]

    def _awaits_ami(self, uniqueid: str) -> bool:
        """A player of the call waits for its welcome, and AMI knows the call now."""
        record = self.calls.get(uniqueid)
        return record is not None and record.connecting is not None and record.on_ami

    def _change(self, record: CallRecord, change: t.Change) -> list[Action]:
        if record.first_seen_s is None:
            record.first_seen_s = self._clock()
        if isinstance(change, t.CallEnded):
            return self._ended(record)
        record.ended_at_s = None                    # AMI knows the call (again): not over
        match change:
            case t.CallerSeen():
                return self._caller_seen(record, change)
            case t.CallerKnown():
                return self._caller_known(record, change)
            case t.NumberRefused():
                return self._number_refused(record, change)
            case t.PositionChanged():
                return self._position_changed(record, change)
            case t.LeftQueue():
                return self._left_queue(record, change)
            case t.KeyPressed():
                return self._key_pressed(record, change)
            case t.Answered():
                return self._waits_checked(record, ANSWERED)
            case t.Abandoned():
                return self._waits_checked(record, ABANDONED)
        return []

    def _caller_seen(self, record: CallRecord, change: t.CallerSeen) -> list[Action]:
        """Before the queue: only the remembered class is read (no billing yet)."""
        return self._read_choice(record, change.number)

    def _number_refused(self, record: CallRecord, change: t.NumberRefused) -> list[Action]:
        log.warning("call %s: caller number of %d characters refused (over ami.max_number_chars,"
                    " or a control character): no billing lookup, no remembered music",
                    record.uniqueid, change.chars)
        return []

    def _caller_known(self, record: CallRecord, change: t.CallerKnown) -> list[Action]:
        return [PrefetchBalance(change.number)] + self._read_choice(record, change.number)

    def _read_choice(self, record: CallRecord, number: str) -> list[Action]:
        if record.remembered_for == number:
            return []
        record.remembered_for, record.remembering = number, True
        for part in record.per_program.values():
            part.remembered_class = ""
        return [ReadChoice(record.uniqueid, number)]

    def _position_changed(self, record: CallRecord, change: t.PositionChanged) -> list[Action]:
        if record.joined_at_s is None:
            record.joined_at_s = self._clock()      # its wait, for a callback, counts from here
        announcer = self.programs[record.playing_program].announcer
        if not announcer.on_position(record.uniqueid, change.position):
            return []
        if record.link is None:
            record.position_unsaid = True           # said once its player connects
            return []
        return ([Count("announcements", ("change",))] + self.speaker.announce(record)
                + self.callbacks.returning(record, self.speaker.language(record)))

    def _left_queue(self, record: CallRecord, change: t.LeftQueue) -> list[Action]:
        record.position_unsaid = False
        record.joined_at_s = record.callback_offer_until_s = None
        return []

    def _waits_checked(self, record: CallRecord, outcome: str) -> list[Action]:
        """The call leaves its queue: each wait it was told against what really remained."""
        found = checks(record.told, outcome, self._clock())
        self.accuracy.add(record.queue, found)
        record.told = ()
        return [Count("wait_checks", (outcome, "in_range" if c.in_range else "out_of_range"),
                      seconds=abs(c.error_s)) for c in found]

    def _key_pressed(self, record: CallRecord, change: t.KeyPressed) -> list[Action]:
        record.keys = (record.keys + (change.digit,))[-MAX_KEYS_KEPT:]
        counted: list[Action] = [Count("keys", (key_label(change.digit),))]
        if self.callbacks.confirming(record, change.digit):
            return counted + self.callbacks.confirm(record)
        if self.callbacks.cancelling(record, change.digit):
            return counted + self.callbacks.cancel_for(record, self.speaker.language(record),
                                                       self.calls.get)
        action = self.programs[record.playing_program].keys.on_digit(record.uniqueid,
                                                                     change.digit)
        if action is None or record.link is None:
            return counted
        if action == CALLBACK:
            return counted + self.callbacks.offer(record, self.speaker.language(record))
        return counted + self.speaker.key(record, action, change.digit)

    def _ended(self, record: CallRecord) -> list[Action]:
        record.position_unsaid = False
        if record.ended_at_s is None:
            record.ended_at_s = self._clock()
        self.programs.call_ended(record.uniqueid)
        return []

    # -- billing and the choice store ----------------------------------------------------

    def balance_answered(self, uniqueid: str, link: Link, result: BalanceResult) -> list[Action]:
        """Billing's answer to a LookUpBalance: said only to the player that asked, if it
        still holds the call and AMI still knows it; after a hangup, or once a newer
        player of the call took over, nobody hears it."""
        record = self.calls.get(uniqueid)
        if record is None or record.link is not link or not record.on_ami:
            return []
        return self.speaker.balance(record, link, result.status, result.accounts)

    def lookup_answered(self, uniqueid: str, link: Link, program: str, digit: str,
                        answer: Answer) -> list[Action]:
        """A lookup's answer to a LookUp, said as ``balance_answered`` says a balance: only
        to the player that asked, while it holds the call."""
        record = self.calls.get(uniqueid)
        if record is None or record.link is not link or not record.on_ami:
            return []
        return self.speaker.say(record, link, program, digit, answer)

    def callback_booked(self, uniqueid: str, row: CallbackRow, position: int,
                        ok: bool | None) -> list[Action]:
        """The store's answer to a BookCallback (callbacks.py)."""
        record = self.calls.get(uniqueid)
        language = self.speaker.language(record) if record else ""
        return self.callbacks.booked(record, row, position, ok, language)

    def callback_not_placed(self, row: CallbackRow, why: str) -> list[Action]:
        return self.callbacks.placing_failed(row, why)

    def choice_answered(self, uniqueid: str, number: str,
                        classes: dict[str, str]) -> list[Action]:
        """The store's answer to a ReadChoice (the number's class by program, empty if none
        or on failure), kept only if it is for the number read last; a program the config
        no longer holds is left out."""
        record = self.calls.get(uniqueid)
        if record is None or record.remembered_for != number:
            return []
        record.remembering = False
        for program, music_class in classes.items():
            if self.programs.known(program) == program:
                record.part(program).remembered_class = music_class
        return []

    def billing_observed(self, outcome: str, seconds: float) -> list[Action]:
        self._last_billing = outcome
        return [Count("billing", (outcome,), seconds=seconds)]

    def store_observed(self, operation: str, outcome: str, seconds: float) -> list[Action]:
        self._last_store = f"{operation} {outcome}"
        return [Count("store", (operation, outcome), seconds=seconds)]

    # -- players -------------------------------------------------------------------------

    def player_connected(self, uniqueid: str, link: Link,
                         program: str | None = None) -> list[Action]:
        """A proven player of the call, which plays ``program`` (its command line's; None:
        the call's); the shell waits for AMI and the remembered class, then
        ``player_ready`` welcomes it."""
        record = self.calls.record(uniqueid)
        record.connecting = link
        record.connecting_program = self.programs.known(program or record.program)
        if record.first_seen_s is None:
            record.first_seen_s = self._clock()
        if not record.on_ami:
            record.ended_at_s = None
        return []

    def player_ready(self, uniqueid: str, link: Link) -> list[Action]:
        """Welcome first (language, remembered class, progress), then anything unsaid; nothing
        if a newer player of this call connected while this one waited."""
        record = self.calls.get(uniqueid)
        if record is None or record.connecting is not link:
            return []
        record.link, record.link_program = link, record.connecting_program
        record.connecting = None
        part = record.part(record.link_program)       # this program's, never another's
        music_class = part.remembered_class if record.on_ami else ""
        welcome = {"language": self.speaker.language(record), "music_class": music_class,
                   "state": part.state}
        actions: list[Action] = [Send(link, protocol.WELCOME, welcome)]
        if record.on_ami and record.position and record.position_unsaid:
            actions += [Count("announcements", ("change",))] + self.speaker.announce(record)
        record.advice_until_s = None                # this player was told no limit yet
        return (actions + self._remaining(record)
                + self.callbacks.returning(record, self.speaker.language(record)))

    def player_message(self, uniqueid: str, link: Link,
                       message: dict[str, object]) -> list[Action]:
        """A decoded line from a player; a bad one raises ProtocolError (the player is dropped)."""
        record = self.calls.record(uniqueid)
        kind = message["type"]
        if kind == protocol.STATE:
            return self._state_report(record, link, message)
        if kind == protocol.CLASS_CHANGED:
            return self._class_changed(record, link, message)
        log.warning("player %s: message type %r ignored", uniqueid, kind)
        return []

    def _state_report(self, record: CallRecord, link: Link,
                      message: dict[str, object]) -> list[Action]:
        state = _state(message)
        if record.link is not link:
            return []
        record.part(record.link_program).state = state
        counts: list[Action] = [Count("audio_problems", (problem,), amount)
                                for problem, amount in audio_reports.take(record, link,
                                                                          message).items()]
        return counts + self.callbacks.player_reported(record)

    def _class_changed(self, record: CallRecord, link: Link,
                       message: dict[str, object]) -> list[Action]:
        music_class = message.get("music_class")
        if not isinstance(music_class, str) or not 0 < len(music_class) <= MAX_CLASS_CHARS:
            raise protocol.ProtocolError("class_changed without a usable music_class")
        program = record.link_program if link is record.link else record.program
        return [WriteChoice(record.number, music_class, program)] if record.number else []

    def player_gone(self, uniqueid: str, link: Link) -> list[Action]:
        record = self.calls.get(uniqueid)
        if record is None:
            return []
        if record.connecting is link:
            record.connecting = None
        if record.link is link:
            record.link = None
        idle = record.link is None and record.connecting is None
        if idle and not record.on_ami and record.ended_at_s is None:
            record.ended_at_s = self._clock()      # never seen on AMI: forget it after the grace
        return []

    # -- time --------------------------------------------------------------------------

    def tick(self) -> list[Action]:
        """Periodic position announcements and forgetting finished calls (about once a second)."""
        actions: list[Action] = []
        for record in self.calls.records.values():
            if record.link is None or not record.on_ami:
                continue
            if self.programs[record.link_program].announcer.due(record.uniqueid,
                                                                record.position):
                actions += [Count("announcements", ("periodic",))] + self.speaker.announce(record)
                actions += self.callbacks.periodic(
                    record, self.speaker.language(record),
                    self.estimator.remaining_s(record.queue, record.position, self._clock()))
            actions += self._remaining(record)
        actions += self.callbacks.tick(list(self.calls.records.values()))
        for uniqueid in self.calls.expire(self._clock(), self._serve.call_grace_s):
            self.programs.forget(uniqueid)
            actions.append(CallForgotten(uniqueid))
        return actions

    def _remaining(self, record: CallRecord) -> list[Action]:
        """Tell the call's player the wait it likely has left, so it starts no advice longer
        (``advice_within_wait``), and none at all at the head of the queue with an agent
        about to be free; sent again only when it moved by REMAINING_STEP_S."""
        now_s, left_s = self._clock(), self._advice_room_s(record)
        until_s, last_s = (None if left_s is None else now_s + left_s), record.advice_until_s
        if (until_s is None) == (last_s is None) and (
                until_s is None or last_s is None or abs(until_s - last_s) < REMAINING_STEP_S):
            return []
        record.advice_until_s = until_s
        seconds = None if left_s is None else int(left_s)
        return [Send(record.link, protocol.REMAINING, {"seconds": seconds})] \
            if record.link is not None else []

    def _advice_room_s(self, record: CallRecord) -> float | None:
        """Seconds of advice that fit the call's wait now; None: no limit."""
        now_s, estimator = self._clock(), self.estimator
        if estimator.agent_soon(record.queue, record.position, now_s):
            return 0.0
        if not self.programs[record.link_program].program.keys.advice_within_wait:
            return None
        return estimator.remaining_s(record.queue, record.position, now_s)

    # -- what the shell, the realtime answer and the reports read -----------------------

    def on_ami(self, uniqueid: str) -> bool:
        record = self.calls.get(uniqueid)
        return record is not None and record.on_ami

    def start_class(self, uniqueid: str) -> str | None:
        """The class a new player of this call starts with (its ``--class``), in the
        call's program; None while the remembered classes are still being read.

        Where an earlier player of the call was in that program, else the
        caller's remembered choice there; "" when neither is known.
        """
        record = self.calls.get(uniqueid)
        if record is None:
            return ""
        state = record.state
        if state is not None and state.music_class:
            return state.music_class
        return None if record.remembering else self.remembered_class(uniqueid)

    def remembered_class(self, uniqueid: str) -> str:
        """The caller's remembered class in the call's program as read so far; "" if none
        (yet)."""
        record = self.calls.get(uniqueid)
        part = record.per_program.get(record.program) if record is not None else None
        return part.remembered_class if part is not None else ""

    def start_place(self, uniqueid: str) -> str:
        """Where in its class a restarted call's new player starts (its ``--at``).

        The last player's last state (sent as it was stopped) is where the
        caller is, so the new player's first sample repeats nothing; "" for
        a call with no state yet."""
        record = self.calls.get(uniqueid)
        state = record.state if record is not None else None
        if state is None or not state.music_class:
            return ""
        return wire.place_argument(dataclasses.asdict(state))

    def snapshot(self, cache: CacheState) -> Snapshot:
        now_s, records = self._clock(), self.calls.records.values()
        age_s = None if self._ami_event_at_s is None else now_s - self._ami_event_at_s
        health = Health(self._ami_enabled, self._ami_connected, age_s, self._billing_backend,
                        self._last_billing, self._last_store, cache,
                        sum(r.link is not None for r in records), self.programs.names,
                        self.accuracy.recent(now_s))
        placeholders = {p.placeholder for p in self.callbacks.pending.values()}
        return Snapshot(tuple(call_view(r, now_s) for r in records
                              if r.on_hold and r.uniqueid not in placeholders), health,
                        self.callbacks.views(self.calls.get))


def _state(message: dict[str, object]) -> protocol.CallState:
    """The message's state; a bad one is a ProtocolError, which drops the player."""
    state = protocol.call_state(message.get("state"))
    if state is None:
        raise protocol.ProtocolError("state message without a state object")
    return state
