"""A simulated call's setting and what it prints: a small Russian-speaking cache, its
config file, and the timeline ``progmoh simulate-call`` prints, read back."""

from tests.support import player_cache
from tests.support.config_file import write


def config(folder, cache="c") -> str:
    return str(write(folder, f'[cache]\ndir = "{cache}"\n[serve]\nlanguage = "ru"\n'))


def build_cache(folder):
    """Tracks of 10 s, slots every 3 s, the first advice 1 s into the call."""
    player_cache.build(folder / "c", track_s=10.0, slot_every_s=3.0,
                       program={"first_advice_s": 1.0, "advice_gap_s": 60.0})


def timeline(output: str) -> list[tuple[float, str]]:
    """The printed timeline as (seconds, text) pairs."""
    lines = output.splitlines()[1:-1]
    return [(float(line[:8]), line[10:]) for line in lines]
