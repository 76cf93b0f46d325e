"""Errors of the renderer; all are ProgmohError so the CLI prints one line."""

from progmoh.cache.errors import ProgmohError


class RenderError(ProgmohError):
    """A render that cannot go on at all (bad configuration, missing tool)."""


class InputProblem(RenderError):
    """One input that cannot be used; the render skips it and reports the reason."""

    def __init__(self, path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason
