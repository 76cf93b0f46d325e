"""The current cache generation, read once at start into compact tables.

Plain dicts and tuples read with ``json`` (not ``cache.manifest``, which
imports ``dataclasses``): a segment is ``(path, samples, label)``.
"""

import json

from cache import layout

PROGRAM_DEFAULTS = {"first_advice_s": 20.0, "advice_gap_s": 45.0, "insert_duck_db": -20.0,
                    "insert_ramp_ms": 150, "crossfade_ms": 800}


class CatalogError(Exception):
    """No usable generation in the cache."""


class Catalog:
    """Music tracks per class, advice segments per (class, track, slot), items,
    prompt clips per (language, key)."""

    def __init__(self, root, data):
        self.generation = data.get("generation", "")
        self.classes = tuple(sorted(data.get("classes") or ()))
        self.default_class = data.get("default_class") or ""
        self.program = dict(PROGRAM_DEFAULTS, **(data.get("program") or {}))
        self.tracks = {}        # class -> [segment] in playlist order
        self.advice = {}        # (class, track_index) -> {slot_sample: {item: segment}}
        self.items = {}         # item -> (group, limits dict)
        self.prompts = {}       # (language, key) -> segment
        music = []
        for s in data.get("segments") or ():
            self._add(root, s, music)
        for music_class, index, segment in sorted(music, key=lambda m: (m[0], m[1])):
            self.tracks.setdefault(music_class, []).append(segment)
        if not self.classes:
            self.classes = tuple(sorted(self.tracks))

    def _add(self, root, s, music):
        segment = (layout.object_path(root, s["object"]), int(s["samples"]), s["id"])
        kind = s["kind"]
        if kind == "music":
            music.append((s["music_class"], s["track_index"], segment))
        elif kind == "advice":
            slots = self.advice.setdefault((s["music_class"], s["track_index"]), {})
            slots.setdefault(s["slot_sample"], {})[s["advice"]] = segment
            self.items.setdefault(s["advice"], (s.get("group") or "middle", s.get("limits") or {}))
        elif kind == "prompt":
            self.prompts[(s["language"], s["key"])] = segment

    def start_class(self, wanted=""):
        """``wanted`` if it has tracks, else the default class, else the first with tracks."""
        for name in (wanted, self.default_class) + self.classes:
            if name and self.tracks.get(name):
                return name
        return ""

    def next_class(self, current):
        """The next class with tracks after ``current``, alphabetical, wrapping."""
        playable = [c for c in self.classes if self.tracks.get(c)]
        if not playable:
            return current
        later = [c for c in playable if c > current]
        return later[0] if later else playable[0]

    def max_position(self, language):
        """How many whole position sentences this generation has for ``language``."""
        n = 0
        while (language, "position_%d" % (n + 1)) in self.prompts:
            n += 1
        return n


def load(root):
    """The current generation of the cache at ``root``; CatalogError if none."""
    generation = layout.current_generation(root)
    if generation is None:
        raise CatalogError("no current generation in cache %s" % (root,))
    path = layout.manifest_path(root, generation)
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read())
        return Catalog(root, data)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CatalogError("manifest %s unusable: %s" % (path, error)) from None
