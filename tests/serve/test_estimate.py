"""The estimate from the agents (estimate.py, agents.py, playout.py) on the fake clock: fed
by hand-made, recorded and emulated AMI; no basis, nothing; a paused agent, a longer wait."""

import pytest

from progmoh.player.serve.estimate import WaitEstimator, app_queue_s
from progmoh.player.serve.playout import Away, Question, play_out
from progmoh.player.sim.ami_emulator import AmiEmulator, Caller
from tests.support import ami_recordings as rec
from tests.support.ami_events import msg
from tests.support.fake_clock import FakeClock
from tests.support.service_support import service_settings, write_config

Q = "support"


@pytest.fixture
def settings_core(tmp_path):
    from progmoh.player.serve.core import ServeCore
    settings, clock = service_settings(write_config(tmp_path)), FakeClock()
    return ServeCore(settings.serve, settings.programs, clock), clock


def member(event, agent, paused=0):
    return msg(Event=event, Queue=Q, MemberName=agent, Interface=agent, Paused=paused)


def agent_call(event, agent, talk_s=0):
    return msg(Event=event, Queue=Q, Uniqueid="9.9", Interface=agent, MemberName=agent,
               HoldTime=10, TalkTime=talk_s)


def staffed(agents=2, handles_s=(100, 200, 300)) -> WaitEstimator:
    """A queue with ``agents`` idle members and a few calls behind it."""
    estimator = WaitEstimator()
    for index in range(agents):
        estimator.on_event(member("QueueMemberAdded", f"Local/a{index}@agents/n"), 0.0)
    for talk_s in handles_s:
        estimator.on_event(agent_call("AgentConnect", "Local/a0@agents/n"), 0.0)
        estimator.on_event(agent_call("AgentComplete", "Local/a0@agents/n", talk_s), 0.0)
    return estimator


def busy(estimator, now_s, *agents):
    for agent in agents:
        estimator.on_event(agent_call("AgentConnect", agent), now_s)


def test_no_basis_no_estimate():
    estimator = WaitEstimator()
    assert estimator.estimate(Q, 1, 0.0) is None                  # nothing known at all
    estimator.on_event(member("QueueMemberAdded", "Local/a0@agents/n", paused=1), 0.0)
    assert estimator.estimate(Q, 1, 0.0) is None                  # known, nobody serving
    assert estimator.remaining_s(Q, 1, 0.0) is None
    assert staffed().estimate(Q, 0, 0.0) is None                  # not waiting


def test_an_idle_agent_answers_at_once_and_busy_ones_when_their_calls_end():
    estimator = staffed()
    assert estimator.estimate(Q, 1, 0.0).expected_s == 0.0
    busy(estimator, 0.0, "Local/a0@agents/n", "Local/a1@agents/n")
    found = estimator.estimate(Q, 1, 50.0)        # both 50 s in: 50, 150 or 250 s left
    assert 0.0 <= found.low_s < found.expected_s <= found.high_s
    assert 50.0 <= found.expected_s <= 250.0
    assert estimator.agent_soon(Q, 1, 50.0) is False
    assert estimator.agent_soon(Q, 1, 290.0) is True              # calls longer than all seen


def test_further_back_waits_longer_and_pausing_an_agent_makes_it_longer():
    estimator = staffed()
    busy(estimator, 0.0, "Local/a0@agents/n", "Local/a1@agents/n")
    second, fourth = (estimator.estimate(Q, p, 10.0).expected_s for p in (2, 4))
    assert second < fourth
    estimator.on_event(member("QueueMemberPause", "Local/a1@agents/n", paused=1), 10.0)
    assert estimator.estimate(Q, 4, 10.0).expected_s > fourth
    estimator.on_event(member("QueueMemberRemoved", "Local/a0@agents/n"), 10.0)
    assert estimator.estimate(Q, 4, 10.0) is None                 # nobody left to answer


def test_the_same_question_in_the_same_second_has_the_same_answer():
    one, other = staffed(), staffed()
    for estimator in (one, other):
        busy(estimator, 0.0, "Local/a0@agents/n", "Local/a1@agents/n")
    assert one.estimate(Q, 3, 20.4) == other.estimate(Q, 3, 20.4) is not None


def test_a_resync_replaces_the_members_and_keeps_a_call_in_progress():
    estimator = staffed()
    busy(estimator, 0.0, "Local/a0@agents/n")
    estimator.on_resync([msg(Event="QueueParams", Queue=Q, Holdtime=30, Completed=3),
                         msg(Event="QueueMember", Queue=Q, Name="a0",
                             Location="Local/a0@agents/n", InCall=1, Paused=0),
                         msg(Event="QueueMember", Queue=Q, Name="a2",
                             Location="Local/a2@agents/n", InCall=0, Paused=1)], 40.0)
    serving = estimator.agents.serving(Q)
    assert [m.call_since_s for m in serving] == [0.0] and estimator.agents.paused(Q) == 1
    estimator.on_resync([msg(Event="QueueParams", Queue=Q, Holdtime=30, Completed=3)], 50.0)
    assert estimator.estimate(Q, 1, 50.0) is None                 # the resync lists nobody


def test_without_members_named_the_average_times_the_position_with_a_wide_range():
    estimator = WaitEstimator()
    estimator.on_resync([msg(Event="QueueParams", Queue=Q, Holdtime=60, Completed=4)], 0.0)
    found = estimator.estimate(Q, 3, 0.0)
    assert (found.low_s, found.expected_s, found.high_s) == (90.0, 180.0, 270.0)


def test_app_queues_formula_is_its_average_less_the_time_waited_absolute():
    assert (app_queue_s(120, 30), app_queue_s(120, 200)) == (90, 80)


def test_the_recorded_abandons_teach_the_abandon_rate_and_no_member_means_no_agents(
        settings_core):
    """three-callers-positions through the core: three callers join, each abandons; the
    QueueStatus answers list no member (the lab queue has none) and no completed call."""
    core, clock = settings_core
    messages = rec.messages("three-callers-positions")
    resync: list = []
    for message in messages:
        clock.advance(1.0)
        if message.event in ("QueueParams", "QueueEntry"):
            resync.append(message)
        elif message.event == "QueueStatusComplete":
            core.ami_resync(resync)
            resync = []
        elif message.event:
            core.ami_event(message)
    assert sum(m.event == "QueueCallerAbandon" for m in messages) == 3
    assert core.estimator.abandon_rate("testq") > 0
    assert not core.estimator.agents.known("testq")
    assert core.estimator.estimate("testq", 1, clock()) is None      # Holdtime 0, Completed 0


def test_emulated_agents_through_their_ami_bytes():
    """The emulator's member and agent events, as bytes parsed back, feed the estimator."""
    from progmoh.player.serve.ami.message import parse
    clock, estimator = FakeClock(0.0), WaitEstimator()
    emulator = AmiEmulator("u", "s", queue=Q, clock=clock)
    emulator.listeners.append(lambda data: estimator.on_event(parse(data.rstrip(b"\r\n")),
                                                              clock()))
    callers = [Caller.local(f"1.{i}", f"+1555000{i}", "C", i) for i in range(6)]
    for agent in ("Local/a0@agents/n", "Local/a1@agents/n"):
        emulator.add_member(agent)
    for caller, agent in zip(callers[:4], ("Local/a0@agents/n", "Local/a1@agents/n") * 2,
                             strict=True):
        emulator.join(caller)
        emulator.answer(caller, agent)
        clock.advance(120)
        emulator.complete(caller, agent, 120)
    emulator.join(callers[4])
    emulator.answer(callers[4], "Local/a0@agents/n")          # a0 busy, a1 idle
    both = estimator.estimate(Q, 2, clock())
    emulator.pause_member("Local/a1@agents/n", True)
    one = estimator.estimate(Q, 2, clock())
    assert both is not None and one is not None and one.expected_s > both.expected_s
    assert estimator.agents.paused(Q) == 1


def on_a_break_again(seen_begin: bool) -> WaitEstimator:
    """a1 takes a 300 s break serve sees whole, then from 900 s another: one whose start
    serve saw (a QueueMemberPause), or one it did not (a1 logs in again, paused); a0 takes
    a call at 1000 s."""
    estimator = staffed()
    a1 = "Local/a1@agents/n"
    estimator.on_event(member("QueueMemberPause", a1, paused=1), 0.0)
    estimator.on_event(member("QueueMemberPause", a1, paused=0), 300.0)
    if seen_begin:
        estimator.on_event(member("QueueMemberPause", a1, paused=1), 900.0)
    else:
        estimator.on_event(member("QueueMemberRemoved", a1), 900.0)
        estimator.on_event(member("QueueMemberAdded", a1, paused=1), 900.0)
    busy(estimator, 1000.0, "Local/a0@agents/n")
    return estimator


def test_a_break_seen_whole_teaches_its_length_and_an_agent_on_one_is_expected_back():
    seen, unseen = on_a_break_again(True), on_a_break_again(False)
    assert seen.agents.pauses_s(Q) == unseen.agents.pauses_s(Q) == (300.0,)
    assert [m.paused_since_s for m in seen.agents.away(Q)] == [900.0]
    assert unseen.agents.away(Q) == []                            # joined paused: no start
    # at 1000 s a1 is 100 s into a break like the one of 300 s: back in 200 s; a0 is busy
    assert seen.estimate(Q, 3, 1000.0).expected_s < unseen.estimate(Q, 3, 1000.0).expected_s
    # at 1300 s it is away longer than every break seen: not counted on
    assert seen.estimate(Q, 3, 1300.0) == unseen.estimate(Q, 3, 1300.0)


def test_a_resync_keeps_the_breaks_learned_and_the_start_of_one_in_progress():
    estimator = on_a_break_again(True)
    estimator.on_resync([msg(Event="QueueParams", Queue=Q, Holdtime=30, Completed=3),
                         msg(Event="QueueMember", Queue=Q, Location="Local/a0@agents/n",
                             InCall=1, Paused=0),
                         msg(Event="QueueMember", Queue=Q, Location="Local/a1@agents/n",
                             InCall=0, Paused=1),
                         msg(Event="QueueMember", Queue=Q, Location="Local/a2@agents/n",
                             InCall=0, Paused=1)], 1010.0)
    assert estimator.agents.pauses_s(Q) == (300.0,)
    assert [m.paused_since_s for m in estimator.agents.away(Q)] == [900.0]   # a2's: unseen
    estimator.on_event(member("QueueMemberPause", "Local/a1@agents/n", paused=0), 1100.0)
    assert estimator.agents.pauses_s(Q) == (300.0, 200.0)


def test_an_agent_is_back_when_its_break_and_the_call_it_paused_in_are_both_over():
    """One busy agent with 1000 s left; one 50 s into a break that lasts 100 s: idle, it is
    back first; still in a call with 1000 s left, it is back when that call ends."""
    def answered_s(away_talked_s):
        return play_out(Question((0.0,), (1000.0,), 0.0, 1,
                                 (Away(50.0, away_talked_s),), (100.0,)), "seed").median_s
    assert answered_s(None) == 50.0
    assert answered_s(0.0) == 1000.0
    assert play_out(Question((0.0,), (1000.0,), 0.0, 1, (Away(150.0),), (100.0,)),
                    "seed").median_s == 1000.0                    # away past every break
