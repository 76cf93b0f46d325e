"""Every program's segments in one render, each piece of work done once (renderer/run.py).

Each program's library is scanned and its music made first.  A program whose
library is unusable (its music folder missing or unreadable, or holding no
class) keeps the segments the current generation has of it, so its callers
go on hearing their own hold rather than another's, and a line names it.
The speech every program still needs is then made together, one Festival
batch per voice for all of them, and last each program's advice is mixed
and its prompts filed.
"""

import dataclasses
from dataclasses import dataclass

from progmoh.cache.audio_format import SAMPLE_BYTES, SAMPLE_RATE_HZ
from progmoh.cache.manifest import ProgramRecord, Segment
from progmoh.renderer import library as lib
from progmoh.renderer.advice import AdviceVoice, advice_voices, mix_track, voice_needed
from progmoh.renderer.condition import Conditioning
from progmoh.renderer.errors import RenderError
from progmoh.renderer.mix import Ducking
from progmoh.renderer.music import MusicTrack, music_tracks
from progmoh.renderer.prompts import Prompt, prompts
from progmoh.renderer.run import Run
from progmoh.renderer.settings import RenderProgram
from progmoh.renderer.speech import SpeechJob, render_speech


@dataclass(frozen=True)
class ProgramPart:
    """What one program adds to a generation."""
    record: ProgramRecord
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class _Scanned:
    """A usable program, its music made, waiting for its speech."""
    run: Run                    # the run's view making this program's segments
    source: RenderProgram
    tracks: list[MusicTrack]
    voices: list[AdviceVoice]
    prompts: list[Prompt]


@dataclass(frozen=True)
class _Unusable:
    source: RenderProgram
    reason: str                 # names the configuration key and the folder


def program_parts(run: Run, programs: list[RenderProgram], number_words) -> list[ProgramPart]:
    """Each program's part, in the order given; RenderError when no program is usable."""
    scanned = [_scan(run.of_program(p.name), p, number_words) for p in programs]
    usable = [s for s in scanned if isinstance(s, _Scanned)]
    if not usable:
        raise RenderError("; ".join(s.reason for s in scanned if isinstance(s, _Unusable)))
    ducking = Ducking(run.settings.duck_db, run.settings.duck_fade_ms)
    speech = _speech(run, usable, ducking)
    parts = [_part(s, speech, ducking) if isinstance(s, _Scanned) else _kept(run, s)
             for s in scanned]
    return [part for part in parts if part]


def speech_conditioning(run: Run) -> Conditioning:
    s = run.settings
    return Conditioning(s.speech_dbfs, s.band_low_hz, s.band_high_hz, trim=True)


def _scan(run: Run, program: RenderProgram, number_words) -> "_Scanned | _Unusable":
    key = program.library_key
    try:
        scanned = lib.scan(program.library, key)
    except RenderError as error:
        return _Unusable(program, str(error))
    if not scanned.classes:
        return _Unusable(program, f"{key}.music_dir: {program.library.music_dir}: no music "
                                  f"class in it (each subfolder is one)")
    run.problems.extend(scanned.problems)
    s, speech_c = run.settings, speech_conditioning(run)
    tracks = music_tracks(run, scanned.tracks,
                          Conditioning(s.music_dbfs, s.band_low_hz, s.band_high_hz))
    default_voice = s.voice(s.languages[0]) if s.languages else ""
    voices = advice_voices(scanned.advice, default_voice, speech_c, run.problems, s.voice)
    clips = prompts(program.library.prompts_dir, s.languages, s.voice, s.max_position,
                    number_words, speech_c, run.problems, program.texts_of)
    return _Scanned(run, program, tracks, voices, clips)


def _kept(run: Run, unusable: _Unusable) -> ProgramPart | None:
    """The current generation's part of an unusable program, if it has one."""
    name, current = unusable.source.name, run.current
    if current is None or name not in current.program_names():
        run.problems.append(f"{unusable.reason}, so program {name} is not rendered")
        return None
    run.problems.append(f"{unusable.reason}, so program {name} keeps its last render")
    segments = tuple(s for s in current.segments_of(name) if run.store.has(s.object))
    return ProgramPart(current.record(name), segments)


def _speech(run: Run, usable: list[_Scanned], ducking: Ducking) -> dict[str, bytes]:
    """Only the clips some segment of some program still needs, each once: one Festival
    batch per voice for every program."""
    jobs: dict[str, SpeechJob] = {}
    for scanned in usable:
        for voice in scanned.voices:
            if voice_needed(scanned.run, voice, scanned.tracks, ducking):
                jobs.setdefault(voice.job.render_key, voice.job)
        for prompt in scanned.prompts:
            if not run.reusable(prompt.job.render_key):
                jobs.setdefault(prompt.job.render_key, prompt.job)
    run.progress.add(len(jobs) + sum(len(s.tracks) for s in usable))
    speech, problems = render_speech(list(jobs.values()), speech_conditioning(run),
                                     run.settings.tts_timeout_s, run.pool, run.progress.tick)
    run.problems.extend(problems)
    return speech


def _part(scanned: _Scanned, speech: dict[str, bytes], ducking: Ducking) -> ProgramPart:
    run, source = scanned.run, scanned.source
    advice = [seg for t in scanned.tracks for seg in mix_track(run, t, scanned.voices, speech,
                                                               ducking)]
    _unplaced(run, scanned.voices, advice, speech)
    music = _indexed([t.segment for t in scanned.tracks])
    spoken = [seg for seg in (_prompt_segment(run, p, speech) for p in scanned.prompts) if seg]
    classes = tuple(sorted({seg.music_class for seg in music}))
    default = _default_class(source, classes, run.problems)
    record = ProgramRecord(source.name, default, classes, dataclasses.asdict(source.program))
    return ProgramPart(record, tuple(music + _indexed_advice(advice, music) + spoken))


def _unplaced(run: Run, voices, advice: list[Segment], speech: dict[str, bytes]) -> None:
    """An item too long for every slot never plays: the admin should hear of it."""
    placed = {seg.advice for seg in advice}
    for voice in voices:
        clip = speech.get(voice.job.render_key)
        if voice.item.name not in placed and clip is not None:
            seconds = len(clip) / SAMPLE_BYTES / SAMPLE_RATE_HZ
            run.problems.append(f"{voice.item.path}: {seconds:.1f} s of speech fits no advice "
                                f"slot of any track, so it never plays")


def _indexed(music: list[Segment]) -> list[Segment]:
    """track_index: alphabetical place among the class's tracks that rendered."""
    counters: dict[str, int] = {}
    indexed = []
    for seg in sorted(music, key=lambda m: (m.music_class, m.track)):
        index = counters.get(seg.music_class, 0)
        counters[seg.music_class] = index + 1
        indexed.append(dataclasses.replace(seg, track_index=index))
    return indexed


def _indexed_advice(advice: list[Segment], music: list[Segment]) -> list[Segment]:
    index = {(m.music_class, m.track): m.track_index for m in music}
    return [dataclasses.replace(a, track_index=index[(a.music_class, a.track)]) for a in advice]


def _prompt_segment(run: Run, prompt: Prompt, speech: dict[str, bytes]) -> Segment | None:
    sid = run.segment_id("prompt", language=prompt.language, key=prompt.key)
    key = prompt.job.render_key
    old = run.reusable(key)
    if old:
        digest, samples = old.object, old.samples
    elif key in speech:
        digest, samples = run.store_pcm(sid, speech[key]), len(speech[key]) // SAMPLE_BYTES
    else:
        return None
    source = str(prompt.job.path) if prompt.job.path else f"festival:voice_{prompt.job.voice}"
    return run.remember(Segment(id=sid, kind="prompt", object=digest, samples=samples,
                                language=prompt.language, key=prompt.key,
                                sources=(source,) if prompt.job.text or prompt.job.path else (),
                                render_key=key, program=run.program))


def _default_class(source: RenderProgram, classes: tuple[str, ...], problems: list[str]) -> str:
    configured = source.library.default_class
    if configured and configured in classes:
        return configured
    if configured:
        problems.append(f"{source.library_key}.default_class {configured!r} is not a music "
                        f"class (found: {', '.join(classes) or 'none'})")
    return classes[0] if classes else ""
