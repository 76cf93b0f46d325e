"""One render: library + settings -> a new cache generation.

Runs under the cache's writer lock from the first object to the publish.
Every segment whose render key is in the current generation (and whose
object is still there) is reused as is; only the rest is decoded,
synthesized or mixed.  Inputs that cannot be used become problem lines;
the rest is published anyway.  When nothing changed at all, no new
generation is written, so a cron job every few minutes costs a directory
walk and some hashing; a current generation without the players' index
(rendered before every publish wrote one) is published again, objects
reused, so that players can read it.
"""

import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from progmoh.cache.audio_format import SAMPLE_BYTES, SAMPLE_RATE_HZ
from progmoh.cache.manifest import Manifest, Segment, segment_id
from progmoh.cache.store import Store, new_generation_name
from progmoh.player.settings import ProgramSettings
from progmoh.renderer import library as lib
from progmoh.renderer.advice import advice_voices, mix_track, voice_needed
from progmoh.renderer.condition import Conditioning
from progmoh.renderer.mix import Ducking
from progmoh.renderer.music import music_tracks
from progmoh.renderer.progress import Progress
from progmoh.renderer.prompts import Prompt, default_number_words, prompts
from progmoh.renderer.run import Run
from progmoh.renderer.settings import LibrarySettings, RenderSettings
from progmoh.renderer.speech import render_speech


@dataclass(frozen=True)
class RenderResult:
    generation: str | None      # the current generation after this render
    published: bool             # False when nothing changed since the current one
    segments: int
    rendered: tuple[str, ...]   # ids of the segments made (not reused) by this run
    problems: tuple[str, ...]


def render(library: LibrarySettings, settings: RenderSettings, program: ProgramSettings,
           cache_root: Path, progress=None, number_words=None, now=None) -> RenderResult:
    """Render what changed and publish; ``progress(done, total)`` is called as work is done."""
    store = Store(cache_root)
    with store.writer() as writer, ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        run = Run(store, writer, settings, _reusable(store), pool, Progress(progress))
        segments, classes = _segments(run, library, number_words or default_number_words())
        default = _default_class(library.default_class, classes, run.problems)
        now = now or datetime.now(timezone.utc)
        manifest = Manifest(
            generation=new_generation_name(now), created=now.isoformat(timespec="seconds"),
            default_class=default, classes=tuple(classes), program=dataclasses.asdict(program),
            segments=tuple(segments), problems=tuple(run.problems))
        return _publish(run, manifest)


def _reusable(store: Store) -> dict[str, Segment]:
    current = store.current()
    if current is None:
        return {}
    return {s.render_key: s for s in current.segments if s.render_key and store.has(s.object)}


def _segments(run: Run, library: LibrarySettings, number_words):
    s = run.settings
    scanned = lib.scan(library)
    run.problems.extend(scanned.problems)
    speech_c = Conditioning(s.speech_dbfs, s.band_low_hz, s.band_high_hz, trim=True)
    ducking = Ducking(s.duck_db, s.duck_fade_ms)
    tracks = music_tracks(run, scanned.tracks,
                          Conditioning(s.music_dbfs, s.band_low_hz, s.band_high_hz))
    default_voice = s.voice(s.languages[0]) if s.languages else ""
    voices = advice_voices(scanned.advice, default_voice, speech_c, run.problems, s.voice)
    clips = prompts(library.prompts_dir, s.languages, s.voice, s.max_position, number_words,
                    speech_c, run.problems)
    speech = _speech(run, voices, clips, tracks, ducking, speech_c)
    advice = [seg for t in tracks for seg in mix_track(run, t, voices, speech, ducking)]
    _unplaced(run, voices, advice, speech)
    music = _indexed([t.segment for t in tracks])
    spoken = [seg for seg in (_prompt_segment(run, p, speech) for p in clips) if seg]
    return (music + _indexed_advice(advice, music) + spoken,
            sorted({seg.music_class for seg in music}))


def _speech(run: Run, voices, clips, tracks, ducking, c: Conditioning) -> dict[str, bytes]:
    """Only the clips some segment still needs: one Festival batch per voice."""
    jobs = [v.job for v in voices if voice_needed(run, v, tracks, ducking)]
    jobs += [p.job for p in clips if not run.reusable(p.job.render_key)]
    run.progress.add(len(jobs) + len(tracks))
    speech, problems = render_speech(jobs, c, run.settings.tts_timeout_s, run.pool,
                                     run.progress.tick)
    run.problems.extend(problems)
    return speech


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
    sid = segment_id("prompt", language=prompt.language, key=prompt.key)
    key = prompt.job.render_key
    old = run.reusable(key)
    if old:
        digest, samples = old.object, old.samples
    elif key in speech:
        digest, samples = run.store_pcm(sid, speech[key]), len(speech[key]) // SAMPLE_BYTES
    else:
        return None
    source = str(prompt.job.path) if prompt.job.path else f"festival:voice_{prompt.job.voice}"
    return Segment(id=sid, kind="prompt", object=digest, samples=samples,
                   language=prompt.language, key=prompt.key,
                   sources=(source,) if prompt.job.text or prompt.job.path else (),
                   render_key=key)


def _default_class(configured: str, classes: list[str], problems: list[str]) -> str:
    if configured and configured in classes:
        return configured
    if configured:
        problems.append(f"library.default_class {configured!r} is not a music class "
                        f"(found: {', '.join(classes) or 'none'})")
    return classes[0] if classes else ""


def _publish(run: Run, manifest: Manifest) -> RenderResult:
    current = run.store.current()
    unchanged = current is not None and run.store.has_player_index(current.generation) and (
        dataclasses.replace(manifest, generation=current.generation, created=current.created)
        == current)
    if not unchanged:
        run.writer.publish(manifest)
    generation = current.generation if unchanged and current else manifest.generation
    return RenderResult(generation=generation, published=not unchanged,
                        segments=len(manifest.segments), rendered=tuple(run.rendered),
                        problems=tuple(run.problems))
