"""Settings of the per-call player.

``ProgramSettings`` travel inside each manifest generation (the renderer
copies them from configuration), so a player needs nothing but its argv and
the cache to start.  ``PlayOptions`` come from argv.
"""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProgramSettings:
    first_advice_s: float
    advice_gap_s: float
    insert_duck_db: float
    insert_ramp_ms: int
    crossfade_ms: int


@dataclass(frozen=True)
class PlayOptions:
    uniqueid: str
    cache_dir: Path
    socket_path: Path | None    # None: play music and advice only
    log: str                    # a file path, "syslog", or "" for stderr
    lead_ms: int
