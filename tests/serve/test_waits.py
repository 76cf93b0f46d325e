"""The estimated wait: Asterisk's average hold time (QueueParams), moved by answered
calls (AgentConnect), times the position, rounded to the nearest minute; recorded and
emulated AMI traffic through the real service; no estimate, nothing said."""

import dataclasses

from progmoh.player.serve.waits import QueueWaits, spoken_minutes
from progmoh.player.sim.ami_emulator import AmiEmulator, Caller
from tests.support import ami_recordings as rec
from tests.support import service_scenario
from tests.support.ami_events import msg
from tests.support.service_support import (
    service_settings,
    through_emulator,
    write_config,
)

A = "1795710335.31"


def params(queue="testq", holdtime=0, completed=0):
    return msg(Event="QueueParams", Queue=queue, Max=0, Strategy="ringall", Calls=1,
               Holdtime=holdtime, TalkTime=0, Completed=completed, Abandoned=0)


def connect(queue="testq", hold=40):
    return msg(Event="AgentConnect", Privilege="agent,all", Channel="Local/caller@capin-1;2",
               Uniqueid="1.1", Queue=queue, MemberName="agent", HoldTime=hold, RingTime=2)


def test_rounding_is_to_the_nearest_minute_halves_up():
    assert [spoken_minutes(s) for s in (0, 29, 29.9, 30, 89, 90, 149, 150, 3600)] == [
        0, 0, 0, 1, 1, 2, 2, 3, 60]
    assert spoken_minutes(None) is None and spoken_minutes(-1) is None


def test_no_answered_call_means_no_estimate():
    waits = QueueWaits()
    assert waits.estimate_s("testq", 1) is None
    waits.on_resync([params(holdtime=0, completed=0)])
    assert waits.estimate_s("testq", 1) is None


def test_asterisks_average_times_the_position_and_answered_calls_move_it():
    waits = QueueWaits()
    waits.on_resync([params(holdtime=60, completed=4), params(queue="other", holdtime=0,
                                                              completed=3)])
    assert waits.estimate_s("testq", 3) == 180 and waits.estimate_s("other", 2) == 0
    assert spoken_minutes(waits.estimate_s("other", 2)) == 0            # "less than a minute"
    waits.on_event(connect(hold=100))
    assert waits.average_s("testq") == 70                               # (3 * 60 + 100) / 4
    assert waits.estimate_s("testq", 0) is None
    waits.on_resync([params(holdtime=55, completed=5)])                 # Asterisk's truth again
    assert waits.average_s("testq") == 55


def test_the_first_answered_call_of_a_queue_is_its_average():
    waits = QueueWaits()
    waits.on_event(connect(queue="fresh", hold=40))
    waits.on_resync([params(queue="fresh", holdtime=0, completed=0)])   # not completed yet
    assert waits.average_s("fresh") == 40
    waits.on_event(connect(queue="fresh", hold="junk"))
    waits.on_event(connect(queue="fresh", hold="nan"))
    assert waits.average_s("fresh") == 40


def test_the_recorded_session_has_no_estimate_so_key_5_says_nothing():
    """events-dtmf-agent-call: Holdtime 0, Completed 0, and the caller pressed 5."""
    waits = QueueWaits()
    messages = rec.messages("events-dtmf-agent-call")
    for message in messages:
        waits.on_event(message)
    waits.on_resync([m for m in messages if m.event == "QueueParams"])
    assert [m.get("Digit") for m in messages if m.event == "DTMFBegin"] == ["5"]
    assert waits.estimate_s("testq", 1) is None


def run(tmp_path, scenario, announce_wait=False):
    settings = service_settings(write_config(tmp_path))
    if announce_wait:
        settings = dataclasses.replace(
            settings, keys=dataclasses.replace(settings.keys, announce_wait=True))

    return service_scenario.run(tmp_path, scenario, settings=settings)


def test_an_emulated_queue_with_an_answered_call_gives_key_5_its_minutes(tmp_path):
    caller = Caller.local(A, "+15551230001", "Caller One", 8)
    ahead = Caller.local("1795710335.21", "+15551230101", "Ahead", 7)

    async def scenario(service, clock, players, path):
        emulator = AmiEmulator("u", "s", clock=clock, holdtime_s=100, completed=3)
        await emulator.start()
        try:
            emulator.seat(ahead)
            await through_emulator(service, emulator, emulator.join, caller)
            player = await service_scenario.connect(players, path, A)
            assert (await player.message())["type"] == "welcome"
            assert await player.message() == {"v": 1, "type": "position", "position": 2,
                                              "language": "en"}
            service.ami_event(msg(Event="DTMFBegin", Uniqueid=A, Digit=5, Direction="Received"))
            before = await player.message()              # 100 s x 2 = 200 s: about 3 minutes
            clock.now_s += 260                           # the caller ahead held 260 s
            await through_emulator(service, emulator, emulator.answer, ahead)
            after_answer = await player.message()        # moved up: position 1
            service.ami_event(msg(Event="DTMFEnd", Uniqueid=A, Digit=5, Direction="Received"))
            service.ami_event(msg(Event="DTMFBegin", Uniqueid=A, Digit=5, Direction="Received"))
            after = await player.message()
            return before, after_answer, after, emulator.journal
        finally:
            await emulator.close()

    before, moved, after, journal = run(tmp_path, scenario)
    assert before == {"v": 1, "type": "wait", "minutes": 3, "min_minutes": 2, "max_minutes": 5,
                      "language": "en"}                 # no agents named: the average, +-50%
    assert moved == {"v": 1, "type": "position", "position": 1, "language": "en"}
    # (3 * 100 + 260) / 4 = 140 s
    assert after == {"v": 1, "type": "wait", "minutes": 2, "min_minutes": 1, "max_minutes": 4,
                     "language": "en"}
    assert any("an agent answers +15551230101 after 260 s on hold" in text for _, text in journal)


def test_without_an_estimate_key_5_says_nothing_and_announcements_carry_the_wait(tmp_path):
    async def scenario(service, clock, players, path):
        service.ami_event(msg(Event="QueueCallerJoin", Uniqueid=A, CallerIDNum="+15551230001",
                              Queue="testq", Position=1, Count=1))
        player = await service_scenario.connect(players, path, A)
        assert (await player.message())["type"] == "welcome"
        assert (await player.message())["type"] == "position"
        service.ami_event(msg(Event="DTMFBegin", Uniqueid=A, Digit=5, Direction="Received"))
        service.ami_event(msg(Event="DTMFBegin", Uniqueid=A, Digit=4, Direction="Received"))
        first = await player.message()                 # the position: no wait came before it
        service.ami_resync([params(holdtime=45, completed=2)])
        service.ami_event(msg(Event="QueueCallerJoin", Uniqueid=A, CallerIDNum="+15551230001",
                              Queue="testq", Position=2, Count=2))
        return first, await player.message(), await player.message()

    first, position, wait = run(tmp_path, scenario, announce_wait=True)
    assert first == {"v": 1, "type": "position", "position": 1, "language": "en"}
    assert position == {"v": 1, "type": "position", "position": 2, "language": "en"}
    assert wait == {"v": 1, "type": "wait", "minutes": 2, "min_minutes": 1,   # 45 s x 2 = 90 s
                    "max_minutes": 2, "language": "en"}
