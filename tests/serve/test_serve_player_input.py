"""What a player sends, or fails to read, through the real serve and real player processes:
a bad class or a state without a state drops its player (and nothing is saved), an
unknown message is ignored, a player that stops reading is dropped, and the other calls'
players hear on as before."""

import logging

import pytest

from progmoh.player.serve.core import MAX_CLASS_CHARS
from tests.support.ami_events import A, B, join, key
from tests.support.service_scenario import NUMBER_A, NUMBER_B, connect, run
from tests.support.service_support import until

NEXT_CLASS = {"v": 1, "type": "next_class"}
EOF = {"type": "EOF"}
MAX_PRESSES = 20_000        # ~1.2 MB of position messages: far past what any socket buffers


async def queued(players, path, uid):
    """A player of a call already in the queue, past its welcome and position."""
    player = await connect(players, path, uid)
    assert [(await player.message())["type"] for _ in range(2)] == ["welcome", "position"]
    return player


@pytest.mark.parametrize("music_class", [
    "", "x" * (MAX_CLASS_CHARS + 1), 5, None, ["jazz"], {"name": "jazz"},
], ids=["empty", "too-long", "number", "null", "list", "object"])
def test_a_class_change_without_a_usable_class_drops_that_player_and_saves_nothing(
        tmp_path, music_class):
    async def scenario(service, clock, players, path):
        service.ami_event(join(A, NUMBER_A, 1))
        service.ami_event(join(B, NUMBER_B, 2))
        bad, other = await queued(players, path, A), await queued(players, path, B)
        await bad.send("class_changed", music_class=music_class)
        dropped = await bad.message()
        service.ami_event(key(B, "3"))
        return dropped, await other.message(), await service.choices.get(NUMBER_A)

    dropped, other_heard, saved = run(tmp_path, scenario)
    assert (dropped, other_heard, saved) == (EOF, NEXT_CLASS, None)


@pytest.mark.parametrize("fields", [{}, {"state": None}, {"state": {}}, {"state": [1]}],
                         ids=["missing", "null", "empty", "list"])
def test_a_state_message_without_a_state_drops_that_player(tmp_path, fields):
    async def scenario(service, clock, players, path):
        service.ami_event(join(A, NUMBER_A, 1))
        service.ami_event(join(B, NUMBER_B, 2))
        bad, other = await queued(players, path, A), await queued(players, path, B)
        await bad.send("state", **fields)
        dropped = await bad.message()
        service.ami_event(key(B, "3"))
        return dropped, await other.message(), service.calls.get(A).state

    assert run(tmp_path, scenario) == (EOF, NEXT_CLASS, None)


def test_the_longest_class_is_saved(tmp_path):
    longest = "c" * MAX_CLASS_CHARS

    async def scenario(service, clock, players, path):
        service.ami_event(join(A, NUMBER_A, 1))
        player = await queued(players, path, A)
        await player.send("class_changed", music_class=longest)
        service.ami_event(key(A, "3"))
        heard = await player.message()                # serve has read the class by now
        return heard, await service.choices.get(NUMBER_A)   # after the write: one queue

    assert run(tmp_path, scenario) == (NEXT_CLASS, longest)


def test_a_message_of_a_type_serve_does_not_know_is_ignored_and_the_player_kept(tmp_path,
                                                                               caplog):
    """A newer player may send more than this serve knows; that is no reason to cut it off."""
    caplog.set_level(logging.WARNING, "progmoh.serve")

    async def scenario(service, clock, players, path):
        service.ami_event(join(A, NUMBER_A, 1))
        player = await queued(players, path, A)
        await player.send("volume", level=3)
        service.ami_event(key(A, "3"))
        return await player.message()

    assert run(tmp_path, scenario) == NEXT_CLASS
    assert f"player {A}: message type 'volume' ignored" in caplog.text


def test_a_player_that_stops_reading_is_dropped_and_the_others_hear_on(tmp_path, caplog):
    caplog.set_level(logging.WARNING, "progmoh.serve.players")

    async def scenario(service, clock, players, path):
        service.ami_event(join(A, NUMBER_A, 1))
        service.ami_event(join(B, NUMBER_B, 2))
        await connect(players, path, A, "--deaf")
        other = await queued(players, path, B)
        deaf = await _welcomed_link(service, A)
        presses = 0
        while not deaf.closed and presses < MAX_PRESSES:
            clock.advance(service.settings.keys.min_interval_s)
            service.ami_event(key(A, "4"))               # a position message each time
            presses += 1
        service.ami_event(key(B, "3"))
        return presses, deaf.closed, deaf.send("position", position=1), await other.message()

    presses, closed, sent_after, other_heard = run(tmp_path, scenario)
    assert closed and presses < MAX_PRESSES and sent_after is False
    assert other_heard == NEXT_CLASS
    assert f"player {A} (pid " in caplog.text and "is not reading; dropped" in caplog.text


async def _welcomed_link(service, uid):
    """The call's welcomed link (the deaf player cannot say it was welcomed)."""
    await until(lambda: service.calls.get(uid).link is not None)
    return service.calls.get(uid).link
