"""Reading a TOML tree through the declared settings classes (cache/declared.py).

``Reader.table`` checks every key of the file against its declaration, in the
declaration's order, and gives the effective tree (what ``config check``
prints) and each field's value; ``build`` then makes the frozen settings,
filling each ``same_as`` field with the value it names, so a fact two
sections need is read once.  Every refusal names the file, the dotted key and
the value; an unknown key or a wrong type is never ignored.
"""

import functools
import json
import math
import typing
from dataclasses import fields, is_dataclass
from pathlib import Path

from progmoh.cache.declared import REQUIRED, Key, OpenTable, SameAs, declaration, file_key
from progmoh.cache.errors import ProgmohError
from progmoh.cli import paths
from progmoh.cli.config_values import CHECKS, READERS, Refusal

_ABSENT = object()
MAX_SHOWN_CHARS = 40        # of a wrong value in an error


class ConfigError(ProgmohError):
    """A configuration file that cannot be used; the message says where."""


class ReadTable:
    """A table as read: the file's effective values, and each field's value (a value, a
    ReadTable, or a SameAs still to fill), with the file key of each field.  (The reader's
    records are ``__slots__`` classes: a dataclass costs a millisecond to create.)"""
    __slots__ = ("kind", "values", "fields", "field_of_key")

    def __init__(self, kind: type, values: dict, fields: dict, field_of_key: dict):
        self.kind, self.values, self.fields, self.field_of_key = kind, values, fields, field_of_key


class Declaration:
    """A key (or open table) of the model, found by ``declared_keys``."""
    __slots__ = ("path", "spec", "kind")

    def __init__(self, path: tuple[str, ...], spec: Key | OpenTable, kind):
        self.path, self.spec, self.kind = path, spec, kind     # kind: the field's annotation


def declared_keys(kind: type, path: tuple[str, ...] = ()):
    """Every key and open table of ``kind``, through its sub-tables, in declaration order."""
    hints = hints_of(kind)
    for spec_field in fields(kind):
        spec = declaration(spec_field)
        if spec is None or isinstance(spec, SameAs):
            continue
        here = path + (file_key(spec_field),)
        if isinstance(spec, Key) and is_table(hints[spec_field.name]):
            yield from declared_keys(hints[spec_field.name], here)
        else:
            yield Declaration(here, spec, hints[spec_field.name])


@functools.cache
def hints_of(kind: type) -> dict:
    """A declared class's resolved annotations (resolving them costs more than reading a key)."""
    return typing.get_type_hints(kind)


def dotted(path: tuple[str, ...]) -> str:
    return ".".join(path)


def is_table(kind) -> bool:
    return isinstance(kind, type) and is_dataclass(kind)


def _item_kind(kind):
    """The item type of an array annotation ``tuple[X, ...]``, or None for a scalar."""
    if typing.get_origin(kind) is tuple:
        return typing.get_args(kind)[0]
    return None


def kind_name(kind) -> str:
    if _item_kind(kind) is not None:
        return "an array"
    if is_table(kind) or typing.get_origin(kind) is dict:
        return "a table"
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}
    return names.get(kind, getattr(kind, "__name__", str(kind)))


def kind_of(value) -> str:
    """What the file holds instead: a table or an array by its kind, any other value shown
    as the file writes it (cut short)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    names: dict[type, str] = {list: "an array", tuple: "an array", dict: "a table"}
    if type(value) in names:
        return names[type(value)]
    shown = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)
    if len(shown) > MAX_SHOWN_CHARS:
        shown = shown[:MAX_SHOWN_CHARS - 3] + "..."
    return f"{kind_name(type(value))} ({shown})"


class Reader:
    def __init__(self, where: str, base: Path):
        self.where, self.base = where, base
        self.installed = paths.is_installed()

    def refuse(self, path: tuple[str, ...], text: str) -> typing.NoReturn:
        raise ConfigError(f"{self.where}: '{dotted(path)}' {text}")

    def table(self, kind: type, given, path: tuple[str, ...]) -> ReadTable:
        if not isinstance(given, dict):
            self.refuse(path, f"must be a table, not {kind_of(given)}")
        specs = [(f, declaration(f)) for f in fields(kind) if declaration(f) is not None]
        keys = {file_key(f): f for f, spec in specs if not isinstance(spec, SameAs)}
        hints = hints_of(kind)
        self._known_and_complete(given, keys, hints, path)
        values, built = {}, {}
        for spec_field, spec in specs:
            if isinstance(spec, SameAs):
                built[spec_field.name] = spec
                continue
            key = file_key(spec_field)
            values[key], built[spec_field.name] = self._field(
                spec, hints[spec_field.name], given.get(key, _ABSENT), path + (key,))
        return ReadTable(kind, values, built, {k: f.name for k, f in keys.items()})

    def _known_and_complete(self, given: dict, keys: dict, hints: dict, path) -> None:
        for key in given:
            if key not in keys:
                raise ConfigError(f"{self.where}: unknown key '{dotted(path + (key,))}'")
        required = [k for k, f in keys.items() if not is_table(hints[f.name])
                    and getattr(declaration(f), "default", None) is REQUIRED]
        if any(k not in given for k in required):
            self.refuse(path, "must be a table with " + " and ".join(f"'{k}'" for k in required))

    def _field(self, spec, kind, raw, path):
        if isinstance(spec, OpenTable):
            return self._open_table(spec, raw, path)
        if is_table(kind):
            return self._typed(kind, {} if raw is _ABSENT else raw, path)
        if raw is _ABSENT:
            raw = self.default(spec)
        reader = READERS[spec.read_as] if spec.read_as else None
        value, field_value = self._typed(reader.reads if reader else kind, raw, path)
        self._allowed(spec, value, path)
        try:
            if spec.check:
                CHECKS[spec.check](value)
            return value, reader.read(value, self.base) if reader else field_value
        except Refusal as refusal:
            self.refuse(path, str(refusal))

    def default(self, spec: Key):
        return paths.fill(spec.installed) if self.installed and spec.installed else spec.default

    def _typed(self, kind, raw, path):
        """The file's value (floats for numbers, lists for arrays) and the field's."""
        item = _item_kind(kind)
        if item is not None:
            return self._array(item, raw, path)
        if typing.get_origin(kind) is dict:
            return self._mapping(typing.get_args(kind)[1], raw, path)
        if is_table(kind):
            table = self.table(kind, raw, path)
            return table.values, table
        fits = (isinstance(raw, (int, float)) if kind is float else isinstance(raw, kind))
        if not fits or isinstance(raw, bool) != (kind is bool):
            self.refuse(path, f"must be {kind_name(kind)}, not {kind_of(raw)}")
        value = float(raw) if kind is float else raw
        return value, value

    def _array(self, item, raw, path):
        if not isinstance(raw, (list, tuple)):
            self.refuse(path, f"must be an array, not {kind_of(raw)}")
        pairs = [self._typed(item, one, path[:-1] + (f"{path[-1]}[{i}]",))
                 for i, one in enumerate(raw)]
        return [value for value, _ in pairs], tuple(built for _, built in pairs)

    def _mapping(self, item, raw, path):
        """A table whose keys the user names and whose values are all ``item``."""
        if not isinstance(raw, dict):
            self.refuse(path, f"must be a table, not {kind_of(raw)}")
        pairs = {key: self._typed(item, value, path + (key,)) for key, value in raw.items()}
        return ({key: value for key, (value, _) in pairs.items()},
                {key: built for key, (_, built) in pairs.items()})

    def _allowed(self, spec: Key, value, path) -> None:
        if isinstance(value, list):
            wrong = [item for item in value if spec.choices and item not in spec.choices]
            if wrong:
                self.refuse(path, f"must hold only {', '.join(spec.choices)}, not {wrong[0]!r}")
        elif isinstance(value, str):
            if spec.choices and value not in spec.choices:
                self.refuse(path, f"must be one of {', '.join(spec.choices)}, not {value!r}")
        elif not isinstance(value, bool) and isinstance(value, (int, float)):
            self._bounded(spec, value, path)

    def _bounded(self, spec: Key, value, path) -> None:
        if not math.isfinite(value):
            self.refuse(path, f"must be a finite number, not {value}")
        low_ok = spec.low is None or value >= spec.low or (spec.off and value == 0)
        if not low_ok or (spec.high is not None and value > spec.high):
            self.refuse(path, f"{bounds_text(spec)}, not {value}")

    def _open_table(self, spec: OpenTable, raw, path):
        entries = {entry.name: entry.value for entry in spec.entries}
        if raw is not _ABSENT:
            if not isinstance(raw, dict):
                self.refuse(path, f"must be a table, not {kind_of(raw)}")
            entries = dict(entries, **raw) if spec.keep_defaults else raw
        values, built = {}, {}
        for name, value in entries.items():
            values[name], built[name] = self._typed(spec.item, value, path + (name,))
        return values, tuple(self._entry(spec, pair, path) for pair in sorted(built.items()))

    def _entry(self, spec: OpenTable, pair: tuple, path):
        if not spec.read_as:
            return pair
        try:
            return READERS[spec.read_as].read(pair, self.base)
        except Refusal as refusal:
            self.refuse(path + (pair[0],), str(refusal))


def bounds_text(spec: Key) -> str:
    """What a number must be: ``must be at least 2.0``, ``must be a port 1..65535``..."""
    if spec.low is not None and spec.high is not None:
        span = (f"{spec.noun} {spec.low}..{spec.high}" if spec.noun
                else f"between {spec.low} and {spec.high}")
    elif spec.high is not None:
        span = f"<= {spec.high:g}"
    else:
        span = ">= 0" if spec.low == 0 else f"at least {spec.low}"
    if spec.off:
        span = f"0 (off) or {span}"
    verb = f"is {spec.noun} and must be" if spec.noun and spec.low is None else "must be"
    return f"{verb} {span}"


def build(top: ReadTable, base: Path, **outside):
    """The frozen settings of a read tree; ``outside`` fills the top's fields the file
    does not set."""
    made: dict[int, object] = {}

    def make(table: ReadTable):
        if id(table) not in made:
            made[id(table)] = table.kind(**{name: fill(value)
                                            for name, value in table.fields.items()})
        return made[id(table)]

    def fill(value):
        if isinstance(value, ReadTable):
            return make(value)
        if isinstance(value, SameAs):
            return fill(_named(top, value, base))
        if isinstance(value, tuple):
            return tuple(fill(item) for item in value)
        return value

    return top.kind(**{name: fill(value) for name, value in top.fields.items()}, **outside)


def _named(top: ReadTable, same: SameAs, base: Path):
    """What a SameAs names: the field value at its dotted key, or a reader of the file value."""
    *parents, last = same.dotted.split(".")
    table = top
    for key in parents:
        table = table.fields[table.field_of_key[key]]
    if same.read_as:
        return READERS[same.read_as].read(table.values[last], base)
    return table.fields[table.field_of_key[last]]
