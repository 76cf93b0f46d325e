"""progmoh.example.toml documents exactly the declared keys, with their defaults and help."""

import re
import tomllib

from progmoh.cli.config import defaults, load
from progmoh.cli.config_example import example_text
from tests.support.checkout import REPO

DEFAULTS = defaults()

EXAMPLE = REPO / "progmoh.example.toml"


def dotted_keys(tree: dict, prefix: str = "") -> set[str]:
    keys = set()
    for key, value in tree.items():
        name = f"{prefix}{key}"
        keys |= dotted_keys(value, name + ".") if isinstance(value, dict) else {name}
    return keys


def test_example_has_exactly_the_default_keys():
    example = tomllib.loads(EXAMPLE.read_text())
    assert dotted_keys(example) == dotted_keys(DEFAULTS)


def test_example_values_are_the_defaults():
    assert tomllib.loads(EXAMPLE.read_text()) == DEFAULTS


def test_example_loads_like_the_built_in_defaults():
    from_file, built_in = load(EXAMPLE), load(None)
    assert from_file.values == built_in.values
    assert from_file.cache == built_in.cache
    assert from_file.library == built_in.library


def test_every_key_has_its_own_comment_right_above_it():
    lines = EXAMPLE.read_text().splitlines()
    bare = [f"line {i + 1}: {line}" for i, line in enumerate(lines)
            if re.match(r"^[a-z_]+ = ", line) and not lines[i - 1].startswith("#")]
    assert bare == []


def test_the_example_is_written_from_the_declarations():
    """Each key's comment is its declared help, its value the declared default, and the file
    holds nothing else."""
    assert EXAMPLE.read_text() == example_text(), (
        "progmoh.example.toml is out of step with the declarations; rewrite it with: "
        "python -m progmoh.cli.config_example > progmoh.example.toml")
