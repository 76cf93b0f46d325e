"""Reading a generation's player index (cache/player_index.py) into plain tables.

The index is the player's one reader of a generation: one split per line and
no JSON parser but for the one-line header, which is what lets a player reach
its first audio within a few milliseconds of the interpreter's own start.
Fields are unescaped (cache/index_lines.py) only on the rare line that holds a
backslash.  A damaged line is left out and counted, as a damaged object is:
the rest of the library plays.  Advice needs the header (each item's group
and limits), so with a damaged header it is left out too, never played
without its limits.  ``read`` raises only when the file cannot be opened or
is not an index at all.
"""

from progmoh.cache.index_lines import MAGIC, MAGIC_V1, unescape
from progmoh.player.lean_json import loads

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from progmoh.player.play.catalog import Segment

    Limits = dict[str, Any]                             # an advice item's, as the header has it
    MakeSegment = Callable[[bytes, int, str], Segment]  # digest, samples, label
    Share = Callable[[Any, Any], Any]                   # one object for equal keys

_MAGIC, _MAGIC_V1 = MAGIC.encode() + b"\n", MAGIC_V1.encode() + b"\n"
_HEADER_TYPES = (("generation", str), ("default_class", str), ("block_check", str),
                 ("classes", list), ("program", dict), ("items", dict))
_LIMIT_KEYS = frozenset(("dayparts", "daypart_names", "weekdays", "dates"))
_NO_LIMITS: "Limits" = {}


class Index:
    """What one index holds, as the tables the catalog takes over, and what was wrong."""

    __slots__ = ("path", "header", "music", "advice", "prompts", "items", "item_language",
                 "bad_lines", "first_problem")

    def __init__(self, path: str) -> None:
        self.path = path
        self.header: dict[str, Any] = {}
        # (class, track_index, segment), in the file's order
        self.music: list[tuple[str, int, Segment]] = []
        # (class, track_index) -> {slot_sample: {item: segment}}
        self.advice: dict[tuple[str, int], dict[int, dict[str, Segment]]] = {}
        self.prompts: dict[tuple[str, str], Segment] = {}   # (language, key) -> segment
        self.items: dict[str, tuple[str, Limits]] = {}      # item -> (group, limits dict)
        # item -> language of its advice folder ("" = shared)
        self.item_language: dict[str, str] = {}
        self.bad_lines, self.first_problem = 0, ""

    def bad(self, where: str, error: object) -> None:
        self.bad_lines += 1
        if not self.first_problem:
            self.first_problem = "%s: %s" % (where, error)

    def problem(self) -> str:
        """One line for the log, "" when every line was usable."""
        if not self.bad_lines:
            return ""
        return "player index %s: %d line(s) unusable, left out (first: %s)" % (
            self.path, self.bad_lines, self.first_problem)


def read(path: str, segment: "MakeSegment") -> Index:
    """The index at ``path`` (OSError when it cannot be read, ValueError when it is
    not an index); ``segment`` makes each entry (catalog.Segment)."""
    index = Index(path)
    shared: dict[object, object] = {}
    share = shared.setdefault
    with open(path, "rb") as handle:            # a line at a time: a large index is megabytes
        first = handle.readline()
        if first not in (_MAGIC, _MAGIC_V1):
            raise ValueError("%s is not a player index (it starts %r)" % (path, first[:40]))
        escaped = first == _MAGIC
        with_advice = _header(index, handle.readline())
        for number, raw in enumerate(handle, 3):
            try:
                if raw[-1] != 10:           # b"\n"
                    raise ValueError("cut short")
                fields = raw[:-1].decode("utf-8").split("\t")
                if escaped and 92 in raw:   # a backslash: the line has escapes
                    fields = [unescape(f) for f in fields]
                _add(index, fields, share, segment)
            except ValueError as error:
                index.bad("line %d" % number, error)
            except IndexError:
                index.bad("line %d" % number, "too few fields")
    if not with_advice:
        index.advice = {}
    return index


def _add(index: Index, f: list[str], share: "Share", segment: "MakeSegment") -> None:
    """One segment line into the tables; ValueError (or IndexError) if it is damaged.  No
    more checks than that: it runs once per segment on the way to the first audio, and
    a wrong size or object is caught when the object is opened, as for any damage."""
    kind = f[0]
    if kind == "a":
        slots = index.advice.setdefault((share(f[1], f[1]), int(f[2])), {})
        slot, samples = int(f[3]), int(f[6])
        entry = segment(bytes.fromhex(f[5]), share(samples, samples), "")
        slots.setdefault(share(slot, slot), {})[share(f[4], f[4])] = entry
    elif kind == "m":
        index.music.append((f[1], int(f[2]), segment(bytes.fromhex(f[3]), int(f[4]), f[5])))
    elif kind == "p":
        index.prompts[(f[1], f[2])] = segment(bytes.fromhex(f[3]), int(f[4]), f[5])
    else:
        raise ValueError("unknown line kind %r" % (kind[:20],))


def _header(index: Index, raw: bytes) -> bool:
    """The header's values and the advice items; False when it is damaged (counted,
    and the catalog's defaults stand in for it)."""
    try:
        if raw[-1:] != b"\n":
            raise ValueError("cut short")
        header = loads(raw)
        for key, kind in _HEADER_TYPES:
            if not isinstance(header.get(key), kind):
                raise ValueError("%r is not a %s" % (key, kind.__name__))
        if not all(isinstance(c, str) for c in header["classes"]) or not all(
                type(v) in (int, float) for v in header["program"].values()):
            raise ValueError("'classes' or 'program' holds a value of the wrong type")
        items = {item: _item(entry) for item, entry in header["items"].items()}
    except (ValueError, TypeError, AttributeError, RecursionError) as error:
        index.bad("line 2 (the header; advice left out)", error)
        return False
    index.header = header
    for item, (group, limits, language) in items.items():
        index.items[item] = (group or "middle", limits or _NO_LIMITS)
        index.item_language[item] = language or ""
    return True


def _item(entry: "Any") -> "tuple[str, Limits, str]":
    """``[group, limits, language]`` checked, so a bad limit is found here, not mid-call."""
    group, limits, language = entry
    if not (isinstance(group, str) and isinstance(language, str) and isinstance(limits, dict)
            and limits.keys() <= _LIMIT_KEYS):
        raise ValueError("advice item entry %r is not [group, limits, language]" % (entry,))
    for first, last in limits.get("dayparts") or ():
        for hhmm in (first, last):
            hours, colon, minutes = hhmm.partition(":")
            if not (colon and hours.isdigit() and minutes.isdigit()):
                raise ValueError("daypart %r is not HH:MM" % (hhmm,))
    for first, last in limits.get("dates") or ():
        if not (isinstance(first, str) and isinstance(last, str)):
            raise ValueError("dates %r are not two dates" % ([first, last],))
    if not all(type(day) is int for day in limits.get("weekdays") or ()):
        raise ValueError("weekdays %r are not numbers" % (limits["weekdays"],))
    return group, limits, language
