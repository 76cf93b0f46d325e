"""The cache as ``serve`` reports it: current generation, when it was rendered, its problems.

The manifest is read again only when the CURRENT pointer names another
generation, so a scrape every few seconds costs one small file read.
"""

import logging
from dataclasses import dataclass
from pathlib import Path

from progmoh.cache.errors import CacheError
from progmoh.cache.gc import created_seconds
from progmoh.cache.store import Store

log = logging.getLogger("progmoh.serve.cache")


@dataclass(frozen=True)
class CacheState:
    generation: str = ""             # "" when nothing is published (or it is unreadable)
    created_s: float | None = None   # Unix seconds of the render
    problems: int = 0                # inputs that render skipped
    readable: bool = False


class CacheWatch:
    def __init__(self, root: Path) -> None:
        self._store = Store(root)
        self._state = CacheState()
        self._warned = ""

    def state(self) -> CacheState:
        try:
            name = self._store.current_name() or ""
        except OSError as error:
            return self._unreadable(f"CURRENT: {error.strerror}")
        if name != self._state.generation or not self._state.readable:
            self._state = self._read(name)
            if self._state.readable:
                self._warned = ""
        return self._state

    def _read(self, name: str) -> CacheState:
        if not name:
            return CacheState()
        try:
            manifest = self._store.manifest(name)
            return CacheState(name, created_seconds(manifest.created), len(manifest.problems),
                              True)
        except (CacheError, ValueError) as error:
            return self._unreadable(str(error))

    def _unreadable(self, why: str) -> CacheState:
        if why != self._warned:
            log.warning("cache: %s", why)
            self._warned = why
        self._state = CacheState()
        return self._state
