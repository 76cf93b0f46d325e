"""The service's wiring with real parts: players' socket + SO_PEERCRED, sqlite store,
command billing; AMI events are fed as parsed messages (the AMI client has its own tests)."""

import dataclasses

from progmoh.player.protocol import Account
from progmoh.player.serve.billing import BalanceResult
from progmoh.player.serve.service import configured_secrets
from tests.support.ami_events import A, B, hangup, join, key, leave, msg
from tests.support.service_scenario import NUMBER_A, NUMBER_B, connect, run, unlinked
from tests.support.service_support import service_settings, write_config


def test_a_call_gets_welcome_with_remembered_class_then_position_balance_and_next_class(tmp_path):
    async def scenario(service, clock, players, path):
        player = await connect(players, path, A)
        service.ami_event(join(A, NUMBER_A, 2))     # AMI tells us just after the player's hello
        welcome = await player.message()
        assert welcome == {"v": 1, "type": "welcome", "language": "en", "music_class": "jazz",
                           "state": None}
        assert await player.message() == {"v": 1, "type": "position", "position": 2,
                                          "language": "en"}
        service.ami_event(key(A, "2"))
        balance = await player.message()
        service.ami_event(key(A, "3"))
        next_class = await player.message()
        service.ami_event(key(A, "4"))
        position = await player.message()
        return balance, next_class, position

    balance, next_class, position = run(tmp_path, scenario, remembered=(NUMBER_A, "jazz"))
    assert balance == {"v": 1, "type": "balance", "status": "ok", "language": "en", "accounts": [
        {"account": "123456", "balance": "1520.50", "currency": "RUB", "locked": False}]}
    assert next_class == {"v": 1, "type": "next_class"}
    assert position == {"v": 1, "type": "position", "position": 2, "language": "en"}


def test_keys_of_one_call_never_reach_another_calls_player(tmp_path):
    async def scenario(service, clock, players, path):
        service.ami_event(join(A, NUMBER_A, 1))
        service.ami_event(join(B, NUMBER_B, 2))
        player_a, player_b = await connect(players, path, A), await connect(players, path, B)
        for player, position in ((player_a, 1), (player_b, 2)):
            assert (await player.message())["type"] == "welcome"
            assert await player.message() == {"v": 1, "type": "position", "position": position,
                                              "language": "en"}
        service.ami_event(key(A, "2"))
        balance_a = await player_a.message()
        service.ami_event(key(B, "2"))
        balance_b = await player_b.message()
        service.ami_event(leave(A, 1))                 # B moves up; only B hears it
        moved = await player_b.message()
        await player_a.send("state", state={"music_class": "x"})   # a round trip on A's socket
        service.ami_event(key(A, "4"))                 # A is no longer queued: nothing to say
        service.ami_event(key(A, "3"))
        after = await player_a.message()
        return balance_a, balance_b, moved, after

    balance_a, balance_b, moved, after = run(tmp_path, scenario)
    assert [a["account"] for a in balance_a["accounts"]] == ["123456"]
    assert [a["account"] for a in balance_b["accounts"]] == ["777", "778"]
    assert balance_b["accounts"][1]["locked"] is True
    assert moved == {"v": 1, "type": "position", "position": 1, "language": "en"}
    assert after == {"v": 1, "type": "next_class"}


def test_a_restarted_player_continues_from_the_last_state_and_class_choice_is_saved(tmp_path):
    state = {"music_class": "rock", "track_index": 2, "offset_samples": 8000,
             "advice_played": ["a1"], "middle_order": ["m2", "m1"], "call_samples": 99000,
             "next_advice_at": 120000, "advice_item": "a2", "advice_samples": 4000}

    async def scenario(service, clock, players, path):
        service.ami_event(join(A, NUMBER_A, 1))
        first = await connect(players, path, A)
        assert (await first.message())["type"] == "welcome"
        await first.message()                                   # position 1
        await first.send("class_changed", music_class="rock")
        await first.send("state", state=state)
        await first.stop()
        second = await connect(players, path, A)
        welcome = await second.message()
        return welcome, await service.choices.get(NUMBER_A)

    welcome, saved = run(tmp_path, scenario)
    assert welcome["state"] == state and saved == "rock"


def test_a_misbehaving_player_is_dropped_and_the_others_carry_on(tmp_path):
    async def scenario(service, clock, players, path):
        service.ami_event(join(A, NUMBER_A, 1))
        service.ami_event(join(B, NUMBER_B, 2))
        good, bad = await connect(players, path, A), await connect(players, path, B)
        for player in (good, bad):
            await player.message()
            await player.message()
        await bad.send("state", state={"track_index": "not a number"})
        dropped = await bad.message()
        service.ami_event(key(A, "3"))
        return dropped, await good.message()

    dropped, still = run(tmp_path, scenario)
    assert dropped == {"type": "EOF"} and still == {"v": 1, "type": "next_class"}


def test_periodic_position_hangup_and_forgetting_after_grace(tmp_path):
    async def scenario(service, clock, players, path):
        service.ami_event(join(A, NUMBER_A, 3))
        player = await connect(players, path, A)
        await player.message()
        assert await player.message() == {"v": 1, "type": "position", "position": 3,
                                          "language": "en"}
        clock.now_s += service.settings.keys.position_every_s
        service.tick()
        periodic = await player.message()
        service.ami_event(leave(A, 3))
        service.ami_event(hangup(A))
        await player.stop()
        await unlinked(service, A)
        clock.now_s += service.settings.serve.call_grace_s - 1
        service.tick()
        kept = service.calls.get(A) is not None
        clock.now_s += 1
        service.tick()
        return periodic, kept, service.calls.get(A)

    periodic, kept, forgotten = run(tmp_path, scenario)
    assert periodic == {"v": 1, "type": "position", "position": 3, "language": "en"}
    assert kept and forgotten is None


def test_after_the_ami_connection_is_lost_no_personal_data_flows(tmp_path):
    async def scenario(service, clock, players, path):
        service.ami_event(join(A, NUMBER_A, 1))
        player = await connect(players, path, A)
        await player.message()
        await player.message()
        service.ami_down()
        service.ami_event(key(A, "2"))              # unknown now: ignored
        clock.now_s += 10_000
        service.tick()
        service.ami_resync([msg(Event="QueueEntry", Queue="testq", Position=1, Uniqueid=A,
                                Channel="Local/caller@capin-x;2", CallerIDNum=NUMBER_A)])
        return await player.message()

    assert run(tmp_path, scenario) == {"v": 1, "type": "position", "position": 1, "language": "en"}


def test_a_player_never_seen_on_ami_is_welcomed_plainly_and_forgotten_after_grace(tmp_path):
    async def scenario(service, clock, players, path):
        player = await connect(players, path, A)
        welcome = await player.message()                 # after WELCOME_WAIT_S without AMI
        await player.stop()
        await unlinked(service, A)
        clock.now_s += service.settings.serve.call_grace_s
        service.tick()
        return welcome, service.calls.get(A)

    welcome, record = run(tmp_path, scenario)
    assert welcome == {"v": 1, "type": "welcome", "language": "en", "music_class": "",
                       "state": None}
    assert record is None


def test_the_ami_and_store_secrets_are_masked_in_billing_logs_too(tmp_path):
    settings = service_settings(write_config(tmp_path))
    store = dataclasses.replace(settings.store, url="mysql://moh:p%40ss@db:3306/progmoh")
    secrets = configured_secrets(dataclasses.replace(settings, store=store))
    assert {"labsecret", "p%40ss", "p@ss"} <= set(secrets)


class ManyAccounts:
    """A billing answer too big for one message on the players' socket."""

    def prefetch(self, number):
        pass

    async def get(self, number):
        accounts = tuple(Account(f"{n:020d}", "123456.78", "RUB") for n in range(600))
        return BalanceResult("ok", accounts, 0.0)

    async def close(self):
        pass


def test_a_balance_too_big_for_one_message_reads_unavailable(tmp_path, caplog):
    async def scenario(service, clock, players, path):
        service.ami_event(join(A, NUMBER_A, 1))
        player = await connect(players, path, A)
        assert (await player.message())["type"] == "welcome"
        await player.message()                                  # position 1
        service.ami_event(key(A, "2"))
        return await player.message()

    answer = run(tmp_path, scenario, balances=ManyAccounts())
    assert answer == {"v": 1, "type": "balance", "status": "unavailable", "language": "en",
                      "accounts": []}                  # said in the caller's language too
    assert "too big for one message" in caplog.text
