"""The one audio format of the whole system, and the frame Asterisk reads.

Every cache object, every byte the player writes and every clip the
renderer mixes is raw signed 16-bit little-endian mono PCM at 8 kHz
(Asterisk's ``slin``), so nothing is converted at call time.  Asterisk
reads a custom music-on-hold application's stdout one frame at a time
(with a timing module: 640 bytes every 40 ms; docs/asterisk.md).
No imports: the renderer, the cache and the per-call player all take
these numbers from here.
"""

SAMPLE_RATE_HZ = 8000                           # samples per second
SAMPLE_BYTES = 2                                # signed 16-bit little-endian
CHANNELS = 1                                    # mono
FRAME_SAMPLES = 320                             # one read by Asterisk ...
FRAME_BYTES = FRAME_SAMPLES * SAMPLE_BYTES      # ... of 640 bytes ...
FRAME_MS = FRAME_SAMPLES * 1000 // SAMPLE_RATE_HZ   # ... every 40 ms
