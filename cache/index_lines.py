"""A line of the players' index: fields joined by tabs, each escaped so that any name
survives the trip, and read back exactly.

The index (cache/player_index.py writes it, player/play/index_reader.py reads it)
is split into lines at ``\\n`` bytes and into fields at tabs, nothing else.  So a
field's backslash, tab, line feed and carriage return are written ``\\\\``,
``\\t``, ``\\n`` and ``\\r``, and every other character (other control characters
included) as itself.  Standard library only and no ``re``: the player reads the
index on its way to the first audio, and unescapes only the rare line that holds
a backslash.  Indexes of version 1, written before names were escaped, held no
tab or line break in any name (no index was written then) and are read as they
are.
"""

MAGIC = "progmoh-player-index 2"
MAGIC_V1 = "progmoh-player-index 1"
TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from collections.abc import Iterable

_ESCAPES = (("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def escape(field: str) -> str:
    """``field`` with no tab or line break left in it, for ``unescape`` to undo."""
    field = field.replace("\\", "\\\\")
    for char, escaped in _ESCAPES:
        field = field.replace(char, escaped)
    return field


def unescape(field: str) -> str:
    """The field ``escape`` was given; ValueError for a backslash it never writes.

    Split at the escaped backslashes first: what is left can only hold
    ``\\t``, ``\\n`` and ``\\r``, so no replacement can eat another's backslash.
    """
    parts = field.split("\\\\")
    for n, part in enumerate(parts):
        if "\\" in part:
            for char, escaped in _ESCAPES:
                part = part.replace(escaped, char)
            if "\\" in part:
                raise ValueError("bad escape in %r" % (field[:80],))
            parts[n] = part
    return "\\".join(parts)


def line(fields: "Iterable[str]") -> str:
    """One line of the index (without its line end)."""
    return "\t".join(escape(f) for f in fields)
