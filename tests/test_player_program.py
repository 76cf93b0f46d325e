"""The program: splice seams, advice order and rules, restarts, bad objects."""

import os
import time

import pytest

from progmoh.cache.manifest import Limits
from progmoh.player.play import catalog as catalog_module
from progmoh.player.play import limits
from progmoh.player.play.program import Program
import player_cache

RATE = 8000
NOON_MONDAY = time.struct_time((2026, 11, 23, 12, 0, 0, 0, 327, 0))


def at(hour, minute=0, wday=0, date=(2026, 11, 23)):
    return time.struct_time(date + (hour, minute, 0, wday, 1, 0))


class Events(list):
    def __call__(self, message):
        self.append(message)

    def advice(self, what="start"):
        return [m.split()[2] for m in self if m.split()[1:2] == ["advice"] and m.endswith(what)
                or (what == "start" and " start (" in m and m.split()[1] == "advice")]


def make(root, now=NOON_MONDAY, shuffle=lambda items: list(reversed(items)), **build):
    built = player_cache.build(root, **build)
    events = Events()
    program = Program(catalog_module.load(str(root)), events, lambda: now, shuffle)
    return built, program, events


def read_in_odd_chunks(program, samples, chunk=777):
    parts = []
    while samples > 0:
        parts.append(program.read(min(chunk, samples)))
        samples -= chunk
    return b"".join(parts)


def started(events):
    return [m.split()[2] for m in events if " start (" in m]


def test_splices_are_sample_exact(tmp_path):
    built, program, _ = make(tmp_path)
    t0, t1 = built.tracks[("calm", 0)], built.tracks[("calm", 1)]
    expected = (t0[:16000 * 2] + built.advice[("calm", 0, 16000, "a-first")]
                + t0[24000 * 2:] + t1[:16000 * 2] + built.advice[("calm", 1, 16000, "b-first")]
                + t1[24000 * 2:] + t0[:8000])
    heard = read_in_odd_chunks(program, len(expected) // 2)
    assert heard == expected
    assert program.schedule.played == ["a-first", "b-first"]


def test_order_first_middle_last_each_once(tmp_path):
    _, program, events = make(tmp_path, program={"first_advice_s": 0.5, "advice_gap_s": 0.5})
    read_in_odd_chunks(program, 120 * RATE, chunk=4000)
    assert started(events) == ["a-first", "b-first", "m3", "m2", "m1", "z-last"]
    assert program.schedule.played == ["a-first", "b-first", "m3", "m2", "m1", "z-last"]


def test_middle_order_is_random_per_call(tmp_path):
    from progmoh.player.play.engine import shuffled
    player_cache.build(tmp_path)
    cat = catalog_module.load(str(tmp_path))
    orders = {tuple(Program(cat, Events(), lambda: NOON_MONDAY, shuffled).schedule.middle_order)
              for _ in range(60)}
    assert len(orders) > 1 and all(sorted(o) == ["m1", "m2", "m3"] for o in orders)


def test_first_advice_waits_for_its_time_then_the_gap(tmp_path):
    _, program, events = make(tmp_path, track_s=20.0, slot_every_s=1.0,
                              program={"first_advice_s": 3.5, "advice_gap_s": 4.0})
    read_in_odd_chunks(program, 16 * RATE)
    times = [float(m.split()[0][2:]) for m in events if " start (" in m]
    assert times[:3] == [4.0, 9.0, 14.0]          # due 3.5 -> slot 4; ends 5, +4 -> slot 9


def test_dayparts_weekdays_and_dates(tmp_path):
    items = (("morning", "first", Limits(dayparts=(("06:00", "10:00"),))),
             ("weekend", "first", Limits(weekdays=(5, 6))),
             ("xmas", "first", Limits(dates=(("2026-12-24", "2026-12-26"),))),
             ("always", "last", Limits()))
    _, program, events = make(tmp_path, items=items, now=at(12),
                              program={"first_advice_s": 0.5, "advice_gap_s": 0.5})
    read_in_odd_chunks(program, 60 * RATE, chunk=4000)
    assert started(events) == ["always"]
    _, program, events = make(tmp_path / "b", items=items, now=at(7, wday=6, date=(2026, 12, 25)),
                              program={"first_advice_s": 0.5, "advice_gap_s": 0.5})
    read_in_odd_chunks(program, 60 * RATE, chunk=4000)
    assert started(events) == ["morning", "weekend", "xmas", "always"]


@pytest.mark.parametrize("hour,minute,inside", [(23, 30, True), (0, 59, True), (1, 0, False),
                                                (22, 59, False)])
def test_daypart_windows_wrap_midnight(hour, minute, inside):
    assert limits.allowed({"dayparts": [["23:00", "01:00"]]}, at(hour, minute)) is inside


def test_item_without_a_segment_is_skipped(tmp_path):
    built, program, events = make(tmp_path, program={"first_advice_s": 0.5, "advice_gap_s": 0.5})
    for slots in program.catalog.advice.values():
        for items in slots.values():
            items.pop("b-first", None)
    read_in_odd_chunks(program, 120 * RATE, chunk=4000)
    assert "b-first" not in started(events)
    assert started(events)[:2] == ["a-first", "m3"]


def test_restart_continues_the_same_program(tmp_path):
    _, first, _ = make(tmp_path, program={"first_advice_s": 0.5, "advice_gap_s": 1.0})
    read_in_odd_chunks(first, int(9.3 * RATE))
    state = first.snapshot()
    second = Program(first.catalog, Events(), lambda: NOON_MONDAY, lambda items: sorted(items))
    second.read(4000)                              # the new process already played a little
    second.adopt(state)
    assert read_in_odd_chunks(second, 20 * RATE) == read_in_odd_chunks(first, 20 * RATE)
    assert second.schedule.played == first.schedule.played


def test_restart_in_the_middle_of_an_advice_plays_it_later(tmp_path):
    _, first, _ = make(tmp_path)
    read_in_odd_chunks(first, int(2.5 * RATE))
    assert first.advice is not None and first.schedule.played == []
    second = Program(first.catalog, Events(), lambda: NOON_MONDAY, lambda items: items)
    second.adopt(first.snapshot())
    assert second.advice is None and second.offset_samples == first.offset_samples
    read_in_odd_chunks(second, 10 * RATE)
    assert second.schedule.played[0] == "a-first"


def test_class_switch_starts_the_next_class(tmp_path):
    built, program, _ = make(tmp_path)
    program.read(3000)
    tail = program.switch_class(program.catalog.next_class(program.music_class))
    assert program.music_class == "jazz" and tail is not None
    assert program.read(5000) == built.tracks[("jazz", 0)][:10000]
    assert program.catalog.next_class("jazz") == "calm"


def test_a_corrupt_music_object_is_skipped(tmp_path):
    built, program, events = make(tmp_path)
    path = built.object_of("music:calm/00-track")
    with open(path, "r+b") as handle:
        handle.truncate(1000)
    heard = program.read(4000)
    assert heard == built.tracks[("calm", 1)][:8000]
    assert any("skipped" in m and "music:calm/00-track" in m for m in events)


def test_a_missing_advice_object_is_skipped_for_the_next_item(tmp_path):
    built, program, events = make(tmp_path)
    os.unlink(built.object_of("advice:calm/00-track@0:a-first"))
    heard = read_in_odd_chunks(program, 3 * RATE)
    substitute = built.advice[("calm", 0, 16000, "b-first")]
    assert heard == built.tracks[("calm", 0)][:2 * RATE * 2] + substitute
    assert any("a-first skipped" in m for m in events)


def test_an_empty_cache_plays_silence(tmp_path):
    cat = catalog_module.Catalog(str(tmp_path), {})
    events = Events()
    program = Program(cat, events, lambda: NOON_MONDAY, list)
    assert program.read(1000) == bytes(2000)
    assert any("silence" in m for m in events)
    with pytest.raises(catalog_module.CatalogError):
        catalog_module.load(str(tmp_path))


def test_the_catalog_keeps_what_the_player_needs(tmp_path):
    items = (("night", "first", Limits(dayparts=(("22:00", "06:00"),), weekdays=(5,))),
             ("any", "last", Limits()))
    built = player_cache.build(tmp_path, items=items, languages=("ru",), max_position=3)
    cat = catalog_module.load(str(tmp_path))
    assert cat.generation == "g1" and cat.classes == ("calm", "jazz")
    assert cat.items["night"] == ("first", {"dayparts": [["22:00", "06:00"]], "daypart_names": [],
                                            "weekdays": [5], "dates": []})
    assert cat.items["any"] == ("last", {})
    track = cat.tracks["jazz"][1]
    assert (track.samples, track.label) == (48000, "music:jazz/01-track")
    assert open(cat.path(cat.tracks["jazz"][1]), "rb").read() == built.tracks[("jazz", 1)]
    assert cat.advice[("calm", 0)][16000]["any"].label == ""          # advice carries no label
    assert sorted(cat.advice[("calm", 0)]) == [16000, 32000]
    assert cat.max_position("ru") == 3 and cat.max_position("en") == 0
    assert cat.next_class("calm") == "jazz" and cat.start_class("nope") == "calm"
