"""Decoding and conditioning with real ffmpeg: formats, band, level, peaks, bad inputs."""

import audioop
import math

import pytest

from progmoh.cache.audio_format import SAMPLE_RATE_HZ
from progmoh.renderer.condition import (
    PEAK_DBFS,
    TRIM_WINDOW_SAMPLES,
    Conditioning,
    condition_clips,
    condition_file,
    level_dbfs,
    trim_silence,
)
from progmoh.renderer.errors import InputProblem
from tests.support.render_support import ffmpeg, rms_dbfs

MUSIC = Conditioning(target_dbfs=-30.0, band_low_hz=300, band_high_hz=3400)


@pytest.mark.parametrize("name, options", [
    ("x.mp3", ["-c:a", "libmp3lame"]),
    ("x.wav", []),
    ("x.flac", []),
    ("x.ogg", ["-c:a", "libvorbis"]),
    ("x.m4a", ["-c:a", "aac"]),
])
def test_each_format_decodes_to_8k_mono_at_the_target_level(tmp_path, name, options):
    path = ffmpeg("sine=f=1000:d=2:sample_rate=44100", tmp_path / name, "-ac", "2", *options)
    pcm = condition_file(path, MUSIC)
    assert abs(len(pcm) / 2 - 2 * SAMPLE_RATE_HZ) < 400     # 2 s at 8 kHz (codec padding aside)
    assert rms_dbfs(pcm) == pytest.approx(-30.0, abs=0.3)


def _tone_level(tmp_path, freq: int) -> float:
    """Level after conditioning of a tone, with the gain fixed by a 1 kHz reference."""
    path = ffmpeg(f"sine=f=1000:d=1:sample_rate=48000,volume=0.5[a];"
                  f"sine=f={freq}:d=1:sample_rate=48000,volume=0.5[b];[a][b]concat=v=0:a=1",
                  tmp_path / f"t{freq}.wav")
    pcm = condition_file(path, MUSIC)
    reference, probe = pcm[1000:15000], pcm[18000:31000]
    return level_dbfs(probe, 2) - level_dbfs(reference, 2)


def test_telephone_band_passes_speech_frequencies(tmp_path):
    assert _tone_level(tmp_path, 800) > -1.5
    assert _tone_level(tmp_path, 2500) > -1.5


def test_below_the_band_is_cut(tmp_path):
    assert _tone_level(tmp_path, 80) < -30


def test_above_nyquist_does_not_alias_into_the_band(tmp_path):
    # 5 kHz would fold to 3 kHz at 8 kHz without an anti-alias filter.
    assert _tone_level(tmp_path, 5000) < -40


def test_peaks_never_clip_even_when_the_target_asks_for_it(tmp_path):
    path = ffmpeg("anoisesrc=d=1:c=white:a=0.02,volume=1[n];"
                  "aevalsrc=if(lt(mod(t\\,0.25)\\,0.002)\\,0.9\\,0):s=44100:d=1[c];"
                  "[n][c]amix=inputs=2:normalize=0", tmp_path / "spiky.wav")
    loud = Conditioning(target_dbfs=-6.0, band_low_hz=300, band_high_hz=3400)
    pcm = condition_file(path, loud)
    assert audioop.max(pcm, 2) <= 32768 * 10 ** (PEAK_DBFS / 20) + 1
    assert rms_dbfs(pcm) < -6.0                       # the peak guard won over the target


def test_silent_file_is_a_problem_naming_it(tmp_path):
    path = ffmpeg("anullsrc=r=44100:cl=mono", tmp_path / "quiet.wav", "-t", "2")
    with pytest.raises(InputProblem) as caught:
        condition_file(path, MUSIC)
    assert caught.value.path == str(path)
    assert caught.value.reason.startswith("silent")


def test_zero_length_file_is_a_problem(tmp_path):
    path = tmp_path / "empty.mp3"
    path.write_bytes(b"")
    with pytest.raises(InputProblem, match=r"empty\.mp3: empty file \(0 bytes\)"):
        condition_file(path, MUSIC)


@pytest.mark.parametrize("name, content", [
    ("corrupt.mp3", bytes(range(256)) * 40),
    ("notes.txt", b"this is not audio\n"),
])
def test_undecodable_file_is_a_problem_with_ffmpegs_reason(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputProblem) as caught:
        condition_file(path, MUSIC)
    assert caught.value.path == str(path)
    assert caught.value.reason.startswith("not audio ffmpeg can decode (")


def test_trim_cuts_silence_at_both_ends_only():
    tone = audioop.mul(bytes(range(0, 200, 2)) * 160, 2, 1.0)  # 8000 samples of sound
    pcm = b"\0\0" * 8000 + tone + b"\0\0" * 400 + tone + b"\0\0" * 8000
    trimmed = trim_silence(pcm, 2)
    assert len(trimmed) < len(pcm) - 2 * 2 * 7000
    assert tone + b"\0\0" * 400 + tone in trimmed     # the inner gap stays
    assert math.isinf(level_dbfs(b"", 2))


def _windows(*levels_and_counts, width=2):
    """Constant-level samples, a whole number of 10 ms windows per (value, windows) pair."""
    return b"".join(value.to_bytes(width, "little", signed=True) * (TRIM_WINDOW_SAMPLES * count)
                    for value, count in levels_and_counts)


@pytest.mark.parametrize("width, loud", [(2, 20000), (4, 20000 << 16)])
def test_trim_keeps_three_windows_either_side_of_the_first_and_last_loud_window(width, loud):
    """A window 45 dB or more under the loudest is quiet (44 dB is not); the clip's
    end is not a whole window, and the cut is to the sample of the window grid."""
    under_44_db, under_46_db = round(loud * 10 ** (-44 / 20)), round(loud * 10 ** (-46 / 20))
    pcm = _windows((0, 5), (under_46_db, 5), (under_44_db, 2), (loud, 10), (0, 9),
                   width=width) + bytes(width * 37)
    first_loud, last_loud = 10, 21
    trimmed = trim_silence(pcm, width)
    window = TRIM_WINDOW_SAMPLES * width
    assert trimmed == pcm[(first_loud - 3) * window:(last_loud + 1 + 3) * window]
    assert trim_silence(pcm[7 * window:], width) == pcm[7 * window:(last_loud + 4) * window]


def test_trim_leaves_silence_and_a_clip_that_is_sound_to_its_ends_alone():
    assert trim_silence(b"\0\0" * 1000, 2) == b"\0\0" * 1000
    assert trim_silence(b"", 2) == b""
    sound = _windows((3000, 4)) + (3000).to_bytes(2, "little") * 5   # a last short window
    assert trim_silence(sound, 2) == sound


def test_clips_conditioned_together_match_one_by_one_and_fail_alone(tmp_path):
    import wave
    speech = Conditioning(target_dbfs=-24.0, band_low_hz=300, band_high_hz=3400, trim=True)
    paths = [ffmpeg(f"anullsrc=r=16000:cl=mono:d=0.3[s];sine=f={f}:d={d}:sample_rate=16000[t];"
                    f"[s][t]concat=v=0:a=1", tmp_path / f"c{f}.wav", "-ac", "1")
             for f, d in ((600, 0.7), (1200, 1.3))]
    silent = ffmpeg("anullsrc=r=16000:cl=mono", tmp_path / "silent.wav", "-t", "1")
    frames = []
    for path in (paths[0], silent, paths[1]):
        with wave.open(str(path)) as handle:
            frames.append(handle.readframes(handle.getnframes()))
    together = condition_clips(frames, 16000, speech, ["a", "quiet", "b"])
    assert isinstance(together[1], InputProblem) and together[1].path == "quiet"
    for clip, path in zip((together[0], together[2]), paths, strict=True):
        alone = condition_file(path, speech)
        assert abs(len(clip) - len(alone)) <= 2 * 80          # within one trim window
        assert rms_dbfs(clip) == pytest.approx(-24.0, abs=0.2)
