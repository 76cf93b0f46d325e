"""The player's index of a generation: what ``progmoh play`` needs, cheap to read.

Beside each manifest (``generations/<gen>.json``) every publish writes an
index per program: ``generations/<gen>.idx`` for the default program and
``generations/<gen>.<program>.idx`` for each other (cache/layout.py), each
holding only that program's segments, its header that program's classes,
settings and advice items.  It is UTF-8 text a player reads without a JSON
parser for its segments (parsing the manifest was most of a player's start: about
1.5 ms and 0.5 MB for a small library)::

    progmoh-player-index 2
    {"generation": ..., "default_class": ..., "classes": [...], "program": {...},
     "block_check": ..., "items": {"<advice item>": ["<group>", {<limits, or empty>},
     "<language of its advice folder, or empty>"]}}                       (one line)
    m<TAB>class<TAB>track_index<TAB>object<TAB>samples<TAB>id             (music)
    a<TAB>class<TAB>track_index<TAB>slot_sample<TAB>item<TAB>object<TAB>samples
    p<TAB>language<TAB>key<TAB>object<TAB>samples<TAB>id                  (prompt)

Every field is escaped (cache/index_lines.py), so any name, a tab or a line
break in it included, is written and read back exactly; the header is one
line of JSON, whose strings never hold a raw line break.  The manifest stays
the contract and the index is derived from it, but it is the player's only
reader of a generation (player/play/index_reader.py): a cache rendered
before every generation had an index gets one at its next ``progmoh render``.
"""

import json

from progmoh.cache import index_lines
from progmoh.cache.layout import DEFAULT_PROGRAM
from progmoh.cache.manifest import Manifest, Segment


def index_text(manifest: Manifest, program: str = DEFAULT_PROGRAM) -> str:
    """The index of ``program``'s part of ``manifest`` (KeyError: it has no such program)."""
    segments = manifest.segments_of(program)
    header = _header(manifest, program, segments)
    lines = [index_lines.MAGIC, json.dumps(header, ensure_ascii=False, sort_keys=True)]
    lines += [index_lines.line(f) for f in map(_fields, segments) if f is not None]
    return "\n".join(lines) + "\n"


def is_current(path: str) -> bool:
    """True when ``path`` is an index a player reads (so a render need not write it again)."""
    try:
        with open(path, "rb") as handle:
            first = handle.readline(64).rstrip(b"\n").decode("ascii", "replace")
    except OSError:
        return False
    return first in (index_lines.MAGIC, index_lines.MAGIC_V1)


def _header(manifest: Manifest, program: str, segments: tuple[Segment, ...]) -> dict:
    items = {}
    for s in segments:
        if s.kind == "advice" and s.advice not in items:
            limits = {k: [list(v) if isinstance(v, tuple) else v for v in values]
                      for k, values in vars(s.limits).items()} if _limited(s) else {}
            items[s.advice] = [s.group, limits, s.language]
    record = manifest.record(program)
    return {"generation": manifest.generation, "default_class": record.default_class,
            "classes": list(record.classes), "program": dict(record.program),
            "block_check": manifest.block_check, "items": items}


def _limited(segment: Segment) -> bool:
    return any(vars(segment.limits).values())


def _fields(s: Segment) -> list[str] | None:
    if s.kind == "music":
        return ["m", s.music_class, str(s.track_index), s.object, str(s.samples), s.id]
    if s.kind == "advice":
        return ["a", s.music_class, str(s.track_index), str(s.slot_sample), s.advice, s.object,
                str(s.samples)]
    if s.kind == "prompt":
        return ["p", s.language, s.key, s.object, str(s.samples), s.id]
    return None
