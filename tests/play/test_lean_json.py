"""player/lean_json.py reads and writes exactly what ``json`` does, without importing it."""

import json
import subprocess
import sys

import pytest

from progmoh.player import lean_json

VALUES = [
    {"v": 1, "type": "state", "state": {"music_class": "calm", "advice_played": ["a", "b"],
                                        "offset_samples": 123456, "ratio": 0.25}},
    {"type": "balance", "status": "ok", "amount": "-12.50", "currency": "руб", "quote": 'a"b\\c'},
    [1, 2.5, -3e-7, True, False, None, "tab\there", "\u2028", {}],
    "plain", 0, 1.0e300,
]


@pytest.mark.parametrize("value", VALUES)
def test_dumps_and_loads_match_json(value):
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert lean_json.dumps_compact(value) == text
    assert lean_json.loads(text) == json.loads(text)
    assert lean_json.loads((" \n" + text + "\r\n").encode()) == value


@pytest.mark.parametrize("text", ["", "{", '{"a":1} x', "[1,]", "nul", '{"a" 1}'])
def test_malformed_text_is_a_value_error(text):
    with pytest.raises(ValueError):
        lean_json.loads(text)


def test_unencodable_values_are_a_type_error():
    with pytest.raises(TypeError, match="set"):
        lean_json.dumps_compact({"a": {1}})


def test_importing_it_does_not_import_json():
    code = "import sys; from progmoh.player import lean_json, wire; print('json' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.stdout.strip() == "False", done.stderr
