"""progmoh.example.toml, written from the model's declarations: every key with its help and
its default, and nothing else (tests/cli/test_config_example.py holds the file to it).

After changing a declaration: ``python -m progmoh.cli.config_example > progmoh.example.toml``.
"""

import sys
import textwrap
from dataclasses import fields

from progmoh.cache.declared import Key, OpenTable, SameAs, declaration, file_key
from progmoh.cli.config import Config
from progmoh.cli.config_reader import dotted, hints_of, is_table
from progmoh.cli.toml_text import toml_value

HEADER = """\
progmoh configuration: every key, with its default value.

Copy this file (e.g. to /etc/progmoh/progmoh.toml), change what you need and
delete the rest: a key you leave out keeps the default shown here.  Pick the
file with `--config FILE` on any command or with $PROGMOH_CONFIG; check it
with `progmoh config check --config FILE`.

Relative paths are relative to the folder holding this file; `~` is expanded.
An unknown key or a value of the wrong type is an error, never ignored.
Numbers must be finite (no nan or inf) and never negative (levels in dB are
<= 0); durations have the lower bounds given beside them.
This file holds secrets once you fill them in: keep it `chmod 600`."""

WIDTH = 78


def example_text() -> str:
    lines = [f"# {line}".rstrip() for line in HEADER.splitlines()]
    return "\n".join(lines + _table(Config, ())) + "\n"


def _comment(help_text: str) -> list[str]:
    """The help as comment lines: each of its lines wrapped on its own."""
    return ["# " + line for paragraph in help_text.split("\n")
            for line in textwrap.wrap(paragraph, WIDTH - 2, break_on_hyphens=False,
                                      break_long_words=False)]


def _table(kind: type, path: tuple, help_text: str = "") -> list[str]:
    """A table's heading and help, its keys, then its sub-tables."""
    own = ["", f"[{dotted(path)}]"] + _comment(help_text) if path else []
    later, hints = [], hints_of(kind)
    for spec_field in fields(kind):
        spec = declaration(spec_field)
        if spec is None or isinstance(spec, SameAs):
            continue
        key = file_key(spec_field)
        if isinstance(spec, OpenTable):
            later += _open_table(spec, path + (key,))
        elif is_table(hints[spec_field.name]):
            later += _table(hints[spec_field.name], path + (key,), spec.help)
        else:
            own += _key(key, spec)
    return own + later


def _key(key: str, spec: Key) -> list[str]:
    return _comment(spec.help) + [f"{key} = {toml_value(spec.default)}"]


def _open_table(spec: OpenTable, path: tuple) -> list[str]:
    lines = ["", f"[{dotted(path)}]"] + _comment(spec.help)
    for entry in spec.entries:
        lines += _comment(entry.help) + [f"{entry.name} = {toml_value(entry.value)}"]
    return lines


if __name__ == "__main__":
    sys.stdout.write(example_text())
