"""The current cache generation, read once at start into compact tables.

First from the generation's player index (cache/player_index.py: a line
per segment, no JSON parser), else from the manifest.  Plain dicts and
small ``__slots__`` objects (not ``cache.manifest``, which imports
``dataclasses``).  The manifest is read a window at a time and each segment stored as a ``Segment`` the moment it is
parsed, so neither the
text nor the dicts pile up: a large library's manifest is what decides the
player's memory (its budget is a few MB over a bare interpreter; see
bench/player_bench.py).
"""

from progmoh.cache import blocks, layout
from progmoh.cache.errors import ProgmohError
from progmoh.player.play import index_reader
from progmoh.player.play.defaults import PROGRAM_DEFAULTS
from progmoh.player.play.source import Reader


class CatalogError(ProgmohError):
    """No usable generation in the cache."""


class Segment:
    """One cache object as a call needs it.

    ``digest`` is the object's sha256 as 32 bytes (its path is derived when
    it is opened), ``samples`` its length; ``label`` is the segment's id
    for the log, for music and prompts only: advice segments, by far the
    most numerous, carry none.
    """

    __slots__ = ("digest", "samples", "label")

    def __init__(self, digest, samples, label):
        self.digest, self.samples, self.label = digest, samples, label


class Catalog:
    """Music tracks per class, advice segments per (class, track, slot), items,
    prompt clips per (language, key), each a ``Segment``."""

    def __init__(self, root, header=None):
        self.root = root
        self.tracks = {}        # class -> [segment] in playlist order
        self.advice = {}        # (class, track_index) -> {slot_sample: {item: segment}}
        self.items = {}         # item -> (group, limits dict)
        self.item_language = {}  # item -> language of its advice folder ("" = shared)
        self.prompts = {}       # (language, key) -> segment
        self._music = []
        self.finish(header or {})

    def finish(self, header):
        """Take the manifest's top-level values; order the playlists."""
        self.generation = header.get("generation", "")
        self.classes = tuple(sorted(header.get("classes") or ()))
        self.default_class = header.get("default_class") or ""
        self.checked = header.get("block_check") == blocks.SCHEME
        self.program = dict(PROGRAM_DEFAULTS, **(header.get("program") or {}))
        for music_class, _, segment in sorted(self._music, key=lambda m: (m[0], m[1])):
            self.tracks.setdefault(music_class, []).append(segment)
        self._music = []
        if not self.classes:
            self.classes = tuple(sorted(self.tracks))

    def add(self, kind, segment, s, share):
        """One parsed segment dict ``s`` into the tables."""
        if kind == "music":
            self._music.append((s["music_class"], s["track_index"], segment))
        elif kind == "advice":
            slots = self.advice.setdefault((share(s["music_class"]), s["track_index"]), {})
            slots.setdefault(share(s["slot_sample"]), {})[share(s["advice"])] = segment
            self.items.setdefault(s["advice"], (s.get("group") or "middle", s.get("limits") or {}))
            self.item_language.setdefault(s["advice"], s.get("language") or "")
        elif kind == "prompt":
            self.prompts[(s["language"], s["key"])] = segment

    def path(self, segment):
        return layout.object_path(self.root, segment.digest.hex())

    def reader(self, segment):
        """A reader of ``segment``'s object (not yet opened)."""
        return Reader(self.path(segment), segment.samples, segment.label, self.checked)

    def start_class(self, wanted=""):
        """``wanted`` if it has tracks, else the default class, else the first with tracks."""
        for name in (wanted, self.default_class) + self.classes:
            if name and self.tracks.get(name):
                return name
        return ""

    def group_items(self, group, language=""):
        """A group's items for a caller of ``language``, alphabetical: their language's
        own items when it has some in this group, else the shared ones."""
        items = [i for i, (g, _) in self.items.items() if g == group]
        own = [i for i in items if language and self.item_language.get(i) == language]
        return sorted(own or [i for i in items if not self.item_language.get(i)])

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
    """A json object_hook putting each segment into the catalog the moment it
    is parsed, as a small Segment (the dicts never pile up), sharing repeated
    strings and numbers and the many empty limits."""

    def __init__(self, catalog):
        self.catalog, self.shared, self.no_limits = catalog, {}, {}

    def share(self, value):
        return self.shared.setdefault(value, value)

    def __call__(self, d):
        if "kind" in d and "object" in d:
            kind = d["kind"]
            label = "" if kind == "advice" else d["id"]
            segment = Segment(bytes.fromhex(d["object"]), self.share(int(d["samples"])), label)
            self.catalog.add(kind, segment, d, self.share)
            return None
        if d.keys() <= _LIMIT_KEYS and not any(d.values()):
            return self.no_limits
        return d


def load(root):
    """The current generation of the cache at ``root``; CatalogError if none."""
    try:
        generation = layout.current_generation(root)
    except (OSError, ValueError) as error:     # e.g. PermissionError: rendered by another user
        raise CatalogError("cache %s unreadable: %s" % (root, error)) from None
    if generation is None:
        raise CatalogError("no current generation in cache %s" % (root,))
    try:
        return index_reader.read(layout.index_path(root, generation), Catalog(root), Segment)
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        pass                    # no index (an older cache) or a bad one: the manifest says it all
    path = layout.manifest_path(root, generation)
    try:
        catalog = Catalog(root)
        from progmoh.player.play import manifest_reader     # only without an index
        with open(path, encoding="utf-8") as handle:
            header = manifest_reader.read(handle, _Slim(catalog))
        catalog.finish(header)
        return catalog
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CatalogError("manifest %s unusable: %s" % (path, error)) from None
