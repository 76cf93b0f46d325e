"""The one AMI connection of ``progmoh serve``.

A message belongs to us only if its ActionID is one we generated and are
still waiting on: OriginateResponse, for one, carries ``Response:`` and
another session's ActionID, and must go to the event listener instead.
Everything else with an ``Event:`` header is an event.  List actions
(QueueStatus) collect their items until ``EventList: Complete``.

The client reconnects forever with capped exponential backoff, pings to
notice a dead peer, and resynchronises queue positions with QueueStatus after
every ``FullyBooted`` and every ``resync_s``.  The secret is sent in the
Login action only and never logged.

Given the names of the events its listener uses (``events``), it asks
Asterisk for those alone with one ``Filter`` action each after login (an
advanced filter by name, which Asterisk checks by a hash; the action needs
the ``system`` write class, and where the user lacks it manager.conf's
``eventfilter`` lines, printed by ``progmoh asterisk-config``, do the same),
and drops any other event unparsed.  The reader gives the loop a turn every
``YIELD_EVERY`` messages, so a burst of events never holds up the realtime
answer.  A listener that raises is logged with
the event it was given and AMI carries on; anything else unexpected ends the
session like a lost connection, and the client reconnects after backoff.
"""

import asyncio
import itertools
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Callable, Iterator, Protocol

from progmoh.cache.errors import ProgmohError
from progmoh.player.serve.ami.framing import Framer, unwanted
from progmoh.player.serve.ami.message import Message, format_action, parse
from progmoh.player.serve.settings import AmiSettings

log = logging.getLogger("progmoh.serve.ami")

EVENTS = "call,agent,dtmf,system"     # queue (agent), MOH/Hangup/DialEnd (call), DTMF,
                                      # FullyBooted (system)
READ_BYTES = 65536
OWN_EVENTS = ("FullyBooted",)          # what the client itself acts on
YIELD_EVERY = 64                       # messages handled between two turns of the loop


class AmiError(ProgmohError):
    """The AMI connection failed or an action got no answer."""


class AmiLoginError(AmiError):
    """Asterisk refused our username/secret."""


@dataclass(frozen=True)
class Reply:
    response: Message
    events: tuple[Message, ...] = ()

    @property
    def ok(self) -> bool:
        return (self.response.response or "").lower() == "success"


class AmiListener(Protocol):
    def ami_up(self) -> None: ...
    def ami_event(self, message: Message) -> None: ...
    def ami_resync(self, entries: list[Message]) -> None: ...
    def ami_down(self) -> None: ...
    def wants_channels(self) -> bool: ...
    def ami_channels(self, channels: list[Message]) -> None: ...


class Backoff:
    """Capped exponential delays; ``reset`` after a good login."""

    def __init__(self, initial_s: float, max_s: float) -> None:
        self.initial_s, self.max_s = initial_s, max(max_s, initial_s)
        self._next_s = initial_s

    def next(self) -> float:
        delay, self._next_s = self._next_s, min(self._next_s * 2, self.max_s)
        return delay

    def reset(self) -> None:
        self._next_s = self.initial_s


def default_action_ids() -> Iterator[str]:
    """Ids no other AMI session will use: a random token per connection and a counter."""
    token = secrets.token_hex(4)
    return (f"progmoh-{token}-{n}" for n in itertools.count(1))


class _Pending:
    def __init__(self, on_reply: Callable[[Reply], None] | None = None) -> None:
        self.future: asyncio.Future = asyncio.get_running_loop().create_future()
        self.future.add_done_callback(_retrieved)     # its waiter may be gone at a drop
        self.response: Message | None = None
        self.events: list[Message] = []
        self.on_reply = on_reply

    def take(self, message: Message) -> bool:
        """Add one of our messages; True when the reply is complete."""
        if self.response is None and message.response is not None:
            self.response = message
            listing = (message.get("EventList") or "").lower() == "start"
            return not listing or (message.response or "").lower() != "success"
        if (message.get("EventList") or "").lower() == "complete":
            return True
        self.events.append(message)
        return False


def _retrieved(done: asyncio.Future) -> None:
    """Take a finished future's exception, so a drop that nobody awaited is not reported
    as "exception was never retrieved"; a task's unexpected failure is logged."""
    if done.cancelled():
        return
    error = done.exception()
    if error is not None and not isinstance(error, AmiError) and isinstance(done, asyncio.Task):
        log.error("AMI task failed", exc_info=error)


def _raise_if_cancelled() -> None:
    """Keep a cancel that an error swallowed (Python 3.11's wait_for returns an inner
    failure, e.g. a refused connect, in place of the cancel that came with it), so that
    serve's stop never waits for a reconnect loop that no longer hears it."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError()


class AmiClient:
    def __init__(self, settings: AmiSettings, listener: AmiListener, *,
                 action_ids: Callable[[], Iterator[str]] | None = None, sleep=asyncio.sleep,
                 action_timeout_s: float = 10.0, initial_backoff_s: float = 0.5,
                 events: Iterable[str] | None = None) -> None:
        self.settings, self.listener = settings, listener
        self.events = tuple(sorted(set(events) | set(OWN_EVENTS))) if events else ()
        self._wanted = frozenset(name.encode() for name in self.events)
        self._new_ids = action_ids or default_action_ids
        self._ids: Iterator[str] = iter(())
        self._sleep = sleep
        self._action_timeout_s = action_timeout_s
        self._backoff = Backoff(initial_backoff_s, settings.reconnect_max_s)
        self._pending: dict[str, _Pending] = {}
        self._writer: asyncio.StreamWriter | None = None
        self._tasks: set[asyncio.Task] = set()
        self._booted = False
        self._channels_due = False
        self._channels_lock = asyncio.Lock()      # every resync waits for the listing
        self.logged_in = False

    async def run(self) -> None:
        """Connect, serve the session, reconnect after backoff; forever."""
        while True:
            try:
                await self._session()
            except AmiLoginError as error:
                log.error("%s", error)
            except (OSError, ProgmohError) as error:
                log.warning("AMI %s: %s", self._where(), error or type(error).__name__)
            except Exception:
                log.exception("AMI %s: session failed unexpectedly", self._where())
            _raise_if_cancelled()
            delay = self._backoff.next()
            log.info("AMI: reconnecting in %.1f s", delay)
            await self._sleep(delay)

    async def action(self, name: str, *fields: tuple[str, str],
                     on_reply: Callable[[Reply], None] | None = None,
                     timeout_s: float | None = None) -> Reply:
        """Send an action and wait for its whole reply (list items included).

        ``on_reply`` runs as soon as the reply is complete, before any event
        behind it on the wire is dispatched: a snapshot such as QueueStatus
        must be applied before the newer events, not when this task resumes.
        """
        if self._writer is None:
            raise AmiError("not connected")
        action_id = next(self._ids)
        pending = self._pending[action_id] = _Pending(on_reply)
        try:
            self._writer.write(format_action(name, action_id, fields))
            return await asyncio.wait_for(pending.future, timeout_s or self._action_timeout_s)
        except asyncio.TimeoutError:
            raise AmiError(f"no answer to {name} within "
                           f"{timeout_s or self._action_timeout_s} s") from None
        finally:
            self._pending.pop(action_id, None)

    def _where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    async def _session(self) -> None:
        try:
            reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(self.settings.host, self.settings.port),
                self._action_timeout_s)
        except asyncio.TimeoutError:
            raise AmiError(f"no connection within {self._action_timeout_s} s") from None
        framer, self._booted, self._ids = Framer(), False, self._new_ids()
        reading = asyncio.create_task(self._read_loop(reader, framer))
        try:
            await self._login(reading)
            log.info("AMI: logged in to %s as %r (%s)", self._where(), self.settings.username,
                     framer.banner)
            self._backoff.reset()
            self.logged_in = True
            self._channels_due = self.listener.wants_channels()
            self._tell("connection up", self.listener.ami_up)
            if self.events:
                self._spawn(self._filter_events())
            self._spawn(self._keepalive())
            self._spawn(self._periodic_resync())
            if self._booted:
                self._spawn(self._resync())
            await reading
            raise AmiError("connection closed by Asterisk")
        finally:
            await self._end_session(reading)

    async def _login(self, reading: asyncio.Task) -> None:
        login = self._spawn(self.action(
            "Login", ("Username", self.settings.username), ("Secret", self.settings.secret),
            ("Events", EVENTS)))
        await asyncio.wait({login, reading}, return_when=asyncio.FIRST_COMPLETED)
        if not login.done():
            login.cancel()
            reading.result()
            raise AmiError("connection closed before the login answer")
        reply = login.result()
        if not reply.ok:
            reason = reply.response.get("Message") or reply.response.response
            raise AmiLoginError(f"AMI login as {self.settings.username!r} at {self._where()} "
                                f"refused: {reason}")

    async def _end_session(self, reading: asyncio.Task) -> None:
        for task in list(self._tasks) + [reading]:
            task.cancel()
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(AmiError("AMI connection lost"))
        self._pending.clear()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self.logged_in:
            self.logged_in = False
            self._tell("connection down", self.listener.ami_down)

    def _spawn(self, coroutine) -> asyncio.Task:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_retrieved)
        return task

    async def _read_loop(self, reader: asyncio.StreamReader, framer: Framer) -> None:
        handled = 0
        while True:
            data = await reader.read(READ_BYTES)
            if not data:
                return
            for block in framer.feed(data):
                if self._wanted and unwanted(block, self._wanted):
                    continue
                self._dispatch(parse(block))
                handled += 1
                if handled % YIELD_EVERY == 0:
                    await asyncio.sleep(0)

    async def _filter_events(self) -> None:
        """Ask Asterisk for our events alone, all filters sent at once (an event of ours that
        comes between the first and the last is caught up by the QueueStatus that follows);
        a refusal (no ``system`` write class) is said once per session, and serve's own
        filter does the work."""
        replies = await asyncio.gather(*(
            self.action("Filter", ("Operation", "Add"),
                        ("MatchCriteria", f"action(include),name({name})"), ("Filter", ""))
            for name in self.events), return_exceptions=True)
        refused = [r for r in replies if isinstance(r, Reply) and not r.ok]
        if refused:
            log.info("AMI: Asterisk refused the event filter (%s): the manager.conf "
                     "eventfilter lines of `progmoh asterisk-config` keep other events away",
                     refused[0].response.get("Message") or refused[0].response.response)
        elif all(isinstance(r, Reply) for r in replies):
            await self._resync()

    def _dispatch(self, message: Message) -> None:
        if not message.headers:
            return
        pending = self._pending.get(message.action_id or "")
        if pending is not None:
            if (pending.take(message) and pending.response is not None
                    and not pending.future.done()):
                reply = Reply(pending.response, tuple(pending.events))
                if pending.on_reply is not None:
                    pending.on_reply(reply)
                pending.future.set_result(reply)
            return
        if message.event is None:
            return
        if message.event == "FullyBooted":
            self._booted = True
            if self.logged_in:
                self._spawn(self._resync())
        self._tell(f"event {message.event}", self.listener.ami_event, message)

    def _tell(self, what: str, handler: Callable, *args) -> None:
        """Call the listener; its bug is logged, never the end of AMI."""
        try:
            handler(*args)
        except Exception:
            log.exception("AMI: handling %s failed; carrying on", what)

    async def _keepalive(self) -> None:
        while True:
            await self._sleep_real(self.settings.ping_s)
            try:
                # The timeout goes to action() itself: wrapping it in another
                # wait_for would leave an orphan task when the session ends.
                await self.action("Ping", timeout_s=self.settings.ping_s)
            except AmiError:
                log.warning("AMI: no answer to Ping within %.1f s; reconnecting",
                            self.settings.ping_s)
                if self._writer is not None:
                    self._writer.transport.abort()
                return

    async def _periodic_resync(self) -> None:
        while True:
            await self._sleep_real(self.settings.resync_s)
            await self._resync()

    async def _resync(self) -> None:
        async with self._channels_lock:            # two resyncs may start at a login
            if self._channels_due:
                self._channels_due = False
                await self._list_channels()
        try:
            await self.action("QueueStatus", on_reply=self._apply_queue_status)
        except AmiError as error:
            log.warning("AMI: QueueStatus failed: %s", error)

    async def _list_channels(self) -> None:
        """Before a connection's first resync, when the listener asks (a callback is pending):
        the channels up now, for what went on while serve or this connection was away."""
        try:
            await self.action("CoreShowChannels", on_reply=self._apply_channels)
        except AmiError as error:
            log.warning("AMI: CoreShowChannels failed: %s", error)

    def _apply_channels(self, reply: Reply) -> None:
        if reply.ok:
            self._tell("CoreShowChannels", self.listener.ami_channels, list(reply.events))
        else:
            log.warning("AMI: CoreShowChannels refused: %s", reply.response.get("Message"))

    def _apply_queue_status(self, reply: Reply) -> None:
        if reply.ok:
            self._tell("QueueStatus", self.listener.ami_resync, list(reply.events))
        else:
            log.warning("AMI: QueueStatus refused: %s", reply.response.get("Message"))

    async def _sleep_real(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
