"""Speech clips for prompts and advice: recorded files, Festival, or silence.

All texts for one voice go to one Festival process, whatever asked for them
(prompts of a language, ``.txt`` advice items), because a Festival start is
the expensive part; the WAV files it writes are then conditioned like any
other audio file.
"""

import tempfile
import wave
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from progmoh.renderer.condition import Conditioning, condition_clips, condition_file, silence
from progmoh.renderer.errors import InputProblem
from progmoh.renderer.festival import FestivalError, synthesize

PAUSE_MS = 250


@dataclass(frozen=True)
class SpeechJob:
    """One clip to make; exactly one of ``path``, ``text`` (with ``voice``) or silence."""
    render_key: str
    label: str                 # what a problem line names: a path, or "prompt en/n5"
    path: Path | None = None
    text: str = ""
    voice: str = ""
    silence_ms: int = 0


def render_speech(jobs: list[SpeechJob], c: Conditioning, timeout_s: float,
                  pool: Executor, tick) -> tuple[dict[str, bytes], list[str]]:
    """PCM by render key for every job that worked, and a problem line for each that did not."""
    clips: dict[str, bytes] = {}
    problems: list[str] = []
    for job in jobs:
        if not job.path and not job.text:
            clips[job.render_key] = silence(job.silence_ms)
            tick()
    files = [job for job in jobs if job.path]
    conditioned = pool.map(lambda job: _condition(job.path, c), files)
    with tempfile.TemporaryDirectory(prefix="progmoh-tts-") as folder:
        for voice in sorted({job.voice for job in jobs if job.text and not job.path}):
            batch = [job for job in jobs if job.text and not job.path and job.voice == voice]
            spoken = _spoken(voice, batch, Path(folder) / voice, timeout_s, problems, tick)
            _collect_all(spoken, _condition_wavs([wav for _, wav in spoken], c,
                                                 [job.label for job, _ in spoken]),
                         clips, problems, tick)
    _collect_all([(job, job.path) for job in files], conditioned, clips, problems, tick)
    return clips, problems


def _collect_all(pairs, results, clips, problems, tick) -> None:
    for (job, _), result in zip(pairs, results, strict=True):
        _collect(job, result, clips, problems)
        tick()


def _spoken(voice, batch, folder: Path, timeout_s, problems, tick) -> list:
    folder.mkdir(parents=True)
    try:
        spoken = synthesize(voice, [job.text for job in batch], folder, timeout_s)
    except FestivalError as error:      # the whole batch: say which texts it cost
        for job in batch:
            problems.append(f"{job.label}: {error}, skipped")
            tick()
        return []
    ready = []
    for job, result in zip(batch, spoken, strict=True):
        if result.wav:
            ready.append((job, result.wav))
        else:
            problems.append(f"{job.label}: {result.error}, skipped")
            tick()
    return ready


def _condition_wavs(wavs: list[Path], c: Conditioning, labels: list[str]) -> list:
    """Festival's WAVs (one voice: one format) through one ffmpeg process."""
    if not wavs:
        return []
    read = [_read_wav(wav) for wav in wavs]
    rates = {rate for rate, _ in read}
    rate = rates.pop() if len(rates) == 1 else None
    if rate is None:
        return [_condition(wav, c) for wav in wavs]
    return condition_clips([pcm for _, pcm in read], rate, c, labels)


def _read_wav(path: Path) -> tuple[int | None, bytes]:
    """(rate, mono s16le frames), or (None, b"") for anything else."""
    try:
        with wave.open(str(path), "rb") as handle:
            if handle.getnchannels() != 1 or handle.getsampwidth() != 2:
                return None, b""
            return handle.getframerate(), handle.readframes(handle.getnframes())
    except (wave.Error, EOFError):
        return None, b""


def _condition(path: Path, c: Conditioning):
    try:
        return condition_file(path, c)
    except InputProblem as problem:
        return problem


def _collect(job: SpeechJob, result, clips: dict, problems: list) -> None:
    if isinstance(result, InputProblem):
        where = job.label if job.text and not job.path else result.path
        problems.append(f"{where}: {result.reason}, skipped")
    else:
        clips[job.render_key] = result
