"""When to write how much: an absolute schedule in integer samples.

The schedule is ``start_s`` on a monotonic clock plus ``written_samples``;
each wake-up writes whole frames up to ``lead_samples`` ahead of real time,
so sleep errors never add up.  Wake-ups cost far more CPU here (timer, two
context switches, waking the reader) than the Python between them, so the
player wakes as rarely as the lead allows while keeping two frames (80 ms)
in the pipe: every 80 ms, two frames a time, with the default 160 ms.  What
is in the pipe plays before any insert, so the lead is most of a key's
delay; 200 ms (every 120 ms) took a SIP phone's answer past 0.3 s under load
(docs/asterisk.md, "Keys from phones and trunks").
Falling behind (the pipe ran dry) or a write that blocked (Asterisk stopped
reading) re-anchors the schedule instead of bursting to catch up.
"""

from progmoh.cache.audio_format import FRAME_SAMPLES, SAMPLE_RATE_HZ
from progmoh.player.play.defaults import LEAD_MS

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from collections.abc import Callable

FIRST_MIN_SAMPLES = 800         # the first write: at least 1600 bytes
MAX_WRITE_FRAMES = 6            # 3840 bytes: under PIPE_BUF, so each write is atomic
SAFETY_FRAMES = 2               # always at least this much left in the pipe at a wake-up


class Pacer:
    def __init__(self, clock: "Callable[[], float]", lead_ms: int = LEAD_MS) -> None:
        self.clock = clock
        self.lead_samples = max(FRAME_SAMPLES, int(lead_ms) * SAMPLE_RATE_HZ // 1000)
        lead_frames = self.lead_samples // FRAME_SAMPLES
        wake_frames = min(MAX_WRITE_FRAMES, max(1, lead_frames - SAFETY_FRAMES))
        self.wake_samples = wake_frames * FRAME_SAMPLES
        self.start_s: float | None = None
        self.written_samples = 0
        self.resets = 0

    def frames_due(self, force: bool = False) -> tuple[int, bool]:
        """(frames to write now, whether the schedule was just reset for running late)."""
        now_s = self.clock()
        if self.start_s is None:
            self.start_s = now_s
            first_samples = max(self.lead_samples, FIRST_MIN_SAMPLES)
            return -(-first_samples // FRAME_SAMPLES), False
        elapsed_samples = int((now_s - self.start_s) * SAMPLE_RATE_HZ + 0.5)  # nearest: no drift
        behind = self.written_samples < elapsed_samples
        if behind:
            self._anchor(now_s, 0)
            elapsed_samples = self.written_samples
        frames = (elapsed_samples + self.lead_samples - self.written_samples) // FRAME_SAMPLES
        if force and frames < 1:
            frames = 1
        return max(0, frames), behind

    def wrote(self, frames: int) -> None:
        self.written_samples += frames * FRAME_SAMPLES

    def blocked(self, queued_samples: int | None) -> None:
        """A write blocked on a full pipe: resume when the pipe has drained to the lead.

        ``queued_samples`` is what the pipe still holds (None if unknown:
        assume the lead), so the next write comes when real time catches up.
        """
        queued = self.lead_samples if queued_samples is None else queued_samples
        self._anchor(self.clock(), queued)

    def _anchor(self, now_s: float, queued_samples: int) -> None:
        self.start_s = now_s - (self.written_samples - queued_samples) / SAMPLE_RATE_HZ
        self.resets += 1

    def timeout(self) -> float:
        """Seconds until about ``wake_samples`` are due: a few frames per wake-up."""
        if self.start_s is None:
            return 0.0
        due_at_s = self.start_s + (
            self.written_samples - self.lead_samples + self.wake_samples) / SAMPLE_RATE_HZ
        return max(0.0, due_at_s - self.clock())
