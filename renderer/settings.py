"""Settings that shape what the renderer produces.

Every field here that changes the audio of a segment is part of that
segment's render key, so changing it re-renders exactly what it shapes.
"""

from dataclasses import dataclass
from datetime import time
from pathlib import Path


@dataclass(frozen=True)
class Daypart:
    """A named daily window; ``end`` before ``start`` wraps past midnight."""
    name: str
    start: time
    end: time


@dataclass(frozen=True)
class LibrarySettings:
    music_dir: Path
    advice_dir: Path
    prompts_dir: Path
    default_class: str          # "" means the first class alphabetically
    dayparts: tuple[Daypart, ...]
    languages: tuple[str, ...] = ()   # advice_dir/<language>/ holds that language's advice


@dataclass(frozen=True)
class RenderSettings:
    schedule: str               # five-field cron expression for --schedule
    slot_spacing_s: float
    duck_db: float
    duck_fade_ms: int
    speech_dbfs: float
    music_dbfs: float
    band_low_hz: int
    band_high_hz: int
    languages: tuple[str, ...]
    max_position: int
    tts_timeout_s: float
    voices: tuple[tuple[str, str], ...]   # (language, festival voice name)

    def voice(self, language: str) -> str:
        return dict(self.voices)[language]
