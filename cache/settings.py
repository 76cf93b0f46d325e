"""Settings of the segment store."""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CacheSettings:
    root: Path
    gc_grace_s: float
