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
"""

import dataclasses
import logging

from progmoh.player import protocol, wire
from progmoh.player.serve import audio_reports
from progmoh.player.serve import tracker as t
from progmoh.player.serve.actions import (
    Action,
    CallForgotten,
    CallOnAmi,
    Count,
    Link,
    LookUpBalance,
    PrefetchBalance,
    ReadChoice,
    Send,
    WriteChoice,
)
from progmoh.player.serve.ami.message import Message
from progmoh.player.serve.billing import UNAVAILABLE, BalanceResult
from progmoh.player.serve.cache_state import CacheState
from progmoh.player.serve.calls import CallRecord, CallRegistry
from progmoh.player.serve.metrics import key_label
from progmoh.player.serve.rules import (
    BALANCE,
    NEXT_MUSIC,
    POSITION,
    WAIT,
    Clock,
    KeyRules,
    PositionAnnouncer,
)
from progmoh.player.serve.settings import KeySettings, ServeSettings
from progmoh.player.serve.snapshot import Health, Snapshot, call_view
from progmoh.player.serve.waits import QueueWaits, spoken_minutes

log = logging.getLogger("progmoh.serve")

AMI_EVENTS = t.Tracker.EVENTS + QueueWaits.EVENTS     # every event the core reads
MAX_CLASS_CHARS = 255
MAX_KEYS_KEPT = 20          # keys shown by `progmoh status`, per call


class ServeCore:
    """Every input is one method returning the actions it calls for, in order; the
    queries at the end (``start_class``, ``snapshot``, ...) change nothing."""

    def __init__(self, serve: ServeSettings, keys: KeySettings, clock: Clock, *,
                 ami_enabled: bool = True, billing_backend: str = "none",
                 max_number_chars: int = 32) -> None:
        self._serve, self._keys, self._clock = serve, keys, clock
        self.calls = CallRegistry()
        self.tracker = t.Tracker(self.calls, max_number_chars)
        self.rules = KeyRules(keys, clock)
        self.announcer = PositionAnnouncer(keys, clock)
        self.waits = QueueWaits()
        self._ami_enabled, self._billing_backend = ami_enabled, billing_backend
        self._ami_connected, self._ami_logins = False, 0
        self._ami_event_at_s: float | None = None
        self._last_billing, self._last_store = "", ""

    # -- AMI -------------------------------------------------------------------------

    def ami_up(self) -> list[Action]:
        log.info("AMI connection up")
        actions: list[Action] = [Count("ami_reconnects")] if self._ami_logins else []
        self._ami_logins += 1
        self._ami_connected = True
        return actions

    def ami_event(self, message: Message) -> list[Action]:
        self._ami_event_at_s = self._clock()
        self.waits.on_event(message)
        return self._apply(self.tracker.handle(message))

    def ami_resync(self, entries: list[Message]) -> list[Action]:
        self.waits.on_resync(entries)
        return [Count("ami_resyncs")] + self._apply(self.tracker.resync(entries))

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
        record.remembered_for, record.remembered_class = number, None
        return [ReadChoice(record.uniqueid, number)]

    def _position_changed(self, record: CallRecord, change: t.PositionChanged) -> list[Action]:
        if not self.announcer.on_position(record.uniqueid, change.position):
            return []
        if record.link is None:
            record.position_unsaid = True           # said once its player connects
            return []
        return [Count("announcements", ("change",))] + self._announce(record)

    def _left_queue(self, record: CallRecord, change: t.LeftQueue) -> list[Action]:
        record.position_unsaid = False
        return []

    def _key_pressed(self, record: CallRecord, change: t.KeyPressed) -> list[Action]:
        record.keys = (record.keys + (change.digit,))[-MAX_KEYS_KEPT:]
        counted: list[Action] = [Count("keys", (key_label(change.digit),))]
        action = self.rules.on_digit(record.uniqueid, change.digit)
        if action is None or record.link is None:
            return counted
        return counted + self._key_actions[action](self, record)

    def _ended(self, record: CallRecord) -> list[Action]:
        record.position_unsaid = False
        if record.ended_at_s is None:
            record.ended_at_s = self._clock()
        self.announcer.forget(record.uniqueid)
        return []

    # -- what a key or an announcement says ---------------------------------------------

    def _ask_balance(self, record: CallRecord) -> list[Action]:
        if not record.number:                       # nothing from AMI to look up
            return self._balance(record, _player(record), UNAVAILABLE, ())
        return [LookUpBalance(record.uniqueid, _player(record), record.number)]

    def _next_music(self, record: CallRecord) -> list[Action]:
        return [Send(_player(record), protocol.NEXT_CLASS), Count("inserts", ("class_switch",))]

    def _asked_position(self, record: CallRecord) -> list[Action]:
        return self._send_position(record) if record.position else []

    def _asked_wait(self, record: CallRecord) -> list[Action]:
        return self._send_wait(record)

    _key_actions = {BALANCE: _ask_balance, NEXT_MUSIC: _next_music, POSITION: _asked_position,
                    WAIT: _asked_wait}

    def _announce(self, record: CallRecord) -> list[Action]:
        """A periodic or on-change announcement: the position, then (if asked) the wait."""
        actions = self._send_position(record)
        if self._keys.announce_wait:
            actions += self._send_wait(record, quiet=True)
        return actions

    def _send_position(self, record: CallRecord) -> list[Action]:
        self.announcer.announced(record.uniqueid)
        record.position_unsaid = False
        return [Send(_player(record), protocol.POSITION, {"position": record.position,
                                                      "language": self._language(record)}),
                Count("inserts", ("position",))]

    def _send_wait(self, record: CallRecord, quiet: bool = False) -> list[Action]:
        """The estimated wait in whole minutes; nothing at all when there is no estimate."""
        minutes = spoken_minutes(self.waits.estimate_s(record.queue, record.position))
        if minutes is None:
            if not quiet:
                log.info("call %s: no wait estimate for queue %r yet: nothing said",
                         record.uniqueid, record.queue)
            return []
        log.info("call %s: estimated wait about %d min (queue %s, position %d)",
                 record.uniqueid, minutes, record.queue, record.position)
        return [Send(_player(record), protocol.WAIT, {"minutes": minutes,
                                                  "language": self._language(record)}),
                Count("inserts", ("wait",))]

    def _language(self, record: CallRecord) -> str:
        """The caller's channel language when the cache speaks it, else serve.language."""
        if record.language and record.language in self._serve.languages:
            return record.language
        return self._serve.language

    # -- billing and the choice store ----------------------------------------------------

    def balance_answered(self, uniqueid: str, link: Link, result: BalanceResult) -> list[Action]:
        """Billing's answer to a LookUpBalance: said only to the player that asked, if it
        still holds the call and AMI still knows it; after a hangup, or once a newer
        player of the call took over, nobody hears it."""
        record = self.calls.get(uniqueid)
        if record is None or record.link is not link or not record.on_ami:
            return []
        return self._balance(record, link, result.status, result.accounts)

    def _balance(self, record: CallRecord, link: Link, status: str,
                 accounts: tuple[protocol.Account, ...]) -> list[Action]:
        language = self._language(record)
        fields: dict[str, object] = {"status": status, "language": language,
                  "accounts": [dataclasses.asdict(a) for a in accounts]}
        if not _fits(protocol.BALANCE, fields):
            log.warning("call %s: balance of %d accounts too big for one message; the caller "
                        "hears \"unavailable\"", record.uniqueid, len(accounts))
            fields = {"status": UNAVAILABLE, "language": language, "accounts": []}
        return [Send(link, protocol.BALANCE, fields), Count("inserts", ("balance",))]

    def choice_answered(self, uniqueid: str, number: str, music_class: str | None) -> list[Action]:
        """The store's answer to a ReadChoice, kept only if it is for the number read last."""
        record = self.calls.get(uniqueid)
        if record is not None and record.remembered_for == number:
            record.remembered_class = music_class or ""
        return []

    def billing_observed(self, outcome: str, seconds: float) -> list[Action]:
        self._last_billing = outcome
        return [Count("billing", (outcome,), seconds=seconds)]

    def store_observed(self, operation: str, outcome: str, seconds: float) -> list[Action]:
        self._last_store = f"{operation} {outcome}"
        return [Count("store", (operation, outcome), seconds=seconds)]

    # -- players -------------------------------------------------------------------------

    def player_connected(self, uniqueid: str, link: Link) -> list[Action]:
        """A proven player of the call; the shell waits for AMI and the remembered class,
        then ``player_ready`` welcomes it."""
        record = self.calls.record(uniqueid)
        record.connecting = link
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
        record.link, record.connecting = link, None
        music_class = (record.remembered_class or "") if record.on_ami else ""
        actions: list[Action] = [Send(link, protocol.WELCOME, {"language": self._language(record),
                                                 "music_class": music_class,
                                                 "state": record.state})]
        if record.on_ami and record.position and record.position_unsaid:
            actions += [Count("announcements", ("change",))] + self._announce(record)
        return actions

    def player_message(self, uniqueid: str, link: Link,
                       message: dict[str, object]) -> list[Action]:
        """A decoded line from a player; a bad one raises ProtocolError (the player is dropped)."""
        record = self.calls.record(uniqueid)
        kind = message["type"]
        if kind == protocol.STATE:
            return self._state_report(record, link, message)
        if kind == protocol.CLASS_CHANGED:
            return self._class_changed(record, message)
        log.warning("player %s: message type %r ignored", uniqueid, kind)
        return []

    def _state_report(self, record: CallRecord, link: Link,
                      message: dict[str, object]) -> list[Action]:
        state = _state(message)
        if record.link is not link:
            return []
        record.state = state
        return [Count("audio_problems", (problem,), amount)
                for problem, amount in audio_reports.take(record, link, message).items()]

    def _class_changed(self, record: CallRecord, message: dict[str, object]) -> list[Action]:
        music_class = message.get("music_class")
        if not isinstance(music_class, str) or not 0 < len(music_class) <= MAX_CLASS_CHARS:
            raise protocol.ProtocolError("class_changed without a usable music_class")
        return [WriteChoice(record.number, music_class)] if record.number else []

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
            if (record.link is not None and record.on_ami
                    and self.announcer.due(record.uniqueid, record.position)):
                actions += [Count("announcements", ("periodic",))] + self._announce(record)
        for uniqueid in self.calls.expire(self._clock(), self._serve.call_grace_s):
            self.rules.forget(uniqueid)
            self.announcer.forget(uniqueid)
            actions.append(CallForgotten(uniqueid))
        return actions

    # -- what the shell, the realtime answer and the reports read -----------------------

    def on_ami(self, uniqueid: str) -> bool:
        record = self.calls.get(uniqueid)
        return record is not None and record.on_ami

    def start_class(self, uniqueid: str) -> str | None:
        """The class a new player of this call starts with (its ``--class``); None while
        the remembered class is still being read.

        Where an earlier player of the call was, else the caller's remembered
        choice; "" when neither is known.
        """
        record = self.calls.get(uniqueid)
        if record is None:
            return ""
        if record.state is not None and record.state.music_class:
            return record.state.music_class
        return record.remembered_class if record.remembered_for else ""

    def remembered_class(self, uniqueid: str) -> str:
        """The caller's remembered class as read so far; "" if none (yet)."""
        record = self.calls.get(uniqueid)
        return (record.remembered_class or "") if record is not None else ""

    def start_place(self, uniqueid: str) -> str:
        """Where in its class a restarted call's new player starts (its ``--at``).

        The last player's last state (sent as it was stopped) is where the
        caller is, so the new player's first sample repeats nothing; "" for
        a call with no state yet."""
        record = self.calls.get(uniqueid)
        if record is None or record.state is None or not record.state.music_class:
            return ""
        return wire.place_argument(dataclasses.asdict(record.state))

    def snapshot(self, cache: CacheState) -> Snapshot:
        now_s, records = self._clock(), self.calls.records.values()
        age_s = None if self._ami_event_at_s is None else now_s - self._ami_event_at_s
        health = Health(self._ami_enabled, self._ami_connected, age_s, self._billing_backend,
                        self._last_billing, self._last_store, cache,
                        sum(r.link is not None for r in records))
        return Snapshot(tuple(call_view(r, now_s) for r in records if r.on_hold), health)


def _state(message: dict[str, object]) -> protocol.CallState:
    """The message's state; a bad one is a ProtocolError, which drops the player."""
    state = protocol.call_state(message.get("state"))
    if state is None:
        raise protocol.ProtocolError("state message without a state object")
    return state


def _player(record: CallRecord) -> Link:
    """The call's welcomed player, the only one an insert may go to (callers check that
    there is one before they ask what to say)."""
    if record.link is None:
        raise ValueError(f"call {record.uniqueid} has no player to speak to")
    return record.link


def _fits(kind: str, fields: dict[str, object]) -> bool:
    """Whether the message fits in one line of the players' socket."""
    try:
        protocol.encode(kind, **fields)
    except protocol.ProtocolError:
        return False
    return True
