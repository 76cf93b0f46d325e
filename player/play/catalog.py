"""The current cache generation, read once at start into compact tables.

From the generation's player index alone (cache/player_index.py; read by
player/play/index_reader.py, a line per segment and no JSON parser for
them): plain dicts and small ``__slots__`` objects, not ``cache.manifest``,
which imports ``dataclasses``.  Each segment becomes a ``Segment`` the
moment its line is read, so a large library's index never piles up as
text or dicts: it is what decides the player's memory (its budget is a few
MB over a bare interpreter; see bench/player_bench.py).  A generation
without a usable index plays silence (the caller logs why); a damaged one
plays what it can (``Catalog.problem`` says what was left out).
"""

from progmoh.cache import blocks, layout
from progmoh.cache.errors import ProgmohError
from progmoh.player.play import index_reader
from progmoh.player.play.defaults import PROGRAM_DEFAULTS
from progmoh.player.play.source import Reader

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from typing import Any

    from progmoh.player.play.index_reader import Limits


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

    def __init__(self, digest: bytes, samples: int, label: str) -> None:
        self.digest, self.samples, self.label = digest, samples, label


class Catalog:
    """Music tracks per class, advice segments per (class, track, slot), items,
    prompt clips per (language, key), each a ``Segment``; taken over from an
    ``index_reader.Index`` (none: an empty catalog, which plays silence)."""

    def __init__(self, root: str, index: "index_reader.Index | None" = None,
                 generation: str = "") -> None:
        self.root = root
        self.tracks: dict[str, list[Segment]] = {}  # class -> [segment] in playlist order
        # (class, track_index) -> {slot_sample: {item: segment}}
        self.advice: dict[tuple[str, int], dict[int, dict[str, Segment]]] = {}
        self.items: dict[str, tuple[str, Limits]] = {}  # item -> (group, limits dict)
        # item -> language of its advice folder ("" = shared)
        self.item_language: dict[str, str] = {}
        self.prompts: dict[tuple[str, str], Segment] = {}  # (language, key) -> segment
        self.problem = ""       # what the index lost, for the log
        header: dict[str, Any] = {}
        if index:
            header, self.problem = index.header, index.problem()
            self.advice, self.prompts = index.advice, index.prompts
            self.items, self.item_language = index.items, index.item_language
            for music_class, _, segment in sorted(index.music, key=lambda m: (m[0], m[1])):
                self.tracks.setdefault(music_class, []).append(segment)
        self.generation: str = header.get("generation") or generation
        self.classes: tuple[str, ...] = tuple(sorted(header.get("classes") or self.tracks))
        self.default_class: str = header.get("default_class") or ""
        self.checked = header.get("block_check") == blocks.SCHEME
        self.program: dict[str, float] = dict(PROGRAM_DEFAULTS, **(header.get("program") or {}))

    def path(self, segment: Segment) -> str:
        return layout.object_path(self.root, segment.digest.hex())

    def reader(self, segment: Segment) -> Reader:
        """A reader of ``segment``'s object (not yet opened)."""
        return Reader(self.path(segment), segment.samples, segment.label, self.checked)

    def start_class(self, wanted: str = "") -> str:
        """``wanted`` if it has tracks, else the default class, else the first with tracks."""
        for name in (wanted, self.default_class) + self.classes:
            if name and self.tracks.get(name):
                return name
        return ""

    def group_items(self, group: str, language: str = "") -> list[str]:
        """A group's items for a caller of ``language``, alphabetical: their language's
        own items when it has some in this group, else the shared ones."""
        items = [i for i, (g, _) in self.items.items() if g == group]
        own = [i for i in items if language and self.item_language.get(i) == language]
        return sorted(own or [i for i in items if not self.item_language.get(i)])

    def next_class(self, current: str) -> str:
        """The next class with tracks after ``current``, alphabetical, wrapping."""
        playable = [c for c in self.classes if self.tracks.get(c)]
        if not playable:
            return current
        later = [c for c in playable if c > current]
        return later[0] if later else playable[0]

    def max_position(self, language: str) -> int:
        """How many whole position sentences this generation has for ``language``."""
        n = 0
        while (language, "position_%d" % (n + 1)) in self.prompts:
            n += 1
        return n


def _default_instead(root: str, generation: str, program: str) -> Catalog:
    catalog = load(root)
    unknown = "program %s is not in generation %s: the default program" % (program, generation)
    catalog.problem = unknown + ("; " + catalog.problem if catalog.problem else "")
    return catalog


def load(root: str, program: str = layout.DEFAULT_PROGRAM) -> Catalog:
    """``program``'s part of the current generation of the cache at ``root`` (the default
    program's when the generation has none of that name, ``Catalog.problem`` saying so);
    CatalogError if none is usable."""
    try:
        generation = layout.current_generation(root)
    except (OSError, ValueError) as error:     # e.g. PermissionError: rendered by another user
        raise CatalogError("cache %s unreadable: %s" % (root, error)) from None
    if generation is None:
        raise CatalogError("no current generation in cache %s" % (root,))
    path = layout.index_path(root, generation, program)
    try:
        return Catalog(root, index_reader.read(path, Segment), generation)
    except FileNotFoundError:
        if program != layout.DEFAULT_PROGRAM:
            return _default_instead(root, generation, program)
        raise CatalogError("no player index %s (a cache rendered before every generation had "
                           "one): run `progmoh render` once to publish it" % (path,)) from None
    except (OSError, ValueError) as error:
        raise CatalogError("player index %s unusable: %s" % (path, error)) from None
