"""The one fake monotonic clock for the tests: time moves only when a test says so.

Production code takes its clock as a callable returning seconds, so the
tests hand it this.  ``sleep`` jumps virtual time instead of waiting.
"""


class FakeClock:
    """A monotonic clock standing at ``now_s`` seconds until advanced."""

    def __init__(self, start_s: float = 1000.0) -> None:
        self.now_s = start_s

    def __call__(self) -> float:
        return self.now_s

    def advance(self, seconds: float) -> None:
        self.now_s += seconds

    def sleep(self, seconds: float) -> None:
        """A stand-in for ``time.sleep``: the time passes at once."""
        self.advance(max(0.0, seconds))
