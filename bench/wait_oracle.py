"""The wait bench's three bounds: estimators that know more than progmoh learns from AMI.

``informed_wait_s`` knows the simulation's true laws (call lengths and
breaks lognormal, patience exponential, with their real parameters) and sees
what AMI shows: how long each running call and each break has lasted.  It is
the best any estimator fed by AMI could do, had it learned the laws
perfectly; progmoh learns them from the calls it saw.

``planned_wait_s`` knows as much, and the agents' whole plan besides: when
each will log in, log out, pause and come back (what a workforce schedule
could tell an estimator, at best).

``oracle_wait_s`` knows when each running call will really end and which
agents will take the next callers, but not the plan.

None knows the calls still to come or who will give up.  Each plays the
queue forward as player/serve/playout.py does from what AMI showed, drawing
from the true laws instead of recent calls, and says the median of its runs.
The bench prints them beside progmoh's and app_queue's errors: the informed
bound says how far AMI's facts can carry an estimate, the planned one how
much knowing the staffing adds, the oracle how much of what is left is the
ends of the running calls, which AMI never tells.
"""

import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist

RUNS = 200
NEAR_ONE = 1 - 1e-12              # the inverse CDF's upper bound


@dataclass(frozen=True)
class LogNormal:
    """A lognormal law: ``mu`` and ``sigma`` of its logarithm."""
    mu: float
    sigma: float

    def draw_s(self, rng: random.Random) -> float:
        return rng.lognormvariate(self.mu, self.sigma)

    def rest_s(self, lasted_s: float, rng: random.Random) -> float:
        """What is left of something of this law that has lasted ``lasted_s`` (by inverting
        its distribution above that point)."""
        law = NormalDist(self.mu, self.sigma)
        floor = law.cdf(math.log(lasted_s)) if lasted_s > 0 else 0.0
        share = min(NEAR_ONE, floor + rng.random() * (1 - floor))
        return max(0.0, math.exp(law.inv_cdf(share)) - lasted_s)


@dataclass(frozen=True)
class Laws:
    """The simulation's true distributions."""
    handle: LogNormal
    pause: LogNormal
    patience_mean_s: float


@dataclass(frozen=True)
class OnBreak:
    """An agent on a break: how long it has lasted, and its call's so far (None: none)."""
    paused_for_s: float
    talked_s: float | None


@dataclass(frozen=True)
class Seen:
    """What AMI shows at a moment: each serving agent's call so far (None: idle), the
    agents on a break, and the caller's place."""
    talked_s: tuple[float | None, ...]
    on_break: tuple[OnBreak, ...]
    position: int


@dataclass(frozen=True)
class Shift:
    """A stretch, in seconds from now, when an agent is logged in and not on a break."""
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Planned:
    """An agent as the plan shows it: its call so far (None: none) and its shifts ahead."""
    talked_s: float | None
    shifts: tuple[Shift, ...]

    def next_free_s(self, free_s: float) -> float:
        """When the agent, free of calls from ``free_s``, can take one (inf: not again)."""
        return next((max(shift.start_s, free_s) for shift in self.shifts
                     if free_s < shift.end_s), math.inf)


@dataclass(frozen=True)
class Known:
    """What the oracle knows at ``now_s``: when each serving agent is free (now if idle)."""
    free_at_s: tuple[float, ...]
    position: int
    now_s: float


def informed_wait_s(seen: Seen, laws: Laws, rng: random.Random) -> float:
    """The median, over RUNS runs, of when the caller at ``seen.position`` is answered."""
    def start() -> list[float]:
        return ([_call_rest_s(talked_s, laws, rng) for talked_s in seen.talked_s]
                + [max(laws.pause.rest_s(away.paused_for_s, rng),
                       _call_rest_s(away.talked_s, laws, rng)) for away in seen.on_break])
    return _median([_serve(start(), seen.position, laws, rng) for _ in range(RUNS)])


def planned_wait_s(agents: tuple[Planned, ...], position: int, laws: Laws,
                   rng: random.Random) -> float:
    """The median, over RUNS runs, of when the caller at ``position`` is answered by one of
    ``agents``, each taking callers only in its shifts (inf: in none of them)."""
    def in_shift_s(index: int, free_s: float) -> float:
        return agents[index].next_free_s(free_s)
    return _median([_serve([_call_rest_s(agent.talked_s, laws, rng) for agent in agents],
                           position, laws, rng, in_shift_s) for _ in range(RUNS)])


def oracle_wait_s(known: Known, laws: Laws, rng: random.Random) -> float:
    """The median, over RUNS runs, of when the caller at ``known.position`` is answered."""
    free_s = [max(0.0, at_s - known.now_s) for at_s in known.free_at_s]
    return _median([_serve(free_s, known.position, laws, rng) for _ in range(RUNS)])


def _call_rest_s(talked_s: float | None, laws: Laws, rng: random.Random) -> float:
    return 0.0 if talked_s is None else laws.handle.rest_s(talked_s, rng)


def _at_once(index: int, free_s: float) -> float:
    return free_s


def _serve(free_s: list[float], position: int, laws: Laws, rng: random.Random,
           takes_s: Callable[[int, float], float] = _at_once) -> float:
    """One run: the callers ahead take the agents as they come free, or give up first.
    ``takes_s`` says when agent ``index``, free of calls from a moment, takes the next
    caller (inf: never; the planned bound's shifts)."""
    free = [(takes_s(index, at_s), index) for index, at_s in enumerate(free_s)]
    heapq.heapify(free)
    for _ in range(position - 1):
        if not free or free[0][0] == math.inf:
            return math.inf
        at_s, index = free[0]
        if rng.random() < 1 - math.exp(-at_s / laws.patience_mean_s):
            continue                    # gave up before an agent came free (memoryless)
        heapq.heapreplace(free, (takes_s(index, at_s + laws.handle.draw_s(rng)), index))
    return free[0][0] if free else math.inf


def _median(runs: list[float]) -> float:
    return sorted(runs)[len(runs) // 2]
