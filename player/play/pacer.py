"""When to write how much: an absolute schedule in integer samples.

The schedule is ``start`` on a monotonic clock plus ``written`` samples;
each wake-up writes whole frames up to ``lead`` ahead of real time, so
sleep errors never add up.  Wake-ups cost far more CPU here (timer, two
context switches, waking the reader) than the Python between them, so the
player wakes as rarely as the lead allows while keeping two frames (80 ms)
in the pipe: every 120 ms, three frames a time, with the default 200 ms.  Falling behind (the pipe ran dry) or a write
that blocked (Asterisk stopped reading) re-anchors the schedule instead of
bursting to catch up.
"""

RATE = 8000
FRAME_SAMPLES = 320             # Asterisk reads 640 bytes every 40 ms
FIRST_MIN_SAMPLES = 800         # the first write: at least 1600 bytes
MAX_WRITE_FRAMES = 6            # 3840 bytes: under PIPE_BUF, so each write is atomic
SAFETY_FRAMES = 2               # always at least this much left in the pipe at a wake-up


class Pacer:
    def __init__(self, clock, lead_ms=200):
        self.clock = clock
        self.lead = max(FRAME_SAMPLES, int(lead_ms) * RATE // 1000)
        lead_frames = self.lead // FRAME_SAMPLES
        self.wake = min(MAX_WRITE_FRAMES, max(1, lead_frames - SAFETY_FRAMES)) * FRAME_SAMPLES
        self.start = None
        self.written = 0
        self.resets = 0

    def frames_due(self, force=False):
        """(frames to write now, whether the schedule was just reset for running late)."""
        now = self.clock()
        if self.start is None:
            self.start = now
            first = max(self.lead, FIRST_MIN_SAMPLES)
            return -(-first // FRAME_SAMPLES), False
        elapsed = int((now - self.start) * RATE + 0.5)     # nearest sample: no float drift
        behind = self.written < elapsed
        if behind:
            self._anchor(now, 0)
            elapsed = self.written
        frames = (elapsed + self.lead - self.written) // FRAME_SAMPLES
        if force and frames < 1:
            frames = 1
        return max(0, frames), behind

    def wrote(self, frames):
        self.written += frames * FRAME_SAMPLES

    def blocked(self, queued_samples):
        """A write blocked on a full pipe: resume when the pipe has drained to the lead.

        ``queued_samples`` is what the pipe still holds (None if unknown:
        assume the lead), so the next write comes when real time catches up.
        """
        queued = self.lead if queued_samples is None else queued_samples
        self._anchor(self.clock(), queued)

    def _anchor(self, now, queued_samples):
        self.start = now - (self.written - queued_samples) / RATE
        self.resets += 1

    def timeout(self):
        """Seconds until about ``wake`` samples are due: a few frames per wake-up."""
        if self.start is None:
            return 0.0
        due_at = self.start + (self.written - self.lead + self.wake) / RATE
        return max(0.0, due_at - self.clock())
