"""The queue played forward many times over recent handle times: when a caller is answered.

Each run draws what is still unknown from what was seen: the rest of every
call an agent is in (one of the recent handle times that lasted longer than
that call has, less what it has lasted), each next call's length (any recent
handle time), and whether each caller ahead is still there when an agent
comes free for them (an exponential patience at the queue's abandon rate).
Idle agents are free now.  The callers ahead take the agents in turn; the
run's answer is when an agent comes free for the caller itself.  The runs'
median is the estimate (the figure with the least absolute error), their
quantiles its range.

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
class Question:
    """What is known now: for each serving agent, how long its current call has lasted
    (None: idle); the recent handle times; the abandon rate per second of waiting."""
    talked_s: tuple[float | None, ...]
    handles_s: tuple[float, ...]
    abandon_rate: float
    position: int


@dataclass(frozen=True)
class Answer:
    low_s: float
    median_s: float
    high_s: float


def play_out(question: Question, seed: str) -> Answer:
    """When the caller at ``question.position`` is answered, over RUNS runs."""
    rng = random.Random(seed)
    rests = [_rests(talked_s, question.handles_s) for talked_s in question.talked_s]
    runs = sorted(_run(rests, question, rng) for _ in range(RUNS))
    return Answer(_quantile(runs, LOW_QUANTILE), _quantile(runs, 0.5),
                  _quantile(runs, HIGH_QUANTILE))


def _rests(talked_s: float | None, handles_s: tuple[float, ...]) -> tuple[float, ...]:
    """What the call of an agent that has talked ``talked_s`` may have left; (0,) if idle.
    A call longer than every recent one may go on for a quarter of the longest."""
    if talked_s is None:
        return (0.0,)
    longer = tuple(h - talked_s for h in handles_s if h > talked_s)
    return longer or (0.25 * max(handles_s),)


def _run(rests: list[tuple[float, ...]], question: Question, rng: random.Random) -> float:
    free_s = [rng.choice(rest) for rest in rests]
    heapq.heapify(free_s)
    for _ in range(question.position - 1):
        if rng.random() < 1 - math.exp(-question.abandon_rate * free_s[0]):
            continue                                # gone before an agent came free for them
        heapq.heappush(free_s, heapq.heappop(free_s) + rng.choice(question.handles_s))
    return free_s[0]


def _quantile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
