"""How right the waits told to callers were: each one checked against what really remained.

A call's record keeps every estimate it was told (``Told``, calls.py).  When
AMI says the call was answered, each is compared with the wait that really
remained from the moment it was said: the error is ``expected - remained``
(negative: the caller waited longer than told) and it was "in range" when what
remained lay within the told bounds, a rounding minute either side.  When the
caller abandons, what remained is unknown, only that it was longer than what
they waited: an estimate is checked then only if the caller already waited
past its upper bound, and counts as out of range with the error it surely had.

The recent checks of each queue (``RECENT_S``) make two things: the accuracy
``progmoh status`` shows, and the rule that keeps a queue quiet: when at least
``QUIET_MIN_CHECKS`` recent estimates were checked and more than half were out
of range, the last minutes have shown the estimates wrong, and none is said in
that queue until the recent ones are right again (README "Estimated wait").
"""

from collections import deque
from dataclasses import dataclass

RECENT_S = 900.0                  # what "recent" is for status and the quiet rule
QUIET_MIN_CHECKS = 4
SLACK_S = 60.0                    # told in whole minutes: a rounding either side
KEPT = 500                        # checks kept per queue (recent ones are fewer)
ANSWERED, ABANDONED = "answered", "abandoned"


@dataclass(frozen=True)
class Told:
    """One estimate said to a call: when, and its bounds (estimate.py's Estimate)."""
    at_s: float
    low_s: float
    expected_s: float
    high_s: float


@dataclass(frozen=True)
class Check:
    """One told estimate against what remained."""
    at_s: float                   # when the call was answered or abandoned
    outcome: str                  # ANSWERED or ABANDONED
    error_s: float                # expected - remained (a bound when abandoned)
    in_range: bool


@dataclass(frozen=True)
class RecentAccuracy:
    """What ``progmoh status`` shows of a queue's last RECENT_S."""
    queue: str
    checked: int
    mean_abs_error_s: float
    p90_abs_error_s: float
    in_range_share: float
    quiet: bool


def checks(told: tuple[Told, ...], outcome: str, now_s: float) -> list[Check]:
    """The checks of a call's told estimates, now that it was answered or abandoned."""
    found = []
    for item in told:
        remained_s = now_s - item.at_s
        if outcome == ANSWERED:
            inside = item.low_s - SLACK_S <= remained_s <= item.high_s + SLACK_S
            found.append(Check(now_s, outcome, item.expected_s - remained_s, inside))
        elif remained_s > item.high_s + SLACK_S:
            found.append(Check(now_s, outcome, item.expected_s - remained_s, False))
    return found


class Accuracy:
    """Recent checks by queue: the statistics of the quiet rule and of status."""

    def __init__(self) -> None:
        self._checks: dict[str, deque[Check]] = {}

    def add(self, queue: str, found: list[Check]) -> None:
        if queue and found:
            self._checks.setdefault(queue, deque(maxlen=KEPT)).extend(found)

    def _recent(self, queue: str, now_s: float) -> list[Check]:
        return [c for c in self._checks.get(queue, ()) if now_s - c.at_s <= RECENT_S]

    def quiet(self, queue: str, now_s: float) -> bool:
        """The last minutes have shown this queue's estimates wrong: say none."""
        recent = self._recent(queue, now_s)
        wrong = sum(not c.in_range for c in recent)
        return len(recent) >= QUIET_MIN_CHECKS and 2 * wrong > len(recent)

    def recent(self, now_s: float) -> tuple[RecentAccuracy, ...]:
        """Each queue with a recent check, by name."""
        return tuple(self._summary(queue, now_s) for queue in sorted(self._checks)
                     if self._recent(queue, now_s))

    def _summary(self, queue: str, now_s: float) -> RecentAccuracy:
        recent = self._recent(queue, now_s)
        errors = sorted(abs(c.error_s) for c in recent)
        return RecentAccuracy(queue, len(recent), sum(errors) / len(errors),
                              errors[min(len(errors) - 1, int(0.9 * len(errors)))],
                              sum(c.in_range for c in recent) / len(recent),
                              self.quiet(queue, now_s))
