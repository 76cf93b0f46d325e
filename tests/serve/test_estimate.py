"""The estimate from the agents (estimate.py, agents.py, playout.py) on the fake clock: fed
by hand-made, recorded and emulated AMI; no basis, nothing; a paused agent, a longer wait."""

import pytest

from progmoh.player.serve.estimate import WaitEstimator, app_queue_s
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
