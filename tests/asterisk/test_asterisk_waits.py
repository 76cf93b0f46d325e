"""On a real Asterisk: the estimated wait a caller hears follows the agents.

Two agents (Local channels that talk 30 s a call) answer two calls, so serve
learns a handle time; two more calls keep both busy and three callers wait,
the caller under test fourth.  Key 5 says about a minute (both agents free
in under 30 s take the two ahead, the third ahead waits for the next, then
it is the caller's turn); once one agent is paused (AMI QueuePause while in
its call) key 5 says more (one agent answers the three ahead in turn).
What was said is what the caller's player logged as played.
"""

import re

import pytest

from tests.support.asterisk_lab import wait_until

pytestmark = pytest.mark.asterisk

QUEUE = "waits"                   # ringinuse = no (tests/support/asterisk_conf.py)
AGENTS = ("Local/talk1@agents/n", "Local/talk2@agents/n")
WAIT_PLAYED = re.compile(r"insert wait (\d+)(?:-(\d+))? min")


def answered(lab, caller, mark):
    lab.events.wait(lambda m: m.get("Event") == "AgentConnect"
                    and m.get("Uniqueid") == caller.call_id, 10.0,
                    f"AgentConnect of {caller.call_id}", mark)


def dialled(lab, admin, prefix: str) -> list:
    """Two callers the two agents answer once their players play (the agents are paused
    until then: an answer within milliseconds of the music's start races its player)."""
    callers = [lab.call(f"{prefix}{i}", QUEUE, kind="local") for i in range(2)]
    for agent in AGENTS:
        admin.action("QueuePause", Queue=QUEUE, Interface=agent, Paused="false")
    for caller in callers:
        answered(lab, caller, caller.mark)
    return callers


def waits_played(lab, caller) -> list[tuple[int, int]]:
    """(low, high) minutes of every wait the caller's player played, in order."""
    found = [WAIT_PLAYED.search(line) for line in lab.player_log_text().splitlines()
             if caller.call_id in line]
    return [(int(m[1]), int(m[2] or m[1])) for m in found if m]


def test_a_paused_agent_makes_the_announced_wait_longer(lab):
    lab.start({})
    admin = lab.asterisk.session()
    lab.sessions.append(admin)
    for agent in AGENTS:
        admin.action("QueueAdd", Queue=QUEUE, Interface=agent, Paused="true")
    first = dialled(lab, admin, "155501")
    lab.events.wait(lambda m: m.get("Event") == "AgentComplete", 40.0, "a first AgentComplete")
    lab.events.wait(lambda m: m.get("Event") == "AgentComplete"
                    and m.get("Uniqueid") == first[1].call_id, 10.0, "the second")
    for agent in AGENTS:
        admin.action("QueuePause", Queue=QUEUE, Interface=agent, Paused="true")
    dialled(lab, admin, "155502")                    # both agents busy for 30 s
    ahead = [lab.call(f"1555030{i}", QUEUE, kind="local", player=False) for i in range(3)]
    caller = lab.call("15550400", QUEUE, kind="local")
    key_s = caller.press("5")
    wait_until(lambda: len(waits_played(lab, caller)) == 1, 5.0,
               f"the first wait played\n{lab.player_log(caller)}\n{lab.serve.log_text()[-3000:]}")
    mark = len(lab.events.messages)
    paused = admin.action("QueuePause", Queue=QUEUE, Interface=AGENTS[1], Paused="true")
    assert paused.get("Response") == "Success", paused
    lab.events.wait(lambda m: m.get("Event") == "QueueMemberPause"
                    and m.get("Interface") == AGENTS[1], 5.0, "QueueMemberPause", mark)
    caller.hold_until(key_s + 3.5)                    # past keys.min_interval_s
    caller.press("5")
    wait_until(lambda: len(waits_played(lab, caller)) == 2, 5.0,
               f"the second wait played\n{lab.player_log(caller)}")
    (both_low, both_high), (one_low, one_high) = waits_played(lab, caller)
    for call in ahead + [caller]:
        call.hang_up()
    assert both_high <= 1 and one_low >= 2, (
        f"two agents serving: {both_low}-{both_high} min; one paused: {one_low}-{one_high} min"
        f"\n{lab.player_log(caller)}")
