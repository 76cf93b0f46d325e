"""Which generations garbage collection keeps.

A player keeps the generation it started with for its whole call, so a
generation must outlive the moment it stopped being current by the grace
period, not only its own creation: a cache rendered once a day would
otherwise lose yesterday's generation while calls that started on it still
play.  So a generation is kept when it is current, when it was created less
than ``grace_s`` ago, or when the generation that superseded it (the next
newer one) was.
"""

from dataclasses import dataclass
from datetime import datetime, timezone


@dataclass(frozen=True)
class Candidate:
    name: str
    created_s: float             # epoch seconds


def created_seconds(created: str) -> float:
    """Epoch seconds of an ISO 8601 timestamp (naive means UTC)."""
    stamp = datetime.fromisoformat(created)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp.timestamp()


def kept_generations(candidates: list[Candidate], current: str | None,
                     grace_s: float, now_s: float) -> set[str]:
    ordered = sorted(candidates, key=lambda c: (c.created_s, c.name))
    kept = set()
    for index, candidate in enumerate(ordered):
        young = now_s - candidate.created_s < grace_s
        successor = ordered[index + 1] if index + 1 < len(ordered) else None
        recently_current = successor is not None and now_s - successor.created_s < grace_s
        if candidate.name == current or young or recently_current:
            kept.add(candidate.name)
    return kept
