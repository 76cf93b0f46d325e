"""Settings of the per-call player.

``ProgramSettings`` travel inside each manifest generation (the renderer
copies them from configuration), so a player needs nothing but its argv and
the cache to start.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ProgramSettings:
    first_advice_s: float
    advice_gap_s: float
    insert_duck_db: float
    insert_ramp_ms: int
    crossfade_ms: int

