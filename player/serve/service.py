"""``progmoh serve``: the asyncio service that wires the control plane together.

AMI events (through the tracker) tell which calls exist, their caller
number, queue position and keys; the players' socket tells which process
speaks for which call (checked with SO_PEERCRED by ``PlayerServer``).
Personal data (balance, position) goes to a player only when its call is
known on AMI and the player has proven itself.  Audio never waits on any of
this: the realtime backend answers from the class name alone.
"""

import asyncio
import dataclasses
import logging
import signal
import time
import urllib.parse

from progmoh.player import protocol, wire
from progmoh.player.serve import tracker as t
from progmoh.player.serve.ami.client import AmiClient
from progmoh.player.serve import audio_reports
from progmoh.player.serve.billing import BalanceBook
from progmoh.player.serve.cache_state import CacheWatch
from progmoh.player.serve.calls import CallRecord, CallRegistry
from progmoh.player.serve.choices import open_choice_store
from progmoh.player.serve.metrics import Metrics, Present
from progmoh.player.serve.metrics_http import MetricsServer
from progmoh.player.serve.players import PlayerServer
from progmoh.player.serve.realtime import RealtimeServer
from progmoh.player.serve.rules import (
    BALANCE, NEXT_MUSIC, POSITION, WAIT, KeyRules, PositionAnnouncer,
)
from progmoh.player.serve.settings import ControlPlaneSettings, ServeSettings
from progmoh.player.serve.status import StatusServer, status_report
from progmoh.player.serve.waits import QueueWaits, spoken_minutes

log = logging.getLogger("progmoh.serve")

WELCOME_WAIT_S = 1.0      # a player may connect a few ms before AMI tells us its call
TICK_S = 1.0
MAX_CLASS_CHARS = 255
MAX_KEYS_KEPT = 20          # keys shown by `progmoh status`, per call


def configured_secrets(settings: ControlPlaneSettings) -> tuple[str, ...]:
    """Every secret of the config besides billing's own: what no log line may show."""
    try:
        store_password = urllib.parse.urlsplit(settings.store.url).password or ""
    except ValueError:
        store_password = ""
    return (settings.ami.secret, store_password, urllib.parse.unquote(store_password))


class Service:
    def __init__(self, settings: ControlPlaneSettings, *, clock=time.monotonic,
                 balances=None, choices=None, ami_factory=AmiClient) -> None:
        self.settings, self.clock = settings, clock
        self._observability(settings.serve)
        self.tracker = t.Tracker()
        self.calls = CallRegistry(settings.serve.call_grace_s)
        self.rules = KeyRules(settings.keys, clock)
        self.announcer = PositionAnnouncer(settings.keys, clock)
        self.waits = QueueWaits()
        self.balances = balances or BalanceBook(settings.billing, clock,
                                                configured_secrets(settings), self._billing_lookup)
        self.choices = choices or open_choice_store(settings.store, self._store_operation)
        self.realtime = RealtimeServer(settings.serve, self.start_class,
                                       on_lookup=self.metrics.lookups_inc,
                                       start_place=self.start_place)
        self.players = PlayerServer(settings.serve.socket_path, settings.serve.socket_mode,
                                    settings.serve.asterisk_executables, self,
                                    on_refused=self.metrics.refused.inc)
        self.ami = ami_factory(settings.ami, self) if settings.ami.enabled else None
        self._tasks: set[asyncio.Task] = set()

    def _observability(self, serve: ServeSettings) -> None:
        """Metrics, the status socket, and what they report (see README "Operations")."""
        self.metrics = Metrics(self.present)
        self.cache = CacheWatch(serve.cache_dir)
        self.metrics_server = (MetricsServer(serve.metrics_listen, serve.metrics_port, self.metrics)
                               if serve.metrics_enabled else None)
        self.status_server = (StatusServer(serve.status_socket, serve.status_socket_mode, self)
                              if serve.status_socket else None)
        self.ami_connected, self.ami_logins, self.ami_event_at = False, 0, None
        self.last_billing, self.last_store = "", ""

    # -- life cycle -------------------------------------------------------------------

    async def start(self) -> None:
        await self.realtime.start()
        await self.players.start()
        for server in (self.metrics_server, self.status_server):
            if server is not None:
                await server.start()
        if self.ami is not None:
            self._spawn(self.ami.run())
        else:
            log.warning("AMI is disabled (ami.enabled = false): no caller data, keys or positions")
        self._spawn(self._tick_forever())

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.realtime.close()
        await self.players.close()
        for server in (self.metrics_server, self.status_server):
            if server is not None:
                await server.close()
        await self.balances.close()
        self.choices.close()

    def _spawn(self, coroutine) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("serve task failed", exc_info=task.exception())

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            self.tick()

    def tick(self) -> None:
        """Periodic position announcements and forgetting finished calls."""
        for record in self.calls.records.values():
            if record.link is not None and record.known and self.announcer.due(record.uniqueid):
                self.metrics.announcements.labels("periodic").inc()
                self._announce(record)
        for uniqueid in self.calls.expire(self.clock()):
            self.rules.forget(uniqueid)
            self.announcer.forget(uniqueid)

    # -- AMI ---------------------------------------------------------------------------

    def ami_up(self) -> None:
        log.info("AMI connection up")
        if self.ami_logins:
            self.metrics.ami_reconnects.inc()
        self.ami_logins += 1
        self.ami_connected = True

    def ami_event(self, message) -> None:
        self.ami_event_at = self.clock()
        self.waits.on_event(message)
        self.apply(self.tracker.handle(message))

    def ami_resync(self, entries) -> None:
        self.metrics.ami_resyncs.inc()
        self.waits.on_resync(entries)
        self.apply(self.tracker.resync(entries))

    def ami_down(self) -> None:
        log.warning("AMI connection lost: dropping what it told us about every call")
        self.ami_connected = False
        self.apply(self.tracker.reset())

    def apply(self, changes: list) -> None:
        for change in changes:
            record = self.calls.record(change.uniqueid)
            if record.first_seen_s is None:
                record.first_seen_s = self.clock()
            if isinstance(change, t.CallEnded):
                self._ended(record)
                continue
            record.revive()
            handler = self._change_handlers.get(type(change))
            if handler is not None:
                handler(self, record, change)

    def _caller_seen(self, record: CallRecord, change: t.CallerSeen) -> None:
        """Before the queue: only the remembered class is read (no billing yet)."""
        self._read_choice(record, change.number)

    def _caller_known(self, record: CallRecord, change: t.CallerKnown) -> None:
        record.number = change.number
        self.balances.prefetch(change.number)
        self._read_choice(record, change.number)

    def _read_choice(self, record: CallRecord, number: str) -> None:
        if record.choice is None or record.choice_of != number:
            if record.choice is not None:
                record.choice.cancel()
            record.choice, record.choice_of = self._spawn(self.choices.get(number)), number

    def _language_known(self, record: CallRecord, change: t.LanguageKnown) -> None:
        record.language = change.language

    def _language(self, record: CallRecord) -> str:
        """The caller's channel language when the cache speaks it, else serve.language."""
        if record.language and record.language in self.settings.serve.languages:
            return record.language
        return self.settings.serve.language

    def _position_changed(self, record: CallRecord, change: t.PositionChanged) -> None:
        record.queue, record.position = change.queue, change.position
        if self.announcer.on_position(record.uniqueid, change.position):
            if record.link is None:
                record.position_unsaid = True       # said once its player connects
            else:
                self.metrics.announcements.labels("change").inc()
                self._announce(record)

    def _left_queue(self, record: CallRecord, change: t.LeftQueue) -> None:
        record.queue, record.position, record.position_unsaid = "", 0, False
        self.announcer.on_position(record.uniqueid, 0)

    def _key_pressed(self, record: CallRecord, change: t.KeyPressed) -> None:
        self.metrics.key_pressed(change.digit)
        record.keys = (record.keys + [change.digit])[-MAX_KEYS_KEPT:]
        action = self.rules.on_digit(record.uniqueid, change.digit)
        if action is None or record.link is None:
            return
        if action == BALANCE:
            self._spawn(self._send_balance(record))
        elif action == NEXT_MUSIC:
            record.link.send(protocol.NEXT_CLASS)
            self.metrics.inserts.labels("class_switch").inc()
        elif action == POSITION and record.position:
            self._send_position(record)
        elif action == WAIT:
            self._send_wait(record)

    def _ended(self, record: CallRecord) -> None:
        record.end(self.clock())
        self.announcer.forget(record.uniqueid)

    _change_handlers = {t.CallerSeen: _caller_seen, t.CallerKnown: _caller_known,
                        t.LanguageKnown: _language_known,
                        t.PositionChanged: _position_changed,
                        t.LeftQueue: _left_queue, t.KeyPressed: _key_pressed}

    def _announce(self, record: CallRecord) -> None:
        """A periodic or on-change announcement: the position, then (if asked) the wait."""
        self._send_position(record)
        if self.settings.keys.announce_wait:
            self._send_wait(record, quiet=True)

    def _send_wait(self, record: CallRecord, quiet: bool = False) -> None:
        """The estimated wait in whole minutes; nothing at all when there is no estimate."""
        minutes = spoken_minutes(self.waits.estimate_s(record.queue, record.position))
        if minutes is None:
            if not quiet:
                log.info("call %s: no wait estimate for queue %r yet: nothing said",
                         record.uniqueid, record.queue)
            return
        log.info("call %s: estimated wait about %d min (queue %s, position %d)",
                 record.uniqueid, minutes, record.queue, record.position)
        record.link.send(protocol.WAIT, minutes=minutes, language=self._language(record))
        self.metrics.inserts.labels("wait").inc()

    def _send_position(self, record: CallRecord) -> None:
        self.announcer.announced(record.uniqueid)
        record.position_unsaid = False
        record.link.send(protocol.POSITION, position=record.position,
                         language=self._language(record))
        self.metrics.inserts.labels("position").inc()

    async def _send_balance(self, record: CallRecord) -> None:
        if not record.number:
            result_status, accounts = "unavailable", ()
        else:
            result = await self.balances.get(record.number)
            result_status, accounts = result.status, result.accounts
        if record.link is None or not record.known:
            return
        language = self._language(record)
        try:
            record.link.send(protocol.BALANCE, status=result_status, language=language,
                             accounts=[dataclasses.asdict(a) for a in accounts])
        except protocol.ProtocolError:
            log.warning("call %s: balance of %d accounts too big for one message; the caller "
                        "hears \"unavailable\"", record.uniqueid, len(accounts))
            record.link.send(protocol.BALANCE, status="unavailable", language=language, accounts=[])
        self.metrics.inserts.labels("balance").inc()

    # -- players -----------------------------------------------------------------------

    async def player_connected(self, uniqueid: str, link) -> None:
        """Welcome first (language, remembered class, progress), then anything personal."""
        record = self.calls.record(uniqueid)
        record.connecting = link
        if record.first_seen_s is None:
            record.first_seen_s = self.clock()
        if not record.known:
            record.ended_at = None
        music_class = await self._remembered_class(record)
        if record.connecting is not link or link.closed:
            return                              # a newer process of this call took over
        link.send(protocol.WELCOME, language=self._language(record),
                  music_class=music_class, state=record.state)
        record.link, record.connecting = link, None
        if record.known and record.position and record.position_unsaid:
            self.metrics.announcements.labels("change").inc()
            self._announce(record)

    async def start_class(self, uniqueid: str) -> str:
        """The class a new player of this call starts with (its ``--class``).

        Where an earlier player of the call was, else the caller's remembered
        choice; "" when neither is known yet.  The realtime backend bounds
        the wait, so a slow database costs the caller their class, never time.
        """
        record = self.calls.get(uniqueid)
        if record is None:
            return ""
        if record.state is not None and record.state.music_class:
            return record.state.music_class
        choice = record.choice
        if choice is None:
            return ""
        try:
            return await asyncio.shield(choice) or ""
        except asyncio.CancelledError:
            if choice.cancelled():          # a read for a number since changed
                return ""
            raise

    def start_place(self, uniqueid: str) -> str:
        """Where in its class a restarted call's new player starts (its ``--at``).

        The last player's last state (sent as it was stopped) is where the
        caller is, so the new player's first sample repeats nothing; "" for
        a call with no state yet."""
        record = self.calls.get(uniqueid)
        if record is None or record.state is None or not record.state.music_class:
            return ""
        return wire.place_argument(dataclasses.asdict(record.state))

    async def _remembered_class(self, record: CallRecord) -> str:
        if self.ami is not None and not record.known:
            try:
                await asyncio.wait_for(record.on_ami.wait(), WELCOME_WAIT_S)
            except asyncio.TimeoutError:
                return ""
        if record.choice is None:
            return ""
        try:
            return await asyncio.shield(record.choice) or ""
        except asyncio.CancelledError:
            return ""

    async def player_message(self, uniqueid: str, link, message: dict) -> None:
        record = self.calls.record(uniqueid)
        kind = message["type"]
        if kind == protocol.STATE:
            state = _state(message)
            if record.link is link:
                record.state = state
                audio_reports.take(record, link, message, self.metrics.audio_problems)
        elif kind == protocol.CLASS_CHANGED:
            music_class = message.get("music_class")
            if not isinstance(music_class, str) or not 0 < len(music_class) <= MAX_CLASS_CHARS:
                raise protocol.ProtocolError("class_changed without a usable music_class")
            if record.number:
                self._spawn(self.choices.put(record.number, music_class))
        else:
            log.warning("player %s: message type %r ignored", uniqueid, kind)

    async def player_gone(self, uniqueid: str, link) -> None:
        record = self.calls.get(uniqueid)
        if record is None:
            return
        if record.connecting is link:
            record.connecting = None
        if record.link is link:
            record.link = None
        idle = record.link is None and record.connecting is None
        if idle and not record.known and record.ended_at is None:
            record.ended_at = self.clock()         # never seen on AMI: forget it after the grace


    # -- what the metrics and `progmoh status` read ------------------------------------

    def present(self) -> Present:
        calls = self.calls.records.values()
        age = None if self.ami_event_at is None else self.clock() - self.ami_event_at
        return Present(sum(r.on_hold for r in calls), sum(r.link is not None for r in calls),
                       self.ami_connected, age,
                       {r.uniqueid: dict(r.audio) for r in calls if r.on_hold}, self.cache.state())

    def status(self) -> dict:
        return status_report(self)

    def _billing_lookup(self, outcome: str, seconds: float) -> None:
        self.last_billing = outcome
        self.metrics.billing_lookup(outcome, seconds)

    def _store_operation(self, operation: str, outcome: str, seconds: float) -> None:
        self.last_store = f"{operation} {outcome}"
        self.metrics.store_operation(operation, outcome, seconds)


def _state(message: dict) -> protocol.CallState:
    """The message's state; a bad one is a ProtocolError, which drops the player."""
    state = protocol.call_state(message.get("state"))
    if state is None:
        raise protocol.ProtocolError("state message without a state object")
    return state


async def serve_until_stopped(settings: ControlPlaneSettings, stop: asyncio.Event) -> None:
    service = Service(settings)
    try:
        await service.start()
        await stop.wait()
    finally:
        await service.close()


def run(settings: ControlPlaneSettings) -> None:
    """Run the service until SIGTERM or SIGINT."""
    async def main():
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await serve_until_stopped(settings, stop)
        log.info("stopped")
    asyncio.run(main())
