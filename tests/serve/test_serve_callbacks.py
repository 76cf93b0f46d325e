"""Callbacks in serve's core, on the fake clock (player/serve/callbacks.py): the offer and
its refusals, the booking, the placeholder at the caller's place, the goodbye and the
hangup, the dial's outcomes with retries and the end, and finding placeholders again
after a restart of serve or of Asterisk."""

import dataclasses

import pytest

from progmoh.player.protocol import CallState
from progmoh.player.serve.actions import (
    BookCallback,
    CallbackState,
    Count,
    HangUp,
    PlaceCallback,
    Send,
    Whisper,
)
from progmoh.player.serve.callback_store import DIALLING, DONE, GIVEN_UP, PLACED, WAITING
from progmoh.player.serve.core import ServeCore
from tests.support.ami_events import A, B, key, msg
from tests.support.fake_clock import FakeClock
from tests.support.service_support import service_settings, write_config

NUMBER_A, NUMBER_B = "+15551230001", "+15551230002"
CALLBACKS = """
[keys]
callback = "7"
[callback]
retries = 1
retry_s = 30.0
"""
WALL_S = 1_800_000_000.0


class Wall:
    """Unix time that moves with the fake monotonic clock."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock, self._start = clock, clock()

    def __call__(self) -> float:
        return WALL_S + self._clock() - self._start


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def core(tmp_path, clock):
    settings = service_settings(write_config(tmp_path, extra=CALLBACKS))
    return ServeCore(settings.serve, settings.programs, clock, wall=Wall(clock), server="pbx1")


def said(actions) -> list[list[str]]:
    return [a.fields["keys"] for a in actions if isinstance(a, Send) and a.kind == "say"]


def on_hold(core, uid, number, position, queue="support"):
    core.ami_event(msg(Event="QueueCallerJoin", Uniqueid=uid, CallerIDNum=number,
                       Channel=f"PJSIP/caller-{uid}", Queue=queue, Position=position,
                       Count=position))
    link = object()
    core.player_connected(uid, link, None)
    core.player_ready(uid, link)
    return link


def booked(core, uid, number="", position=2):
    """Offer, confirm and the store's yes: the BookCallback and what followed it."""
    core.ami_event(key(uid, "7"))
    book = next(a for a in core.ami_event(key(uid, "1")) if isinstance(a, BookCallback))
    return book, core.callback_booked(uid, book.row, book.position, True)


def placeholder_join(row, uniqueid="1800000000.99", position=2, queue="support"):
    return msg(Event="QueueCallerJoin", Uniqueid=uniqueid, CallerIDNum=row.number,
               Channel=f"Local/{row.id}@progmoh-callback-hold-0000002a;2", Queue=queue,
               Position=position, Count=3)


def dial_end(row, status):
    return msg(Event="DialEnd", Channel=f"Local/{row.id}@progmoh-callback-hold-0000002a;1",
               DialStatus=status)


def test_the_offer_reads_the_last_digits_and_the_confirmation_books_at_the_callers_place(core):
    on_hold(core, B, NUMBER_B, 2)
    offer = core.ami_event(key(B, "7"))
    assert said(offer) == [["callback_offer", "n0", "n0", "pause", "n0", "n2", "callback_press",
                            "n1", "callback_to_confirm"]]
    assert Count("callbacks", ("offered",)) in offer
    book = next(a for a in core.ami_event(key(B, "1")) if isinstance(a, BookCallback))
    assert (book.row.number, book.row.queue, book.row.program, book.position) == (
        NUMBER_B, "support", "default", 2)
    assert book.row.server == "pbx1" and book.row.id.isdigit()
    placed = core.callback_booked(B, book.row, book.position, True)
    assert [a for a in placed if isinstance(a, PlaceCallback)] == [
        PlaceCallback(placed[0].row, 2)] and placed[0].row.state == PLACED


def test_key_1_outside_an_open_offer_is_not_a_confirmation(core, clock):
    on_hold(core, B, NUMBER_B, 2)
    assert not [a for a in core.ami_event(key(B, "1")) if isinstance(a, BookCallback)]
    core.ami_event(key(B, "7"))
    clock.advance(10.5)                         # callback.confirm_s = 10
    assert Count("callbacks", ("declined",)) in core.tick()
    assert not [a for a in core.ami_event(key(B, "1")) if isinstance(a, BookCallback)]


@pytest.mark.parametrize("number", ["anonymous", "", "555", "+15551230002x"])
def test_a_number_that_cannot_be_called_back_hears_so(core, number):
    on_hold(core, B, number, 2)
    assert said(core.ami_event(key(B, "7"))) == [["callback_impossible"]]


def test_a_second_request_hears_that_one_is_booked_here_and_from_the_store(core):
    on_hold(core, B, NUMBER_B, 2)
    booked(core, B)
    on_hold(core, A, NUMBER_B, 3)              # the same number calls again meanwhile
    assert said(core.ami_event(key(A, "7"))) == [["callback_booked"]]
    on_hold(core, "1800.5", NUMBER_A, 1)
    core.ami_event(key("1800.5", "7"))
    book = next(a for a in core.ami_event(key("1800.5", "1")) if isinstance(a, BookCallback))
    refused = core.callback_booked("1800.5", book.row, 1, False)   # another server booked it
    assert said(refused) == [["callback_booked"]] and not any(
        isinstance(a, PlaceCallback) for a in refused)


def test_the_goodbye_is_said_once_the_placeholder_is_in_the_queue_then_the_caller_hung_up(core):
    link = on_hold(core, B, NUMBER_B, 2)
    book, _ = booked(core, B)
    goodbye = core.ami_event(placeholder_join(book.row))
    assert said(goodbye) == [["callback_thanks", "callback_goodbye"]]
    state = {"type": "state", "state": dataclasses.asdict(CallState()), "audio": {}}
    assert core.player_message(B, link, dict(state, now={"kind": "insert", "name": "x"})) == []
    assert HangUp(f"PJSIP/caller-{B}") in core.player_message(
        B, link, dict(state, now={"kind": "music", "name": "y"}))


def test_a_goodbye_that_never_ends_still_hangs_up_in_time(core, clock):
    on_hold(core, B, NUMBER_B, 2)
    book, _ = booked(core, B)
    core.ami_event(placeholder_join(book.row))
    clock.advance(20)
    assert HangUp(f"PJSIP/caller-{B}") in core.tick()


def test_the_agent_gets_a_whisper_and_an_answer_is_done(core, clock):
    on_hold(core, B, NUMBER_B, 2)
    book, _ = booked(core, B)
    core.ami_event(placeholder_join(book.row))
    clock.advance(12 * 60)
    took = core.ami_event(msg(Event="AgentConnect", Uniqueid="1800000000.99", Queue="support",
                              HoldTime=720))
    assert Whisper(book.row.id, "default", "en", ("callback_whisper", "n12", "minute_n")) in took
    assert [a.row.state for a in took if isinstance(a, CallbackState)] == [DIALLING]
    done = core.ami_event(dial_end(book.row, "ANSWER"))
    assert [a.row.state for a in done if isinstance(a, CallbackState)] == [DONE]
    assert [a.seconds for a in done if isinstance(a, Count)] == [pytest.approx(720, abs=1)]
    assert core.callbacks.pending == {}


def test_no_answer_is_tried_again_at_the_head_of_the_queue_then_given_up(core, clock):
    on_hold(core, B, NUMBER_B, 2)
    book, _ = booked(core, B)
    core.ami_event(placeholder_join(book.row))
    core.ami_event(msg(Event="AgentConnect", Uniqueid="1800000000.99", Queue="support"))
    retry = core.ami_event(dial_end(book.row, "NOANSWER"))
    assert [(a.row.state, a.row.attempts) for a in retry if isinstance(a, CallbackState)] == [
        (WAITING, 1)]
    clock.advance(29)
    assert not [a for a in core.tick() if isinstance(a, PlaceCallback)]
    clock.advance(1)
    assert [a.position for a in core.tick() if isinstance(a, PlaceCallback)] == [1]
    core.ami_event(placeholder_join(book.row, "1800000000.100", position=1))
    core.ami_event(msg(Event="AgentConnect", Uniqueid="1800000000.100", Queue="support"))
    end = core.ami_event(dial_end(book.row, "BUSY"))
    assert [a.row.state for a in end if isinstance(a, CallbackState)] == [GIVEN_UP]
    assert Count("callbacks", ("given_up",)) in end


def test_an_agent_who_leaves_during_the_whisper_is_a_retry(core):
    on_hold(core, B, NUMBER_B, 2)
    book, _ = booked(core, B)
    core.ami_event(placeholder_join(book.row))
    core.ami_event(msg(Event="AgentConnect", Uniqueid="1800000000.99", Queue="support"))
    gone = core.ami_event(msg(Event="Hangup", Uniqueid="1800000000.98", Cause=16,
                              Channel=f"Local/{book.row.id}@progmoh-callback-hold-0000002a;1"))
    assert [a.row.state for a in gone if isinstance(a, CallbackState)] == [WAITING]


def test_after_a_restart_placeholders_in_the_queue_are_adopted_and_the_others_placed_in_order(
        core, clock):
    rows = []
    for uid, number, position in ((A, NUMBER_A, 1), (B, NUMBER_B, 2)):
        on_hold(core, uid, number, position)
        rows.append(booked(core, uid, position=position)[0].row)
        clock.advance(1)
    clock.advance(60)
    entries = [msg(Event="QueueEntry", Queue="support", Position=1, Uniqueid="1800.7",
                   Channel=f"Local/{rows[1].id}@progmoh-callback-hold-00000003;2")]
    resync = [a for a in core.ami_resync(entries) if isinstance(a, PlaceCallback)]
    assert [(a.row.id, a.row.state, a.position) for a in resync] == [(rows[0].id, PLACED, 1)]
    assert core.callbacks.pending[rows[1].id].placeholder == "1800.7"   # found, not placed
    clock.advance(60)
    after_restart = [a for a in core.ami_resync([]) if isinstance(a, PlaceCallback)]
    assert [(a.row.id, a.position) for a in after_restart] == [(rows[0].id, 1), (rows[1].id, 2)]


def test_a_caller_who_calls_again_is_told_and_may_cancel_or_keep_it(core, clock):
    on_hold(core, B, NUMBER_B, 2)
    book, _ = booked(core, B)
    core.ami_event(placeholder_join(book.row))
    again = "1800000000.200"
    core.ami_event(msg(Event="QueueCallerJoin", Uniqueid=again, CallerIDNum=NUMBER_B,
                       Channel=f"PJSIP/caller-{again}", Queue="support", Position=3, Count=3))
    link = object()
    core.player_connected(again, link, None)
    told = core.player_ready(again, link)
    assert said(told)[-1] == ["callback_booked", "callback_press", "n1", "callback_to_cancel"]
    cancelled = core.ami_event(key(again, "1"))
    assert [a.row.state for a in cancelled if isinstance(a, CallbackState)] == ["cancelled"]
    assert HangUp(f"Local/{book.row.id}@progmoh-callback-hold-0000002a;2") in cancelled
    assert said(cancelled) == [["callback_cancelled"]] and core.callbacks.pending == {}


def test_a_returning_caller_who_does_nothing_keeps_it(core, clock):
    on_hold(core, B, NUMBER_B, 2)
    book, _ = booked(core, B)
    on_hold(core, A, NUMBER_B, 3)
    clock.advance(11)
    assert not [a for a in core.ami_event(key(A, "1")) if isinstance(a, CallbackState)]
    assert list(core.callbacks.pending) == [book.row.id]


def test_the_periodic_announcement_offers_a_callback_once_after_the_wait(tmp_path, clock):
    extra = CALLBACKS + "offer_after_s = 300.0\n"
    settings = service_settings(write_config(tmp_path, extra=extra))
    core = ServeCore(settings.serve, settings.programs, clock, wall=Wall(clock), server="pbx1")
    on_hold(core, B, NUMBER_B, 2)
    offers = []
    for _ in range(8):                              # every 120 s (keys.position_every_s)
        clock.advance(120)
        offers.append(sum(keys[0] == "callback_offer" for keys in said(core.tick())))
    assert offers == [0, 0, 1, 0, 0, 0, 0, 0]           # at 360 s, the first after 300


def dial_out_channel(row, bridge_id=""):
    """The CoreShowChannel item of a callback's dial-out (its ``;1`` half), in the dial
    context: bridged with the customer once they answered."""
    return msg(Event="CoreShowChannel", ActionID="lst-2",
               Channel=f"Local/{row.id}@progmoh-callback-hold-0000002a;1",
               Context="progmoh-callback-dial", Exten="s", Application="Dial",
               BridgeId=bridge_id)


def serve_again(tmp_path, clock, row):
    """A serve started again, reading its one pending row from the store."""
    settings = service_settings(write_config(tmp_path, extra=CALLBACKS))
    core = ServeCore(settings.serve, settings.programs, clock, wall=Wall(clock), server="pbx1")
    core.callbacks.restore([row])
    return core


def placed_row(core):
    on_hold(core, B, NUMBER_B, 2)
    book, _ = booked(core, B)
    core.ami_event(placeholder_join(book.row))
    return dataclasses.replace(book.row, state=PLACED)


def test_a_dial_answered_while_serve_was_away_is_done_and_never_placed_again(
        core, tmp_path, clock):
    """serve stopped with the placeholder in the queue (the store says placed); meanwhile an
    agent took it and the customer answered: the dial-out is bridged."""
    row = placed_row(core)
    again = serve_again(tmp_path, clock, row)
    assert again.callbacks.pending                     # so AMI lists the channels first
    done = again.ami_channels([dial_out_channel(row, bridge_id="5c0ffee")])
    assert [a.row.state for a in done if isinstance(a, CallbackState)] == [DONE]
    assert Count("callbacks", ("answered",), seconds=pytest.approx(0, abs=1)) in done
    assert not [a for a in again.ami_resync([]) if isinstance(a, PlaceCallback)]
    assert again.ami_event(msg(Event="Hangup", Cause=16,
                               Channel=dial_out_channel(row).get("Channel"))) == []


def test_a_dial_still_ringing_after_a_restart_waits_for_its_end(core, tmp_path, clock):
    row = placed_row(core)
    again = serve_again(tmp_path, clock, row)
    ringing = again.ami_channels([dial_out_channel(row)])
    assert [a.row.state for a in ringing if isinstance(a, CallbackState)] == [DIALLING]
    assert not [a for a in again.ami_resync([]) if isinstance(a, PlaceCallback)]
    done = again.ami_event(dial_end(row, "ANSWER"))
    assert [a.row.state for a in done if isinstance(a, CallbackState)] == [DONE]


def test_a_dial_that_ended_unseen_is_tried_again_and_a_placeholder_gone_is_placed_again(
        core, tmp_path, clock):
    row = placed_row(core)
    dialling = serve_again(tmp_path, clock, dataclasses.replace(row, state=DIALLING))
    retry = dialling.ami_channels([])                  # its channel is gone: outcome unknown
    assert [(a.row.state, a.row.attempts) for a in retry if isinstance(a, CallbackState)] == [
        (WAITING, 1)]
    assert not [a for a in dialling.ami_resync([]) if isinstance(a, PlaceCallback)]
    clock.advance(30)
    assert [a.position for a in dialling.tick() if isinstance(a, PlaceCallback)] == [1]
    placed = serve_again(tmp_path, clock, row)         # placed, and nothing of it is up
    assert placed.ami_channels([]) == []
    assert [a.position for a in placed.ami_resync([]) if isinstance(a, PlaceCallback)] == [1]
