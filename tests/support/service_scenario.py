"""A scenario against the real service (players' socket with SO_PEERCRED, sqlite store,
command billing, AMI events fed by hand, a fake clock), and the waits a scenario needs:
each has a deadline."""

import asyncio
import dataclasses
import sys

from progmoh.player.serve.choices import open_choice_store
from progmoh.player.serve.service import Service
from tests.support.fake_clock import FakeClock
from tests.support.service_support import IdleAmi, PlayerStandIn, service_settings, write_config

SCENARIO_TIMEOUT_S = 30.0
FAST, SLOW = "+15551230002", "+15550009999"
# Billing that answers one number at once and never answers the other in time.
BILLING = r"""
import json, sys, time
if sys.argv[1] == "+15550009999":
    time.sleep(30)
print(json.dumps({"accounts": [{"account": "1", "balance": "5", "currency": "USD"}]}))
"""


# Two callers; write_config's rewrite rule bills NUMBER_A as 81234567890.
NUMBER_A, NUMBER_B = "+71234567890", "+15551230002"

def run(tmp_path, scenario, remembered=None, balances=None, settings=None, choices=None):
    """``scenario(service, clock, players, socket_path)`` against a started service, within
    SCENARIO_TIMEOUT_S; the players it connects are stopped and the service closed after."""
    settings = settings or service_settings(write_config(tmp_path))

    async def main():
        if remembered:
            store = open_choice_store(settings.store)
            await store.put(*remembered)
            store.close()
        clock = FakeClock()
        service = Service(settings, clock=clock, ami_factory=IdleAmi, balances=balances,
                          choices=choices)
        await service.start()
        players = []
        try:
            return await asyncio.wait_for(
                scenario(service, clock, players, settings.serve.socket_path), SCENARIO_TIMEOUT_S)
        finally:
            for player in players:
                await player.stop()
            await service.close()
    return asyncio.run(main())


def run_with_split_billing(tmp_path, scenario):
    """``run`` with billing that answers FAST at once and SLOW never in time."""
    return run(tmp_path, scenario, settings=split_billing_settings(tmp_path))


def split_billing_settings(tmp_path):
    """The command billing answers from BILLING, with a 0.5 s timeout."""
    settings = service_settings(write_config(tmp_path))
    billing = dataclasses.replace(settings.billing, command=(sys.executable, "-c", BILLING,
                                                             "{number}"),
                                  timeout_s=0.5, rewrite=())
    return dataclasses.replace(settings, billing=billing)


async def connect(players, path, uid, *options) -> PlayerStandIn:
    """A stand-in player of call ``uid`` (``options`` added to its command line), stopped
    when the scenario ends."""
    player = await PlayerStandIn.start(path, uid, *options)
    players.append(player)
    return player


async def unlinked(service, uid, timeout_s=5.0):
    """Until serve has noticed the player left: a spin over the event loop, with a deadline."""
    async def spin():
        while service.calls.get(uid).link is not None:
            await asyncio.sleep(0)
    await asyncio.wait_for(spin(), timeout_s)


async def next_of(player, kind: str) -> dict:
    """The next message of ``kind`` (others are skipped); a closed player fails the test."""
    while (message := await player.message())["type"] != kind:
        assert message["type"] != "EOF", f"player closed before a {kind}"
    return message


async def round_trip(player, service, uid, timeout_s=5.0) -> None:
    """Until serve has taken the last line this player sent (its state), with a deadline."""
    async def spin():
        while (state := service.calls.record(uid).state) is None or state.music_class != "sync":
            await asyncio.sleep(0)
    await player.send("state", state={"music_class": "sync"})
    await asyncio.wait_for(spin(), timeout_s)

