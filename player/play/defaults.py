"""The per-call player's defaults and ranges, the one place they are written down.

``progmoh play``'s hand-made argv parser and the player read them here; the
configuration declares its ``[player]`` and ``[program]`` keys from them
(player/settings.py adds each key's help).  Nothing else: no imports, and
no help text, since ``progmoh play`` loads this before its first audio.
"""

LEAD_MS = 160                   # how far ahead of real time the player writes (pacer.py)
LEAD_MS_MIN = 40                # one frame: less would starve Asterisk's reads
LEAD_MS_MAX = 2000              # more only delays an insert's start

# The program: how the player schedules advice and mixes inserts.  They
# travel inside each manifest generation (the renderer copies them from the
# configuration); a generation without them gets these.
PROGRAM_DEFAULTS = {
    "first_advice_s": 20.0,     # call time before the first advice may start
    "advice_gap_s": 45.0,       # call time between the end of one advice and the next
    "insert_duck_db": -20.0,    # music level under a balance or position insert
    "insert_ramp_ms": 60,       # the fade into and out of that level; the voice starts
                                # when it ends, so it is part of a key's answer time
    "crossfade_ms": 800,        # a class switch or a restart fades over this
}
