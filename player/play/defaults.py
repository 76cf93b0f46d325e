"""The per-call player's own settings, the one place they are written down.

``progmoh play``'s hand-made argv parser and the player read the values; the
configuration's ``[player]`` and ``[program]`` keys are declared from these
records (player/settings.py), bounds and help included, so the file, its
checks and the player cannot disagree.  No imports: ``progmoh play`` loads
this before its first audio.
"""


class Default:
    """A setting of the player's: its value, its range (None: no bound) and its help."""
    __slots__ = ("value", "help", "low", "high", "noun")

    def __init__(self, value, help, low=0, high=None, noun=""):
        self.value, self.help, self.low, self.high, self.noun = value, help, low, high, noun


# How far ahead of real time the player writes: at least one frame (less would
# starve Asterisk's reads), at most 2 s (more only delays an insert's start).
LEAD = Default(200, "Audio the player keeps written ahead of real time, in ms (40..2000): "
                    "enough that Asterisk never reads a short frame, little enough that a key "
                    "press is answered at once.", low=40, high=2000)
LEAD_MS, LEAD_MS_MIN, LEAD_MS_MAX = LEAD.value, LEAD.low, LEAD.high

# The program: how the player schedules advice and mixes inserts.  They travel
# inside each manifest generation (the renderer copies them from the
# configuration); a generation without them gets these.
PROGRAM = {
    "first_advice_s": Default(20.0, "Seconds into a call before the first advice plays."),
    "advice_gap_s": Default(45.0, "Seconds of music at least between the end of one advice "
                                  "and the next."),
    "insert_duck_db": Default(-20.0, "How far the music is lowered under a live announcement "
                                     "(balance, position), in dB (<= 0).",
                              low=None, high=0.0, noun="a level in dB"),
    "insert_ramp_ms": Default(60, "Length of the gain ramp around a live announcement, in ms. "
                                  "The voice starts when the music has dipped, so this is part "
                                  "of the time from a key to its answer (about 0.2 s on a real "
                                  "Asterisk with the defaults)."),
    "crossfade_ms": Default(800, "Crossfade when the caller switches music class, in ms."),
}
PROGRAM_DEFAULTS = {name: default.value for name, default in PROGRAM.items()}
