"""A caller's expected wait from what AMI says of the agents, with its uncertainty.

app_queue's own figure (``app_queue_s``) is one queue-wide average hold time
that ignores the agents and the caller's place.  This one asks who answers
(agents.py: members logged in, not paused, and since when each is in a call;
members on a break, since when, and how long breaks last), how long a call
keeps an agent (``TalkTime`` of recent ``AgentComplete``) and how often
callers give up (``QueueCallerAbandon`` against the hold times of
answered and abandoned calls), and plays the queue forward from there many
times (playout.py): the median of the runs is the estimate, their quantiles
its range, widened while few handle times are known.

No basis (members known but none serving) is None, and nothing is said.  A
queue whose members AMI has not named (no member events, no QueueMember in a
resync), or none of whose calls has ended yet, falls back on its average hold
time times the position (waits.py), with a wide range.  Answers are kept for
the second they were asked in, until the next event.
"""

import math
from collections import deque
from dataclasses import dataclass

from progmoh.player.serve.agents import EVENTS as AGENT_EVENTS
from progmoh.player.serve.agents import Agents, Member
from progmoh.player.serve.ami.message import Message
from progmoh.player.serve.playout import Away, Question, play_out
from progmoh.player.serve.waits import QueueWaits, ami_seconds

# Recent handle times per queue: the rest of a call that has lasted long is drawn from
# the ones that lasted longer, and 50 left few (the wait bench measured 0.61 of
# app_queue's error on its large queue with 50, 0.58 with 200).
HANDLES_KEPT = 200
OUTCOMES_KEPT = 200               # recent answered/abandoned hold times per queue
SOON_S = 30.0                     # an agent "about to be free" for the caller at the head


@dataclass(frozen=True)
class Estimate:
    """Seconds a caller may still wait: likely ``expected_s``, between ``low_s`` and ``high_s``."""
    low_s: float
    expected_s: float
    high_s: float


def app_queue_s(average_s: float, waited_s: float) -> float:
    """app_queue's announce-holdtime in seconds: the queue's average hold time less the time
    already waited, taken absolute as app_queue does (apps/app_queue.c ``say_position``)."""
    return abs(average_s - waited_s)


class HandleTimes:
    """Recent handle times and hold outcomes of one queue: the estimator's own statistics."""

    def __init__(self) -> None:
        self.handles_s: deque[float] = deque(maxlen=HANDLES_KEPT)
        self.holds: deque[tuple[float, bool]] = deque(maxlen=OUTCOMES_KEPT)

    def mean_s(self) -> float | None:
        return sum(self.handles_s) / len(self.handles_s) if self.handles_s else None

    def abandon_rate(self) -> float:
        """Abandons per second of waiting, over the recent outcomes (0 without any)."""
        waited_s = sum(hold_s for hold_s, _ in self.holds)
        abandons = sum(gave_up for _, gave_up in self.holds)
        return abandons / waited_s if waited_s > 0 else 0.0


class WaitEstimator:
    """Fed by the core with AMI events and resyncs; answers ``estimate`` for any caller."""

    EVENTS = tuple(dict.fromkeys(AGENT_EVENTS + QueueWaits.EVENTS + ("QueueCallerAbandon",)))

    def __init__(self) -> None:
        self.agents = Agents()
        self.averages = QueueWaits()          # app_queue's figure: the fallback, and the bench's
        self._handles: dict[str, HandleTimes] = {}
        self._answers: dict[tuple[str, int, int], Estimate | None] = {}

    def on_event(self, message: Message, now_s: float) -> None:
        if message.event not in self.EVENTS:
            return
        self._answers.clear()
        self.agents.on_event(message, now_s)
        self.averages.on_event(message)
        queue = message.get("Queue") or ""
        if queue:
            self._learn(self._handles.setdefault(queue, HandleTimes()), message)

    def _learn(self, times: HandleTimes, message: Message) -> None:
        if message.event == "AgentComplete":
            talk_s = ami_seconds(message.get("TalkTime"))
            if talk_s is not None and talk_s > 0:
                times.handles_s.append(talk_s)
        hold_s = ami_seconds(message.get("HoldTime"))
        if hold_s is not None and message.event in ("AgentConnect", "QueueCallerAbandon"):
            times.holds.append((hold_s, message.event == "QueueCallerAbandon"))

    def on_resync(self, entries: list[Message], now_s: float) -> None:
        self._answers.clear()
        self.agents.on_resync(entries, now_s)
        self.averages.on_resync(entries)

    def estimate(self, queue: str, position: int, now_s: float) -> Estimate | None:
        """The wait left for the caller at ``position`` of ``queue``; None: no basis."""
        if position < 1 or not queue:
            return None
        key = (queue, position, int(now_s))
        if key not in self._answers:
            self._answers = {k: v for k, v in self._answers.items() if k[2] == key[2]}
            self._answers[key] = self._estimate(queue, position, now_s)
        return self._answers[key]

    def _estimate(self, queue: str, position: int, now_s: float) -> Estimate | None:
        if not self.agents.known(queue):
            return self._from_average(queue, position)
        times = self._handles.get(queue) or HandleTimes()
        serving = self.agents.serving(queue)
        if not serving:
            return None
        if not times.handles_s:
            return self._from_average(queue, position)
        away = tuple(Away(now_s - m.paused_since_s, _talked_s(m, now_s))
                     for m in self.agents.away(queue) if m.paused_since_s is not None)
        question = Question(tuple(_talked_s(m, now_s) for m in serving),
                            tuple(times.handles_s), times.abandon_rate(), position,
                            away, self.agents.pauses_s(queue))
        found = play_out(question, f"{queue}:{position}:{int(now_s)}")
        widen = 1 + 2 / math.sqrt(len(times.handles_s))    # few handle times: less sure
        return Estimate(max(0.0, found.median_s - widen * (found.median_s - found.low_s)),
                        found.median_s, found.median_s + widen * (found.high_s - found.median_s))

    def remaining_s(self, queue: str, position: int, now_s: float) -> float | None:
        """The likely wait left in seconds (None: no basis): what a callback offer compares
        with its threshold, and what the player's advice must fit in."""
        found = self.estimate(queue, position, now_s)
        return found.expected_s if found is not None else None

    def abandon_rate(self, queue: str) -> float:
        """Abandons per second of waiting in ``queue`` lately (0 before any call left it)."""
        found = self._handles.get(queue)
        return found.abandon_rate() if found is not None else 0.0

    def agent_soon(self, queue: str, position: int, now_s: float) -> bool:
        """The caller is at the head of the queue and an agent it knows of is likely free
        within SOON_S (an average alone knows no agent)."""
        known = position == 1 and self.agents.known(queue)
        left_s = self.remaining_s(queue, position, now_s) if known else None
        return left_s is not None and left_s <= SOON_S

    def _from_average(self, queue: str, position: int) -> Estimate | None:
        average_s = self.averages.average_s(queue)
        if average_s is None:
            return None
        expected_s = average_s * position
        return Estimate(expected_s * 0.5, expected_s, expected_s * 1.5)


def _talked_s(member: Member, now_s: float) -> float | None:
    """How long the member's current call has lasted; None: not in one."""
    return None if member.call_since_s is None else now_s - member.call_since_s
