"""Music segments: one per track, decoded only when its render key is new.

A track shorter than ``MIN_TRACK_S`` is reported and left out: a class of
such blips would loop many times a second, a click track rather than music.
"""

from dataclasses import dataclass

from progmoh.cache.audio_format import SAMPLE_BYTES, SAMPLE_RATE_HZ
from progmoh.cache.manifest import Segment
from progmoh.renderer.condition import Conditioning, condition_file
from progmoh.renderer.errors import InputProblem
from progmoh.renderer.keys import audio_key, file_digest
from progmoh.renderer.library import Track
from progmoh.renderer.run import Run

MIN_TRACK_S = 1.0


@dataclass(frozen=True)
class MusicTrack:
    track: Track
    segment: Segment                # track_index is filled in when the manifest is built

    @property
    def samples(self) -> int:
        return self.segment.samples


def music_tracks(run: Run, tracks: tuple[Track, ...], c: Conditioning) -> list[MusicTrack]:
    keyed = _keyed(run, tracks, c)
    fresh = [(t, k) for t, k in keyed if not run.reusable(k)]
    run.progress.add(len(fresh))
    decoded = dict(zip(fresh, run.pool.map(lambda tk: _decode(tk[0], c), fresh), strict=True))
    ready = []
    for track, key in keyed:
        segment = _segment(run, track, key, decoded.get((track, key)))
        if segment:
            ready.append(MusicTrack(track, segment))
    return ready


def _keyed(run: Run, tracks, c: Conditioning) -> list[tuple[Track, str]]:
    keyed = []
    for track in tracks:
        try:
            keyed.append((track, audio_key(file_digest(track.path), c)))
        except InputProblem as problem:
            run.problems.append(f"{problem}, skipped")
    return keyed


def _decode(track: Track, c: Conditioning):
    try:
        return condition_file(track.path, c)
    except InputProblem as problem:
        return problem


def _segment(run: Run, track: Track, key: str, decoded) -> Segment | None:
    sid = run.segment_id("music", music_class=track.music_class, track=track.name)
    old = run.reusable(key)
    if not old:
        run.progress.tick()
        if isinstance(decoded, InputProblem):
            run.problems.append(f"{decoded}, skipped")
            return None
    samples = old.samples if old else len(decoded) // SAMPLE_BYTES
    if samples < MIN_TRACK_S * SAMPLE_RATE_HZ:
        length_s = samples / SAMPLE_RATE_HZ
        run.problems.append(f"{track.path}: {length_s:.1f} s long, shorter than the "
                            f"{MIN_TRACK_S:g} s a music track needs to loop sensibly, skipped")
        return None
    digest = old.object if old else run.store_pcm(sid, decoded)
    return run.remember(Segment(id=sid, kind="music", object=digest, samples=samples,
                                music_class=track.music_class, track=track.name,
                                sources=(str(track.path),), render_key=key,
                                program=run.program))
