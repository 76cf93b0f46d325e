"""Settings that shape what the renderer produces, each field declared as its configuration key.

Every field here that changes the audio of a segment is part of that
segment's render key, so changing it re-renders exactly what it shapes.
"""

from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any

from progmoh.cache.declared import (
    CRON,
    PATH,
    Entry,
    declared,
    declared_level_db,
    open_table,
    same_as,
)
from progmoh.cache.layout import DEFAULT_PROGRAM
from progmoh.player.settings import ProgramSettings
from progmoh.player.words.vocabulary import LANGUAGES


@dataclass(frozen=True)
class Daypart:
    """A named daily window; ``end`` before ``start`` wraps past midnight."""
    name: str
    start: time
    end: time


@dataclass(frozen=True, kw_only=True)
class LibrarySettings:
    music_dir: Path = declared(
        "music/classes", installed="{state}/music/classes", read_as=PATH,
        help="Folder of music classes: each subfolder is one class (a playlist the caller can "
             "switch to), holding audio files in any format ffmpeg decodes.  A track shorter "
             "than 1 s is reported and left out.")
    advice_dir: Path = declared(
        "music/advice", installed="{state}/music/advice", read_as=PATH,
        help="Folder of advice items: subfolders first/, middle/ and last/ give the order group; "
             "audio files, or .txt files spoken by Festival.")
    prompts_dir: Path = declared(
        "music/prompts", installed="{state}/music/prompts", read_as=PATH,
        help="Folder of recorded prompt files (<language>/<key>.<ext>); any file here replaces "
             "the Festival rendering of that prompt.")
    default_class: str = declared(
        "", help='Music class a caller hears before choosing one; "" means the first class in '
                 "alphabetical order.")
    dayparts: tuple[Daypart, ...] = same_as("dayparts")
    languages: tuple[str, ...] = same_as("render.languages")   # advice_dir/<language>/ holds
                                                               # that language's advice


@dataclass(frozen=True)
class RenderProgram:
    """One program to render (player/programs.py): its library, the settings its
    players read from its index, and its own prompt texts by language (``texts_table``).
    ``render.*`` settings are the same for every program."""
    name: str
    library: LibrarySettings
    program: ProgramSettings
    texts: tuple[tuple[str, dict[str, str]], ...] = ()

    def texts_of(self, language: str) -> dict[str, str]:
        return dict(self.texts).get(language, {})

    @property
    def library_key(self) -> str:
        """The configuration table its library comes from, for the lines naming it."""
        return "library" if self.name == DEFAULT_PROGRAM else f"programs.{self.name}.library"


@dataclass(frozen=True, kw_only=True)
class RenderSettings:
    schedule: str = declared(
        "*/15 * * * *", check=CRON,
        help="When `progmoh render --schedule` renders (five-field cron expression, local "
             "time); it also renders at every daypart boundary.")
    slot_spacing_s: float = declared(
        30.0, low=2.0, high=600.0,
        help="Seconds between advice slots in a music track: the points where an advice may "
             "start: 2..600 (an advice's fades down and up alone take about 2).")
    duck_db: float = declared_level_db(
        -20.0, help="How far the music is lowered under an advice voice, in dB (<= 0).")
    duck_fade_ms: int = declared(
        1000, high=5000,
        help="Length of the fade down before, and up after, an advice voice, in ms.")
    speech_dbfs: float = declared_level_db(
        -24.0, help="Loudness of speech (advice and prompts), in dBFS (<= 0).")
    music_dbfs: float = declared_level_db(-30.0, help="Loudness of the music bed, in dBFS (<= 0).")
    band_low_hz: int = declared(
        300, help="Telephone band-pass: lowest frequency kept, in Hz.")
    band_high_hz: int = declared(
        3400, help="Telephone band-pass: highest frequency kept, in Hz (at most 4000 at 8 kHz).")
    languages: tuple[str, ...] = declared(
        ("en", "ru"), choices=LANGUAGES,
        help="Languages whose prompts (balance, account number, queue position) are rendered; "
             'supported: "en", "ru".')
    max_position: int = declared(
        20, low=1, help="Highest queue position that is announced as a number (at least 1).")
    tts_timeout_s: float = declared(
        120.0, low=5.0, high=3600.0,
        help="Seconds a Festival run may take before it is stopped and reported; 5..3600 "
             "(starting Festival alone costs 0.2-0.5 s, and a run speaks many texts).")
    voices: tuple[tuple[str, str], ...] = open_table(
        Entry("en", "cmu_us_slt_arctic_hts",
              'English: the HTS voice (package festvox-us-slt-hts) sounds far better on the '
              'phone than "kal_diphone" (festvox-kallpc16k), which renders twice as fast.'),
        Entry("ru", "msu_ru_nsh_clunits", "Russian (package festvox-ru)."),
        keep_defaults=True,
        help='Festival voice per language, without the "voice_" prefix.\nEvery language in '
             "render.languages needs one; a voice set here overrides only that language's "
             "default.")

    def voice(self, language: str) -> str:
        return dict(self.voices)[language]


def texts_table() -> Any:
    """``[texts]`` of the default program and ``[programs.<name>.texts]``: one declaration."""
    return open_table(
        keep_defaults=False, item=dict[str, str],
        help="A program's own prompts, by language: each key is a prompt key its say "
             "templates and phrase mappings may name, and its text what Festival speaks (a "
             "recorded <prompts_dir>/<language>/<key>.wav overrides it).  A key of the "
             "vocabulary (unavailable, balance_is, ...) is spoken with this text instead, e.g."
             '\n[texts.en] next_payment = "Your next payment of"\n'
             '[texts.ru] next_payment = "Ваш следующий платёж"')
