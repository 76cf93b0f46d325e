"""Waits told and checked (accuracy.py, the core, metrics, status): each estimate said to a
call against what remained; a queue recently wrong goes quiet; the remaining wait sent to
the player; no periodic "you are number 1"."""

import dataclasses

import pytest

from progmoh.player.serve.accuracy import ABANDONED, ANSWERED, Accuracy, Told, checks
from progmoh.player.serve.actions import Count, Send
from progmoh.player.serve.cache_state import CacheState
from progmoh.player.serve.core import ServeCore
from progmoh.player.serve.metrics import Metrics
from progmoh.player.serve.status import status_report
from tests.support.ami_events import A, B, join, key, msg
from tests.support.fake_clock import FakeClock
from tests.support.service_support import service_settings, write_config

AGENTS = ("Local/a0@agents/n", "Local/a1@agents/n")


def told(at_s=0.0, low_s=60.0, expected_s=120.0, high_s=180.0) -> Told:
    return Told(at_s, low_s, expected_s, high_s)


def test_an_answered_call_checks_each_wait_it_was_told():
    found = checks((told(0.0), told(100.0)), ANSWERED, 150.0)
    assert [(c.error_s, c.in_range) for c in found] == [(-30.0, True), (70.0, True)]
    assert checks((told(0.0),), ANSWERED, 400.0)[0].in_range is False   # 240 s over the top


def test_an_abandoned_call_is_checked_only_once_it_waited_past_the_top():
    assert checks((told(0.0),), ABANDONED, 200.0) == []              # it might have been right
    [check] = checks((told(0.0),), ABANDONED, 300.0)
    assert (check.error_s, check.in_range) == (-180.0, False)


def test_a_queue_whose_recent_waits_were_wrong_goes_quiet_until_they_age_out():
    accuracy = Accuracy()
    accuracy.add("q", checks((told(0.0),) * 3, ANSWERED, 500.0))
    assert accuracy.quiet("q", 500.0) is False                     # three: too few to judge
    accuracy.add("q", checks((told(400.0),), ANSWERED, 520.0))     # right
    accuracy.add("q", checks((told(0.0),), ANSWERED, 530.0))
    assert accuracy.quiet("q", 530.0) is True                      # 4 of 5 wrong
    [recent] = accuracy.recent(530.0)
    assert (recent.queue, recent.checked, recent.quiet) == ("q", 5, True)
    assert recent.in_range_share == pytest.approx(0.2)
    assert accuracy.quiet("q", 530.0 + 901.0) is False and accuracy.recent(1431.0) == ()


@pytest.fixture
def settings(tmp_path):
    base = service_settings(write_config(tmp_path))
    return dataclasses.replace(base, keys=dataclasses.replace(
        base.keys, advice_within_wait=True, position_every_s=60.0))


def staffed_core(settings, clock) -> ServeCore:
    core = ServeCore(settings.serve, settings.programs, clock)
    for agent in AGENTS:
        core.ami_event(msg(Event="QueueMemberAdded", Queue="testq", Interface=agent, Paused=0))
    for talk_s in (100, 200, 300):
        for event in ("AgentConnect", "AgentComplete"):
            core.ami_event(msg(Event=event, Queue="testq", Uniqueid="0.1", Interface=AGENTS[0],
                               HoldTime=0, TalkTime=talk_s))
    for agent in AGENTS:                                          # both busy from now
        core.ami_event(msg(Event="AgentConnect", Queue="testq", Uniqueid="0.2",
                           Interface=agent, HoldTime=0))
    return core


def welcomed(core, uid):
    link = object()
    core.player_connected(uid, link)
    core.player_ready(uid, link)
    return link


def sent(actions):
    return [(a.kind, a.fields) for a in actions if isinstance(a, Send)]


def test_key_5_says_a_range_and_the_answer_checks_it(settings):
    clock = FakeClock()
    core = staffed_core(settings, clock)
    welcomed(core, A)
    core.ami_event(join(A, "+15551230001", 3))
    [(kind, fields)] = [s for s in sent(core.ami_event(key(A, "5"))) if s[0] == "wait"]
    assert fields["min_minutes"] < fields["max_minutes"] and fields["language"] == "en"
    [said] = core.calls.get(A).told
    clock.advance(said.expected_s)
    actions = core.ami_event(msg(Event="AgentConnect", Queue="testq", Uniqueid=A,
                                 Interface=AGENTS[0], HoldTime=int(said.expected_s)))
    assert actions == [Count("wait_checks", (ANSWERED, "in_range"), seconds=0.0)]
    assert core.calls.get(A).told == ()
    metrics = Metrics()
    metrics.count("wait_checks", (ANSWERED, "in_range"), seconds=0.0)
    scraped = metrics.scrape().decode()
    checked = 'progmoh_wait_estimates_checked_total{outcome="answered",range="in_range"} 1.0'
    assert checked in scraped
    assert 'progmoh_wait_estimate_error_seconds_count{outcome="answered"} 1.0' in scraped
    health = status_report(core.snapshot(CacheState()))["health"]
    assert health["waits"] == [{"queue": "testq", "checked": 1, "mean_abs_error_s": 0.0,
                                "p90_abs_error_s": 0.0, "in_range_share": 1.0, "quiet": False}]


def test_a_quiet_queue_says_no_wait(settings):
    clock = FakeClock()
    core = staffed_core(settings, clock)
    core.accuracy.add("testq", checks((told(clock() - 900.0),) * 4, ANSWERED, clock()))
    welcomed(core, A)
    core.ami_event(join(A, "+15551230001", 2))
    assert [s for s in sent(core.ami_event(key(A, "5"))) if s[0] == "wait"] == []
    assert core.calls.get(A).told == ()


def test_the_player_hears_the_remaining_wait_and_nothing_at_the_head_with_an_agent_soon(
        settings):
    clock = FakeClock()
    core = staffed_core(settings, clock)
    welcomed(core, A), welcomed(core, B)
    core.ami_event(join(A, "+15551230001", 1)), core.ami_event(join(B, "+15551230002", 2))
    clock.advance(1.0)
    first = dict((a.link, a.fields) for a in core.tick() if isinstance(a, Send)
                 and a.kind == "remaining")
    assert len(first) == 2 and all(f["seconds"] > 0 for f in first.values())
    assert [a for a in core.tick() if isinstance(a, Send)] == []    # not moved: not again
    clock.advance(280.0)            # both calls longer than any seen: an agent is free soon
    ticked = [(a.kind, a.fields) for a in core.tick() if isinstance(a, Send)]
    assert ("remaining", {"seconds": 0}) in ticked                   # the head: no advice
    assert ("position", {"position": 1, "language": "en"}) not in ticked
    assert ("position", {"position": 2, "language": "en"}) in ticked  # periodic behind it
