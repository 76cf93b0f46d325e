"""What a recorded caller heard, measured against the cache's own audio.

Normalized cross-correlation of a clip at every offset of a recording
(FFT, sample exact): about 0.99 where the clip plays, even under music
ducked 20 dB, and well below 0.5 for any other clip.  Everything is 8 kHz
mono 16-bit, the format of the cache and of Asterisk's recordings.
"""

import wave
from pathlib import Path

import numpy as np

from progmoh.cache.audio_format import CHANNELS, SAMPLE_BYTES
from progmoh.cache.audio_format import SAMPLE_RATE_HZ as RATE


def load_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as source:
        shape = (source.getnchannels(), source.getsampwidth(), source.getframerate())
        assert shape == (CHANNELS, SAMPLE_BYTES, RATE), f"{path}: not 8 kHz mono 16-bit"
        return np.frombuffer(source.readframes(source.getnframes()), dtype="<i2").astype(np.float64)


def pcm(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<i2").astype(np.float64)


def scores(recording: np.ndarray, clip: np.ndarray) -> np.ndarray:
    """NCC of ``clip`` at every offset where it fits whole in ``recording``."""
    recording, clip = np.asarray(recording, np.float64), np.asarray(clip, np.float64)
    n, m = len(recording), len(clip)
    if m == 0 or n < m:
        return np.zeros(0)
    size = 1 << (n + m).bit_length()
    product = np.fft.irfft(np.fft.rfft(recording, size) * np.conj(np.fft.rfft(clip, size)), size)
    dots = product[:n - m + 1]
    energy = np.concatenate(([0.0], np.cumsum(recording * recording)))
    window = np.sqrt(np.maximum(energy[m:] - energy[:-m], 0.0))
    norm = window * np.sqrt(float(np.dot(clip, clip)))
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(norm > 1e-6 * max(norm.max(), 1.0), dots / norm, 0.0)
    return result


def best(recording: np.ndarray, clip: np.ndarray) -> tuple[float, float]:
    """(score, start in seconds) of the best match of ``clip``."""
    found = scores(recording, clip)
    if len(found) == 0:
        return 0.0, -1.0
    at = int(np.argmax(found))
    return round(float(found[at]), 3), round(at / RATE, 3)


def occurrences(recording: np.ndarray, clip: np.ndarray,
                threshold: float) -> list[tuple[float, float]]:
    """Every (start s, score) where ``clip`` matches at least ``threshold``, one per clip length."""
    found = scores(recording, clip)
    hits, length = [], len(clip)
    for at in np.flatnonzero(found >= threshold):
        if hits and at - hits[-1][0] < length:
            if found[at] > found[hits[-1][0]]:
                hits[-1] = (int(at), float(found[at]))
            continue
        hits.append((int(at), float(found[at])))
    return [(round(at / RATE, 3), round(score, 3)) for at, score in hits]


def where_in(track: np.ndarray, excerpt: np.ndarray) -> tuple[float, float]:
    """(score, position s in ``track``) of a short excerpt of a recording."""
    return best(track, excerpt)


def excerpt(recording: np.ndarray, start_s: float, length_s: float) -> np.ndarray:
    start = max(0, int(start_s * RATE))
    return recording[start:start + int(length_s * RATE)]


def zero_runs(recording: np.ndarray, min_s: float) -> list[tuple[float, float]]:
    """(start s, length s) of every run of exact zeros at least ``min_s`` long."""
    zero = np.concatenate(([False], recording == 0, [False]))
    edges = np.flatnonzero(np.diff(zero.astype(np.int8)))
    runs = zip(edges[0::2], edges[1::2], strict=True)     # each run has a start and an end
    return [(round(a / RATE, 3), round((b - a) / RATE, 3)) for a, b in runs
            if b - a >= min_s * RATE]


def loud_windows(audio: np.ndarray, length_s: float) -> tuple[float, float]:
    """Starts (s) of the first and the last window of ``length_s`` at least half as loud
    as the loudest one: where a voice really begins and ends, past any silence."""
    size, step = int(length_s * RATE), int(0.05 * RATE)
    starts = range(0, max(1, len(audio) - size + 1), step)
    rms = np.array([np.sqrt(np.mean(np.square(audio[at:at + size]))) for at in starts])
    loud = [at for at, level in zip(starts, rms, strict=True) if level >= 0.5 * rms.max()]
    return loud[0] / RATE, loud[-1] / RATE
