"""Settings of the segment store, each field declared as its configuration key."""

from dataclasses import dataclass
from pathlib import Path

from progmoh.cache.declared import HOURS_AS_S, PATH, declared


@dataclass(frozen=True, kw_only=True)
class CacheSettings:
    root: Path = declared(
        "var/cache", name="dir", installed="{state}/cache", read_as=PATH,
        help="Where rendered segments live (objects, one manifest per generation, the CURRENT "
             "pointer).  Must be readable by the user Asterisk runs as.")
    gc_grace_s: float = declared(
        6.0, name="gc_grace_hours", low=1.0, high=720.0, read_as=HOURS_AS_S,
        help="Hours an old generation is kept after it was created or replaced, so that calls "
             "which started on it keep playing; must be longer than any call: 1..720.")
