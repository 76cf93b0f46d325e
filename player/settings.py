"""Settings of the per-call player, declared from the player's own defaults.

The player never loads the configuration: ``progmoh serve`` passes it the
lead and the log on its command line, and ``ProgramSettings`` travel inside
each manifest generation (the renderer copies them from configuration).  So
both are declared here from player/play/defaults.py, which the player reads;
``ProgramSettings`` is made from its ``PROGRAM`` table, the one list of them.
"""

from dataclasses import dataclass, make_dataclass

from progmoh.cache.declared import LOG, declared
from progmoh.player.play.defaults import LEAD, PROGRAM


def _key(default):
    return declared(default.value, help=default.help, low=default.low, high=default.high,
                    noun=default.noun)


ProgramSettings = make_dataclass(
    "ProgramSettings", [(name, type(default.value), _key(default))
                        for name, default in PROGRAM.items()],
    frozen=True, kw_only=True)
ProgramSettings.__module__ = __name__
ProgramSettings.__doc__ = "How the player schedules advice and mixes inserts (fields: PROGRAM)."


@dataclass(frozen=True, kw_only=True)
class PlayerSettings:
    lead_ms: int = _key(LEAD)
    log: str = declared("var/log/progmoh-play.log", installed="syslog", read_as=LOG,
                        help='Player log: a file path, "syslog", or "" for standard error '
                             "(which is Asterisk's own).")
