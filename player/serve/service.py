"""``progmoh serve``: the asyncio shell that wires the control plane to its core.

AMI events (through the tracker) tell which calls exist, their caller
number, queue position and keys; the players' socket tells which process
speaks for which call (checked with SO_PEERCRED by ``PlayerServer``).  What
follows from them is decided by the pure core (core.py); this module runs
the servers and clients, carries out the core's actions and does the
waiting.  Personal data (balance, position) goes to a player only when its
call is known on AMI and the player has proven itself.  Audio never waits
on any of this: the realtime backend answers from the class name alone.
"""

import asyncio
import logging
import signal
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from progmoh.player.serve.actions import (
    BookCallback,
    CallbackState,
    CallForgotten,
    CallOnAmi,
    Count,
    HangUp,
    LookUp,
    LookUpBalance,
    PlaceCallback,
    PrefetchBalance,
    ReadChoice,
    Send,
    Whisper,
    WriteChoice,
)
from progmoh.player.serve.ami.client import AmiClient
from progmoh.player.serve.billing import BalanceBook
from progmoh.player.serve.cache_state import CacheWatch
from progmoh.player.serve.callback_shell import CallbackShell, server_name
from progmoh.player.serve.calls import CallRegistry
from progmoh.player.serve.choices import open_choice_store
from progmoh.player.serve.core import AMI_EVENTS, ServeCore
from progmoh.player.serve.lookups import BILLING, LookupBooks
from progmoh.player.serve.metrics import Metrics
from progmoh.player.serve.metrics_http import MetricsServer
from progmoh.player.serve.players import PlayerServer
from progmoh.player.serve.realtime import RealtimeServer
from progmoh.player.serve.settings import ControlPlaneSettings, ServeSettings
from progmoh.player.serve.snapshot import Snapshot
from progmoh.player.serve.status import StatusServer

log = logging.getLogger("progmoh.serve")

WELCOME_WAIT_S = 1.0      # a player may connect a few ms before AMI tells us its call
TICK_S = 1.0


def configured_secrets(settings: ControlPlaneSettings) -> tuple[str, ...]:
    """Every secret of the config: what no log line may show, nor a lookup program's stderr
    bring into the log."""
    try:
        store_password = urllib.parse.urlsplit(settings.store.url).password or ""
    except ValueError:
        store_password = ""
    lookups = [settings.billing] + [source for p in settings.programs for _, source in p.lookups]
    own = tuple(dict.fromkeys(secret for source in lookups
                              for secret in (source.password, source.token) if secret))
    return (settings.ami.secret, store_password, urllib.parse.unquote(store_password)) + own


class Service:
    """The shell: wires the listeners to the core, carries out its actions, does the waiting.

    Every decision is the core's (core.py); this keeps the sockets, the
    tasks and the waits: the welcome's wait for AMI, the bounded wait for a
    remembered class, billing's and the store's answers.
    """

    def __init__(self, settings: ControlPlaneSettings, *, clock=time.monotonic,
                 balances=None, choices=None, ami_factory=None, callbacks=None) -> None:
        self.settings = settings
        self.core = ServeCore(settings.serve, settings.programs, clock,
                              ami_enabled=settings.ami.enabled,
                              billing_backend=settings.billing.backend,
                              max_number_chars=settings.ami.max_number_chars,
                              wall=time.time, server=server_name(settings))
        self._observability(settings.serve)
        self.lookups = LookupBooks(clock, configured_secrets(settings))
        self.balances = balances or BalanceBook(
            settings.billing, observe=self._billing_observed,
            book=self.lookups.book(BILLING, settings.billing))
        self._say_books = {(p.name, name): self.lookups.book(name, source)
                           for p in settings.programs
                           for name, source in p.lookups + ((BILLING, settings.billing),)}
        self.choices = choices or open_choice_store(settings.store, self._store_observed)
        self.realtime = RealtimeServer(settings.serve, self.start_class,
                                       on_lookup=self.metrics.lookups_inc,
                                       start_place=self.core.start_place,
                                       programs=self.core.programs.names,
                                       class_requested=self.class_requested)
        self.players = PlayerServer(settings.serve.socket_path, settings.serve.socket_mode,
                                    settings.serve.asterisk_executables, self,
                                    on_refused=self.metrics.refused.inc)
        ami_factory = ami_factory or _filtered_ami
        self.ami = ami_factory(settings.ami, self) if settings.ami.enabled else None
        self._tasks: set[asyncio.Task] = set()
        self.callbacks: CallbackShell = CallbackShell(settings, self, self._spawn, callbacks)
        self._choice_reads: dict[str, asyncio.Task] = {}      # uniqueid -> its one read
        self._ami_waits: dict[str, asyncio.Event] = {}        # uniqueid -> set once AMI knows it

    def _observability(self, serve: ServeSettings) -> None:
        """Metrics, the status socket, and what they report (see README "Operations")."""
        self.metrics = Metrics(self.snapshot)
        self.cache = CacheWatch(serve.cache_dir)
        self.metrics_server = (MetricsServer(serve.metrics_listen, serve.metrics_port, self.metrics)
                               if serve.metrics_enabled else None)
        self.status_server = (StatusServer(serve.status_socket, serve.status_socket_mode,
                                           self.snapshot) if serve.status_socket else None)

    @property
    def calls(self) -> CallRegistry:
        """The core's records (read them; the core writes them)."""
        return self.core.calls

    # -- life cycle -------------------------------------------------------------------

    async def start(self) -> None:
        await self.realtime.start()
        await self.players.start()
        for server in (self.metrics_server, self.status_server):
            if server is not None:
                await server.start()
        if self.ami is not None:
            self._spawn(self._ami_after_callbacks(self.ami))
        else:
            log.warning("AMI is disabled (ami.enabled = false): no caller data, keys or positions")
        self._spawn(self._tick_forever())

    async def _ami_after_callbacks(self, ami) -> None:
        """AMI once the pending callbacks are read (their placeholders are found again in
        AMI's first QueueStatus), or once the store has had its time: a slow store never
        holds up the calls."""
        restore = self._spawn(self.callbacks.restore())
        done, _ = await asyncio.wait({restore}, timeout=self.settings.store.timeout_s)
        if not done:                # asyncio.wait, unlike wait_for, never swallows a cancel
            log.warning("callbacks: the store did not answer within %s s; reading them later",
                        self.settings.store.timeout_s)
        await ami.run()

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
        await self.lookups.close()
        self.callbacks.close()
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
        self._run(self.core.tick())

    # -- AMI (the client calls these) ------------------------------------------------------

    def ami_up(self) -> None:
        self._run(self.core.ami_up())
        if self.ami is not None:
            self._spawn(self.callbacks.ami_up(self.ami))

    def ami_event(self, message) -> None:
        self._run(self.core.ami_event(message))

    def wants_channels(self) -> bool:
        """A callback is pending: AMI lists the channels up before its first resync."""
        return bool(self.core.callbacks.pending)

    def ami_channels(self, channels) -> None:
        self._run(self.core.ami_channels(channels))

    def ami_resync(self, entries) -> None:
        self._run(self.core.ami_resync(entries))

    def ami_down(self) -> None:
        self._run(self.core.ami_down())

    # -- players (the players' socket calls these) ------------------------------------------

    async def player_connected(self, uniqueid: str, link) -> None:
        """Wait (briefly) for AMI to name the call and for its remembered class; then welcome."""
        self._run(self.core.player_connected(uniqueid, link, link.program))
        if await self._ami_knows(uniqueid):
            await self._choice_read(uniqueid)
        if not link.closed:
            self._run(self.core.player_ready(uniqueid, link))

    async def player_message(self, uniqueid: str, link, message: dict) -> None:
        self._run(self.core.player_message(uniqueid, link, message))

    async def player_gone(self, uniqueid: str, link) -> None:
        self._run(self.core.player_gone(uniqueid, link))

    async def _ami_knows(self, uniqueid: str) -> bool:
        """True once AMI knows the call (at once without AMI); False after WELCOME_WAIT_S."""
        if self.ami is None or self.core.on_ami(uniqueid):
            return True
        known = self._ami_waits.setdefault(uniqueid, asyncio.Event())
        try:
            await asyncio.wait_for(known.wait(), WELCOME_WAIT_S)
        except asyncio.TimeoutError:
            return False
        return True

    async def _choice_read(self, uniqueid: str) -> None:
        """Until the call's remembered class has been read (or that read was replaced)."""
        read = self._choice_reads.get(uniqueid)
        if read is None:
            return
        try:
            await asyncio.shield(read)
        except asyncio.CancelledError:
            if not read.cancelled():        # this wait was cancelled, not the read
                raise

    # -- the realtime answer and the reports ------------------------------------------------

    def class_requested(self, uniqueid: str, program: str) -> None:
        self._run(self.core.class_requested(uniqueid, program))

    async def start_class(self, uniqueid: str) -> str:
        """The class a new player of this call starts with (its ``--class``).

        A read of the remembered class still in flight is waited for; the
        realtime backend bounds the wait, so a slow database costs the caller
        their class, never time.
        """
        music_class = self.core.start_class(uniqueid)
        if music_class is None:
            await self._choice_read(uniqueid)
            music_class = self.core.start_class(uniqueid)
        return music_class or ""

    async def remembered_class(self, uniqueid: str) -> str:
        """The caller's remembered class once its read is done; "" if none is known."""
        await self._choice_read(uniqueid)
        return self.core.remembered_class(uniqueid)

    def snapshot(self) -> Snapshot:
        return self.core.snapshot(self.cache.state())

    def _billing_observed(self, outcome: str, seconds: float) -> None:
        self._run(self.core.billing_observed(outcome, seconds))

    def _store_observed(self, operation: str, outcome: str, seconds: float) -> None:
        self._run(self.core.store_observed(operation, outcome, seconds))

    # -- carrying out the core's actions ----------------------------------------------------

    def _run(self, actions: list) -> None:
        for action in actions:
            self._effects[type(action)](self, action)

    def _send(self, action: Send) -> None:
        action.link.send(action.kind, **action.fields)

    def _prefetch(self, action: PrefetchBalance) -> None:
        self.balances.prefetch(action.number)

    def _look_up(self, action: LookUpBalance) -> None:
        self._spawn(self._balance_for(action))

    async def _balance_for(self, action: LookUpBalance) -> None:
        result = await self.balances.get(action.number)
        self._run(self.core.balance_answered(action.uniqueid, action.link, result))

    def _look_up_say(self, action: LookUp) -> None:
        self._spawn(self._say_for(action))

    async def _say_for(self, action: LookUp) -> None:
        lookup = self.core.programs[action.program].say[action.digit].lookup
        answer = await self._say_books[(action.program, lookup)].get(action.number)
        self._run(self.core.lookup_answered(action.uniqueid, action.link, action.program,
                                            action.digit, answer))

    def _callback(self, action: Any) -> None:
        self.callbacks.run(action)

    def _read(self, action: ReadChoice) -> None:
        earlier = self._choice_reads.pop(action.uniqueid, None)
        if earlier is not None:
            earlier.cancel()
        self._choice_reads[action.uniqueid] = self._spawn(self._choice_for(action))

    async def _choice_for(self, action: ReadChoice) -> None:
        classes = await self.choices.classes(action.number, self.core.programs.names)
        self._run(self.core.choice_answered(action.uniqueid, action.number, classes))

    def _write(self, action: WriteChoice) -> None:
        self._spawn(self.choices.put(action.number, action.music_class, action.program))

    def _count(self, action: Count) -> None:
        self.metrics.count(action.metric, action.labels, action.amount, action.seconds)

    def _known(self, action: CallOnAmi) -> None:
        waiting = self._ami_waits.pop(action.uniqueid, None)
        if waiting is not None:
            waiting.set()

    def _forgotten(self, action: CallForgotten) -> None:
        self._ami_waits.pop(action.uniqueid, None)
        read = self._choice_reads.pop(action.uniqueid, None)
        if read is not None:
            read.cancel()

    _effects: dict[type, Callable[["Service", Any], None]] = {
        Send: _send, PrefetchBalance: _prefetch, LookUpBalance: _look_up, LookUp: _look_up_say,
        BookCallback: _callback, PlaceCallback: _callback, CallbackState: _callback,
        HangUp: _callback, Whisper: _callback,
        ReadChoice: _read,
        WriteChoice: _write, Count: _count, CallOnAmi: _known, CallForgotten: _forgotten}


def _filtered_ami(settings, listener) -> AmiClient:
    """The AMI client, asking Asterisk only for the events the core reads."""
    return AmiClient(settings, listener, events=AMI_EVENTS)


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
