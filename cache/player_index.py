"""The player's index of a generation: what ``progmoh play`` needs, cheap to read.

Beside each manifest (``generations/<gen>.json``) the store writes
``generations/<gen>.idx``, UTF-8 text a player reads without a JSON parser
for its segments (parsing the manifest was most of a player's start: about
1.5 ms and 0.5 MB for a small library)::

    progmoh-player-index 1
    {"generation": ..., "default_class": ..., "classes": [...], "program": {...},
     "block_check": ..., "items": {"<advice item>": ["<group>", {<limits, or empty>},
     "<language of its advice folder, or empty>"]}}                       (one line)
    m<TAB>class<TAB>track_index<TAB>object<TAB>samples<TAB>id             (music)
    a<TAB>class<TAB>track_index<TAB>slot_sample<TAB>item<TAB>object<TAB>samples
    p<TAB>language<TAB>key<TAB>object<TAB>samples<TAB>id                  (prompt)

The manifest stays the contract; the index is derived from it.  When a
name holds a tab or a line break no index is written, and players read the
manifest (``player/play/index_reader.py`` falls back the same way when the
index is missing, e.g. for a cache rendered before it existed).
"""

import json

from progmoh.cache.manifest import Manifest, Segment

MAGIC = "progmoh-player-index 1"


def index_text(manifest: Manifest) -> str | None:
    """The index of ``manifest``, or None when a name cannot be written in it."""
    lines = [MAGIC, json.dumps(_header(manifest), ensure_ascii=False, sort_keys=True)]
    for segment in manifest.segments:
        fields = _fields(segment)
        if fields is None:
            continue
        if any("\t" in f or "\n" in f or "\r" in f for f in fields):
            return None
        lines.append("\t".join(fields))
    return "\n".join(lines) + "\n"


def _header(manifest: Manifest) -> dict:
    items = {}
    for s in manifest.segments:
        if s.kind == "advice" and s.advice not in items:
            limits = {k: [list(v) if isinstance(v, tuple) else v for v in values]
                      for k, values in vars(s.limits).items()} if _limited(s) else {}
            items[s.advice] = [s.group, limits, s.language]
    return {"generation": manifest.generation, "default_class": manifest.default_class,
            "classes": list(manifest.classes), "program": dict(manifest.program),
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
