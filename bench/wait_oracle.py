"""The wait bench's bound: an estimator that knows more than any fed by AMI can.

It knows when each running call will really end (the simulation's own
plan), which agents will take the next callers, and the true distributions
of call lengths (lognormal) and patience (exponential).  From there it plays
the queue forward as player/serve/playout.py does from what AMI showed, and
says the median of its runs.  It does not know the calls still to come, who
will give up, or the agents' future logins and breaks: that is the future
itself, and its error is the part of any estimator's error that no model
can remove.  The bench prints it beside progmoh's and app_queue's.
"""

import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

RUNS = 200


@dataclass(frozen=True)
class Known:
    """What the oracle knows at ``now_s``: when each serving agent is free (now if idle)."""
    free_at_s: tuple[float, ...]
    position: int
    now_s: float


def oracle_wait_s(known: Known, draw_handle_s: Callable[[random.Random], float],
                  patience_mean_s: float, rng: random.Random) -> float:
    """The median, over RUNS runs, of when the caller at ``known.position`` is answered."""
    runs = sorted(_run(known, draw_handle_s, patience_mean_s, rng) for _ in range(RUNS))
    return runs[len(runs) // 2]


def _run(known: Known, draw_handle_s: Callable[[random.Random], float],
         patience_mean_s: float, rng: random.Random) -> float:
    free_s = [max(0.0, at_s - known.now_s) for at_s in known.free_at_s]
    heapq.heapify(free_s)
    for _ in range(known.position - 1):
        if rng.random() < 1 - math.exp(-free_s[0] / patience_mean_s):
            continue                    # gave up before an agent came free (memoryless)
        heapq.heapreplace(free_s, free_s[0] + draw_handle_s(rng))
    return free_s[0]
