"""The wait in the player: a range said in both languages, and no advice longer than the
remaining wait serve sent (``remaining``)."""

import time

import pytest

from progmoh.cache.audio_format import SAMPLE_RATE_HZ as RATE
from progmoh.player.play import catalog as catalog_module
from progmoh.player.play.program import Program
from progmoh.player.play.session import Session
from progmoh.player.words.compose import wait_keys
from progmoh.player.words.vocabulary import prompt_texts
from tests.support import player_cache

NOON_MONDAY = time.struct_time((2026, 11, 23, 12, 0, 0, 0, 327, 0))


@pytest.mark.parametrize(("language", "low", "high", "keys"), [
    ("en", 3, 5, ["wait_prefix", "n3", "wait_to", "n5", "minute_n"]),
    ("en", 1, 2, ["wait_prefix", "n1", "wait_to", "n2", "minute_n"]),
    ("ru", 3, 5, ["wait_prefix", "n3", "n5", "minute_5"]),            # примерно три-пять минут
    ("ru", 1, 2, ["wait_prefix", "n1_f", "n2_f", "minute_2"]),        # одна-две минуты
    ("ru", 2, 21, ["wait_prefix", "n2_f", "n20", "n1_f", "minute_1"]),
    ("en", 4, 4, ["wait_prefix", "n4", "minute_n"]),                  # no range: one figure
    ("en", 0, 3, ["wait_under_minute"]),
])
def test_a_range_is_said_with_the_unit_agreeing_with_its_top(language, low, high, keys):
    assert wait_keys(language, low, high) == keys


def test_every_key_of_a_range_is_rendered_in_both_languages():
    for language in ("en", "ru"):
        texts = prompt_texts(language, 5, lambda lang, n: str(n))
        assert "wait_to" in texts
    assert prompt_texts("en", 5, lambda lang, n: str(n))["wait_to"] == "to"


class Mixer:
    def __init__(self):
        self.inserts = []

    def insert(self, segments, what):
        self.inserts.append(what)


class Catalog:
    prompts = {("ru", key): key for key in ("wait_prefix", "n3", "n5", "minute_5", "n4",
                                             "minute_2")}


class Bed:
    def __init__(self):
        self.left = []

    def wait_left(self, seconds):
        self.left.append(seconds)


def test_the_wait_message_with_bounds_says_the_range_and_without_them_the_minutes():
    mixer, bed = Mixer(), Bed()
    session = Session(Catalog(), bed, mixer, None, [].append)
    session.handle({"type": "wait", "minutes": 4, "min_minutes": 3, "max_minutes": 5,
                    "language": "ru"})
    session.handle({"type": "wait", "minutes": 4, "language": "ru"})      # an older serve
    assert mixer.inserts == ["wait 3-5 min [wait_prefix n3 n5 minute_5]",
                             "wait 4 min [wait_prefix n4 minute_2]"]
    session.handle({"type": "remaining", "seconds": 40})
    session.handle({"type": "remaining", "seconds": None})
    session.handle({"type": "remaining", "seconds": -1})                  # ignored, logged
    assert bed.left == [40, None]


def play(tmp_path, seconds):
    player_cache.build(tmp_path)               # advice of 1 s at 2 s, 4 s; first after 1 s
    events: list[str] = []
    program = Program(catalog_module.load(str(tmp_path)), events.append, lambda: NOON_MONDAY,
                      lambda items: list(items))
    program.wait_left(seconds)
    program.read(6 * RATE)
    return [line.split()[2] for line in events if " start (" in line]


def test_no_advice_starts_that_would_outlast_the_remaining_wait(tmp_path):
    assert play(tmp_path / "free", None) == ["a-first"]
    assert play(tmp_path / "none", 0) == []                # an agent is about to answer
    assert play(tmp_path / "short", 2) == []               # 2..3 s would outlast 2 s
    assert play(tmp_path / "one", 3) == ["a-first"]        # 2..3 s: ends as the wait does
