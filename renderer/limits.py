"""Limits of an advice item, from its optional sidecar ``<stem>.limits.toml``::

    dayparts = ["morning"]                 # names from the config's [dayparts]
    weekdays = ["mon", "fri"]              # mon tue wed thu fri sat sun
    dates = ["2026-12-01..2026-12-31"]     # inclusive ranges, or one "YYYY-MM-DD"

A sidecar sits beside the item it limits, so moving or deleting the item
takes its limits along; an unknown key, day or daypart name is an error that
names the sidecar.  The player applies them at call time (``player.limits``).
"""

import tomllib
from datetime import date
from pathlib import Path

from progmoh.cache.manifest import Limits
from progmoh.renderer.errors import InputProblem
from progmoh.renderer.settings import Daypart

SUFFIX = ".limits.toml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_KEYS = ("dayparts", "weekdays", "dates")


def sidecar(item: Path) -> Path:
    return item.with_name(item.stem + SUFFIX)


def read_limits(path: Path, dayparts: tuple[Daypart, ...]) -> Limits:
    """The limits in sidecar ``path``, or no limits when there is none."""
    if not path.is_file():
        return Limits()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputProblem(path, f"not valid TOML: {error}") from None
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise InputProblem(path, f"unknown key {unknown[0]!r} (known: {', '.join(_KEYS)})")
    names = _strings(data, "dayparts", path)
    return Limits(dayparts=tuple(_window(n, dayparts, path) for n in names),
                  daypart_names=tuple(names),
                  weekdays=tuple(_weekday(d, path) for d in _strings(data, "weekdays", path)),
                  dates=tuple(_date_range(r, path) for r in _strings(data, "dates", path)))


def _strings(data: dict, key: str, path: Path) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputProblem(path, f"'{key}' must be an array of strings")
    return value


def _window(name: str, dayparts: tuple[Daypart, ...], path: Path) -> tuple[str, str]:
    for part in dayparts:
        if part.name == name:
            return part.start.strftime("%H:%M"), part.end.strftime("%H:%M")
    known = ", ".join(p.name for p in dayparts) or "none configured"
    raise InputProblem(path, f"unknown daypart {name!r} (config [dayparts]: {known})")


def _weekday(name: str, path: Path) -> int:
    """"mon" or "Monday", any case."""
    word = name.strip().lower()
    for index, full in enumerate(_FULL_WEEKDAYS):
        if word in (full, full[:3]):
            return index
    raise InputProblem(path, f"unknown weekday {name!r} (use {' '.join(WEEKDAYS)})")


def _date_range(text: str, path: Path) -> tuple[str, str]:
    first, _, last = text.partition("..")
    try:
        start, end = date.fromisoformat(first.strip()), date.fromisoformat((last or first).strip())
    except ValueError:
        raise InputProblem(path, f"date range {text!r} must be YYYY-MM-DD..YYYY-MM-DD") from None
    if end < start:
        raise InputProblem(path, f"date range {text!r} ends before it starts")
    return start.isoformat(), end.isoformat()
