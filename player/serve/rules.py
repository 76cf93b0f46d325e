"""Which key does what, and when a call's position is spoken: one place, from config.

Both classes keep only their own timings (press times, when a call last
heard its position), never a call's facts, which are its record's
(calls.py); sending anything is the core's job, so they are tested with a
fake clock and no sockets.  Each program has its own settings, and
``for_program`` makes its rules over the same timings: a call that moves to
another program keeps its rhythm, and one ``forget`` forgets it in all.
"""

import time
from collections.abc import Callable, Iterable

from progmoh.player.serve.settings import KeySettings

BALANCE, NEXT_MUSIC, POSITION, WAIT, SAY = "balance", "next_music", "position", "wait", "say"
CALLBACK = "callback"
Clock = Callable[[], float]         # monotonic seconds; tests give a fake one


class KeyRules:
    """Maps a caller's key to an action, ignoring presses repeated too quickly.

    The minimum interval is per call and per key, so a caller hammering 2
    gets one balance read-out while 4 still works at once.
    """

    def __init__(self, settings: KeySettings, clock: Clock = time.monotonic, *,
                 say_keys: Iterable[str] = (),
                 accepted_at: dict[tuple[str, str], float] | None = None) -> None:
        self._actions = {key: SAY for key in say_keys}      # the config check keeps them apart
        self._actions.update({key: action for key, action in (
            (settings.balance, BALANCE), (settings.next_music, NEXT_MUSIC),
            (settings.position, POSITION), (settings.wait, WAIT),
            (settings.callback, CALLBACK)) if key})
        self._min_interval_s = settings.min_interval_s
        self._clock = clock
        self._accepted_at = {} if accepted_at is None else accepted_at

    def for_program(self, settings: KeySettings, say_keys: Iterable[str] = ()) -> "KeyRules":
        """Another program's keys over the same press times."""
        return KeyRules(settings, self._clock, say_keys=say_keys, accepted_at=self._accepted_at)

    def on_digit(self, uniqueid: str, digit: str) -> str | None:
        """The action for this press, or None (unmapped key, or pressed again too soon)."""
        action = self._actions.get(digit)
        if action is None:
            return None
        now = self._clock()
        last = self._accepted_at.get((uniqueid, digit))
        if last is not None and now - last < self._min_interval_s:
            return None
        self._accepted_at[(uniqueid, digit)] = now
        return action

    def forget(self, uniqueid: str) -> None:
        """Drop a finished call's press times."""
        for key in [key for key in self._accepted_at if key[0] == uniqueid]:
            del self._accepted_at[key]


class PositionAnnouncer:
    """Decides when a call hears its queue position; keeps only when each call last heard it.

    A position is announced when it first becomes known and whenever it
    changes (if ``announce_position_change``), and again every
    ``position_every_s`` seconds (0 turns the periodic announcement off), except
    at position 1, which is never repeated.
    Every announcement restarts the period, so a caller never hears the same
    sentence twice in a row just because two rules fired together.  The
    position itself is the call record's (calls.py): the tracker reports a
    change only when it is one.
    """

    def __init__(self, settings: KeySettings, clock: Clock = time.monotonic, *,
                 announced_at: dict[str, float] | None = None) -> None:
        self._on_change = settings.announce_position_change
        self._every_s = settings.position_every_s
        self._clock = clock
        self._announced_at = {} if announced_at is None else announced_at

    def for_program(self, settings: KeySettings) -> "PositionAnnouncer":
        """Another program's rhythm over the same times: when each call last heard it."""
        return PositionAnnouncer(settings, self._clock, announced_at=self._announced_at)

    def on_position(self, uniqueid: str, position: int) -> bool:
        """A new position; True when it should be announced now (counts as announced)."""
        if uniqueid not in self._announced_at:
            self._announced_at[uniqueid] = self._clock()
        if not self._on_change or position < 1:
            return False
        self.announced(uniqueid)
        return True

    def announced(self, uniqueid: str) -> None:
        """Note an announcement made for another reason (key 4), restarting the period."""
        self._announced_at[uniqueid] = self._clock()

    def due(self, uniqueid: str, position: int) -> bool:
        """True once per period when the periodic announcement is due (counts as announced)."""
        wait_s = self.next_due_in(uniqueid, position)
        if wait_s is None or wait_s > 0:
            return False
        self.announced(uniqueid)
        return True

    def next_due_in(self, uniqueid: str, position: int) -> float | None:
        """Seconds until the next periodic announcement; None if there will be none (at the
        head of the queue: "you are number 1" is said when it changes, not repeated)."""
        announced_at = self._announced_at.get(uniqueid)
        if self._every_s <= 0 or position < 2 or announced_at is None:
            return None
        return max(0.0, self._every_s - (self._clock() - announced_at))

    def forget(self, uniqueid: str) -> None:
        self._announced_at.pop(uniqueid, None)
