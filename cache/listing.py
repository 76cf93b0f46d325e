"""What ``progmoh cache`` shows: a store's generations and segments as rows.

Kept in the library (not the CLI) so that every lookup error is a
CacheError naming the cache folder and generation, whoever asks.
"""

import difflib
from dataclasses import dataclass

from progmoh.cache.audio_format import SAMPLE_BYTES, SAMPLE_RATE_HZ
from progmoh.cache.errors import CacheError
from progmoh.cache.layout import DEFAULT_PROGRAM
from progmoh.cache.manifest import Manifest, Segment
from progmoh.cache.reports import GenerationInfo


@dataclass(frozen=True)
class SegmentRow:
    id: str
    kind: str
    music_class: str
    track: str
    slot: int | None
    advice: str
    group: str
    dayparts: tuple[str, ...]
    duration_s: float
    bytes: int
    object: str


def published_generations(store) -> list[GenerationInfo]:
    """Every generation, newest first; an error when nothing was ever published."""
    infos = store.generations()
    if not infos:
        raise nothing_published(store)
    return infos


def chosen_manifest(store, generation: str | None) -> Manifest:
    """The named generation, else the current one."""
    if generation:
        return store.manifest(generation)
    manifest = store.current()
    if manifest is None:
        raise nothing_published(store)
    return manifest


def nothing_published(store) -> CacheError:
    return CacheError(f"{store.root}: nothing has been published in this cache yet "
                      f"(run `progmoh render` first, or check cache.dir)")


def find_segment(manifest: Manifest, segment_id: str) -> Segment:
    for segment in manifest.segments:
        if segment.id == segment_id:
            return segment
    ids = [s.id for s in manifest.segments]
    close = difflib.get_close_matches(segment_id, ids, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise CacheError(f"no segment {segment_id!r} in generation {manifest.generation}{hint}")


def program_segments(manifest: Manifest, program: str) -> tuple[Segment, ...]:
    """``program``'s segments; an error naming the programs the generation has."""
    known = manifest.program_names()
    if program not in known:
        raise CacheError(f"no program {program!r} in generation {manifest.generation} "
                         f"(its programs: {', '.join(known)})")
    return manifest.segments_of(program)


def segment_rows(manifest: Manifest, program: str = DEFAULT_PROGRAM) -> list[SegmentRow]:
    return [segment_row(s) for s in program_segments(manifest, program)]


def segment_row(segment: Segment) -> SegmentRow:
    limits = segment.limits
    dayparts = limits.daypart_names or tuple(f"{a}-{b}" for a, b in limits.dayparts)
    return SegmentRow(
        id=segment.id, kind=segment.kind, music_class=segment.music_class, track=segment.track,
        slot=segment.slot if segment.slot >= 0 else None, advice=segment.advice,
        group=segment.group, dayparts=tuple(dayparts), duration_s=segment.samples / SAMPLE_RATE_HZ,
        bytes=segment.samples * SAMPLE_BYTES, object=segment.object)


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def limits_text(segment: Segment) -> dict[str, str]:
    """The segment's play limits in words, leaving out those it does not have."""
    limits = segment.limits
    shown = {"dayparts": ", ".join(f"{a}-{b}" for a, b in limits.dayparts),
             "daypart_names": ", ".join(limits.daypart_names),
             "weekdays": ", ".join(WEEKDAYS[d] if 0 <= d < 7 else str(d) for d in limits.weekdays),
             "dates": ", ".join(f"{a}..{b}" for a, b in limits.dates)}
    return {key: text for key, text in shown.items() if text}
