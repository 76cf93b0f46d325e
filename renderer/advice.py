"""Advice segments: every advice item at every slot of every track it fits in.

The voice clip of an item is needed only when some of its segments must be
mixed.  Its length is learnt from a segment of the current generation with
the same voice and settings, so a no-op render never decodes or speaks an
advice item just to find out which slots it fits.
"""

from dataclasses import dataclass

from progmoh.cache.audio_format import SAMPLE_BYTES, SAMPLE_RATE_HZ
from progmoh.cache.manifest import Segment
from progmoh.renderer.condition import Conditioning
from progmoh.renderer.errors import InputProblem
from progmoh.renderer.keys import advice_key, audio_key, file_digest, speech_key
from progmoh.renderer.library import AdviceItem
from progmoh.renderer.mix import Ducking, duck_mix, slot_samples
from progmoh.renderer.music import MusicTrack
from progmoh.renderer.run import Run
from progmoh.renderer.speech import SpeechJob


@dataclass(frozen=True)
class AdviceVoice:
    item: AdviceItem
    job: SpeechJob


def advice_voices(items, voice: str, c: Conditioning, problems: list[str],
                  voice_of=None) -> list[AdviceVoice]:
    """A speech job per item: its audio file, or its text spoken by ``voice`` (by
    ``voice_of(language)`` for an item of one language's own advice)."""
    voices = []
    for item in items:
        speaker = voice_of(item.language) if item.language and voice_of else voice
        try:
            voices.append(AdviceVoice(item, _job(item, speaker, c)))
        except InputProblem as problem:
            problems.append(f"{problem}, skipped")
    return voices


def _job(item: AdviceItem, voice: str, c: Conditioning) -> SpeechJob:
    if not item.is_text:
        return SpeechJob(audio_key(file_digest(item.path), c), str(item.path), path=item.path)
    try:
        text = " ".join(item.path.read_text(encoding="utf-8").split())
    except UnicodeDecodeError:
        raise InputProblem(item.path, "text is not UTF-8") from None
    except OSError as error:
        raise InputProblem(item.path, f"cannot read: {error.strerror}") from None
    if not any(ch.isalnum() for ch in text):
        raise InputProblem(item.path, "no words to speak")
    if not voice:
        raise InputProblem(item.path, "render.languages is empty, so no voice speaks it")
    return SpeechJob(speech_key(text, voice, c), str(item.path), text=text, voice=voice)


def _slot_spacing(run: Run) -> float:
    return run.settings.slot_spacing_s


def known_voice_samples(run: Run, voice: AdviceVoice, tracks, ducking: Ducking) -> int | None:
    """The item's voice length, read off a reusable segment of its first slot."""
    first_slot = round(_slot_spacing(run) * SAMPLE_RATE_HZ)
    for track in tracks:
        old = run.reusable(advice_key(track.segment.render_key, voice.job.render_key,
                                      first_slot, ducking))
        if old:
            return ducking.voice_samples(old.samples)
    return None


def voice_needed(run: Run, voice: AdviceVoice, tracks, ducking: Ducking) -> bool:
    """Whether any segment of this item has to be mixed (so its voice must be made)."""
    samples = known_voice_samples(run, voice, tracks, ducking)
    if samples is None:
        return True
    return any(not run.reusable(advice_key(t.segment.render_key, voice.job.render_key, s, ducking))
               for t in tracks for s in _slots(run, t, samples, ducking))


def _slots(run: Run, track: MusicTrack, voice_samples: int, ducking: Ducking) -> list[int]:
    return slot_samples(track.samples, _slot_spacing(run), ducking.segment_samples(voice_samples))


def mix_track(run: Run, track: MusicTrack, voices, clips: dict[str, bytes],
              ducking: Ducking) -> list[Segment]:
    """Every advice segment over ``track``: reused, or mixed from the track's stored PCM."""
    bed = _LazyTrack(run, track)
    segments = []
    for voice in voices:
        clip = clips.get(voice.job.render_key)
        samples = len(clip) // SAMPLE_BYTES if clip is not None else \
            known_voice_samples(run, voice, [track], ducking)
        if samples is None:
            continue
        for slot, start in enumerate(_slots(run, track, samples, ducking)):
            segments.append(_segment(run, track, voice, slot, start, clip, bed, ducking))
    run.progress.tick()
    return [s for s in segments if s]


def _segment(run, track, voice, slot, start, clip, bed, ducking) -> Segment | None:
    key = advice_key(track.segment.render_key, voice.job.render_key, start, ducking)
    item = voice.item
    sid = run.segment_id("advice", music_class=track.track.music_class, track=track.track.name,
                         slot=slot, advice=item.name)
    old = run.reusable(key)
    if old:
        digest, samples = old.object, old.samples
    elif clip is None:
        return None
    else:
        length = ducking.segment_samples(len(clip) // SAMPLE_BYTES)
        pcm = duck_mix(bed.samples(start, length), clip, ducking)
        digest, samples = run.store_pcm(sid, pcm), length
    return run.remember(Segment(
        id=sid, kind="advice", object=digest, samples=samples,
        music_class=track.track.music_class, track=track.track.name, slot=slot,
        slot_sample=start, advice=item.name, group=item.group, limits=item.limits,
        language=item.language, sources=(str(track.track.path), str(item.path)),
        render_key=key, program=run.program))


class _LazyTrack:
    """The track's PCM, read from the store only if some segment must be mixed."""

    def __init__(self, run: Run, track: MusicTrack):
        self._run, self._track = run, track
        self._pcm: bytes | None = None

    def samples(self, start: int, length: int) -> bytes:
        if self._pcm is None:
            self._pcm = self._run.store.read(self._track.segment.object)
        return self._pcm[start * SAMPLE_BYTES:(start + length) * SAMPLE_BYTES]
