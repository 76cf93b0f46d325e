"""The races that could give one player what another asked for, through the real serve and
real player processes, the order forced by events the test controls.

A player replaced while billing (or the choice store) still holds its answer: the test
kills the first player's process while a forked child of it keeps the connection open
(stand_in_player.py ``--outlive``), so serve admits a newer player of the call while the
old connection can still hear. The billing server answers, or the store reads, only
when the test releases it, after the newer player is welcomed or waiting. What each
connection received is read off the real sockets; each ends with a line that proves
nothing came before it (the newer player's next_class, the old connection's EOF when
serve drops it for a bad line). Also: a class read for a number the call has since
changed, and a player that connects before AMI names its call. The pure core's side of
the same races is in test_serve_core.py and test_serve_core_late_answers.py.
"""

import asyncio
import dataclasses

from progmoh.player.programs import DEFAULT_PROGRAM
from progmoh.player.serve.choices import open_choice_store
from tests.support.ami_events import A, join, key, msg
from tests.support.billing_server import BillingServer, json_answer
from tests.support.service_scenario import NUMBER_A, NUMBER_B, connect, run
from tests.support.service_support import service_settings, until, write_config

BILLED_AS = "81234567890"                   # NUMBER_A after write_config's rewrite rule
ACCOUNTS = {"accounts": [{"account": "123456", "balance": "1520.50", "currency": "RUB"}]}
NEXT_CLASS = {"v": 1, "type": "next_class"}
EOF = {"type": "EOF"}


class HeldStore:
    """The real choice store, whose reads of a number wait until the test releases it;
    ``reading`` counts the reads of each number not yet answered or cancelled."""

    def __init__(self, store) -> None:
        self._store = store
        self._gates: dict[str, asyncio.Event] = {}
        self.reading: dict[str, int] = {}

    def release(self, number: str) -> None:
        self._gate(number).set()

    def _gate(self, number: str) -> asyncio.Event:
        return self._gates.setdefault(number, asyncio.Event())

    async def classes(self, number: str, programs: tuple[str, ...]):
        self.reading[number] = self.reading.get(number, 0) + 1
        try:
            await self._gate(number).wait()
            return await self._store.classes(number, programs)
        finally:
            self.reading[number] -= 1

    async def put(self, number: str, music_class: str, program: str = DEFAULT_PROGRAM) -> None:
        await self._store.put(number, music_class, program)

    def close(self) -> None:
        self._store.close()


async def dropped(player) -> dict:
    """What the connection hears next once serve drops it for a line that is not JSON."""
    await player.send_raw(b"not json\n")
    return await player.message()


def http_billing(settings, server):
    billing = dataclasses.replace(settings.billing, backend="http",
                                  url=server.origin + "/balance/{number}")
    return dataclasses.replace(settings, billing=billing)


def test_a_balance_answered_after_a_newer_player_took_over_reaches_no_connection(tmp_path):
    settings = service_settings(write_config(tmp_path))

    async def scenario(service, clock, players, path):
        service.ami_event(join(A, NUMBER_A, 1))             # the prefetch waits on billing
        old = await connect(players, path, A, "--outlive")
        assert [(await old.message())["type"] for _ in range(2)] == ["welcome", "position"]
        service.ami_event(key(A, "2"))                      # asked for the old player
        await old.gone()                                    # its child keeps the connection
        newer = await connect(players, path, A)
        welcome = await newer.message()
        server.release.set()
        await service.balances.get(NUMBER_A)                # serve has taken billing's answer
        service.ami_event(key(A, "3"))
        after_newer = await newer.message()
        clock.advance(settings.keys.min_interval_s)
        service.ami_event(key(A, "2"))                      # asked for the newer player
        balance = await newer.message()
        return welcome["type"], after_newer, balance, await dropped(old)

    with BillingServer() as server:
        server.answers[f"/balance/{BILLED_AS}"] = json_answer(ACCOUNTS, hold=True)
        settings = http_billing(settings, server)
        welcome, after_newer, balance, old_heard = run(tmp_path, scenario, settings=settings)
        assert server.paths == [f"/balance/{BILLED_AS}"]     # one fetch, both keys
    assert (welcome, after_newer, old_heard) == ("welcome", NEXT_CLASS, EOF)
    assert balance["type"] == "balance" and balance["accounts"][0]["account"] == "123456"


def test_a_class_read_while_a_newer_player_connects_welcomes_only_the_newer(tmp_path):
    settings = service_settings(write_config(tmp_path))

    async def scenario(service, clock, players, path):
        store = service.choices
        await store.put(NUMBER_A, "jazz")
        service.ami_event(join(A, NUMBER_A, 1))             # the read waits on the store
        old = await connect(players, path, A, "--outlive")
        await until(lambda: service.calls.get(A).connecting is not None)
        old_link = service.calls.get(A).connecting
        await old.gone()
        newer = await connect(players, path, A)
        await until(lambda: service.calls.get(A).connecting not in (None, old_link))
        store.release(NUMBER_A)
        welcome = await newer.message()                     # both waits have ended by now
        assert await dropped(old) == EOF
        return welcome, await newer.message()

    store = HeldStore(open_choice_store(settings.store))
    welcome, position = run(tmp_path, scenario, settings=settings, choices=store)
    assert welcome == {"v": 1, "type": "welcome", "language": "en", "music_class": "jazz",
                       "state": None}
    assert position == {"v": 1, "type": "position", "position": 1, "language": "en"}


def test_a_class_read_for_a_number_the_call_has_since_changed_is_not_heard(tmp_path):
    """The read for the first number answers last; neither the welcome nor the class a
    restarted player would start with (the realtime answer's --class) is its."""
    settings = service_settings(write_config(tmp_path))

    async def scenario(service, clock, players, path):
        store = service.choices
        await store.put(NUMBER_A, "jazz")
        await store.put(NUMBER_B, "calm")
        service.ami_event(msg(Event="NewCallerid", Uniqueid=A, CallerIDNum=NUMBER_A))
        service.ami_event(join(A, NUMBER_B, 1))             # the queue names another number
        player = await connect(players, path, A)
        store.release(NUMBER_B)
        welcome = await player.message()
        store.release(NUMBER_A)
        await until(lambda: not store.reading.get(NUMBER_A))  # serve's read of it is over
        return welcome, await service.start_class(A)

    store = HeldStore(open_choice_store(settings.store))
    welcome, restart_class = run(tmp_path, scenario, settings=settings, choices=store)
    assert welcome == {"v": 1, "type": "welcome", "language": "en", "music_class": "calm",
                       "state": None}
    assert restart_class == "calm"


def test_a_player_that_connects_before_ami_names_its_call_is_welcomed_once_it_does(tmp_path):
    async def scenario(service, clock, players, path):
        player = await connect(players, path, A)
        await until(lambda: service.calls.get(A) is not None
                    and service.calls.get(A).connecting is not None)
        service.ami_event(join(A, NUMBER_A, 2))             # wakes the welcome's wait
        return await player.message(), await player.message()

    welcome, position = run(tmp_path, scenario, remembered=(NUMBER_A, "jazz"))
    assert welcome == {"v": 1, "type": "welcome", "language": "en", "music_class": "jazz",
                       "state": None}
    assert position == {"v": 1, "type": "position", "position": 2, "language": "en"}
