"""Turn any audio file into telephone-ready PCM at a stated loudness.

ffmpeg does the decoding, the sum to mono, the resampling (soxr, whose sinc
filter is the anti-alias filter) and the telephone band-limit, and hands
back 32-bit samples pre-attenuated by 12 dB so that filter overshoot of a
full-scale master never clips before we have measured it.  Loudness is the
RMS of that conditioned 8 kHz signal relative to full scale (a full-scale
square wave is 0 dBFS, a full-scale sine -3 dBFS), measured the same way
for music, advice and prompts.  The gain to the target is then cut, if
needed, so that the loudest sample stays at or below ``PEAK_DBFS``.
"""

import audioop
import math
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pydub import AudioSegment
from pydub.silence import detect_leading_silence
from pydub.utils import ratio_to_db

from progmoh.cache.audio_format import CHANNELS, SAMPLE_RATE_HZ
from progmoh.renderer.errors import InputProblem, RenderError

PEAK_DBFS = -1.0             # no sample louder than this after normalising
SILENT_DBFS = -60.0          # quieter than this (after conditioning) is "silent"
TRIM_BELOW_DB = 45.0         # a 10 ms window this far under the loudest is silence
TRIM_WINDOW_MS = 10
TRIM_WINDOW_SAMPLES = SAMPLE_RATE_HZ * TRIM_WINDOW_MS // 1000
TRIM_KEEP_WINDOWS = 3
HEADROOM = 0.25              # ffmpeg's pre-attenuation (-12 dB), cancelled by the gain
DECODE_TIMEOUT_S = 600.0
CLIP_GAP_S = 0.5            # silence between clips conditioned together
_FULL32 = 2 ** 31
_FULL16 = 2 ** 15


@dataclass(frozen=True)
class Conditioning:
    """The settings that shape a conditioned clip (part of its render key)."""
    target_dbfs: float
    band_low_hz: int
    band_high_hz: int
    trim: bool = False          # speech: cut leading/trailing silence (Festival adds ~0.3 s)


def filter_chain(c: Conditioning) -> str:
    """Two 2-pole sections per edge: 24 dB/octave outside the telephone band."""
    return ",".join((
        "aformat=sample_fmts=fltp:channel_layouts=mono",
        f"aresample={SAMPLE_RATE_HZ}:resampler=soxr",
        f"highpass=f={c.band_low_hz}", f"highpass=f={c.band_low_hz}",
        f"lowpass=f={c.band_high_hz}", f"lowpass=f={c.band_high_hz}",
        f"volume={HEADROOM}"))


def condition_file(path: Path, c: Conditioning) -> bytes:
    """8 kHz s16le mono at ``c.target_dbfs``; InputProblem when it cannot be used."""
    if _size(path) == 0:
        raise InputProblem(path, "empty file (0 bytes)")
    pcm32 = _decode(path, c)
    return normalise(trim_silence(pcm32, 4) if c.trim else pcm32, c.target_dbfs, path)


def condition_clips(clips: list[bytes], rate: int, c: Conditioning, labels: list[str]) -> list:
    """Many mono s16le clips (Festival's output) through ONE ffmpeg: each result
    is PCM, or an InputProblem for that clip.  An ffmpeg start costs ~30-60 ms,
    far more than conditioning a word, so clips travel together, apart by
    ``CLIP_GAP_S`` of silence (longer than any filter's memory), and are cut
    apart again at their resampled offsets."""
    gap = b"\0\0" * round(CLIP_GAP_S * rate)
    joined, spans, at = [gap], [], len(gap) // 2
    for clip in clips:
        joined += [clip, gap]
        spans.append((at, at + len(clip) // 2))
        at += (len(clip) + len(gap)) // 2
    pcm32 = _run_ffmpeg(["-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "-"], c,
                        b"".join(joined), labels[0] if labels else "clips")
    return [_clip_result(pcm32[_pcm32_at(a, rate):_pcm32_at(b, rate)], c, label)
            for (a, b), label in zip(spans, labels, strict=True)]


def _pcm32_at(sample: int, rate: int) -> int:
    """The byte offset in the 8 kHz 32-bit output of ``sample`` at the input's ``rate``."""
    return 4 * round(sample * SAMPLE_RATE_HZ / rate)


def _clip_result(pcm32: bytes, c: Conditioning, label: str):
    try:
        return normalise(trim_silence(pcm32, 4) if c.trim else pcm32, c.target_dbfs, label)
    except InputProblem as problem:
        return problem


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as error:
        raise InputProblem(path, f"cannot read: {error.strerror}") from None


def _decode(path: Path, c: Conditioning) -> bytes:
    return _run_ffmpeg(["-i", str(path), "-map", "0:a:0"], c, None, path)


def _run_ffmpeg(inputs: list[str], c: Conditioning, stdin: bytes | None, path) -> bytes:
    no_stdin = ["-nostdin"] if stdin is None else []
    argv = ["ffmpeg", *no_stdin, "-hide_banner", "-loglevel", "error", *inputs,
            "-af", filter_chain(c), "-ac", "1", "-ar", str(SAMPLE_RATE_HZ), "-f", "s32le", "-"]
    try:
        done = subprocess.run(argv, input=stdin, capture_output=True, timeout=DECODE_TIMEOUT_S)
    except FileNotFoundError:
        raise RenderError("ffmpeg is not installed (apt-get install ffmpeg)") from None
    except subprocess.TimeoutExpired:
        raise InputProblem(path, f"ffmpeg took longer than {DECODE_TIMEOUT_S:.0f} s") from None
    if done.returncode != 0:
        raise InputProblem(path, f"not audio ffmpeg can decode ({_last_line(done.stderr)})")
    return done.stdout


def _last_line(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1] if lines else "no message"


def level_dbfs(pcm: bytes, width: int) -> float:
    """RMS relative to full scale; -inf for digital silence or no samples."""
    rms = audioop.rms(pcm, width) if pcm else 0
    full = _FULL32 if width == 4 else _FULL16
    return 20 * math.log10(rms / full) if rms else -math.inf


def normalise(pcm32: bytes, target_dbfs: float, path) -> bytes:
    """Gain 32-bit conditioned samples to the target, peak-guarded, as s16le."""
    if len(pcm32) < 4:
        raise InputProblem(path, "no audio (zero length after decoding)")
    measured_dbfs = level_dbfs(pcm32, 4) - 20 * math.log10(HEADROOM)
    if measured_dbfs < SILENT_DBFS:
        raise InputProblem(path, f"silent (level {measured_dbfs:.1f} dBFS, "
                                 f"below {SILENT_DBFS:.0f} dBFS)")
    gain = 10 ** ((target_dbfs - level_dbfs(pcm32, 4)) / 20)
    peak_limit = 10 ** (PEAK_DBFS / 20) * _FULL32 / audioop.max(pcm32, 4)
    scaled = audioop.mul(pcm32, 4, min(gain, peak_limit))
    return audioop.lin2lin(scaled, 4, 2)


def trim_silence(pcm: bytes, width: int) -> bytes:
    """Cut quiet windows at both ends, keeping ``TRIM_KEEP_WINDOWS`` of margin.

    Clips are spliced into sentences at call time, so Festival's own
    leading and trailing silence would make every announcement drag.  Done
    before loudness is measured, so that the level is the speech's own.
    A 10 ms window is quiet when it is ``TRIM_BELOW_DB`` or more under the
    loudest one; pydub finds the quiet run at each end.  The clip is padded
    with silence to whole windows, so the windows counted from the end are
    the ones counted from the start (a last, shorter window is measured as
    a whole one); the cut itself is of ``pcm``, to the sample.
    """
    window = width * TRIM_WINDOW_SAMPLES
    padded = pcm + bytes(-len(pcm) % window)
    loudest = max((audioop.rms(padded[i:i + window], width)
                   for i in range(0, len(padded), window)), default=0)
    if not loudest:
        return pcm
    sound = AudioSegment(padded, sample_width=width, frame_rate=SAMPLE_RATE_HZ,
                         channels=CHANNELS)
    quiet_db = ratio_to_db(loudest, sound.max_possible_amplitude) - TRIM_BELOW_DB
    under_db = math.nextafter(quiet_db, math.inf)   # pydub's "quiet" is strictly under
    lead_ms = detect_leading_silence(sound, under_db, TRIM_WINDOW_MS)
    trail_ms = detect_leading_silence(sound.reverse(), under_db, TRIM_WINDOW_MS)
    keep_ms = TRIM_KEEP_WINDOWS * TRIM_WINDOW_MS
    start_ms, end_ms = max(0, lead_ms - keep_ms), len(sound) - trail_ms + keep_ms
    return pcm[start_ms * window // TRIM_WINDOW_MS:end_ms * window // TRIM_WINDOW_MS]


def silence(duration_ms: int) -> bytes:
    return b"\0\0" * (SAMPLE_RATE_HZ * duration_ms // 1000)
