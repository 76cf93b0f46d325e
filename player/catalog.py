"""The current cache generation, read once at start into compact tables.

Plain dicts and tuples read with ``json`` (not ``cache.manifest``, which
imports ``dataclasses``): a segment is ``(path, samples, label)``.  The
manifest is read a window at a time and each segment slimmed to a tuple
the moment it is parsed, so neither the text nor the dicts pile up.
"""

from cache import layout
from player import manifest_reader

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
            self._add(s, music)
        for music_class, index, segment in sorted(music, key=lambda m: (m[0], m[1])):
            self.tracks.setdefault(music_class, []).append(segment)
        if not self.classes:
            self.classes = tuple(sorted(self.tracks))

    def _add(self, slim, music):
        kind, segment, music_class, track_index, slot_sample, advice, group, limits, lang, key = slim
        if kind == "music":
            music.append((music_class, track_index, segment))
        elif kind == "advice":
            slots = self.advice.setdefault((music_class, track_index), {})
            slots.setdefault(slot_sample, {})[advice] = segment
            self.items.setdefault(advice, (group or "middle", limits))
        elif kind == "prompt":
            self.prompts[(lang, key)] = segment

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


_LIMIT_KEYS = frozenset(("dayparts", "daypart_names", "weekdays", "dates"))


class _Slim:
    """A json object_hook turning each segment into a tuple as soon as it is
    parsed (the dicts never pile up), sharing repeated strings and the many
    empty limits."""

    def __init__(self, root):
        self.root, self.shared, self.no_limits = root, {}, {}

    def __call__(self, d):
        if "kind" in d and "object" in d:
            return self._segment(d)
        if d.keys() <= _LIMIT_KEYS and not any(d.values()):
            return self.no_limits
        return d

    def _segment(self, d):
        share = self.shared.setdefault
        segment = (layout.object_path(self.root, d["object"]), int(d["samples"]), d["id"])
        return (d["kind"], segment, share(d.get("music_class", ""), d.get("music_class", "")),
                d.get("track_index", -1), d.get("slot_sample", -1),
                share(d.get("advice", ""), d.get("advice", "")), d.get("group", ""),
                d.get("limits") or self.no_limits, d.get("language", ""), d.get("key", ""))


def load(root):
    """The current generation of the cache at ``root``; CatalogError if none."""
    generation = layout.current_generation(root)
    if generation is None:
        raise CatalogError("no current generation in cache %s" % (root,))
    path = layout.manifest_path(root, generation)
    try:
        with open(path, encoding="utf-8") as handle:
            data = manifest_reader.read(handle, _Slim(root))
        return Catalog(root, data)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CatalogError("manifest %s unusable: %s" % (path, error)) from None
