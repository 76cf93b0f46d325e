"""Settings of the per-call player, declared from the player's own defaults.

The player never loads the configuration: ``progmoh serve`` passes it the
lead and the log on its command line, and ``ProgramSettings`` travel inside
each manifest generation (the renderer copies them from configuration).  So
each default and range here is the one player/play/defaults.py writes down
(which the player reads); these declarations add what only the configuration
needs, the help.  tests/cli/test_config_model.py holds the two lists of names together.
"""

from dataclasses import dataclass

from progmoh.cache.declared import LOG, declared, declared_level_db
from progmoh.player.play.defaults import LEAD_MS, LEAD_MS_MAX, LEAD_MS_MIN, PROGRAM_DEFAULTS

_P = PROGRAM_DEFAULTS


@dataclass(frozen=True, kw_only=True)
class ProgramSettings:
    first_advice_s: float = declared(
        _P["first_advice_s"], high=3600.0,
        help="Seconds into a call before the first advice plays.")
    advice_gap_s: float = declared(
        _P["advice_gap_s"], high=3600.0,
        help="Seconds of music at least between the end of one advice and the next.")
    insert_duck_db: float = declared_level_db(
        _P["insert_duck_db"], help="How far the music is lowered under a live announcement "
                                   "(balance, position), in dB (<= 0).")
    insert_ramp_ms: int = declared(
        _P["insert_ramp_ms"], high=2000,
        help="Length of the gain ramp around a live announcement, in ms. The voice starts when "
             "the music has dipped, so this is part of the time from a key to its answer "
             "(about 0.2 s on a real Asterisk with the defaults).")
    crossfade_ms: int = declared(
        _P["crossfade_ms"], high=5000,
        help="Crossfade when the caller switches music class, in ms.")


@dataclass(frozen=True, kw_only=True)
class PlayerSettings:
    lead_ms: int = declared(
        LEAD_MS, low=LEAD_MS_MIN, high=LEAD_MS_MAX,
        help=f"Audio the player keeps written ahead of real time, in ms "
             f"({LEAD_MS_MIN}..{LEAD_MS_MAX}): enough that Asterisk never reads a short frame, "
             f"little enough that a key press is answered at once.")
    log: str = declared("var/log/progmoh-play.log", installed="syslog", read_as=LOG,
                        help='Player log: a file path, "syslog", or "" for standard error '
                             "(which is Asterisk's own).")
