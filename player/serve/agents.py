"""Who answers each queue, from what AMI says of its members: the estimator's view of them.

A member is logged in from ``QueueMemberAdded`` (or a resync's ``QueueMember``)
until ``QueueMemberRemoved``; ``QueueMemberPause`` says whether it is paused;
``AgentConnect`` and ``AgentComplete`` say when a known member is on a queue
call, and since when (they name no member that the member events did not).
A pause seen to begin and end teaches how long breaks last (``pauses_s``), so
a member on a break is expected back (playout.py); one that joined paused, or
whose pause began before serve saw it, has no known start and is not.  A
resync (the ``QueueMember`` list replies of QueueStatus) is the truth: it
replaces a queue's members, their pause and whether they are in a call
(``InCall``).  ``QueueMemberStatus`` is not read: it comes with every device
state change of every member, the storm the AMI filter keeps away
(player/serve/asterisk_config.py), and the resync says the same every
``ami.resync_s``.

These are the estimator's statistics (estimate.py), not a call's facts: the
calls themselves are the records' (calls.py).
"""

from collections import deque
from dataclasses import dataclass, field

from progmoh.player.serve.ami.message import Message

EVENTS = ("QueueMemberAdded", "QueueMemberRemoved", "QueueMemberPause",
          "AgentConnect", "AgentComplete")
PAUSES_KEPT = 50                  # recent break lengths per queue


@dataclass
class Member:
    """One member of one queue."""
    paused: bool = False
    call_since_s: float | None = None         # monotonic seconds its queue call began
    paused_since_s: float | None = None       # ... its pause began (None: not seen begin)


@dataclass
class QueueMembers:
    """The members of one queue, by interface, and how long its members' breaks last."""
    members: dict[str, Member] = field(default_factory=dict)
    pauses_s: deque[float] = field(default_factory=lambda: deque(maxlen=PAUSES_KEPT))

    def serving(self) -> list[Member]:
        """Members logged in and not paused: the ones that answer callers."""
        return [m for m in self.members.values() if not m.paused]

    def away(self) -> list[Member]:
        """Paused members whose break began while serve watched: the ones expected back."""
        return [m for m in self.members.values() if m.paused and m.paused_since_s is not None]

    def paused_as(self, member: Member, paused: bool, now_s: float) -> None:
        """A QueueMemberPause: a break begins, or ends and its length is learned."""
        if paused and not member.paused:
            member.paused_since_s = now_s
        elif not paused and member.paused_since_s is not None:
            self.pauses_s.append(now_s - member.paused_since_s)
            member.paused_since_s = None
        member.paused = paused


class Agents:
    """Every queue's members, from the member and agent events of AMI."""

    def __init__(self) -> None:
        self._queues: dict[str, QueueMembers] = {}

    def known(self, queue: str) -> bool:
        """AMI has said anything of this queue's members (else the estimate has no agents)."""
        return queue in self._queues

    def serving(self, queue: str) -> list[Member]:
        found = self._queues.get(queue)
        return found.serving() if found is not None else []

    def away(self, queue: str) -> list[Member]:
        found = self._queues.get(queue)
        return found.away() if found is not None else []

    def pauses_s(self, queue: str) -> tuple[float, ...]:
        """The recent break lengths of ``queue``'s members, oldest first."""
        found = self._queues.get(queue)
        return tuple(found.pauses_s) if found is not None else ()

    def paused(self, queue: str) -> int:
        found = self._queues.get(queue)
        return sum(m.paused for m in found.members.values()) if found is not None else 0

    def on_event(self, message: Message, now_s: float) -> None:
        queue, interface = message.get("Queue") or "", _interface(message)
        if not queue or not interface:
            return
        event = message.event
        if event in ("QueueMemberAdded", "QueueMemberPause"):
            known = self._queues.setdefault(queue, QueueMembers())
            found = known.members.setdefault(interface, Member())
            paused = message.get("Paused") == "1"
            if event == "QueueMemberPause":
                known.paused_as(found, paused, now_s)
            else:                                  # joined paused: a break with no known start
                found.paused, found.paused_since_s = paused, None
            return
        member = self._queues.get(queue, QueueMembers()).members.get(interface)
        if event == "QueueMemberRemoved" and member is not None:
            del self._queues[queue].members[interface]
        elif member is not None:                   # a member's call (no others: not named)
            member.call_since_s = now_s if event == "AgentConnect" else None

    def on_resync(self, entries: list[Message], now_s: float) -> None:
        """The QueueMember replies of a QueueStatus answer replace each listed queue's members;
        a queue whose members were known and that its QueueParams name without any has none
        now (one never named stays unknown: the estimate falls back on its average)."""
        fresh: dict[str, QueueMembers] = {}
        for entry in entries:
            queue = entry.get("Queue") or ""
            if entry.event == "QueueParams" and queue in self._queues:
                self._fresh(fresh, queue)
            elif entry.event == "QueueMember" and queue and (interface := _interface(entry)):
                self._fresh(fresh, queue).members[interface] = \
                    self._resynced(queue, interface, entry, now_s)
        self._queues.update(fresh)

    def _fresh(self, fresh: dict[str, QueueMembers], queue: str) -> QueueMembers:
        """The queue's members as the resync lists them, with the break lengths learned."""
        if queue not in fresh:
            old = self._queues.get(queue)
            fresh[queue] = QueueMembers(pauses_s=old.pauses_s) if old else QueueMembers()
        return fresh[queue]

    def _resynced(self, queue: str, interface: str, entry: Message, now_s: float) -> Member:
        """A member as the resync lists it; a call or a break it was already in keeps its
        start (a break serve did not see begin has none)."""
        old = self._queues.get(queue, QueueMembers()).members.get(interface)
        in_call, paused = entry.get("InCall") == "1", entry.get("Paused") == "1"
        since_s = (old.call_since_s if old is not None and old.call_since_s is not None
                   else now_s) if in_call else None
        paused_since_s = old.paused_since_s if old is not None and paused else None
        return Member(paused=paused, call_since_s=since_s, paused_since_s=paused_since_s)


def _interface(message: Message) -> str:
    """The member's interface: ``Interface`` in events, ``Location`` in QueueMember replies."""
    return message.get("Interface") or message.get("Location") or ""
