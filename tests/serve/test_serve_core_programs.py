"""Programs in serve's core, on the fake clock: the lookup names a call's program, and its
keys, announcements, language, progress and remembered class are that program's.

Two programs: the default one (the top-level tables: keys 2 to 5, position said
on change and every 120 s, English) and "sales" (no balance key, no position
on change, every 60 s with the wait after it, Russian)."""

import dataclasses

import pytest

from progmoh.player.programs import DEFAULT_PROGRAM
from progmoh.player.protocol import CallState
from progmoh.player.serve.actions import CallForgotten, Count, LookUpBalance, Send, WriteChoice
from progmoh.player.serve.cache_state import CacheState
from progmoh.player.serve.core import ServeCore
from tests.support.ami_events import A, B, hangup, join, key, leave, msg
from tests.support.fake_clock import FakeClock
from tests.support.service_support import service_settings, write_config

NUMBER_A, NUMBER_B = "+15551230001", "+15551230002"
SALES = """
[programs.sales]
language = "ru"
[programs.sales.keys]
balance = ""
position_every_s = 60.0
announce_position_change = false
announce_wait = true
"""
HEARD_IN_A = CallState(music_class="jazz", track_index=1, offset_samples=8000,
                       advice_played=("01-welcome",), advice_item="tip", advice_samples=400)


@pytest.fixture
def settings(tmp_path):
    settings = service_settings(write_config(tmp_path, extra=SALES))
    assert [p.name for p in settings.programs] == [DEFAULT_PROGRAM, "sales"]
    return settings


def new_core(settings, clock=None) -> ServeCore:
    return ServeCore(settings.serve, settings.programs, clock or FakeClock(),
                     billing_backend=settings.billing.backend)


def sent(actions) -> list:
    """(link, kind, fields) of every Send, in order."""
    return [(a.link, a.kind, a.fields) for a in actions if isinstance(a, Send)]


def welcomed(core, uid, program=None):
    """A player of the call (playing ``program``: None, the call's), welcomed; (its link,
    its welcome's fields)."""
    link = object()
    core.player_connected(uid, link, program)
    (_, kind, fields), *_ = sent(core.player_ready(uid, link))
    assert kind == "welcome"
    return link, fields


def state_message(state: CallState) -> dict:
    return {"type": "state", "state": dataclasses.asdict(state)}


def queued(core, uid, number, program, queue="testq", position=1, **headers):
    core.class_requested(uid, program)
    return core.ami_event(msg(Event="QueueCallerJoin", Uniqueid=uid, CallerIDNum=number,
                              Channel=f"PJSIP/caller-{uid}", Queue=queue, Position=position,
                              Count=position, **headers))


def test_the_lookup_names_the_program_and_a_call_met_only_there_is_kept_for_the_grace(settings):
    clock = FakeClock()
    core = new_core(settings, clock)
    assert core.class_requested(A, DEFAULT_PROGRAM) == [] and core.calls.get(A) is None
    assert core.class_requested(B, "nosuch") == [] and core.calls.get(B) is None  # the default
    core.class_requested(A, "sales")
    assert core.calls.get(A).program == "sales"
    core.class_requested(B, "sales")
    core.ami_event(join(B, NUMBER_B, 1, queue="sales"))      # AMI claims B, not A
    clock.advance(settings.serve.call_grace_s)
    assert core.tick() == [CallForgotten(A)]
    assert core.calls.get(B).program == "sales"
    core.class_requested(B, "nosuch")                        # a name the config lacks
    assert core.calls.get(B).program == DEFAULT_PROGRAM


def test_a_key_of_the_default_program_does_nothing_in_sales_and_is_counted_as_unmapped(settings):
    core = new_core(settings)
    queued(core, A, NUMBER_A, DEFAULT_PROGRAM)
    queued(core, B, NUMBER_B, "sales", queue="sales")
    link_a, _ = welcomed(core, A)
    link_b, _ = welcomed(core, B)
    assert LookUpBalance(A, link_a, NUMBER_A) in core.ami_event(key(A, "2"))
    assert core.ami_event(key(B, "2")) == [Count("keys", ("2",))]
    assert core.ami_event(key(A, "9")) == [Count("keys", ("9",))]     # unmapped, as today
    assert sent(core.ami_event(key(B, "4"))) == [(link_b, "position", {"position": 1,
                                                                       "language": "ru"})]


def test_each_program_announces_in_its_own_rhythm_and_says_the_wait_if_it_asks(settings):
    clock = FakeClock()
    core = new_core(settings, clock)
    core.ami_resync([msg(Event="QueueParams", Queue=queue, Holdtime=90, Completed=3)
                     for queue in ("testq", "sales")])
    link_a, _ = welcomed(core, A)
    link_b, _ = welcomed(core, B, "sales")
    assert sent(queued(core, A, NUMBER_A, DEFAULT_PROGRAM, position=2)) == [
        (link_a, "position", {"position": 2, "language": "en"})]      # on change
    assert sent(queued(core, B, NUMBER_B, "sales", queue="sales", position=2)) == []
    clock.advance(60)
    assert sent(core.tick()) == [(link_b, "position", {"position": 2, "language": "ru"}),
                                 (link_b, "wait", {"minutes": 3, "min_minutes": 2,
                                                   "max_minutes": 5, "language": "ru"})]
    clock.advance(60)
    assert sent(core.tick()) == [(link_a, "position", {"position": 2, "language": "en"}),
                                 (link_b, "position", {"position": 2, "language": "ru"}),
                                 (link_b, "wait", {"minutes": 3, "min_minutes": 2,
                                                   "max_minutes": 5, "language": "ru"})]


def test_an_unrendered_channel_language_falls_back_to_the_programs(settings):
    core = new_core(settings)
    assert settings.serve.languages == ("en", "ru")
    heard = {}
    for uid, program, language in ((A, DEFAULT_PROGRAM, "de"), (B, "sales", "de"),
                                   ("1795710278.5", "sales", "en")):
        queued(core, uid, NUMBER_A, program, queue=program, Language=language)
        heard[uid] = welcomed(core, uid)[1]["language"]
    assert heard == {A: "en", B: "ru", "1795710278.5": "en"}


def test_a_transfer_a_b_a_keeps_each_programs_progress_and_gives_b_none_of_as(settings):
    core = new_core(settings)
    queued(core, A, NUMBER_A, DEFAULT_PROGRAM)
    core.choice_answered(A, NUMBER_A, {DEFAULT_PROGRAM: "jazz", "sales": "rock"})
    first, welcome = welcomed(core, A)
    assert (welcome["music_class"], welcome["state"], welcome["language"]) == ("jazz", None, "en")
    core.player_message(A, first, state_message(HEARD_IN_A))
    core.player_gone(A, first)
    core.ami_event(leave(A, 1))
    queued(core, A, NUMBER_A, "sales", queue="sales")            # the transfer to B
    assert (core.start_class(A), core.start_place(A)) == ("rock", "")
    second, welcome = welcomed(core, A, "sales")
    assert (welcome["music_class"], welcome["state"], welcome["language"]) == ("rock", None, "ru")
    heard_in_b = CallState(music_class="rock", track_index=2, advice_played=("sales-tip",))
    core.player_message(A, second, state_message(heard_in_b))
    core.player_gone(A, second)
    core.ami_event(leave(A, 1, queue="sales"))
    queued(core, A, NUMBER_A, DEFAULT_PROGRAM)                   # and back to A
    assert (core.start_class(A), core.start_place(A)) == ("jazz", "1:8000:400:tip")
    _, welcome = welcomed(core, A)
    assert welcome["state"] == HEARD_IN_A and welcome["language"] == "en"
    assert core.calls.get(A).part("sales").state == heard_in_b


def test_a_players_late_state_is_its_own_programs_even_after_the_next_lookup(settings):
    core = new_core(settings)
    queued(core, A, NUMBER_A, DEFAULT_PROGRAM)
    first, _ = welcomed(core, A)
    core.class_requested(A, "sales")                 # B's lookup beat A's player's last state
    core.player_message(A, first, state_message(HEARD_IN_A))
    record = core.calls.get(A)
    assert record.part(DEFAULT_PROGRAM).state == HEARD_IN_A
    assert record.part("sales").state is None and core.start_place(A) == ""
    late, welcome = welcomed(core, A, DEFAULT_PROGRAM)   # a player whose line says default
    assert welcome["state"] == HEARD_IN_A


def test_the_remembered_class_is_per_program_and_a_choice_is_written_for_its_program(settings):
    core = new_core(settings)
    queued(core, A, NUMBER_A, "sales", queue="sales")
    assert core.start_class(A) is None                           # the read is in flight
    core.choice_answered(A, NUMBER_A, {DEFAULT_PROGRAM: "jazz", "gone": "old"})
    assert core.start_class(A) == ""                             # nothing for sales: not jazz
    assert "gone" not in core.calls.get(A).per_program           # no such program now
    link, welcome = welcomed(core, A)
    assert welcome["music_class"] == ""
    chosen = core.player_message(A, link, {"type": "class_changed", "music_class": "rock"})
    assert chosen == [WriteChoice(NUMBER_A, "rock", "sales")]


def test_the_snapshot_shows_each_calls_program(settings):
    core = new_core(settings)
    queued(core, A, NUMBER_A, DEFAULT_PROGRAM)
    queued(core, B, NUMBER_B, "sales", queue="sales")
    snapshot = core.snapshot(CacheState())
    assert {(c.uniqueid, c.program) for c in snapshot.calls} == {(A, DEFAULT_PROGRAM),
                                                                 (B, "sales")}
    assert snapshot.health.programs == (DEFAULT_PROGRAM, "sales")
    core.ami_event(hangup(B))
    assert [c.uniqueid for c in core.snapshot(CacheState()).calls] == [A]
