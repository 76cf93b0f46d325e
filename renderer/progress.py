"""Progress reporting without printing: the library calls back, the CLI draws."""


class Progress:
    """Counts done work against a total that grows as the render learns more."""

    def __init__(self, callback=None):
        self._callback = callback
        self.done = 0
        self.total = 0

    def add(self, units: int) -> None:
        self.total += units
        self._report()

    def tick(self) -> None:
        self.done += 1
        self._report()

    def _report(self) -> None:
        if self._callback:
            self._callback(self.done, max(self.total, self.done))
