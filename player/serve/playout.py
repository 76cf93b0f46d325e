"""The queue played forward many times over recent handle times: when a caller is answered.

Each run draws what is still unknown from what was seen: the rest of every
call an agent is in (one of the recent handle times that lasted longer than
that call has, less what it has lasted), each next call's length (any recent
handle time), and whether each caller ahead is still there when an agent
comes free for them (an exponential patience at the queue's abandon rate).
Idle agents are free now.  An agent on a break comes back after the rest of
one of the recent breaks that lasted longer than it has (and once the call it
paused in has ended); one away longer than every recent break is not counted
on: a long absence says nothing of when it ends.  The callers ahead take the
agents in turn; the run's answer is when an agent comes free for the caller
itself.  The runs' median is the estimate (the figure with the least absolute
error), their quantiles its range.

Runs draw from a generator seeded by the question (queue, position, the
second), so the same question in the same second has the same answer, and
tests are exact.
"""

import heapq
import math
import random
from dataclasses import dataclass

RUNS = 48
LOW_QUANTILE, HIGH_QUANTILE = 0.2, 0.8


@dataclass(frozen=True)
class Away:
    """An agent on a break: how long it has lasted, and its call's so far (None: none)."""
    paused_for_s: float
    talked_s: float | None = None


@dataclass(frozen=True)
class Question:
    """What is known now: for each serving agent, how long its current call has lasted
    (None: idle); the recent handle times; the abandon rate per second of waiting; the
    agents on a break and the recent break lengths."""
    talked_s: tuple[float | None, ...]
    handles_s: tuple[float, ...]
    abandon_rate: float
    position: int
    away: tuple[Away, ...] = ()
    pauses_s: tuple[float, ...] = ()


@dataclass(frozen=True)
class Back:
    """What may be left of an away agent's break, and of the call it paused in."""
    breaks_s: tuple[float, ...]
    calls_s: tuple[float, ...]


@dataclass(frozen=True)
class Answer:
    low_s: float
    median_s: float
    high_s: float


def play_out(question: Question, seed: str) -> Answer:
    """When the caller at ``question.position`` is answered, over RUNS runs."""
    rng = random.Random(seed)
    rests = [_rests(talked_s, question.handles_s) for talked_s in question.talked_s]
    backs = [Back(breaks_s, _rests(away.talked_s, question.handles_s))
             for away in question.away
             if (breaks_s := _longer(away.paused_for_s, question.pauses_s))]
    runs = sorted(_run(rests, backs, question, rng) for _ in range(RUNS))
    return Answer(_quantile(runs, LOW_QUANTILE), _quantile(runs, 0.5),
                  _quantile(runs, HIGH_QUANTILE))


def _rests(talked_s: float | None, handles_s: tuple[float, ...]) -> tuple[float, ...]:
    """What the call of an agent that has talked ``talked_s`` may have left; (0,) if idle.
    A call longer than every recent one may go on for a quarter of the longest."""
    if talked_s is None:
        return (0.0,)
    return _longer(talked_s, handles_s) or (0.25 * max(handles_s),)


def _longer(lasted_s: float, lengths_s: tuple[float, ...]) -> tuple[float, ...]:
    """What is left of something that has lasted ``lasted_s``, by each longer one seen."""
    return tuple(length_s - lasted_s for length_s in lengths_s if length_s > lasted_s)


def _run(rests: list[tuple[float, ...]], backs: list[Back], question: Question,
         rng: random.Random) -> float:
    free_s = [rng.choice(rest) for rest in rests]
    free_s += [max(rng.choice(back.breaks_s), rng.choice(back.calls_s)) for back in backs]
    heapq.heapify(free_s)
    for _ in range(question.position - 1):
        if rng.random() < 1 - math.exp(-question.abandon_rate * free_s[0]):
            continue                                # gone before an agent came free for them
        heapq.heappush(free_s, heapq.heappop(free_s) + rng.choice(question.handles_s))
    return free_s[0]


def _quantile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
