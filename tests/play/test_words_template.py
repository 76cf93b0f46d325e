"""Sentence templates: the syntax, its errors, the prompt check, and rendering over a
lookup's answer to keys or a Refusal; the built-in announcements are templates too."""

import pytest

from progmoh.cache.errors import ProgmohError
from progmoh.player.words import announcements, compose
from progmoh.player.words.render import Refusal, Spoken, render
from progmoh.player.words.template import Field, Prompt, TemplateError, check_prompts, parse
from progmoh.player.words.vocabulary import base_texts, prompt_texts

VOCABULARY = {language: set(prompt_texts(language, 20, compose.number_words))
              for language in ("en", "ru")}
PROGRAM_PHRASES = {"next_payment", "due", "tickets_open", "status_open", "status_closed"}
MAPPINGS = {"status": {"open": "status_open", "closed": "status_closed"}}
ANSWER = {"balance": "-15.30", "currency": "RUB", "account": "100 200", "due": "500",
          "due_date": "2026-12-01", "count": 3, "status": "closed"}


def shape(template):
    return [(part.key,) if isinstance(part, Prompt) else
            (part.name, part.type.name, part.option, part.source) for part in template.parts]


def test_the_issues_examples_parse():
    assert shape(parse("balance_is {balance:money}")) == [
        ("balance_is",), ("balance", "money", None, "currency")]
    assert shape(parse("account {account:digits}")) == [
        ("account",), ("account", "digits", None, None)]
    assert shape(parse("next_payment {due:money} due {due_date:date}")) == [
        ("next_payment",), ("due", "money", None, "currency"), ("due",),
        ("due_date", "date", "nom", None)]
    assert shape(parse("tickets_open {count:number}")) == [
        ("tickets_open",), ("count", "number", "m", None)]
    assert shape(parse("status {status:phrase}")) == [
        ("status",), ("status", "phrase", "status", None)]


def test_arguments_literal_and_from_a_field():
    assert shape(parse("{b:money:RUB}")) == [("b", "money", "RUB", None)]
    assert shape(parse("{b:money:@cur}")) == [("b", "money", None, "cur")]
    assert shape(parse("{n:number:f} {d:date:gen} {s:phrase:states}")) == [
        ("n", "number", "f", None), ("d", "date", "gen", None), ("s", "phrase", "states", None)]


def test_parts_are_separated_by_any_blanks():
    template = parse("  balance_is\t{b:money:USD}\n  suspended ")
    assert shape(template) == [("balance_is",), ("b", "money", "USD", None), ("suspended",)]
    assert template.prompt_keys() == ["balance_is", "suspended"]
    assert [field.name for field in template.fields()] == ["b"]
    assert isinstance(template.fields()[0], Field)


@pytest.mark.parametrize("text, problem", [
    ("", "says nothing"),
    ("   ", "says nothing"),
    (None, "is NoneType, not text"),
    ("balance_is {balance:monye}",
     "'{balance:monye}': unknown type 'monye'; known: number, money, digits, date, minutes, "
     "phrase"),
    ("{balance}", "'{balance}': unknown type ''; known:"),
    ("{balance:money", "'{balance:money' is not one field {name:type} (a space between parts)"),
    ("{a:number}{b:number}", "is not one field {name:type}"),
    ("balance_is{b:money}", "'balance_is{b:money}' is neither a prompt key"),
    ("balance-is", "'balance-is' is neither a prompt key (letters, digits, _) nor a field"),
    ("7up", "'7up' is neither a prompt key"),
    ("баланс", "'баланс' is neither a prompt key"),
    ("{due date:date}", "is not one field"),
    ("{9:number}", "'{9:number}': the field name '9' is not a name (letters, digits, _)"),
    ("{:number}", "the field name '' is not a name"),
    ("{b:money:GBP}", "'{b:money:GBP}': money takes RUB, USD, EUR or @field, not 'GBP'"),
    ("{b:money:rub}", "money takes RUB, USD, EUR or @field, not 'rub'"),
    ("{b:money:@}", "money takes RUB, USD, EUR or @field, not '@'"),
    ("{n:number:x}", "'{n:number:x}': number takes m, f, n, not 'x'"),
    ("{n:number:@g}", "number takes m, f, n, not '@g'"),
    ("{d:date:acc}", "date takes nom, gen, not 'acc'"),
    ("{a:digits:3}", "'{a:digits:3}': digits takes no argument, not '3'"),
    ("{m:minutes:h}", "minutes takes no argument, not 'h'"),
    ("{s:phrase:@other}", "phrase takes a name, not '@other'"),
    ("{s:phrase:two words}", "is not one field"),
    ("{d:date:}", "'{d:date:}': an empty argument after ':'"),
    ("{d:date:gen:more}", "date takes nom, gen, not 'gen:more'"),
])
def test_bad_templates_name_the_template_and_the_problem(text, problem):
    with pytest.raises(TemplateError) as caught:
        parse(text)
    error = caught.value
    assert error.template == text and problem in error.problem
    assert str(error) == f"template {text!r}: {error.problem}"
    assert isinstance(error, ProgmohError) and isinstance(error, ValueError)
    assert f"program 'support', key 3: {error}".startswith("program 'support', key 3: template ")


def test_check_prompts_against_the_vocabulary_and_the_programs_phrases():
    known = VOCABULARY["en"] | PROGRAM_PHRASES
    check_prompts(parse("next_payment {due:money} due {due_date:date}"), known)
    check_prompts(parse("{status:phrase}"), known, MAPPINGS)
    with pytest.raises(TemplateError) as caught:
        check_prompts(parse("next_paymnt {due:money} du {status:phrase}"), known, MAPPINGS)
    assert caught.value.problem == "unknown prompt 'next_paymnt'; unknown prompt 'du'"


def test_check_prompts_follows_a_phrase_mapping():
    known = VOCABULARY["ru"] | PROGRAM_PHRASES
    with pytest.raises(TemplateError) as caught:
        check_prompts(parse("{status:phrase} {state:phrase:states}"), known,
                      {"status": {"open": "status_open", "lost": "status_lost"}})
    assert caught.value.problem == ("phrase mapping 'status' maps 'lost' to unknown prompt "
                                    "'status_lost'; field 'state' has no phrase mapping 'states'")
    with pytest.raises(TemplateError, match="field 'status' has no phrase mapping 'status'"):
        check_prompts(parse("{status:phrase}"), known)


@pytest.mark.parametrize("language, template, expected", [
    ("en", "balance_is {balance:money}", "balance_is minus n15 cur_RUB_n n30 sub_RUB_n"),
    ("ru", "balance_is {balance:money}", "balance_is minus n15 cur_RUB_5 n30 sub_RUB_5"),
    ("en", "account_number_is {account:digits}", "account_number_is n1 n0 n0 pause n2 n0 n0"),
    ("ru", "next_payment {due:money:USD} due {due_date:date:gen}",
     "next_payment n500 cur_USD_5 due ord_1_gen month_12 n2_f thousand_2 n20 ord_6_gen "
     "year_gen"),
    ("en", "next_payment {due:money} due {due_date:date}",
     "next_payment n5 hundred cur_RUB_n due month_12 ord_1 pause n20 n20 n6"),
    ("ru", "tickets_open {count:number}", "tickets_open n3"),
    ("en", "{status:phrase}", "status_closed"),
])
def test_the_issues_examples_render(language, template, expected):
    outcome = render(parse(template), language, dict(ANSWER), MAPPINGS)
    assert isinstance(outcome, Spoken) and not outcome.refused
    assert outcome.keys == expected.split()
    assert set(outcome.keys) <= VOCABULARY[language] | PROGRAM_PHRASES


def test_rendering_is_pure():
    template, answer = parse("next_payment {due:money} due {due_date:date}"), dict(ANSWER)
    first = render(template, "ru", answer).keys
    assert render(template, "ru", answer).keys == first and answer == ANSWER


def test_a_missing_field_is_a_refusal_naming_it():
    outcome = render(parse("balance_is {balance:money} {due_date:date}"), "en",
                     {"due_date": "2026-12-01", "currency": "USD"})
    assert isinstance(outcome, Refusal) and outcome.refused
    assert (outcome.field, outcome.reason) == ("balance", "is missing from the answer")
    assert str(outcome) == "field 'balance' is missing from the answer"


def test_the_first_field_that_fails_is_the_one_named():
    outcome = render(parse("{a:number} {b:date} {c:digits}"), "ru", {"a": 1, "b": "x", "c": ""})
    assert (outcome.field, outcome.reason) == ("b", "'x' is not a date like 2026-12-01")


def test_the_currency_field_is_named_when_it_is_at_fault():
    outcome = render(parse("{due:money:@due_currency}"), "en", {"due": "5", "due_currency": 1})
    assert (outcome.field, outcome.reason) == ("due_currency", "is a number, not text")


@pytest.mark.parametrize("answer, reason", [
    (None, "the answer is null, not an object"), ([ANSWER], "the answer is a list, not an object"),
    ("{}", "the answer is text, not an object")])
def test_an_answer_that_is_not_an_object_is_refused(answer, reason):
    outcome = render(parse("tickets_open {count:number}"), "en", answer)
    assert outcome.refused and outcome.field is None and str(outcome) == reason


def test_a_template_of_prompts_alone_needs_no_field():
    assert render(parse("unavailable"), "ru", {}).keys == ["unavailable"]


def test_an_untrusted_value_is_quoted_short_and_escaped():
    outcome = render(parse("{d:date}"), "en", {"d": "\n\x1b[2J" + "x" * 5})
    assert outcome.reason == r"'\n\x1b[2Jxxxxx' is not a date like 2026-12-01"
    outcome = render(parse("{n:number}"), "en", {"n": "\n" + "9" * 10_000})
    assert len(outcome.reason) < 80 and "\n" not in outcome.reason


def test_an_unknown_language_is_a_bug_not_a_refusal():
    with pytest.raises(ValueError, match="'xx'"):
        render(parse("{n:number}"), "xx", {"n": 1})


def test_a_key_a_language_leaves_empty_is_not_said_but_a_pause_is():
    template = parse("position_prefix {n:number} position_suffix pause")
    assert base_texts("ru")["position_suffix"] == "" and base_texts("en")["position_suffix"]
    assert render(template, "ru", {"n": 21}).keys == "position_prefix n20 n1_m pause".split()
    assert render(template, "en", {"n": 21}).keys == \
        "position_prefix n20 n1 position_suffix pause".split()


# --- the built-in announcements are templates of the same engine -----------------------------

BUILT_IN = [announcements.ACCOUNT, announcements.LOCKED_ACCOUNT, announcements.ACCOUNT_NUMBER,
            announcements.POSITION, announcements.WAIT]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_built_in_templates_speak_only_the_vocabulary(language):
    for template in BUILT_IN:
        check_prompts(template, VOCABULARY[language])


def test_the_built_ins_say_what_their_templates_say():
    account = {"account": "12", "balance": "5", "currency": "USD", "locked": True}
    assert compose.balance_keys("en", "ok", [account]) == \
        render(announcements.LOCKED_ACCOUNT, "en", account).keys
    assert compose.wait_keys("ru", 7) == render(announcements.WAIT, "ru", {"minutes": 7}).keys
    assert compose.position_keys("ru", 33, 20) == \
        render(announcements.POSITION, "ru", {"position": 33}).keys


def test_an_account_number_without_digits_is_left_out_not_the_balance():
    accounts = [{"account": "", "balance": "1", "currency": "USD"},
                {"account": "34", "balance": "2", "currency": "USD"}]
    assert compose.balance_keys("en", "ok", accounts) == (
        "several_accounts balance_is n1 cur_USD_1 next_account account_number_is n3 n4 "
        "balance_is n2 cur_USD_n").split()


def test_a_wait_or_position_the_engine_refuses_says_nothing():
    assert compose.wait_keys("en", 10**6) == []
    assert compose.wait_keys("en", 1.5) == []
    assert compose.position_keys("en", 10**16, 20) == []


HOSTILE = [None, True, False, 0, -1, 10**5000, -10**5000, 1e308, -1e308, float("inf"),
           float("nan"), 0.5, "", " ", "\x00", "\n" * 10_000, "9" * 100_000, "1e5", "-0",
           "١٢٣", "2026-02-30", "0000-00-00", [], [1, 2], {}, {"a": 1}, "🙂" * 70]


@pytest.mark.parametrize("template", ["{v:number}", "{v:number:f}", "{v:money}",
                                      "{v:money:EUR}", "{v:digits}", "{v:date}", "{v:date:gen}",
                                      "{v:minutes}", "{v:phrase}"])
def test_no_value_of_any_type_raises(template):
    """Whatever a lookup answers, the engine says something or refuses: a call's audio
    never stops on a field (the caller of the engine plays "unavailable")."""
    for language in ("en", "ru"):
        for value in HOSTILE:
            for currency in ("RUB", None, 7, "x" * 100):
                outcome = render(parse(template), language, {"v": value, "currency": currency},
                                 {"v": {"": "suspended", "0": "unavailable"}})
                assert isinstance(outcome, (Spoken, Refusal))
                assert len(str(outcome)) < 120 if outcome.refused else outcome.keys
