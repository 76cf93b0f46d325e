"""The little live mixing a call needs: gain ramps, crossfades, voice over the bed.

Audio is processed in pieces that end where something changes (a ramp
ends, a clip ends, a crossfade ends), so every ramp is exact to the sample
however the wake-ups fall.  Per-sample loops run only while a ramp or
crossfade is in progress; steady ducking is one ``audioop.mul``.  Samples are
edited through ``memoryview.cast("h")``, not ``array`` (whose import pulls in
``collections``: a millisecond and 0.6 MB at every player start).
``audioop`` itself (half a millisecond) is imported when an insert first
needs it, not before the first audio.

The mixer owns the insert; the program owns the call's bed and its counts.
What an insert does that the program must know (advice held back while it
plays, a change worth telling serve, an object skipped) the mixer reports
as a ``MixReport`` to ``Program.apply``, only when it happens: never one per
wake-up.
"""

from progmoh.cache.audio_format import SAMPLE_BYTES, SAMPLE_RATE_HZ
from progmoh.player.play.defaults import PROGRAM_DEFAULTS
from progmoh.player.play.source import ObjectError

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from collections.abc import Callable

    from progmoh.player.play.catalog import Catalog, Segment
    from progmoh.player.play.program import Program
    from progmoh.player.play.source import Reader, Tail

    Mix = Callable[[bytes, bytes, int, int], bytes]     # new, old, done, total samples


def ramp(data: bytes, gain: float, step: float) -> bytes:
    """``data`` with sample i scaled by ``gain + step * (i + 1)``."""
    out = bytearray(data)
    samples = memoryview(out).cast("h")
    for i in range(len(samples)):
        samples[i] = int(samples[i] * (gain + step * (i + 1)))
    return bytes(out)


def crossfade(new: bytes, old: bytes, done: int, total: int) -> bytes:
    """``new`` fading in over ``old`` fading out, ``done`` of ``total`` samples in."""
    out = bytearray(new)
    a, b = memoryview(out).cast("h"), memoryview(old).cast("h")
    for i in range(len(a)):
        f = (done + i + 1) / total
        a[i] = int(a[i] * f + b[i] * (1.0 - f))
    return bytes(out)


def dip(new: bytes, old: bytes, done: int, total: int) -> bytes:
    """``old`` fading out over the first half of ``total``, then ``new`` fading in:
    the two are never heard together."""
    out = bytearray(new)
    a, b = memoryview(out).cast("h"), memoryview(old).cast("h")
    half = total / 2.0
    for i in range(len(a)):
        at = done + i + 1
        a[i] = int(b[i] * (1.0 - at / half)) if at < half else int(a[i] * (at - half) / half)
    return bytes(out)


class MixReport:
    """What one call of the mixer did that the program must know (``Program.apply``).

    ``held``: an insert is playing (or still ducking), so no advice may start;
    ``changed``: the caller's state changed (serve hears it at the next report);
    ``skipped``: cache objects of the insert that were missing or damaged.
    """

    __slots__ = ("held", "changed", "skipped")

    def __init__(self, held: bool, changed: bool = False, skipped: int = 0) -> None:
        self.held, self.changed, self.skipped = held, changed, skipped


class Mixer:
    """Bed (the program) -> crossfade tail -> gain -> inserted voice.

    ``catalog`` opens the insert's clips; ``program`` is the bed, and hears
    through ``Program.apply`` what the inserts did."""

    def __init__(self, program: "Program", catalog: "Catalog", log: "Callable[[str], None]",
                 duck_db: float = PROGRAM_DEFAULTS["insert_duck_db"],
                 ramp_ms: float = PROGRAM_DEFAULTS["insert_ramp_ms"],
                 crossfade_ms: float = PROGRAM_DEFAULTS["crossfade_ms"]) -> None:
        self.program, self.catalog, self.log = program, catalog, log
        self.duck_gain = 10.0 ** (float(duck_db) / 20.0)
        self.ramp_samples = max(1, int(ramp_ms) * SAMPLE_RATE_HZ // 1000)
        self.crossfade_samples = max(1, int(crossfade_ms) * SAMPLE_RATE_HZ // 1000)
        self.gain, self.gain_step, self.ramp_left_samples = 1.0, 0.0, 0
        self.tail: Tail | None = None
        self.tail_done_samples, self.tail_total_samples = 0, 0
        self.tail_mix: Mix = crossfade
        self.inserting = False
        self.voice_wait_samples = 0 # ramp-down before the first clip
        self.clips: list[Segment] = []      # segments queued
        self.clip: Reader | None = None
        self.clip_pos_samples = 0
        self.what = ""               # the insert playing, as logged

    # -- commands ----------------------------------------------------------

    def fade_from(self, tail: "Tail | None", fade_samples: int | None = None,
                  mix: "Mix" = crossfade) -> None:
        """Crossfade from ``tail`` (the stream that was playing) into the program;
        ``mix=dip`` fades it out first and the program in after."""
        if tail is None:
            return
        if self.tail is not None:
            self.tail.close()
        self.tail, self.tail_done_samples, self.tail_mix = tail, 0, mix
        self.tail_total_samples = fade_samples or self.crossfade_samples

    def insert(self, segments: "list[Segment]", what: str) -> None:
        """Duck the bed and play ``segments`` over it; an advice is cut to play later."""
        self.clips.extend(segments)
        self.what = what
        self.fade_from(self.program.cut_advice(), self.ramp_samples)
        self.log("t=%.3f insert %s: %d clips" % (self.program.seconds(), what, len(segments)))
        if not self.inserting or self.clip is None and self.voice_wait_samples == 0:
            self.inserting = True
            self._ramp_to(self.duck_gain)
            self.voice_wait_samples = self.ramp_samples
        self._report(changed=True)

    def reset(self) -> None:
        """Back to the plain program at full level (after an internal error)."""
        for stream in (self.tail, self.clip):
            if stream is not None:
                stream.close()
        self.tail = self.clip = None
        self.clips, self.inserting, self.voice_wait_samples = [], False, 0
        self.gain, self.gain_step, self.ramp_left_samples = 1.0, 0.0, 0
        self._report()

    def playing(self) -> tuple[str, str]:
        """What the caller hears now: the insert over the bed, else the bed."""
        return ("insert", self.what) if self.inserting else self.program.playing()

    def _ramp_to(self, target: float) -> None:
        self.ramp_left_samples = self.ramp_samples
        self.gain_step = (target - self.gain) / self.ramp_samples

    def _report(self, changed: bool = False, skipped: int = 0) -> None:
        """Tell the program what just happened (only ever when something did)."""
        self.program.apply(MixReport(self.inserting, changed, skipped))

    # -- reading -------------------------------------------------------------

    def read(self, count: int) -> bytes:
        if (self.tail is None and not self.inserting and not self.ramp_left_samples
                and self.gain == 1.0):
            return self.program.read(count)     # nothing to mix: the common case
        parts: list[bytes] = []
        while count > 0:
            piece = min(count, self._until_change())
            parts.append(self._piece(piece))
            count -= piece
        return b"".join(parts)

    def _until_change(self) -> int:
        limits = [1 << 30]
        if self.tail is not None:
            limits.append(self.tail_total_samples - self.tail_done_samples)
        if self.ramp_left_samples:
            limits.append(self.ramp_left_samples)
        if self.voice_wait_samples:
            limits.append(self.voice_wait_samples)
        if self.clip is not None:
            limits.append(self.clip.samples - self.clip_pos_samples)
        return max(1, min(limits))

    def _piece(self, count: int) -> bytes:
        bed = self.program.read(count)
        if self.tail is not None:
            bed = self._fade_tail(bed, count, self.tail)
        bed = self._gain(bed, count)
        if self.inserting:
            bed = self._voice(bed, count)
        return bed

    def _fade_tail(self, bed: bytes, count: int, tail: "Tail") -> bytes:
        bed = self.tail_mix(bed, tail.read(count), self.tail_done_samples,
                            self.tail_total_samples)
        self.tail_done_samples += count
        if self.tail_done_samples >= self.tail_total_samples:
            tail.close()
            self.tail = None
        return bed

    def _gain(self, bed: bytes, count: int) -> bytes:
        if self.ramp_left_samples:
            bed = ramp(bed, self.gain, self.gain_step)
            self.gain += self.gain_step * count
            self.ramp_left_samples -= count
            if self.ramp_left_samples == 0:
                self._ramp_done()
        elif self.gain != 1.0:
            import audioop
            bed = audioop.mul(bed, SAMPLE_BYTES, self.gain)
        return bed

    def _ramp_done(self) -> None:
        self.gain_step = 0.0
        if self.gain > 0.999:           # back up: the insert is over
            self.gain = 1.0
            if self.inserting and self.clip is None and not self.clips:
                self.inserting = False
                self._report(changed=True)
                self.log("t=%.3f insert end" % self.program.seconds())

    def _voice(self, bed: bytes, count: int) -> bytes:
        if self.voice_wait_samples:
            self.voice_wait_samples -= count
            if self.voice_wait_samples == 0:
                self._next_clip()
            return bed
        if self.clip is None:
            return bed
        clip = self.clip
        try:
            voice = clip.read(self.clip_pos_samples, count)
        except ObjectError as error:
            self.log("t=%.3f clip cut: %s" % (self.program.seconds(), error))
            self._report(skipped=1)
            voice, self.clip_pos_samples = b"", clip.samples
        voice += bytes(count * SAMPLE_BYTES - len(voice))
        self.clip_pos_samples += count
        if self.clip_pos_samples >= clip.samples:
            self._next_clip()
        import audioop
        return audioop.add(bed, voice, SAMPLE_BYTES)

    def _next_clip(self) -> None:
        if self.clip is not None:
            self.clip.close()
            self.clip = None
        while self.clips:
            segment = self.clips.pop(0)
            try:
                self.clip, self.clip_pos_samples = self.catalog.reader(segment).open(), 0
                return
            except ObjectError as error:
                self.log("t=%.3f clip skipped: %s" % (self.program.seconds(), error))
                self._report(skipped=1)
        self._ramp_to(1.0)
