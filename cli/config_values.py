"""What a declared key's ``read_as`` and ``check`` names mean (cache/declared.py), and the
rules that tie several keys together.

A reader turns the file's value into the settings field's value; a check
refuses a value that is kept as it is.  Either raises ``Refusal`` with the
text that follows the key's name in the error (``'serve.socket_mode' ...``).
"""

import os
import re
import sys
from dataclasses import fields
from datetime import time
from pathlib import Path
from typing import Callable

from progmoh.cache import declared as d
from progmoh.cli import paths
from progmoh.player.serve.settings import KeySettings
from progmoh.renderer.settings import Daypart

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class Refusal(Exception):
    """A value a reader, check or rule refuses; the text says what it must be."""


class ValueReader:
    """What the file holds for a key, and how it becomes the field's value
    (``read(the file's value, the configuration's folder)``)."""
    __slots__ = ("reads", "read")

    def __init__(self, reads: type, read: Callable):
        self.reads, self.read = reads, read


def _path(value: str, base: Path) -> Path:
    return (base / os.path.expanduser(value)).resolve()


def _log_target(value: str, base: Path) -> str:
    return value if value in ("", "syslog") else str(_path(value, base))


def _socket_mode(text: str, base: Path) -> int:
    try:
        mode = int(text, 8)
    except ValueError:
        raise Refusal(f'must be octal like "0660", not {text!r}') from None
    if mode & 0o002:
        raise Refusal(f"{text} is world-writable")
    return mode


def _executable(value: str, base: Path) -> Path:
    """The install's progmoh, else the one beside this interpreter: systemd and Asterisk
    exec it by absolute path."""
    if value:
        return _path(value, base)
    return Path(paths.executable() or Path(sys.executable).parent / "progmoh")


def _player_argv(executable: str, base: Path) -> tuple[str, ...]:
    return () if executable else paths.player_argv()


def _store_url(url: str, base: Path) -> str:
    if url.startswith("sqlite:///"):
        return "sqlite:///" + str(_path(url[len("sqlite:///"):], base))
    if url.startswith(("mysql://", "mariadb://")):
        return url
    raise Refusal("must start with sqlite:/// or mysql://")


def _daypart(entry: tuple[str, str], base: Path) -> Daypart:
    name, text = entry
    match = _WINDOW.match(text)
    try:
        if match is None:
            raise ValueError(text)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        return Daypart(name, time(h1 % 24, m1), time(h2 % 24, m2))
    except ValueError:
        raise Refusal(f'must look like "06:00-10:00", not {text!r}') from None


READERS = {
    d.PATH: ValueReader(str, _path),
    d.LOG: ValueReader(str, _log_target),
    d.SOCKET_MODE: ValueReader(str, _socket_mode),
    d.EXECUTABLE: ValueReader(str, _executable),
    d.PLAYER_ARGV: ValueReader(str, _player_argv),
    d.STORE_URL: ValueReader(str, _store_url),
    d.URL_PREFIX: ValueReader(str, lambda prefix, base: "/" + prefix.strip("/")),
    d.HOURS_AS_S: ValueReader(float, lambda hours, base: hours * 3600),
    d.DAYPART: ValueReader(str, _daypart),
}


def _dtmf(digit: str) -> None:
    if digit and (len(digit) != 1 or digit not in d.DTMF_KEYS):
        raise Refusal(f"must be one DTMF key (0-9, * or #) or \"\" (no key), not {digit!r}")


def _cron(expression: str) -> None:
    if len(expression.split()) != 5:
        raise Refusal(f"must be a five-field cron expression, not {expression!r}")


def _absolute_paths(items: list[str]) -> None:
    for item in items:
        if not os.path.isabs(item):
            raise Refusal(f"must hold absolute paths, not {item!r}")


def _regex(pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as error:
        raise Refusal(f"is not a valid regular expression: {error}") from None


CHECKS = {d.DTMF: _dtmf, d.CRON: _cron, d.ABSOLUTE_PATHS: _absolute_paths, d.REGEX: _regex}


def check_rules(values: dict) -> None:
    """The rules between keys, on the effective tree; each refusal names every key it ties."""
    _band(values["render"])
    _distinct_keys(values["keys"], "keys")
    _voices(values["render"])
    _serve_language(values["serve"]["language"], values["render"]["languages"])
    for name, program in values.get("programs", {}).items():
        _distinct_keys(program["keys"], f"programs.{name}.keys")
        _program_language(name, program["language"], values["render"]["languages"])


def _band(render: dict) -> None:
    low, high = render["band_low_hz"], render["band_high_hz"]
    if not 0 < low < high <= 4000:
        raise Refusal(f"'render.band_low_hz' and 'render.band_high_hz' must satisfy "
                      f"0 < low < high <= 4000 (8 kHz audio), not {low} and {high}")


def _distinct_keys(keys: dict, table_name: str) -> None:
    chosen: dict[str, str] = {}
    for key in fields(KeySettings):
        if d.declaration(key).check != d.DTMF:
            continue
        digit = keys[key.name]
        if not digit:                           # this program has no such key
            continue
        if digit in chosen:
            raise Refusal(f"'{table_name}.{key.name}' and '{table_name}.{chosen[digit]}' are "
                          f"both {digit!r}")
        chosen[digit] = key.name


def _voices(render: dict) -> None:
    missing = [lang for lang in render["languages"] if not render["voices"].get(lang, "").strip()]
    if missing:
        raise Refusal(f"'render.voices' has no voice for language {missing[0]!r}")


def _serve_language(language: str, languages: list[str]) -> None:
    if language not in languages:
        raise Refusal(f"'serve.language' must be one of render.languages "
                      f"({', '.join(languages)}), not {language!r}")


def _program_language(name: str, language: str, languages: list[str]) -> None:
    if language not in languages:
        raise Refusal(f"'programs.{name}.language' is {language!r}, which is not one of "
                      f"render.languages ({', '.join(languages)})")
