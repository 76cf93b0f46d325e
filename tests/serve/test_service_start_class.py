"""The remembered music on the player's command line: serve reads the choice as
soon as AMI names the caller, and its realtime answer carries ``--class``; a slow
database costs the class, never the start."""

import asyncio
import time

from progmoh.player.programs import DEFAULT_PROGRAM
from progmoh.player.protocol import CallState
from progmoh.player.serve.ami.message import Message
from progmoh.player.serve.realtime import CLASS_WAIT_S
from progmoh.player.serve.service import Service
from progmoh.player.sim.simulate_serve import realtime_single
from tests.support.fake_clock import FakeClock
from tests.support.service_support import IdleAmi, service_settings, write_config

A = "1795710335.31"
NUMBER = "+15551230001"


class SlowChoices:
    """A store whose reads finish only when the test says so (with the default
    program's class)."""

    def __init__(self):
        self.answers: dict[str, asyncio.Future] = {}
        self.saved: list = []

    async def classes(self, number, programs):
        future = self.answers.setdefault(number, asyncio.get_running_loop().create_future())
        return {DEFAULT_PROGRAM: await future}

    async def put(self, number, music_class, program=DEFAULT_PROGRAM):
        self.saved.append((number, music_class))

    def close(self):
        pass


def new_callerid(uid=A, number=NUMBER):
    """The recorded NewCallerid of events-dtmf-agent-call: the number, before the queue."""
    return Message((("Event", "NewCallerid"), ("Privilege", "call,all"),
                    ("Channel", "Local/caller@capin-00000008;2"), ("CallerIDNum", number),
                    ("CallerIDName", "<unknown>"), ("Language", "en"), ("Uniqueid", uid),
                    ("Linkedid", "1795710335.30")))


class Balances:
    """Billing that only notes which numbers it was asked to prefetch."""

    def __init__(self):
        self.prefetched = []

    def prefetch(self, number):
        self.prefetched.append(number)

    async def close(self):
        pass


def run(folder, scenario, choices=None, balances=None):
    settings = service_settings(write_config(folder))

    async def main():
        service = Service(settings, clock=FakeClock(), ami_factory=IdleAmi, choices=choices,
                          balances=balances)
        await service.start()
        try:
            return await scenario(service)
        finally:
            await service.close()
    return asyncio.run(main())


async def lookup(service, uid=A) -> list[str]:
    serve = service.settings.serve
    row = await asyncio.to_thread(realtime_single, serve.listen, service.realtime.port,
                                  serve.prefix, f"progmoh-{uid}")
    return row["application"].split(" ")


def class_of(argv: list[str]) -> str | None:
    return argv[argv.index("--class") + 1] if "--class" in argv else None


def test_the_choice_read_at_newcallerid_is_on_the_command_line(short_dir):
    billing = Balances()

    async def scenario(service):
        before = await lookup(service)                   # nobody known yet: no class
        await service.choices.put(NUMBER, "jazz")
        service.ami_event(new_callerid())
        await service.remembered_class(A)                # the read started by the event
        return before, await lookup(service)

    before, after = run(short_dir, scenario, balances=billing)
    assert class_of(before) is None and class_of(after) == "jazz"
    assert billing.prefetched == []                      # billing waits for the queue
    assert after[:4] == [after[0], "play", "--uniqueid", A]


def test_a_read_in_flight_is_waited_for_briefly(short_dir):
    choices = SlowChoices()

    async def scenario(service):
        asked = asyncio.Event()

        async def start_class(uid):
            asked.set()
            return await service.start_class(uid)
        service.realtime._start_class = start_class
        service.ami_event(new_callerid())
        asking = asyncio.ensure_future(lookup(service))
        await asyncio.wait_for(asked.wait(), 5.0)         # the lookup waits on the read...
        choices.answers[NUMBER].set_result("calm")       # ...which answers within the wait
        return await asking

    assert class_of(run(short_dir, scenario, choices)) == "calm"


def test_a_slow_database_means_the_default_class_at_once(short_dir):
    choices = SlowChoices()

    async def scenario(service):
        service.ami_event(new_callerid())
        started = time.monotonic()
        argv = await lookup(service)
        return argv, time.monotonic() - started

    argv, took_s = run(short_dir, scenario, choices)
    assert class_of(argv) is None and "--socket" in argv
    assert took_s < CLASS_WAIT_S + 0.5


def test_a_restarted_player_starts_where_the_call_was(short_dir):
    """Its class, and the place its caller heard (``--at``)."""
    async def scenario(service):
        await service.choices.put(NUMBER, "jazz")
        service.ami_event(new_callerid())
        await service.remembered_class(A)
        before = service.core.start_place(A)
        service.calls.get(A).state = CallState(music_class="rock", track_index=1,
                                               offset_samples=8000, advice_item="tip",
                                               advice_samples=400)
        return before, service.core.start_place(A), await lookup(service)

    before, place, argv = run(short_dir, scenario)
    assert class_of(argv) == "rock"
    assert (before, place) == ("", "1:8000:400:tip")
    assert argv[argv.index("--at") + 1] == "1:8000:400:tip"
