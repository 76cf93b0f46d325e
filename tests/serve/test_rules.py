"""Key and announcement rules, driven by a fake clock."""

from dataclasses import replace

from progmoh.player.serve.rules import KeyRules, PositionAnnouncer
from progmoh.player.serve.settings import KeySettings
from tests.support.fake_clock import FakeClock

KEYS = KeySettings(balance="2", next_music="3", position="4", min_interval_s=3.0,
                   position_every_s=120.0, announce_position_change=True)


def test_default_keys_map_to_actions():
    rules = KeyRules(KEYS, FakeClock())
    assert [rules.on_digit("1.1", d) for d in "2341*#"] == [
        "balance", "next_music", "position", None, None, None]


def test_repeated_key_is_ignored_within_the_interval():
    clock = FakeClock()
    rules = KeyRules(KEYS, clock)
    assert rules.on_digit("1.1", "2") == "balance"
    clock.advance(2.9)
    assert rules.on_digit("1.1", "2") is None
    clock.advance(0.1)
    assert rules.on_digit("1.1", "2") == "balance"


def test_ignored_press_does_not_extend_the_interval():
    clock = FakeClock()
    rules = KeyRules(KEYS, clock)
    rules.on_digit("1.1", "3")
    clock.advance(2.0)
    assert rules.on_digit("1.1", "3") is None
    clock.advance(1.0)
    assert rules.on_digit("1.1", "3") == "next_music"


def test_interval_is_per_key_and_per_call():
    rules = KeyRules(KEYS, FakeClock())
    assert rules.on_digit("1.1", "2") == "balance"
    assert rules.on_digit("1.1", "4") == "position"
    assert rules.on_digit("2.2", "2") == "balance"
    assert rules.on_digit("1.1", "2") is None


def test_forget_clears_a_call():
    rules = KeyRules(KEYS, FakeClock())
    rules.on_digit("1.1", "2")
    rules.forget("1.1")
    assert rules.on_digit("1.1", "2") == "balance"


def test_keys_come_from_config_and_empty_disables():
    rules = KeyRules(replace(KEYS, balance="9", next_music="", position="*"), FakeClock())
    assert [rules.on_digit("1.1", d) for d in "92*3"] == ["balance", None, "position", None]


def test_position_announced_when_first_known_and_when_changed():
    """The tracker reports a position only when it changes, so an unchanged one is never
    said again (tests/serve/test_serve_core.py, where the record keeps the position)."""
    announcer = PositionAnnouncer(KEYS, FakeClock())
    assert announcer.on_position("1.1", 3) is True
    assert announcer.on_position("1.1", 2) is True
    assert announcer.on_position("1.1", 0) is False


def test_position_change_not_announced_when_switched_off():
    announcer = PositionAnnouncer(replace(KEYS, announce_position_change=False), FakeClock())
    assert announcer.on_position("1.1", 3) is False
    assert announcer.on_position("1.1", 2) is False


def test_periodic_announcement_every_period():
    clock = FakeClock()
    announcer = PositionAnnouncer(KEYS, clock)
    announcer.on_position("1.1", 5)
    assert announcer.next_due_in("1.1", 5) == 120.0
    clock.advance(119.5)
    assert announcer.due("1.1", 5) is False
    assert announcer.next_due_in("1.1", 5) == 0.5
    clock.advance(0.5)
    assert announcer.due("1.1", 5) is True
    assert announcer.due("1.1", 5) is False
    assert announcer.next_due_in("1.1", 5) == 120.0


def test_change_and_key_restart_the_period():
    clock = FakeClock()
    announcer = PositionAnnouncer(KEYS, clock)
    announcer.on_position("1.1", 5)
    clock.advance(100.0)
    assert announcer.on_position("1.1", 4) is True
    assert announcer.next_due_in("1.1", 4) == 120.0
    clock.advance(50.0)
    announcer.announced("1.1")
    clock.advance(119.0)
    assert announcer.due("1.1", 4) is False


def test_periodic_off_without_position_or_when_zero():
    clock = FakeClock()
    announcer = PositionAnnouncer(KEYS, clock)
    assert announcer.next_due_in("1.1", 0) is None
    assert announcer.due("1.1", 0) is False
    assert announcer.next_due_in("1.1", 3) is None           # no position was ever reported
    announcer.on_position("1.1", 3)
    clock.advance(10_000.0)
    assert announcer.next_due_in("1.1", 0) is None and announcer.due("1.1", 0) is False
    off = PositionAnnouncer(replace(KEYS, position_every_s=0.0), clock)
    off.on_position("1.1", 2)
    clock.advance(10_000.0)
    assert off.next_due_in("1.1", 2) is None and off.due("1.1", 2) is False


def test_calls_are_independent_and_forgotten():
    clock = FakeClock()
    announcer = PositionAnnouncer(KEYS, clock)
    announcer.on_position("1.1", 3)
    clock.advance(60.0)
    announcer.on_position("2.2", 2)
    clock.advance(60.0)
    assert (announcer.due("1.1", 3), announcer.due("2.2", 2)) == (True, False)
    announcer.forget("1.1")
    assert announcer.next_due_in("1.1", 3) is None             # its position: the record's
    assert announcer.on_position("1.1", 3) is True
