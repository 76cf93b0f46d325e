"""serve's core when an answer or a player comes too late: after the call was forgotten,
or for a player that left while it waited for its welcome. The orders are forced by
calling the core's inputs in the racy order (test_serve_core.py holds the others)."""

import pytest
from fake_clock import FakeClock
from service_support import service_settings, write_config
from test_serve_core import ACCOUNT, NUMBER_A, A, new_core, position, sent, welcomed
from test_service import hangup, join, key, leave

from progmoh.player.serve.actions import CallForgotten
from progmoh.player.serve.billing import BalanceResult


@pytest.fixture
def settings(tmp_path):
    return service_settings(write_config(tmp_path))


def forgotten(core, clock, settings, link) -> None:
    """The call hung up, its player left, and the grace passed."""
    core.ami_event(leave(A, 1))
    core.ami_event(hangup(A))
    core.player_gone(A, link)
    clock.advance(settings.serve.call_grace_s)
    assert core.tick() == [CallForgotten(A)]


def test_a_balance_answered_after_the_call_was_forgotten_is_said_to_nobody(settings):
    clock = FakeClock()
    core = new_core(settings, clock)
    core.ami_event(join(A, NUMBER_A, 1))
    link = welcomed(core, A)
    core.ami_event(key(A, "2"))
    forgotten(core, clock, settings, link)
    assert core.balance_answered(A, link, BalanceResult("ok", (ACCOUNT,))) == []
    assert core.calls.get(A) is None


def test_a_class_read_answered_after_the_call_was_forgotten_keeps_nothing(settings):
    clock = FakeClock()
    core = new_core(settings, clock)
    core.ami_event(join(A, NUMBER_A, 1))
    forgotten(core, clock, settings, welcomed(core, A))
    assert core.choice_answered(A, NUMBER_A, "jazz") == []
    assert core.calls.get(A) is None and core.start_class(A) == ""


def test_a_player_that_left_while_it_waited_is_not_welcomed_and_the_next_hears_all(settings):
    core = new_core(settings)
    core.ami_event(join(A, NUMBER_A, 2))                     # nobody to say position 2 to
    left, newer = object(), object()
    core.player_connected(A, left)
    core.player_gone(A, left)                                # before the class was read
    core.choice_answered(A, NUMBER_A, "jazz")
    assert core.player_ready(A, left) == []
    assert core.calls.get(A).link is None
    core.player_connected(A, newer)
    assert sent(core.player_ready(A, newer)) == [
        (newer, "welcome", {"language": "en", "music_class": "jazz", "state": None}),
        (newer, "position", position(2))]
