"""How a settings field declares the configuration key it is read from.

The packages' frozen settings classes are the configuration's model: a field
that progmoh.toml sets carries one declaration in its metadata, the only place
where its key's default, bounds, meaning of 0, secrecy and help are written
(its type is the field's annotation).  ``cli/config.py`` reads a file through
these declarations, ``progmoh config check`` masks by them, and
``progmoh.example.toml`` is written from them (tests/cli/test_config_example.py).
A field without one is not in the file.

Standard library only, and in ``cache/`` because every package may import it.
"""

from dataclasses import field

CONFIG = "progmoh.config"       # the metadata key of a field's declaration


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED = _Required()          # a key without a default (inside an array of tables)

# How cli/config_values.py turns what the file says into the field's value, where
# that is more than the value itself (each name is one reader there): ``read_as``.
PATH = "path"                   # a folder or file, relative to the configuration's folder
LOG = "log"                     # a file path, "syslog", or "" (standard error)
SOCKET_MODE = "socket mode"     # an octal string such as "0660", never world-writable
EXECUTABLE = "executable"       # a path, or "" for the progmoh beside this interpreter
PLAYER_ARGV = "player argv"     # from serve.executable: "" gives an install's lean player start
STORE_URL = "store url"         # sqlite:///path (relative paths resolved) or mysql://
URL_PREFIX = "url prefix"       # "moh/" -> "/moh"
HOURS_AS_S = "hours as s"       # a duration in hours, kept in seconds
DAYPART = "daypart"             # an open table's entry "HH:MM-HH:MM" -> Daypart

# What cli/config_values.py checks of a value it keeps as it is: ``check``.
DTMF = "dtmf"                   # one DTMF key, distinct from the table's other DTMF keys
DTMF_KEYS = "0123456789*#"      # what DTMF (and a say key's name) may be
CRON = "cron"                   # a five-field cron expression
ABSOLUTE_PATHS = "absolute paths"
REGEX = "regex"                 # a regular expression re.fullmatch accepts

# What a secret's printed form hides.
WHOLE = "whole"
URL_PASSWORD = "url password"   # only the password of scheme://user:password@host


class Key:
    """A key of the file; numbers must lie within ``low``..``high`` (None: no bound).

    ``__slots__`` rather than a dataclass: every command imports the declarations, and a
    dataclass costs about a millisecond to create, a slots class nothing."""
    __slots__ = ("help", "default", "name", "installed", "low", "high", "off", "noun",
                 "secret", "choices", "read_as", "check")

    def __init__(self, help: str, default=REQUIRED, *, name: str = "", installed: str = "",
                 low: float | None = 0, high: float | None = None, off: bool = False,
                 noun: str = "", secret: str = "", choices: tuple[str, ...] = (),
                 read_as: str = "", check: str = ""):
        self.help = help
        self.default = default      # as the file writes it (an array as a tuple)
        self.name = name            # the key's name in the file, where it is not the field's
        self.installed = installed  # an install's default: {state} and {run} filled by cli/paths.py
        self.low = low              # every count, size and duration is >= 0 unless said otherwise
        self.high = high
        self.off = off              # 0 turns it off, below ``low``
        self.noun = noun            # what the number is, for its error ("a port")
        self.secret = secret        # "" or what printing hides: WHOLE or URL_PASSWORD
        self.choices = choices      # the values allowed (for an array: for its items)
        self.read_as = read_as      # one of the reader names above
        self.check = check          # one of the check names above


class Entry:
    """One default entry of an open table, with its line of help."""
    __slots__ = ("name", "value", "help")

    def __init__(self, name: str, value, help: str):
        self.name, self.value, self.help = name, value, help


class OpenTable:
    """A table whose keys the user names; each value is an ``item`` (a type or a declared
    class), and the field holds ``(name, value)`` pairs (or what ``read_as`` makes of
    each), sorted by name.  ``keep_defaults``: the file's entries add to the default
    entries, else they replace them."""
    __slots__ = ("help", "entries", "keep_defaults", "item", "read_as")

    def __init__(self, help: str, entries: tuple[Entry, ...], keep_defaults: bool,
                 item: type = str, read_as: str = ""):
        self.help, self.entries, self.keep_defaults = help, entries, keep_defaults
        self.item, self.read_as = item, read_as


class SameAs:
    """Not a key: the value the model built for another dotted key (a whole section, or one
    key), so that a fact two packages need has one owner.  With ``read_as``: that reader
    applied to the file's value of that key."""
    __slots__ = ("dotted", "read_as")

    def __init__(self, dotted: str, read_as: str = ""):
        self.dotted, self.read_as = dotted, read_as


def declared(default=REQUIRED, *, help: str, **facts):
    """A field read from the file.  Where the file's value is the field's (no ``read_as``),
    the default is the field's default too, so settings built by hand start from it; a
    secret is left out of the settings' repr."""
    key = Key(help, default, **facts)
    shown = not key.secret
    if default is REQUIRED or key.read_as:
        return field(repr=shown, metadata={CONFIG: key})
    return field(default=default, repr=shown, metadata={CONFIG: key})


def table(help: str = ""):
    """A field holding a sub-table: its type is a class whose fields are declared."""
    return field(metadata={CONFIG: Key(help)})


def declared_port(default: int, *, help: str, low: int = 0):
    return declared(default, help=help, low=low, high=65535, noun="a port")


def declared_level_db(default: float, *, help: str):
    return declared(default, help=help, low=None, high=0.0, noun="a level in dB")


def open_table(*entries: Entry, help: str, keep_defaults: bool, item: type = str,
               read_as: str = ""):
    return field(metadata={CONFIG: OpenTable(help, entries, keep_defaults, item, read_as)})


def same_as(dotted: str, read_as: str = ""):
    return field(metadata={CONFIG: SameAs(dotted, read_as)})


def declaration(spec_field):
    """A dataclass field's declaration, or None for a field the file does not set."""
    return spec_field.metadata.get(CONFIG)


def file_key(spec_field) -> str:
    """The name of a declared field's key in the file."""
    return getattr(declaration(spec_field), "name", "") or spec_field.name
