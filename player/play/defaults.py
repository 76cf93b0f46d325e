"""The per-call player's defaults, the one place they are written down.

``cli/defaults.py`` (the configuration file's defaults), ``progmoh play``'s
hand-made argv parser and ``progmoh serve``'s config checks all read them
from here.  No imports: ``progmoh play`` loads this before its first audio.
"""

LEAD_MS = 200                   # how far ahead of real time the player writes
LEAD_MS_MIN = 40                # one frame: less would starve Asterisk's reads
LEAD_MS_MAX = 2000              # more only delays an insert's start

# The program: how the player schedules advice and mixes inserts.  They
# travel inside each manifest generation (the renderer copies them from the
# configuration); a generation without them gets these.
PROGRAM_DEFAULTS = {
    "first_advice_s": 20.0,     # call time before the first advice may start
    "advice_gap_s": 45.0,       # call time between the end of one advice and the next
    "insert_duck_db": -20.0,    # music level under a balance or position insert
    "insert_ramp_ms": 150,      # the fade into and out of that level
    "crossfade_ms": 800,        # a class switch or a restart fades over this
}
