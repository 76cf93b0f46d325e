"""The call state has one schema and one check, shared by serve and the player.

wire.STATE_DEFAULTS defines the fields; serve's protocol.CallState is built
from it, and the player's Program.snapshot() reports exactly those fields.
wire.check_state is the only check: the player falls back per field (its
audio must go on), serve turns any problem into a ProtocolError.
"""

import dataclasses
import json
import time

import pytest

from progmoh.player import protocol, wire
from progmoh.player.play.catalog import Catalog
from progmoh.player.play.program import Program

FULL = {"music_class": "jazz", "track_index": 2, "offset_samples": 8000,
        "advice_played": ["a1", "a2"], "middle_order": ["m2", "m1"], "call_samples": 99000,
        "next_advice_at": 120000, "advice_item": "a3", "advice_samples": 2400}
BAD_FIELDS = [("music_class", 7), ("track_index", "2"), ("track_index", -1),
              ("track_index", True), ("offset_samples", 1.5), ("advice_played", "a1"),
              ("middle_order", ["m1", 2]), ("call_samples", None), ("next_advice_at", []),
              ("advice_item", ["a3"]), ("advice_samples", -5)]


def test_call_state_fields_and_defaults_are_the_wire_schema():
    fields = [(f.name, f.default) for f in dataclasses.fields(protocol.CallState)]
    assert fields == list(wire.STATE_DEFAULTS)


def test_the_player_snapshot_reports_exactly_the_schema_fields(tmp_path):
    program = Program(Catalog(str(tmp_path), {}), lambda line: None, time.localtime, list)
    snapshot = program.snapshot()
    assert list(snapshot) == [name for name, _ in wire.STATE_DEFAULTS]
    assert protocol.call_state(json.loads(json.dumps(snapshot))) is not None


def test_a_state_serialized_by_serve_reads_the_same_in_the_player():
    sent = protocol.CallState(**{k: tuple(v) if isinstance(v, list) else v
                                 for k, v in FULL.items()})
    line = protocol.encode(protocol.WELCOME, language="en", music_class="", state=sent)
    state, problems = wire.check_state(wire.decode(line)["state"])
    assert problems == [] and state == dataclasses.asdict(sent)
    assert protocol.call_state(state) == sent


def test_missing_fields_take_defaults_and_unknown_fields_are_dropped_on_both_sides():
    state, problems = wire.check_state({"music_class": "rock", "volume": 11})
    assert problems == []
    assert state == dict(wire.STATE_DEFAULTS, music_class="rock")
    assert protocol.call_state({"music_class": "rock", "volume": 11}) == protocol.CallState("rock")


@pytest.mark.parametrize("name, value", BAD_FIELDS)
def test_a_bad_field_falls_back_in_the_player_and_is_rejected_by_serve(name, value):
    state, problems = wire.check_state(dict(FULL, **{name: value}))
    default = dict(wire.STATE_DEFAULTS)[name]
    assert state[name] == default
    assert {k: v for k, v in state.items() if k != name} == {
        k: tuple(v) if isinstance(v, list) else v for k, v in FULL.items() if k != name}
    assert len(problems) == 1 and repr(name) in problems[0]
    with pytest.raises(protocol.ProtocolError, match=repr(name)):
        protocol.call_state(dict(FULL, **{name: value}))


@pytest.mark.parametrize("data", [None, {}])
def test_no_state_is_none_on_both_sides(data):
    assert wire.check_state(data) == (None, [])
    assert protocol.call_state(data) is None


def test_a_state_that_is_not_an_object_is_a_problem_on_both_sides():
    state, problems = wire.check_state(["jazz"])
    assert state is None and problems == ["state is not an object but list"]
    with pytest.raises(protocol.ProtocolError, match="not an object"):
        protocol.call_state(["jazz"])


def test_the_place_on_a_restarted_player_s_command_line_reads_back():
    state, _ = wire.check_state(FULL)
    assert wire.place_argument(state) == "2:8000:2400:a3"
    assert wire.read_place("2:8000:2400:a3") == (2, 8000, 2400, "a3")
    assert wire.read_place("0:16000:0:") == (0, 16000, 0, "")
    assert wire.place_argument(dict(state, advice_item="two words")) == ""
    for bad in ("", "1:2", "a:1:2:x", "1:-2:0:x", "1:2:3"):
        assert wire.read_place(bad) is None, bad
