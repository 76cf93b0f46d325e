"""A call moved between queues of two programs, through the real serve: its realtime
lookups, the players' socket with SO_PEERCRED (each stand-in player started with the
options of serve's answer, as Asterisk starts the player), the SQLite store, command
billing, ``progmoh status`` and /metrics.

A (the default program: key 2 reads the balance, English) -> B ("sales": no balance
key, Russian) -> A: each program's welcome, keys and language from the lookup on,
the remembered class of each program on its first line, A's place and the advice it
heard given back to A's next player and never to B's."""

import asyncio
import json

from click.testing import CliRunner

from progmoh.cli.commands import progmoh
from progmoh.player.sim.simulate_serve import realtime_single
from tests.support import service_scenario
from tests.support.ami_events import A, join, key, leave
from tests.support.metrics_support import scrape
from tests.support.service_scenario import NUMBER_A, connect, next_of, unlinked
from tests.support.service_support import service_settings, until, write_config

SALES = """
[programs.sales]
language = "ru"
[programs.sales.keys]
balance = ""
announce_position_change = false
"""
HEARD_IN_A = {"music_class": "jazz", "track_index": 1, "offset_samples": 8000,
              "advice_played": ["01-welcome"], "advice_item": "tip", "advice_samples": 400}
HEARD_IN_B = {"music_class": "rock", "track_index": 2, "advice_played": ["sales-tip"]}


async def started(service, players, path, name):
    """The player Asterisk starts from serve's answer for class ``name``: (its options,
    the stand-in running with them)."""
    serve = service.settings.serve
    row = await asyncio.to_thread(realtime_single, serve.listen, service.realtime.port,
                                  serve.prefix, name)
    assert row["name"] == name
    argv = row["application"].split(" ")
    assert argv[2:4] == ["--uniqueid", A]
    return argv[4:], await connect(players, path, A, *argv[4:])


def option(options, flag):
    return options[options.index(flag) + 1] if flag in options else None


async def left(service, player, players, state):
    """The player reports where its caller is, then Asterisk stops it."""
    await player.send("state", state=state)
    await until(lambda: service.calls.get(A).state is not None
                and service.calls.get(A).state.music_class == state["music_class"])
    await player.stop()
    players.remove(player)
    await unlinked(service, A)


async def status(service, *args):
    socket_path = str(service.settings.serve.status_socket)
    return await asyncio.to_thread(CliRunner().invoke, progmoh,
                                   ["status", "--socket", socket_path, *args])


async def a_b_a(service, clock, players, path):
    heard = {}
    await service.choices.put(NUMBER_A, "rock", "sales")     # remembered in sales only
    service.ami_up()
    service.ami_event(join(A, NUMBER_A, 1))
    heard["a options"], player = await started(service, players, path, f"progmoh-{A}")
    heard["a welcome"] = await next_of(player, "welcome")
    await next_of(player, "position")
    service.ami_event(key(A, "2"))
    heard["a balance"] = await next_of(player, "balance")
    await left(service, player, players, HEARD_IN_A)

    service.ami_event(leave(A, 1))                           # the transfer to sales
    service.ami_event(join(A, NUMBER_A, 1, queue="sales"))
    heard["b options"], player = await started(service, players, path, f"progmoh-sales-{A}")
    heard["b welcome"] = await next_of(player, "welcome")
    heard["status"] = json.loads((await status(service, "--json")).output)
    heard["table"] = (await status(service)).output
    heard["metrics"] = await scrape(service.metrics_server.port)
    service.ami_event(key(A, "2"))                           # nothing in sales
    service.ami_event(key(A, "4"))
    heard["b after keys"] = await player.message()
    await left(service, player, players, HEARD_IN_B)

    service.ami_event(leave(A, 1, queue="sales"))            # and back
    service.ami_event(join(A, NUMBER_A, 1))
    heard["a again options"], player = await started(service, players, path, f"progmoh-{A}")
    heard["a again welcome"] = await next_of(player, "welcome")
    return heard


def test_a_call_moved_a_b_a_hears_each_programs_hold_and_b_gets_none_of_as(short_dir):
    settings = service_settings(write_config(short_dir, extra=SALES))
    heard = service_scenario.run(short_dir, a_b_a, settings=settings)
    assert option(heard["a options"], "--program") is None
    assert option(heard["a options"], "--class") is None     # nothing remembered in A
    a = heard["a welcome"]
    assert (a["language"], a["music_class"], a["state"]) == ("en", "", None)
    assert heard["a balance"]["accounts"][0]["account"] == "123456"

    assert option(heard["b options"], "--program") == "sales"
    assert option(heard["b options"], "--class") == "rock"   # B's own, from the first sample
    assert option(heard["b options"], "--at") is None        # none of A's place
    b = heard["b welcome"]
    assert (b["language"], b["music_class"], b["state"]) == ("ru", "rock", None)
    assert heard["b after keys"] == {"v": 1, "type": "position", "position": 1,
                                     "language": "ru"}       # key 2 said nothing before it

    assert option(heard["a again options"], "--program") is None
    assert option(heard["a again options"], "--class") == "jazz"
    assert option(heard["a again options"], "--at") == "1:8000:400:tip"
    state = heard["a again welcome"]["state"]
    assert {name: state[name] for name in HEARD_IN_A} == HEARD_IN_A


def test_status_and_metrics_show_the_calls_program(short_dir):
    settings = service_settings(write_config(short_dir, extra=SALES))
    heard = service_scenario.run(short_dir, a_b_a, settings=settings)
    call, = heard["status"]["calls"]
    assert (call["uniqueid"], call["program"], call["queue"]) == (A, "sales", "sales")
    assert heard["status"]["health"]["programs"] == ["default", "sales"]
    head, row = heard["table"].splitlines()[2:4]
    assert head.split()[:4] == ["CALL", "CALLER", "PROGRAM", "QUEUE"]
    assert row.split()[:4] == [A, "*******7890", "sales", "sales"]
    metrics = heard["metrics"]
    assert metrics("progmoh_program_calls_on_hold", program="sales") == 1
    assert metrics("progmoh_program_calls_on_hold", program="default") == 0
    assert metrics("progmoh_call_program_info", uniqueid=A, program="sales") == 1
    assert not metrics.has("progmoh_call_program_info", uniqueid=A, program="default")
