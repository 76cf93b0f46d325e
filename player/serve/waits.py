"""app_queue's average hold time per queue, and the whole minutes a wait is said in.

The estimate itself is estimate.py's, from the agents; this average is its
fallback for a queue whose members AMI never named, and app_queue's own
figure that bench/wait_bench.py compares it with.

The base is Asterisk's own average hold time of a queue (``Holdtime`` in
``QueueParams``, refreshed by every QueueStatus resync).  Between resyncs
each answered call (``AgentConnect``, its ``HoldTime``) moves the average
the way app_queue moves its own: ``(3 * average + hold) / 4``; the first
answered call of a queue with no average yet is the average.  A queue whose
``QueueParams`` say ``Holdtime: 0`` and ``Completed: 0`` has no estimate (no
call was ever answered), unless an answered call was seen since.

A caller's estimate is the average times their position.  It is spoken
rounded to the nearest whole minute, halves up (app_queue's
``announce-holdtime`` rounds ``(seconds + 30) / 60`` the same way); under
half a minute is "less than a minute".  No estimate, nothing is said: never
"zero minutes".
"""

from dataclasses import dataclass

from progmoh.player.serve.ami.message import Message


@dataclass(frozen=True)
class SpokenWait:
    """The minutes a ``wait`` message carries (player/protocol.py): ``minutes`` alone, or a
    range when ``max_minutes`` is over ``min_minutes``."""
    minutes: int
    min_minutes: int
    max_minutes: int

    @property
    def is_range(self) -> bool:
        return self.max_minutes > self.min_minutes

    def fields(self) -> dict[str, object]:
        more = {"min_minutes": self.min_minutes, "max_minutes": self.max_minutes}
        return {"minutes": self.minutes, **(more if self.is_range else {})}


def spoken_range(low_s: float, expected_s: float, high_s: float) -> SpokenWait | None:
    """An estimate's range in whole minutes: "less than a minute" (0) when even its upper
    bound is under half a minute, else at least one minute at the bottom."""
    minutes, top = spoken_minutes(expected_s), spoken_minutes(high_s)
    if minutes is None or top is None:
        return None
    if top == 0:
        return SpokenWait(0, 0, 0)
    bottom = max(1, spoken_minutes(low_s) or 0)
    return SpokenWait(max(minutes, bottom), bottom, max(top, bottom))


def spoken_minutes(estimate_s: float | None) -> int | None:
    """Whole minutes to say (0 means "less than a minute"); None: say nothing."""
    if estimate_s is None or estimate_s < 0:
        return None
    return int((estimate_s + 30) // 60)


class QueueWaits:
    EVENTS = ("AgentConnect",)        # the events it reads (QueueParams is a list reply)

    def __init__(self) -> None:
        self._average_s: dict[str, float] = {}

    def on_event(self, message: Message) -> None:
        """An answered call moves its queue's average."""
        if message.event not in self.EVENTS:
            return
        queue, hold_s = message.get("Queue") or "", ami_seconds(message.get("HoldTime"))
        if not queue or hold_s is None:
            return
        previous = self._average_s.get(queue)
        self._average_s[queue] = hold_s if previous is None else (3 * previous + hold_s) / 4

    def on_resync(self, entries: list[Message]) -> None:
        """Asterisk's own averages (``QueueParams`` of a QueueStatus answer) replace ours."""
        for entry in entries:
            queue = entry.get("Queue")
            if entry.event != "QueueParams" or not queue:
                continue
            hold_s = ami_seconds(entry.get("Holdtime"))
            completed = ami_seconds(entry.get("Completed"))
            if hold_s is not None and (hold_s > 0 or (completed or 0) > 0):
                self._average_s[queue] = hold_s

    def average_s(self, queue: str) -> float | None:
        return self._average_s.get(queue)

    def estimate_s(self, queue: str, position: int) -> float | None:
        """Seconds a caller at ``position`` of ``queue`` may expect to wait; None if unknown."""
        average = self._average_s.get(queue)
        if average is None or position < 1:
            return None
        return average * position


def ami_seconds(value: str | None) -> float | None:
    """A number of an AMI header (HoldTime, TalkTime, Completed): 0 up to a week's seconds,
    else None."""
    try:
        seconds = float(value or "")
    except ValueError:
        return None
    return seconds if 0 <= seconds < 86400 * 7 else None
