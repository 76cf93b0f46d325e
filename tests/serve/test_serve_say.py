"""Say keys in serve's core, on the fake clock: a key's template over its lookup's answer,
said only to the player that asked, in the call's program and language; "unavailable"
and one log line when the answer cannot fill it.

The default program (English) has key 6, a date and an amount over billing's
answer, and key 7, a sentence without fields; "sales" (Russian) turns 6 off and
has key 8, a phrase over its own lookup "crm"."""

import decimal
import logging

import pytest

from progmoh.player.programs import DEFAULT_PROGRAM
from progmoh.player.serve.actions import Count, LookUp, Send
from progmoh.player.serve.core import ServeCore
from progmoh.player.serve.lookups import Answer
from tests.support.ami_events import A, B, key, msg
from tests.support.fake_clock import FakeClock
from tests.support.service_support import service_settings, write_config

NUMBER_A, NUMBER_B = "+15551230001", "+15551230002"
SAY = """
[texts.en]
next_payment = "Your next payment of"
due = "is due on"
status_is = "Your ticket is"
status_open = "open"
[texts.ru]
next_payment = "Ваш следующий платёж"
due = "нужно внести до"
status_is = "Ваша заявка"
status_open = "открыта"
[phrases.status]
open = "status_open"
[say.6]
lookup = "billing"
template = "next_payment {due:money} due {due_date:date}"
[say.7]
template = "status_is"
[programs.sales]
language = "ru"
[programs.sales.say.6]
template = ""
[programs.sales.say.8]
lookup = "crm"
template = "status_is {status:phrase}"
[programs.sales.lookups.crm]
backend = "http"
url = "http://127.0.0.1:9/crm/{number}"
"""
DUE = {"due": decimal.Decimal("12.50"), "currency": "USD", "due_date": "2026-12-15"}
DUE_IN_ENGLISH = ["next_payment", "n12", "cur_USD_n", "n50", "sub_USD_n", "due",
                  "month_12", "ord_15", "pause", "n20", "n20", "n6"]


@pytest.fixture
def core(tmp_path):
    settings = service_settings(write_config(tmp_path, extra=SAY))
    return ServeCore(settings.serve, settings.programs, FakeClock(),
                     billing_backend=settings.billing.backend)


def sent(actions) -> list:
    return [(a.link, a.kind, a.fields) for a in actions if isinstance(a, Send)]


def on_hold(core, uid, number, program, queue="testq"):
    """A queued call with a welcomed player; its link."""
    core.class_requested(uid, program)
    core.ami_event(msg(Event="QueueCallerJoin", Uniqueid=uid, CallerIDNum=number,
                       Channel=f"PJSIP/caller-{uid}", Queue=queue, Position=1, Count=1))
    link = object()
    core.player_connected(uid, link, None)
    core.player_ready(uid, link)
    return link


def say(keys, language="en", digit="6"):
    return ("say", {"keys": keys, "language": language, "what": f"key {digit}"})


def test_a_say_key_asks_its_lookup_and_says_the_template_over_the_answer(core):
    link = on_hold(core, A, NUMBER_A, DEFAULT_PROGRAM)
    actions = core.ami_event(key(A, "6"))
    assert LookUp(A, link, NUMBER_A, DEFAULT_PROGRAM, "6") in actions
    assert sent(actions) == []                       # nothing before the answer
    said = core.lookup_answered(A, link, DEFAULT_PROGRAM, "6", Answer(DUE, 0.0))
    assert sent(said) == [(link,) + say(DUE_IN_ENGLISH)]
    assert Count("inserts", ("say",)) in said


def test_a_missing_or_unsayable_field_is_unavailable_and_one_log_line(core, caplog):
    link = on_hold(core, A, NUMBER_A, DEFAULT_PROGRAM)
    core.ami_event(key(A, "6"))
    cases = [({"due": "12.50", "currency": "USD"}, "'due_date' is missing"),
             (dict(DUE, due_date="2026-02-30"), "no day of the calendar"),
             (dict(DUE, due_date="3026-01-01"), "outside 1900..2100"),
             (dict(DUE, due="NaN"), "'due'"),
             (["not", "an", "object"], "not a JSON object")]
    for answer, reason in cases:
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="progmoh.serve"):
            said = core.lookup_answered(A, link, DEFAULT_PROGRAM, "6", Answer(answer, 0.0))
        assert sent(said) == [(link,) + say(["unavailable"])], answer
        lines = [r.getMessage() for r in caplog.records]
        assert len(lines) == 1 and reason in lines[0] and "key 6" in lines[0], (answer, lines)


def test_no_answer_from_the_lookup_is_unavailable(core):
    link = on_hold(core, A, NUMBER_A, DEFAULT_PROGRAM)
    said = core.lookup_answered(A, link, DEFAULT_PROGRAM, "6",
                                Answer(None, 0.0, timed_out=True, reason="no answer within 2 s"))
    assert sent(said) == [(link,) + say(["unavailable"])]


def test_a_caller_without_a_number_hears_unavailable_without_a_lookup(core):
    link = on_hold(core, A, "anonymous", DEFAULT_PROGRAM)
    actions = core.ami_event(key(A, "6"))
    assert not [a for a in actions if isinstance(a, LookUp)]
    assert sent(actions) == [(link,) + say(["unavailable"])]


def test_a_template_without_fields_is_said_at_once(core):
    link = on_hold(core, A, NUMBER_A, DEFAULT_PROGRAM)
    assert sent(core.ami_event(key(A, "7"))) == [(link,) + say(["status_is"], digit="7")]


def test_each_program_has_its_own_say_keys_lookups_and_language(core):
    link_b = on_hold(core, B, NUMBER_B, "sales", queue="sales")
    assert core.ami_event(key(B, "6")) == [Count("keys", ("6",))]       # turned off in sales
    assert sent(core.ami_event(key(B, "7"))) == [(link_b,) + say(["status_is"], "ru", "7")]
    assert LookUp(B, link_b, NUMBER_B, "sales", "8") in core.ami_event(key(B, "8"))
    answered = core.lookup_answered(B, link_b, "sales", "8", Answer({"status": "open"}, 0.0))
    assert sent(answered) == [(link_b,) + say(["status_is", "status_open"], "ru", "8")]
    unmapped = core.lookup_answered(B, link_b, "sales", "8", Answer({"status": "lost"}, 0.0))
    assert sent(unmapped) == [(link_b,) + say(["unavailable"], "ru", "8")]


def test_an_answer_for_a_player_that_is_gone_is_said_to_nobody(core):
    first = on_hold(core, A, NUMBER_A, DEFAULT_PROGRAM)
    core.ami_event(key(A, "6"))
    newer = object()
    core.player_connected(A, newer, None)
    core.player_ready(A, newer)
    assert core.lookup_answered(A, first, DEFAULT_PROGRAM, "6", Answer(DUE, 0.0)) == []
    core.ami_event(msg(Event="Hangup", Uniqueid=A, Channel=f"PJSIP/caller-{A}"))
    core.player_gone(A, newer)
    assert core.lookup_answered(A, newer, DEFAULT_PROGRAM, "6", Answer(DUE, 0.0)) == []
