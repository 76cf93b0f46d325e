"""serve's core on the fake clock: events in, actions out, no sockets and no event loop.

A player's link is a bare object here: the core only compares links and names
one in an action, so which player hears what is read off the actions."""

import ast
from pathlib import Path

import pytest

from progmoh.player.programs import DEFAULT_PROGRAM
from progmoh.player.protocol import Account, ProtocolError
from progmoh.player.serve.actions import (
    CallForgotten,
    CallOnAmi,
    Count,
    LookUpBalance,
    PrefetchBalance,
    ReadChoice,
    Send,
    WriteChoice,
)
from progmoh.player.serve.billing import BalanceResult
from progmoh.player.serve.cache_state import CacheState
from progmoh.player.serve.core import ServeCore
from tests.support.ami_events import A, B, hangup, join, key, leave, msg
from tests.support.fake_clock import FakeClock
from tests.support.service_support import service_settings, write_config

NUMBER_A, NUMBER_B = "+15551230001", "+15551230002"
ACCOUNT = Account("123456", "1520.50", "RUB")


@pytest.fixture
def settings(tmp_path):
    return service_settings(write_config(tmp_path))


def new_core(settings, clock=None) -> ServeCore:
    return ServeCore(settings.serve, settings.programs, clock or FakeClock(),
                     billing_backend=settings.billing.backend)


def sent(actions) -> list:
    """(link, kind, fields) of every Send, in order."""
    return [(a.link, a.kind, a.fields) for a in actions if isinstance(a, Send)]


def position(value: int) -> dict:
    return {"position": value, "language": "en"}


def welcomed(core, uid, link=None):
    """A player of the call, connected and welcomed; its link."""
    link = link or object()
    core.player_connected(uid, link)
    core.player_ready(uid, link)
    return link


def test_a_queued_caller_is_prefetched_read_and_welcomed_with_class_and_position(settings):
    core = new_core(settings)
    link = object()
    core.player_connected(A, link)
    joined = core.ami_event(join(A, NUMBER_A, 2))
    assert joined == [PrefetchBalance(NUMBER_A), ReadChoice(A, NUMBER_A), CallOnAmi(A)]
    assert core.start_class(A) is None                   # the read is in flight
    assert core.choice_answered(A, NUMBER_A, {DEFAULT_PROGRAM: "jazz"}) == []
    assert core.start_class(A) == "jazz"
    assert sent(core.player_ready(A, link)) == [
        (link, "welcome", {"language": "en", "music_class": "jazz", "state": None}),
        (link, "position", position(2))]
    record = core.calls.get(A)
    assert (record.number, record.queue, record.position, record.link) == (
        NUMBER_A, "testq", 2, link)


def test_a_position_is_said_when_first_known_and_when_changed_never_twice(settings):
    """Moved from test_rules: the record keeps the position, the tracker reports changes."""
    core = new_core(settings)
    link = welcomed(core, A)
    assert sent(core.ami_event(join(A, NUMBER_A, 3))) == [(link, "position", position(3))]
    assert sent(core.ami_event(join(A, NUMBER_A, 3))) == []
    assert sent(core.ami_event(join(A, NUMBER_A, 2))) == [(link, "position", position(2))]
    assert core.calls.get(A).position == 2
    core.ami_event(hangup(A))
    assert core.calls.get(A).position == 0


def test_a_balance_goes_to_the_player_that_asked(settings):
    core = new_core(settings)
    core.ami_event(join(A, NUMBER_A, 1))
    link = welcomed(core, A)
    asked = core.ami_event(key(A, "2"))
    assert LookUpBalance(A, link, NUMBER_A) in asked and sent(asked) == []
    answer = core.balance_answered(A, link, BalanceResult("ok", (ACCOUNT,)))
    assert sent(answer) == [(link, "balance", {"status": "ok", "language": "en", "accounts": [
        {"account": "123456", "balance": "1520.50", "currency": "RUB", "locked": False}]})]
    assert Count("inserts", ("balance",)) in answer


def test_a_balance_answered_after_the_player_went_is_said_to_nobody(settings):
    core = new_core(settings)
    core.ami_event(join(A, NUMBER_A, 1))
    link = welcomed(core, A)
    core.ami_event(key(A, "2"))
    core.player_gone(A, link)
    assert core.balance_answered(A, link, BalanceResult("ok", (ACCOUNT,))) == []


def test_a_balance_answered_after_a_newer_player_took_over_is_said_to_nobody(settings):
    core = new_core(settings)
    core.ami_event(join(A, NUMBER_A, 1))
    first = welcomed(core, A)
    core.ami_event(key(A, "2"))
    newer = welcomed(core, A)                  # admitted: the first's process had died
    assert core.balance_answered(A, first, BalanceResult("ok", (ACCOUNT,))) == []
    assert core.calls.get(A).link is newer


def test_a_balance_answered_after_the_hangup_is_said_to_nobody(settings):
    core = new_core(settings)
    core.ami_event(join(A, NUMBER_A, 1))
    link = welcomed(core, A)
    core.ami_event(key(A, "2"))
    core.ami_event(hangup(A))
    assert core.balance_answered(A, link, BalanceResult("ok", (ACCOUNT,))) == []


def test_key_2_without_a_number_is_unavailable_at_once(settings):
    core = new_core(settings)
    core.ami_event(join(A, "<unknown>", 1))
    link = welcomed(core, A)
    pressed = core.ami_event(key(A, "2"))
    assert not any(isinstance(a, LookUpBalance) for a in pressed)
    assert sent(pressed) == [(link, "balance", {"status": "unavailable", "language": "en",
                                                "accounts": []})]


def test_a_balance_too_big_for_one_message_is_unavailable(settings, caplog):
    core = new_core(settings)
    core.ami_event(join(A, NUMBER_A, 1))
    link = welcomed(core, A)
    accounts = tuple(Account(f"{n:020d}", "123456.78", "RUB") for n in range(600))
    answer = core.balance_answered(A, link, BalanceResult("ok", accounts))
    assert sent(answer) == [(link, "balance", {"status": "unavailable", "language": "en",
                                               "accounts": []})]
    assert answer.count(Count("inserts", ("balance",))) == 1
    assert "too big for one message" in caplog.text


def test_a_class_read_while_a_newer_player_connects_welcomes_only_the_newer(settings):
    core = new_core(settings)
    core.ami_event(join(A, NUMBER_A, 1))
    first, newer = object(), object()
    core.player_connected(A, first)
    core.player_connected(A, newer)
    core.choice_answered(A, NUMBER_A, {DEFAULT_PROGRAM: "jazz"})
    assert core.player_ready(A, first) == []
    assert sent(core.player_ready(A, newer))[0] == (
        newer, "welcome", {"language": "en", "music_class": "jazz", "state": None})


def test_a_class_read_for_a_number_since_changed_is_dropped(settings):
    core = new_core(settings)
    core.ami_event(msg(Event="NewCallerid", Uniqueid=A, CallerIDNum=NUMBER_A))
    assert core.ami_event(join(A, NUMBER_B, 1))[-1] == ReadChoice(A, NUMBER_B)
    core.choice_answered(A, NUMBER_A, {DEFAULT_PROGRAM: "jazz"})
    assert core.start_class(A) is None
    core.choice_answered(A, NUMBER_B, {DEFAULT_PROGRAM: "calm"})
    assert core.start_class(A) == "calm"


def test_a_player_of_a_call_ami_does_not_know_hears_no_remembered_class(settings):
    core = new_core(settings)
    core.ami_event(join(A, NUMBER_A, 1))
    core.choice_answered(A, NUMBER_A, {DEFAULT_PROGRAM: "jazz"})
    core.ami_down()
    link = object()
    core.player_connected(A, link)
    assert sent(core.player_ready(A, link)) == [
        (link, "welcome", {"language": "en", "music_class": "", "state": None})]


def test_after_ami_is_lost_keys_do_nothing_and_a_resync_brings_the_call_back(settings):
    core = new_core(settings)
    core.ami_event(join(A, NUMBER_A, 1))
    link = welcomed(core, A)
    core.ami_down()
    assert core.ami_event(key(A, "2")) == []
    again = core.ami_resync([msg(Event="QueueEntry", Queue="testq", Position=1, Uniqueid=A,
                                 CallerIDNum=NUMBER_A)])
    assert PrefetchBalance(NUMBER_A) in again                  # known again, as if new
    assert sent(again) == [(link, "position", position(1))]


def test_periodic_announcements_and_forgetting_after_the_grace(settings):
    clock = FakeClock()
    core = new_core(settings, clock)
    core.ami_event(join(A, NUMBER_A, 3))
    link = welcomed(core, A)
    clock.advance(settings.keys.position_every_s - 1)
    assert sent(core.tick()) == []
    clock.advance(1)
    ticked = core.tick()
    assert sent(ticked) == [(link, "position", position(3))]
    assert Count("announcements", ("periodic",)) in ticked
    core.ami_event(leave(A, 3))
    core.ami_event(hangup(A))
    core.player_gone(A, link)
    clock.advance(settings.serve.call_grace_s - 1)
    assert core.tick() == [] and core.calls.get(A) is not None
    clock.advance(1)
    assert core.tick() == [CallForgotten(A)] and core.calls.get(A) is None


def test_only_the_welcomed_players_state_counts_and_its_audio_adds_up(settings):
    core = new_core(settings)
    core.ami_event(join(A, NUMBER_A, 1))
    link, stranger = welcomed(core, A), object()
    state = {"type": "state", "state": {"music_class": "calm"}, "audio": {
        "blocked_writes": 2, "schedule_resets": 0, "skipped_objects": 0, "internal_errors": 0}}
    assert core.player_message(A, stranger, state) == []
    assert core.calls.get(A).state is None
    assert core.player_message(A, link, state) == [Count("audio_problems", ("blocked_writes",), 2)]
    state["audio"]["blocked_writes"] = 3
    assert core.player_message(A, link, state) == [Count("audio_problems", ("blocked_writes",), 1)]
    assert core.calls.get(A).state.music_class == "calm"
    assert core.start_place(A) == "0:0:0:"


def test_a_chosen_class_is_written_for_the_callers_number_and_a_bad_one_drops_the_player(settings):
    core = new_core(settings)
    core.ami_event(join(A, NUMBER_A, 1))
    link = welcomed(core, A)
    chosen = core.player_message(A, link, {"type": "class_changed", "music_class": "rock"})
    assert chosen == [WriteChoice(NUMBER_A, "rock")]
    with pytest.raises(ProtocolError):
        core.player_message(A, link, {"type": "class_changed", "music_class": ""})


def test_the_snapshot_holds_the_calls_on_hold_and_the_health(settings):
    clock = FakeClock()
    core = new_core(settings, clock)
    core.ami_up()
    core.ami_event(join(A, NUMBER_A, 2))
    core.ami_event(join(B, NUMBER_B, 1))
    core.ami_event(leave(B, 1))                              # B hung on, off the queue
    welcomed(core, A)
    core.billing_observed("ok", 0.1)
    clock.advance(65)
    core.ami_event(key(A, "4"))
    snapshot = core.snapshot(CacheState())
    call, = snapshot.calls
    assert (call.uniqueid, call.number, call.queue, call.position, call.waited_s, call.keys,
            call.player) == (A, NUMBER_A, "testq", 1, 65.0, ("4",), True)
    health = snapshot.health
    assert (health.ami_connected, health.ami_last_event_age_s, health.billing_backend,
            health.last_billing, health.players_connected) == (True, 0.0, "command", "ok", 1)


def test_the_core_has_no_sockets_tasks_threads_or_clock_of_its_own():
    import progmoh.player.serve.core as core_module
    tree = ast.parse(Path(core_module.__file__).read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert imported == {"dataclasses", "logging", "progmoh"}
    assert not any(isinstance(node, (ast.AsyncFunctionDef, ast.Await)) for node in ast.walk(tree))


# -- an answer or a player that comes too late, in the racy order -----------------------
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
    assert core.choice_answered(A, NUMBER_A, {DEFAULT_PROGRAM: "jazz"}) == []
    assert core.calls.get(A) is None and core.start_class(A) == ""


def test_a_player_that_left_while_it_waited_is_not_welcomed_and_the_next_hears_all(settings):
    core = new_core(settings)
    core.ami_event(join(A, NUMBER_A, 2))                     # nobody to say position 2 to
    left, newer = object(), object()
    core.player_connected(A, left)
    core.player_gone(A, left)                                # before the class was read
    core.choice_answered(A, NUMBER_A, {DEFAULT_PROGRAM: "jazz"})
    assert core.player_ready(A, left) == []
    assert core.calls.get(A).link is None
    core.player_connected(A, newer)
    assert sent(core.player_ready(A, newer)) == [
        (newer, "welcome", {"language": "en", "music_class": "jazz", "state": None}),
        (newer, "position", position(2))]
