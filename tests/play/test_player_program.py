"""The program: splice seams, advice order and rules, restarts, bad objects."""

import os
import time

import pytest

from progmoh.cache.audio_format import SAMPLE_RATE_HZ as RATE
from progmoh.cache.manifest import Limits
from progmoh.player.play import catalog as catalog_module
from progmoh.player.play import limits
from progmoh.player.play.program import Program
from tests.support import player_cache

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


RU_ITEMS = player_cache.DEFAULT_ITEMS + (
    ("ru/a-privet", "first", Limits(), "ru"), ("ru/m-ru1", "middle", Limits(), "ru"),
    ("ru/m-ru2", "middle", Limits(), "ru"))


def test_a_callers_language_has_its_own_advice_groups_else_the_shared_ones(tmp_path):
    _, program, events = make(tmp_path, items=RU_ITEMS,
                              program={"first_advice_s": 0.5, "advice_gap_s": 0.5})
    assert program.schedule.order() == ["a-first", "b-first", "m3", "m2", "m1", "z-last"]
    program.speak("ru")
    assert program.schedule.middle_order == ["ru/m-ru2", "ru/m-ru1"]          # shuffled anew
    assert program.schedule.order() == ["ru/a-privet", "ru/m-ru2", "ru/m-ru1", "z-last"]
    read_in_odd_chunks(program, 120 * RATE, chunk=4000)
    assert started(events) == ["ru/a-privet", "ru/m-ru2", "ru/m-ru1", "z-last"]
    program.speak("en")                           # no English folders: the shared advice
    assert program.schedule.order() == ["a-first", "b-first", "m3", "m2", "m1", "z-last"]


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


def restarted(first, state):
    """A new process of the same call (same catalog and order), given ``state``."""
    events = Events()
    second = Program(first.catalog, events, lambda: NOON_MONDAY,
                     lambda items: list(reversed(items)))
    second.read(4000)                              # the new process already played a little
    second.adopt(state)
    return second, events


def test_a_restart_goes_on_with_the_advice_from_the_sample_heard(tmp_path):
    """a-first plays at 2 s of calm track 0 (16000); the caller heard 2.5 s less 1600
    samples still in the pipe: the next process goes on inside the segment, exactly."""
    _, first, _ = make(tmp_path)
    read_in_odd_chunks(first, int(2.5 * RATE))
    assert first.advice is not None and first.schedule.played == []
    state = first.snapshot(unheard_samples=1600)
    assert (state["advice_item"], state["advice_samples"]) == ("a-first", 2400)
    assert (state["offset_samples"], state["call_samples"]) == (18400, 18400)
    _, reference, _ = make(tmp_path / "ref")
    read_in_odd_chunks(reference, 18400)
    second, events = restarted(first, state)
    assert read_in_odd_chunks(second, 10 * RATE) == read_in_odd_chunks(reference, 10 * RATE)
    assert second.schedule.played[0] == "a-first" and started(events)[:1] != ["a-first"]
    assert "advice a-first goes on at 0.300 s" in " ".join(events)


def test_an_advice_not_heard_yet_is_not_in_progress(tmp_path):
    """Written but all still in the pipe: the state is the music before the slot."""
    _, first, _ = make(tmp_path)
    read_in_odd_chunks(first, 16000 + 800)
    state = first.snapshot(unheard_samples=1600)
    assert (state["advice_item"], state["offset_samples"]) == ("", 15200)
    second, events = restarted(first, state)
    read_in_odd_chunks(second, 10 * RATE)
    assert started(events)[:1] == ["a-first"]


def test_an_advice_gone_from_the_cache_plays_later_from_its_start(tmp_path):
    _, first, _ = make(tmp_path)
    read_in_odd_chunks(first, int(2.5 * RATE))
    state = dict(first.snapshot(), advice_samples=3)   # no segment of a-first starts there
    second, events = restarted(first, state)
    assert second.advice is None and second.offset_samples == first.offset_samples
    assert "advice a-first cannot go on here: plays later" in " ".join(events)
    read_in_odd_chunks(second, 10 * RATE)
    assert second.schedule.played[0] == "a-first" and "a-first" in started(events)


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


def test_a_damaged_track_is_cut_at_its_damaged_block_logged_once_then_left_out(tmp_path):
    built, program, events = make(tmp_path, classes=("calm",), track_s=2.0, items=())
    with open(built.object_of("music:calm/00-track"), "r+b") as handle:
        handle.seek(5000 * 2)
        handle.write(b"\xff\x7f" * 100)            # same size, one block damaged
    heard = read_in_odd_chunks(program, 3885 + 3 * 16000)
    other = built.tracks[("calm", 1)]
    # the read of 777 samples that reaches the damaged block (4096-8191) is the first not heard
    assert heard == built.tracks[("calm", 0)][:3885 * 2] + other * 3
    assert len([m for m in events if "damaged" in m]) == 1


def test_an_old_manifest_plays_its_objects_unchecked(tmp_path):
    built, program, events = make(tmp_path, block_check="")
    assert program.catalog.reader(program.tracks()[0]).open().sums is None
    assert read_in_odd_chunks(program, 8000) == built.tracks[("calm", 0)][:16000]


def test_missing_or_wrong_checksums_mean_the_object_is_not_played(tmp_path):
    built, program, events = make(tmp_path, classes=("calm",), items=())
    from progmoh.cache import blocks
    os.unlink(blocks.sums_path(built.object_of("music:calm/00-track")))
    with open(blocks.sums_path(built.object_of("music:calm/01-track")), "ab") as handle:
        handle.write(b"\0")
    assert program.read(1000) == bytes(2000)
    assert any("music:calm/00-track" in m and "checksums" in m for m in events)
    assert any("music:calm/01-track" in m and "checksums" in m for m in events)


def test_a_looping_playlist_is_not_logged_at_every_turn(tmp_path):
    """0.25 s tracks (an old cache: the renderer now refuses tracks under 1 s)
    play for 6 s: each track is logged the first time it starts (the first by
    the engine's start line), never again."""
    built, program, events = make(tmp_path, classes=("calm",), tracks_per_class=2, track_s=0.25,
                                  items=())
    heard = read_in_odd_chunks(program, 6 * RATE)
    turn = built.tracks[("calm", 0)] + built.tracks[("calm", 1)]
    assert heard == (turn * 12)[:len(heard)]
    assert [m.split()[1:] for m in events] == [["music", "music:calm/01-track"]]
