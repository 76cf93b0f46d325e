"""Asterisk's AMI side for simulated calls: what ``progmoh simulate-call`` points serve at.

It speaks the wire format of the recordings in tests/data/ami (banner, CRLF
lines, a blank line after each message, the headers Asterisk 13+ sends in the
order it sends them), so serve's real AMI client, tracker and key rules meet a
call exactly as on a live Asterisk: Login (``Response: Success`` with the
ActionID, then FullyBooted), QueueStatus answered as a list, Ping, Logoff, an
error for anything else; and for each caller Newchannel, NewCallerid, QueueCallerJoin,
MusicOnHoldStart, DTMFBegin/DTMFEnd (``Direction: Received``),
MusicOnHoldStop, QueueCallerAbandon, QueueCallerLeave, Hangup; for a call an
agent answers, AgentConnect (its ``HoldTime``) and QueueCallerLeave, then
AgentComplete (its ``TalkTime``); for the queue's members QueueMemberAdded,
QueueMemberPause and QueueMemberRemoved (QueueMember in QueueStatus); and the
queue's average hold time moves as app_queue moves it, so QueueParams carry
a ``Holdtime`` a wait estimate can start from.  Like
Asterisk, events go to every logged-in session whose Login ``Events`` allow
their class and pass their ``Filter`` actions (manager.c's rules: include
filters first, then exclude ones; an advanced filter by event name or a
legacy regex over the whole event), and nobody's new position is announced
when someone ahead leaves.  ``storm`` plays a busy Asterisk: a burst of the
call and agent events serve has no use for, as fast as the socket takes them.
What it sent is kept in ``journal`` (monotonic time, text) so a simulation
can print a timeline; it never prints.
"""

import asyncio
import collections
import dataclasses
import itertools
import re
import time
from dataclasses import dataclass, field

from progmoh.player.serve.ami.message import Message, parse

BANNER = b"Asterisk Call Manager/13.0.0\r\n"
MAX_ACTION_BYTES = 65536
STORM_BATCH = 1000                     # events written between two waits for the socket
# What a busy Asterisk sends a call,agent session besides what serve uses:
# channel state, dialling, bridging, agents' states (name, privilege class).
STORM_KINDS = (("Newstate", "call"), ("DialBegin", "call"), ("NewConnectedLine", "call"),
               ("BridgeEnter", "call"), ("BridgeLeave", "call"), ("HangupRequest", "call"),
               ("QueueMemberStatus", "agent"), ("AgentCalled", "agent"))
_ADVANCED = re.compile(r"^\s*(action|name|header|method)\(([^)]*)\)\s*$")


@dataclass
class Session:
    """One logged-in connection: the event classes its Login allowed, its filters."""
    classes: frozenset | None                  # None: every class
    include: list = field(default_factory=list)
    exclude: list = field(default_factory=list)

    def wants(self, event: str, privilege: str, text: str) -> bool:
        if self.classes is not None and privilege not in self.classes:
            return False
        if self.include and not any(f(event, text) for f in self.include):
            return False
        return not any(f(event, text) for f in self.exclude)


@dataclass(frozen=True)
class Caller:
    uniqueid: str
    number: str
    name: str
    channel: str
    language: str = "en"                 # the channel's CHANNEL(language)

    @classmethod
    def local(cls, uniqueid: str, number: str, name: str, index: int,
              language: str = "en") -> "Caller":
        """A caller on the queued ``;2`` half of a Local channel, as in the recordings."""
        return cls(uniqueid, number, name, f"Local/caller@capin-{index:08x};2", language)


class AmiEmulator:
    def __init__(self, username: str, secret: str, queue: str = "testq",
                 clock=time.monotonic, refuse_delay_s: float = 1.0, holdtime_s: int = 0,
                 completed: int = 0, filter_allowed: bool = True) -> None:
        self.username, self._secret, self.queue, self.clock = username, secret, queue, clock
        self.refuse_delay_s = refuse_delay_s         # Asterisk's own pause before refusing
        self.waiting: list[Caller] = []          # queue order: index 0 is position 1
        self.journal: list[tuple[float, str]] = []
        self.logged_in = asyncio.Event()
        self._joined_at: dict[str, float] = {}
        self._moh: set[str] = set()
        self._abandoned = 0
        self._completed = completed              # calls answered before this run
        self.holdtime_s = holdtime_s             # app_queue's q->holdtime: (3 * old + new) / 4
        self.filter_allowed = filter_allowed     # the user's write classes include "system"
        self.logins = 0
        self.delivered: collections.Counter = collections.Counter()   # events written, by name
        self._sessions: dict[asyncio.StreamWriter, Session] = {}
        self._tasks: set[asyncio.Task] = set()
        self._started = clock()
        self._server: asyncio.AbstractServer | None = None
        self.port = 0
        self.members: dict[str, bool] = {}       # the queue's members: interface -> paused
        self._in_call: set[str] = set()          # members on a queue call
        self.listeners: list = []                # callables given every event's bytes (benches)

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._sessions):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- a call's life, in the order Asterisk reports it -------------------------------

    def arrive(self, caller: Caller) -> None:
        """The caller's channel appears (no number yet), then the dialplan sets the number:
        Newchannel and NewCallerid, before the queue, as in events-dtmf-agent-call.recv."""
        nameless = dataclasses.replace(caller, number="<unknown>", name="<unknown>")
        self._emit("Newchannel", "call", nameless, (), "")
        self._emit("NewCallerid", "call", caller,
                   (("CID-CallingPres", "0 (Presentation Allowed, Not Screened)"),),
                   f"{caller.number} calls in (NewCallerid, before the queue)")

    def seat(self, caller: Caller) -> None:
        """A caller already waiting before anyone connected: seen only in QueueStatus."""
        self.waiting.append(caller)
        self._joined_at[caller.uniqueid] = self.clock()

    def join(self, caller: Caller) -> None:
        self.seat(caller)
        position = str(len(self.waiting))
        self._emit("QueueCallerJoin", "agent", caller,
                   (("Queue", self.queue), ("Position", position), ("Count", position)),
                   f"{caller.number} joins {self.queue} at position {position}")

    def start_moh(self, caller: Caller, music_class: str = "") -> None:
        """``music_class``: the class the dialplan set (the default program's when "")."""
        self._moh.add(caller.uniqueid)
        music_class = music_class or f"progmoh-{caller.uniqueid}"
        self._emit("MusicOnHoldStart", "call", caller, (("Class", music_class),),
                   f"music on hold starts, class {music_class}")

    def press(self, caller: Caller, digit: str) -> None:
        """A key as app_queue's channel receives it: DTMFBegin, then DTMFEnd."""
        received = (("Digit", digit), ("Direction", "Received"))
        self._emit("DTMFBegin", "dtmf", caller, received,
                   f"key {digit} pressed by {caller.number} (Direction: Received)")
        self._emit("DTMFEnd", "dtmf", caller,
                   (("Digit", digit), ("DurationMs", "200"), ("Direction", "Received")), "")

    def hang_up(self, caller: Caller) -> None:
        """The caller gives up: MOH stops, they abandon and leave the queue, the channel goes."""
        if caller.uniqueid in self._moh:
            self._moh.discard(caller.uniqueid)
            self._emit("MusicOnHoldStop", "call", caller, (), "")
        if caller in self.waiting:
            self._leave(caller)
        self._emit("Hangup", "call", caller, (("Cause", "16"), ("Cause-txt", "Normal Clearing")),
                   f"{caller.number} hangs up")

    def answer(self, caller: Caller, agent: str = "Local/agent@capin-000000ff;1") -> None:
        """An agent takes the caller: MOH stops, AgentConnect, the caller leaves the queue."""
        position = self.waiting.index(caller) + 1
        held_s = int(self.clock() - self._joined_at.pop(caller.uniqueid))
        self.holdtime_s = (3 * self.holdtime_s + held_s) // 4
        self._in_call.add(agent)
        if caller.uniqueid in self._moh:
            self._moh.discard(caller.uniqueid)
            self._emit("MusicOnHoldStop", "call", caller, (), "")
        self._emit("AgentConnect", "agent", caller, (
            ("DestChannel", agent), ("DestUniqueid", f"{caller.uniqueid}9"), ("Queue", self.queue),
            ("MemberName", "agent"), ("Interface", agent), ("HoldTime", str(held_s)),
            ("RingTime", "0")), f"an agent answers {caller.number} after {held_s} s on hold")
        self.waiting.remove(caller)
        self._completed += 1
        self._emit("QueueCallerLeave", "agent", caller, (
            ("Queue", self.queue), ("Position", str(position)), ("Count", str(len(self.waiting)))),
            f"{caller.number} leaves {self.queue} from position {position} (answered), "
            f"{len(self.waiting)} left waiting")

    def complete(self, caller: Caller, agent: str, talk_s: int) -> None:
        """The agent's call with ``caller`` ends after ``talk_s``: AgentComplete."""
        self._in_call.discard(agent)
        self._emit("AgentComplete", "agent", caller, (
            ("DestChannel", agent), ("DestUniqueid", f"{caller.uniqueid}9"), ("Queue", self.queue),
            ("Interface", agent), ("MemberName", agent), ("HoldTime", "0"),
            ("TalkTime", str(talk_s)), ("Reason", "caller")),
            f"{agent} finishes with {caller.number} after {talk_s} s")

    # -- the queue's members ---------------------------------------------------------

    def add_member(self, agent: str, paused: bool = False) -> None:
        """An agent logs in (QueueAdd): QueueMemberAdded."""
        self.members[agent] = paused
        self._emit_member("QueueMemberAdded", agent, f"{agent} logs in to {self.queue}")

    def pause_member(self, agent: str, paused: bool) -> None:
        """QueuePause: the agent takes a break, or comes back from one."""
        self.members[agent] = paused
        self._emit_member("QueueMemberPause", agent,
                          f"{agent} {'pauses' if paused else 'is back'} in {self.queue}")

    def remove_member(self, agent: str) -> None:
        """An agent logs out (QueueRemove): QueueMemberRemoved."""
        self._emit_member("QueueMemberRemoved", agent, f"{agent} logs out of {self.queue}")
        self.members.pop(agent, None)

    def _member_fields(self, agent: str) -> tuple:
        """A member's fields in app_queue's order (queue_member_blob_create)."""
        in_call = agent in self._in_call
        return (("Queue", self.queue), ("MemberName", agent), ("Interface", agent),
                ("StateInterface", agent), ("Membership", "dynamic"), ("Penalty", "0"),
                ("CallsTaken", "0"), ("LastCall", "0"), ("LastPause", "0"), ("LoginTime", "0"),
                ("InCall", "1" if in_call else "0"), ("Status", "2" if in_call else "1"),
                ("Paused", "1" if self.members.get(agent) else "0"), ("PausedReason", ""),
                ("Ringinuse", "0"), ("Wrapuptime", "0"))

    def _emit_member(self, event: str, agent: str, note: str) -> None:
        self._send(event, "agent", (("Event", event), ("Privilege", "agent,all"))
                   + self._member_fields(agent), note)

    def _leave(self, caller: Caller) -> None:
        position = self.waiting.index(caller) + 1
        held_s = int(self.clock() - self._joined_at.pop(caller.uniqueid))
        self.waiting.remove(caller)
        self._abandoned += 1
        self._emit("QueueCallerAbandon", "agent", caller, (
            ("Queue", self.queue), ("Position", str(position)),
            ("OriginalPosition", str(position)), ("HoldTime", str(held_s))), "")
        self._emit("QueueCallerLeave", "agent", caller, (
            ("Queue", self.queue), ("Position", str(position)), ("Count", str(len(self.waiting)))),
            f"{caller.number} leaves {self.queue} from position {position}, "
            f"{len(self.waiting)} left waiting")

    async def storm(self, callers: list[Caller], count: int) -> None:
        """``count`` events serve does not use, about these callers, as fast as sessions take
        them (a wait for each socket after every ``STORM_BATCH``)."""
        kinds = itertools.cycle(STORM_KINDS)
        people = itertools.cycle(callers)
        for start in range(0, count, STORM_BATCH):
            for _ in range(min(STORM_BATCH, count - start)):
                event, privilege = next(kinds)
                self._emit(event, privilege, next(people), (("Queue", self.queue),), "")
            for writer in list(self._sessions):
                try:
                    await writer.drain()
                except ConnectionError:
                    pass

    # -- wire format ------------------------------------------------------------------

    def _emit(self, event: str, privilege: str, caller: Caller, extra: tuple, note: str) -> None:
        headers = (("Event", event), ("Privilege", f"{privilege},all")) + _channel(caller) + extra
        self._send(event, privilege, headers, note)

    def _send(self, event: str, privilege: str, headers: tuple, note: str) -> None:
        data = _wire(headers)
        for listener in self.listeners:
            listener(data)
        text = data.decode("utf-8")
        for writer, session in list(self._sessions.items()):
            if session.wants(event, privilege, text):
                writer.write(data)
                self.delivered[event] += 1
        if note:
            self.journal.append((self.clock(), f"AMI {event}: {note}"))

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:                    # always, in a coroutine the server runs
            self._tasks.add(task)
        try:
            writer.write(BANNER)
            buffer = b""
            while data := await reader.read(65536):
                *blocks, buffer = (buffer + data).split(b"\r\n\r\n")
                if len(buffer) > MAX_ACTION_BYTES:
                    break
                for block in blocks:
                    if not await self._act(parse(block + b"\r\n"), writer):
                        return
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._sessions.pop(writer, None)
            self._tasks.discard(task)
            writer.close()

    async def _act(self, action: Message, writer: asyncio.StreamWriter) -> bool:
        """Answer one action; False when the session is over."""
        name, action_id = (action.get("Action") or "").lower(), action.action_id or ""
        if name == "login":
            return await self._login(action, action_id, writer)
        if writer not in self._sessions:
            writer.write(_response("Error", action_id, ("Message", "Permission denied")))
        elif name == "ping":
            writer.write(_response("Success", action_id, ("Ping", "Pong"),
                                   ("Timestamp", "%.6f" % time.time())))
        elif name == "queuestatus":
            writer.write(self._queue_status(action, action_id))
        elif name == "filter":
            writer.write(self._filter(action, action_id, self._sessions[writer]))
        elif name == "logoff":
            writer.write(_response("Goodbye", action_id, ("Message", "Thanks for all the fish.")))
            await writer.drain()
            return False
        else:
            writer.write(_response("Error", action_id, ("Message", "Invalid/unknown command")))
        return True

    async def _login(self, action: Message, action_id: str, writer) -> bool:
        if (action.get("Username"), action.get("Secret")) != (self.username, self._secret):
            await asyncio.sleep(self.refuse_delay_s)
            writer.write(_response("Error", action_id, ("Message", "Authentication failed")))
            await writer.drain()
            return False
        writer.write(_response("Success", action_id, ("Message", "Authentication accepted")))
        classes = _event_classes(action.get("Events"))
        self._sessions[writer] = Session(classes)
        self.logins += 1
        if classes is None or "system" in classes:
            uptime = str(int(self.clock() - self._started) + 6)
            writer.write(_wire((("Event", "FullyBooted"), ("Privilege", "system,all"),
                                ("Uptime", uptime), ("LastReload", uptime),
                                ("Status", "Fully Booted"))))
        self.logged_in.set()
        return True

    def _filter(self, action: Message, action_id: str, session: Session) -> bytes:
        """manager.c's action_filter: ``Operation: Add`` of one include or exclude filter."""
        if not self.filter_allowed:
            return _response("Error", action_id, ("Message", "Permission denied"))
        if (action.get("Operation") or "").lower() != "add":
            return _response("Error", action_id, ("Message", "Unknown operation"))
        made = _event_filter(action.get("MatchCriteria") or "", action.get("Filter") or "")
        if made is None:
            return _response("Error", action_id, ("Message", "Filter was formatted incorrectly.  "
                                                  "Check the syntax of the filter given."))
        exclude, match = made
        (session.exclude if exclude else session.include).append(match)
        return _response("Success", action_id, ("Message", "Success"))

    def _queue_status(self, action: Message, action_id: str) -> bytes:
        """A list answer as in three-callers-positions.recv: params, one entry per caller."""
        asked = action.get("Queue")
        waiting = self.waiting if asked in (None, "", self.queue) else None
        parts = [_response("Success", action_id, ("EventList", "start"),
                           ("Message", "Queue status will follow"))]
        if waiting is not None:
            parts.append(self._queue_params(action_id))
            parts += [self._queue_member(agent, action_id) for agent in self.members]
            parts += [self._queue_entry(c, i + 1, action_id) for i, c in enumerate(waiting)]
        items = 0 if waiting is None else 1 + len(self.members) + len(waiting)
        parts.append(_wire((("Event", "QueueStatusComplete"), ("ActionID", action_id),
                            ("EventList", "Complete"), ("ListItems", str(items)))))
        return b"".join(parts)

    def _queue_params(self, action_id: str) -> bytes:
        return _wire((("Event", "QueueParams"), ("Queue", self.queue), ("Max", "0"),
                      ("Strategy", "ringall"), ("Calls", str(len(self.waiting))),
                      ("Holdtime", str(self.holdtime_s)), ("TalkTime", "0"),
                      ("Completed", str(self._completed)),
                      ("Abandoned", str(self._abandoned)), ("ServiceLevel", "0"),
                      ("ServicelevelPerf", "0.0"), ("ServicelevelPerf2", "0.0"),
                      ("Weight", "0"), ("ActionID", action_id)))

    def _queue_member(self, agent: str, action_id: str) -> bytes:
        """A QueueMember list reply: ``Name`` and ``Location``, not MemberName and Interface
        (apps/app_queue.c manager_queues_status)."""
        fields = dict(self._member_fields(agent))
        return _wire((("Event", "QueueMember"), ("Queue", self.queue), ("Name", agent),
                      ("Location", agent)) + tuple(
            (name, fields[name]) for name in ("StateInterface", "Membership", "Penalty",
                                              "CallsTaken", "LastCall", "LastPause", "LoginTime",
                                              "InCall", "Status", "Paused", "PausedReason",
                                              "Wrapuptime")) + (("ActionID", action_id),))

    def _queue_entry(self, caller: Caller, position: int, action_id: str) -> bytes:
        wait_s = int(self.clock() - self._joined_at[caller.uniqueid])
        return _wire((("Event", "QueueEntry"), ("Queue", self.queue), ("Position", str(position)),
                      ("Channel", caller.channel), ("Uniqueid", caller.uniqueid),
                      ("CallerIDNum", caller.number), ("CallerIDName", caller.name),
                      ("ConnectedLineNum", "unknown"), ("ConnectedLineName", "unknown"),
                      ("Wait", str(wait_s)), ("Priority", "0"), ("ActionID", action_id)))


def _channel(caller: Caller) -> tuple:
    """The channel headers every call event carries, in Asterisk's order."""
    return (("Channel", caller.channel), ("ChannelState", "6"), ("ChannelStateDesc", "Up"),
            ("CallerIDNum", caller.number), ("CallerIDName", caller.name),
            ("ConnectedLineNum", "<unknown>"), ("ConnectedLineName", "<unknown>"),
            ("Language", caller.language), ("AccountCode", ""), ("Context", "capin"),
            ("Exten", "caller"),
            ("Priority", "6"), ("Uniqueid", caller.uniqueid), ("Linkedid", caller.uniqueid))


def _response(kind: str, action_id: str, *fields: tuple[str, str]) -> bytes:
    return _wire((("Response", kind), ("ActionID", action_id)) + fields)


def _wire(headers: tuple) -> bytes:
    return "".join(f"{name}: {value}\r\n" for name, value in headers).encode("utf-8") + b"\r\n"


def _event_filter(criteria: str, pattern: str):
    """(exclude, match(event, text)) for one filter as manager.c reads it; None if malformed.

    Legacy (no criteria): ``pattern`` is an unanchored regex over the whole
    event text, ``!`` first for an exclude.  Advanced: ``action(include|exclude)``
    and ``name(Event)``, with an empty pattern or a regex over the whole text.
    """
    exclude = pattern.startswith("!")
    pattern = pattern[1:] if exclude else pattern
    name = ""
    for option in filter(None, (o.strip() for o in criteria.split(","))):
        found = _ADVANCED.match(option)
        if found is None:
            return None
        kind, value = found.groups()
        if kind == "action":
            exclude = value.strip() == "exclude"
        elif kind == "name":
            name = value.strip()
    if not criteria and not pattern:
        return None
    regex = re.compile(pattern) if pattern else None
    return exclude, lambda event, text: ((not name or event == name)
                                         and (regex is None or regex.search(text) is not None))


def _event_classes(events: str | None) -> frozenset | None:
    """Login's ``Events``: absent or ``on`` means all, ``off`` none, else a class list."""
    value = (events or "on").strip().lower()
    if value in ("on", "yes", "true"):
        return None
    if value in ("off", "no", "false"):
        return frozenset()
    return frozenset(part.strip() for part in value.split(","))
