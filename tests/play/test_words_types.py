"""Each template type in both languages: exact keys, the bounds of untrusted values,
and the words checked against references over whole ranges (num2words' cardinals,
ordinals, years and currencies; Babel's month names, long date order and plural rules)."""

import datetime
import random

import pytest
from babel import Locale
from babel.dates import format_date, get_month_names
from num2words import num2words

from progmoh.player.words import field_types, readings
from progmoh.player.words.compose import number_words
from progmoh.player.words.render import render
from progmoh.player.words.template import parse
from progmoh.player.words.vocabulary import prompt_texts

LANGUAGES = ("en", "ru")
TEXTS = {language: prompt_texts(language, 20, number_words) for language in LANGUAGES}
# Numbers 0..10^6: every one below 2000 (all the irregular words and the years),
# a fixed random sample above, and the edges.
SAMPLE = sorted(set(range(2000)) | set(random.Random(19).sample(range(2000, 10**6), 3000))
                | {10**6 - 1, 10**6})


def said(template, language, **fields):
    outcome = render(parse(template), language, fields)
    assert not outcome.refused, outcome
    return outcome.keys


def refusal(template, language="en", phrases=None, **fields):
    outcome = render(parse(template), language, fields, phrases)
    assert outcome.refused, outcome
    return outcome


def words(language, keys):
    """What the clips say, joined as one text; pauses (empty texts) say nothing."""
    missing = [key for key in keys if key not in TEXTS[language]]
    assert not missing, f"{language}: keys not in the vocabulary: {missing}"
    return " ".join(TEXTS[language][key] for key in keys if TEXTS[language][key])


def plain(text):
    """A reference's text as ours is spelled: no hyphens or commas, е for ё, lower case."""
    return " ".join(text.replace("-", " ").replace(",", " ").replace("ё", "е").lower().split())


# --- number ---------------------------------------------------------------------------------

@pytest.mark.parametrize("template, language, value, expected", [
    ("{n:number}", "en", 21, "n20 n1"),
    ("{n:number}", "ru", 21, "n20 n1_m"),
    ("{n:number:f}", "ru", 21, "n20 n1_f"),
    ("{n:number:n}", "ru", 21, "n20 n1_n"),
    ("{n:number:n}", "ru", 2, "n2_m"),
    ("{n:number:n}", "ru", 2002, "n2_f thousand_2 n2_m"),
    ("{n:number:f}", "en", 1, "n1"),
    ("{n:number}", "en", -5, "minus n5"),
    ("{n:number}", "ru", "-12", "minus n12"),
    ("{n:number}", "en", " 7 ", "n7"),
    ("{n:number}", "en", 3.0, "n3"),
    ("{n:number}", "ru", 0, "n0"),
    ("{n:number}", "en", readings.MAX_UNITS, None),
])
def test_number(template, language, value, expected):
    keys = said(template, language, n=value)
    if expected:
        assert keys == expected.split()
    words(language, keys)


@pytest.mark.parametrize("value, reason", [
    (True, "is a boolean, not a whole number"), ([1], "is a list, not a whole number"),
    ({"n": 1}, "is an object, not a whole number"), (2.5, "2.5 is not a whole number"),
    (float("inf"), "inf is not a whole number"), (float("nan"), "nan is not a whole number"),
    ("12a", "'12a' is not a whole number"), ("", "'' is not a whole number"),
    ("1" * 21, "is not a whole number"), ("١٢", "is not a whole number"),
    (10**15, "is outside -999999999999999..999999999999999"),
    (-10**15, "is outside"), (1e300, "is outside"),
    pytest.param(10**5000, "a number of about 5000 digits is outside", id="10^5000"),
])
def test_number_refuses(value, reason):
    outcome = refusal("{n:number}", n=value)
    assert outcome.field == "n" and reason in outcome.reason


def test_cardinals_match_num2words_over_a_sample_of_0_to_a_million():
    for n in SAMPLE:
        assert words("en", readings.number_keys("en", n)) == plain(num2words(n, lang="en")), n
        for gender in ("m", "f", "n"):
            if gender != "m" and n and n % 10**6 == 0:
                continue            # num2words puts the gender on "миллион" ("одна миллион")
            ours = words("ru", readings.number_keys("ru", n, gender))
            assert ours == plain(num2words(n, lang="ru", gender=gender)), (n, gender)
    assert words("ru", readings.number_keys("ru", 10**6, "f")) == "один миллион"


def test_plural_forms_match_babel_over_a_sample_of_0_to_a_million():
    """The form of a noun after n (рубль, рубля, рублей; minute, minutes) is CLDR's plural
    category: Russian one/few/many, English one/other."""
    categories = {"ru": {"one": "1", "few": "2", "many": "5"}, "en": {"one": "1", "other": "n"}}
    for language in LANGUAGES:
        locale, rules = Locale(language), readings.rules(language)
        for n in SAMPLE[::3]:
            assert rules.form(n) == categories[language][locale.plural_form(n)], (language, n)


# --- money ----------------------------------------------------------------------------------

@pytest.mark.parametrize("template, language, fields, expected", [
    ("{b:money}", "ru", {"b": "-1234.05", "currency": "RUB"},
     "minus n1_f thousand_1 n200 n30 n4 cur_RUB_2 n5 sub_RUB_5"),
    ("{b:money:USD}", "en", {"b": 12.5}, "n12 cur_USD_n n50 sub_USD_n"),
    ("{b:money:EUR}", "ru", {"b": 101}, "n100 n1_m cur_EUR_1"),
    ("{b:money:@cur}", "en", {"b": "2.02", "cur": "usd "}, "n2 cur_USD_n n2 sub_USD_n"),
    ("{b:money}", "en", {"b": "12.05", "currency": "XYZ"}, "n12 pause n0 n5"),
    ("{b:money}", "ru", {"b": "2.50", "currency": ""}, "n2_m pause n50"),
    ("{b:money:RUB}", "ru", {"b": 0.1 + 0.2}, "n30 sub_RUB_5"),
])
def test_money(template, language, fields, expected):
    keys = said(template, language, **fields)
    assert keys == expected.split()
    words(language, keys)


@pytest.mark.parametrize("fields, field, reason", [
    ({"b": "12"}, "currency", "is missing from the answer"),
    ({"b": "12", "currency": None}, "currency", "is null"),
    ({"b": "12", "currency": 840}, "currency", "is a number, not text"),
    ({"b": "12", "currency": "R" * 65}, "currency", "has 65 characters, over 64"),
    ({"currency": "RUB"}, "b", "is missing from the answer"),
    ({"b": "twelve", "currency": "RUB"}, "b", "is not decimal text"),
    ({"b": True, "currency": "RUB"}, "b", "is a boolean, not an amount"),
    ({"b": ["1"], "currency": "RUB"}, "b", "is a list, not an amount"),
    ({"b": float("nan"), "currency": "RUB"}, "b", "is not decimal text"),
    ({"b": 1e20, "currency": "RUB"}, "b", "is not decimal text"),
    ({"b": 10**15, "currency": "RUB"}, "b", "is beyond 999999999999999"),
    pytest.param({"b": 10**9000, "currency": "RUB"}, "b",
                 "a number of about 9000 digits is beyond", id="10^9000"),
    ({"b": "1000000000000000", "currency": "RUB"}, "b", "is beyond"),
    ({"b": "0" * 41, "currency": "RUB"}, "b", "has 41 characters, over 40"),
])
def test_money_refuses(fields, field, reason):
    outcome = refusal("{b:money}", **fields)
    assert outcome.field == field and reason in outcome.reason


def _amounts():
    rng = random.Random(7)
    units = [1, 2, 5, 11, 12, 21, 22, 101, 1000, 1001, 2000, 21000, 10**6] \
        + rng.sample(range(1, 10**7), 300)
    return [(u, rng.randrange(1, 100)) for u in units]


@pytest.mark.parametrize("language, currency", [
    ("ru", "RUB"), ("ru", "USD"), ("ru", "EUR"), ("en", "USD")])
def test_money_matches_num2words_currency(language, currency):
    """num2words' English rouble and euro differ in spelling only ("roubles", "kopeks",
    plural "euro"): the vocabulary keeps "rubles", "kopecks", "euros"."""
    import decimal
    for units, cents in _amounts():
        text = f"{units}.{cents:02d}"
        ours = words(language, readings.amount_keys(language, text, currency))
        reference = num2words(decimal.Decimal(text), lang=language, to="currency",
                              currency=currency)
        assert ours == plain(reference), (text, reference)


# --- digits ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("1234567", "n1 n2 n3 pause n4 n5 pause n6 n7"),
    ("LS-12 345", "n1 n2 n3 pause n4 n5"),
    (120021, "n1 n2 n0 pause n0 n2 n1"),
    ("007", "n0 n0 n7"),
    ("9" * 32, None),
])
def test_digits(value, expected):
    for language in LANGUAGES:
        keys = said("{a:digits}", language, a=value)
        if expected and language == "en":
            assert keys == expected.split()
        words(language, keys)
    assert said("{a:digits}", "ru", a="12") == ["n1_m", "n2_m"]


@pytest.mark.parametrize("value, reason", [
    ("", "has 0 digits, not 1..32"), ("abc", "has 0 digits"), ("1" * 33, "has 33 digits"),
    ("1" * 65, "has 65 characters, over 64"), (-12, "-12 is not 1..32 digits"),
    (10**32, "100000000000000000000000000000000 is not 1..32 digits"),
    pytest.param(10**5000, "a number of about 5000 digits is not 1..32 digits", id="10^5000"),
    (1.5, "is a number, not digits"),
    (["1"], "is a list, not digits"),
])
def test_digits_refuse(value, reason):
    assert refusal("{a:digits}", a=value).reason.startswith(reason)


# --- minutes --------------------------------------------------------------------------------

@pytest.mark.parametrize("language, minutes, expected", [
    ("en", 1, "n1 minute_1"), ("en", 0, "n0 minute_n"), ("en", 45, "n40 n5 minute_n"),
    ("ru", 1, "n1_f minute_1"), ("ru", 2, "n2_f minute_2"), ("ru", 5, "n5 minute_5"),
    ("ru", 21, "n20 n1_f minute_1"), ("ru", 112, "n100 n12 minute_5"),
])
def test_minutes(language, minutes, expected):
    assert said("{m:minutes}", language, m=minutes) == expected.split()


def test_minutes_read_as_numbers_and_forms_up_to_a_week():
    """Feminine numbers (num2words), and the form CLDR's plural rule gives."""
    forms = {"one": "минута", "few": "минуты", "many": "минут"}
    locale = Locale("ru")
    for minutes in range(0, field_types.MAX_MINUTES + 1, 7):
        spoken = words("ru", said("{m:minutes}", "ru", m=minutes))
        reference = plain(num2words(minutes, lang="ru", gender="f"))
        assert spoken == f"{reference} {forms[locale.plural_form(minutes)]}", minutes
        words("en", said("{m:minutes}", "en", m=minutes))


@pytest.mark.parametrize("value, reason", [
    (-1, "-1 is outside 0..10080"), (10081, "10081 is outside 0..10080"),
    (1.5, "1.5 is not a whole number"), ("soon", "'soon' is not a whole number"),
    (None, "is null"),
])
def test_minutes_refuse(value, reason):
    assert refusal("{m:minutes}", m=value).reason == reason


# --- date -----------------------------------------------------------------------------------

@pytest.mark.parametrize("template, language, value, expected", [
    ("{d:date}", "ru", "2026-12-01",
     "первое декабря две тысячи двадцать шестого года"),
    ("{d:date:gen}", "ru", "2026-12-01",
     "первого декабря две тысячи двадцать шестого года"),
    ("{d:date}", "ru", "2000-02-29", "двадцать девятое февраля двухтысячного года"),
    ("{d:date}", "ru", "1900-03-31", "тридцать первое марта тысяча девятисотого года"),
    ("{d:date:gen}", "ru", "2100-10-23",
     "двадцать третьего октября две тысячи сотого года"),
    ("{d:date}", "en", "2026-12-01", "December first twenty twenty six"),
    ("{d:date:gen}", "en", "2026-12-01", "December first twenty twenty six"),
    ("{d:date}", "en", "1905-07-04", "July fourth nineteen oh five"),
    ("{d:date}", "en", "2009-01-22", "January twenty second two thousand and nine"),
    ("{d:date}", "en", "1900-05-30", "May thirtieth nineteen hundred"),
    ("{d:date}", "en", "2100-11-11", "November eleventh twenty one hundred"),
])
def test_dates(template, language, value, expected):
    assert words(language, said(template, language, d=value)) == expected


def test_a_date_has_its_pauses_and_keys():
    assert said("{d:date}", "en", d="2026-12-21") == \
        "month_12 n20 ord_1 pause n20 n20 n6".split()
    assert said("{d:date}", "ru", d="2026-12-21") == \
        "n20 ord_1_nom month_12 n2_f thousand_2 n20 ord_6_gen year_gen".split()


@pytest.mark.parametrize("value, reason", [
    ("2026-13-01", "'2026-13-01' is no day of the calendar"),
    ("2026-02-29", "'2026-02-29' is no day of the calendar"),
    ("1900-02-29", "is no day of the calendar"), ("2026-04-31", "is no day of the calendar"),
    ("2026-00-10", "is no day of the calendar"), ("2026-01-00", "is no day of the calendar"),
    ("1899-12-31", "year 1899 is outside 1900..2100"), ("2101-01-01", "year 2101 is outside"),
    ("2026-1-01", "'2026-1-01' is not a date like 2026-12-01"),
    ("01.12.2026", "is not a date like"), ("2026-12-01T00:00", "has 16 characters, over 10"),
    ("２０２６-12-01", "is not a date like"), ("+026-12-01", "is not a date like"),
    (20261201, "is a number, not a date like 2026-12-01"),
])
def test_dates_refuse(value, reason):
    outcome = refusal("{d:date}", d=value)
    assert outcome.field == "d" and reason in outcome.reason


def test_the_calendar_is_the_real_one():
    """Every text YYYY-MM-DD around the range: accepted exactly when it is a real date
    (datetime's calendar) in 1900..2100."""
    for year in (1899, 1900, 1904, 1999, 2000, 2023, 2024, 2100, 2101):
        for month in range(0, 14):
            for day in range(0, 33):
                text = f"{year:04d}-{month:02d}-{day:02d}"
                try:
                    real = 1900 <= datetime.date(year, month, day).year <= 2100
                except ValueError:
                    real = False
                try:
                    got = field_types.calendar_date(text) == (day, month, year)
                except field_types.FieldRefused:
                    got = False
                assert got == real, text


def reference_date(date, language, case="nom"):
    """Babel's long date ("December 1, 2026", "1 декабря 2026 г.") read aloud by
    num2words: the day's ordinal, the year (English: as a year; Russian: its genitive
    ordinal, "г." as "года")."""
    spoken = []
    for token in format_date(date, format="long", locale=language).replace(",", "").split():
        if token == str(date.day) and language == "en":
            token = num2words(date.day, lang="en", to="ordinal")
        elif token == str(date.day):
            token = num2words(date.day, lang="ru", to="ordinal", gender="n",
                              case="n" if case == "nom" else "g")
        elif token == str(date.year):
            token = num2words(date.year, lang="en", to="year") if language == "en" else \
                num2words(date.year, lang="ru", to="ordinal", case="g")
        elif token == "г.":
            token = "года"
        spoken.append(token)
    return plain(" ".join(spoken))


@pytest.mark.parametrize("year", [1900, 1905, 1999, 2000, 2024, 2026, 2100])
def test_every_day_of_a_year_matches_babel_and_num2words(year):
    day = datetime.date(year, 1, 1)
    while day.year == year:
        for language, case in (("en", "nom"), ("ru", "nom"), ("ru", "gen")):
            ours = words(language, said("{d:date:%s}" % case, language, d=day.isoformat()))
            assert plain(ours) == reference_date(day, language, case), (day, language, case)
        day += datetime.timedelta(days=1)


def test_every_year_of_the_range_matches_num2words():
    for year in range(1900, 2101):
        day = datetime.date(year, 6, 15)
        for language, case in (("en", "nom"), ("ru", "nom"), ("ru", "gen")):
            ours = words(language, said("{d:date:%s}" % case, language, d=day.isoformat()))
            assert plain(ours) == reference_date(day, language, case), (year, language, case)


def test_month_names_are_babels():
    """English months as CLDR writes them; Russian in the genitive (CLDR's format
    context: "1 декабря"), the case a date needs."""
    for language, context in (("en", "format"), ("ru", "format")):
        names = get_month_names("wide", context, language)
        for month in range(1, 13):
            assert TEXTS[language][f"month_{month}"].replace("ё", "е") == \
                names[month].replace("ё", "е"), (language, month)


def test_russian_genitive_ordinals_from_1_to_2999_match_num2words():
    rules = readings.rules("ru")
    for n in range(1, 3000):
        ours = words("ru", rules.ordinal_keys(n, "gen"))
        assert plain(ours) == plain(num2words(n, lang="ru", to="ordinal", case="g")), n


def test_day_ordinals_match_num2words():
    for day in range(1, 32):
        assert plain(words("en", readings.rules("en").day_keys(day))) == \
            plain(num2words(day, lang="en", to="ordinal")), day
        assert plain(words("ru", readings.rules("ru").ordinal_keys(day, "nom"))) == \
            plain(num2words(day, lang="ru", to="ordinal", gender="n")), day


# --- phrase ---------------------------------------------------------------------------------

STATUS = {"status": {"open": "suspended", "3": "next_account", "true": "not_registered"}}


@pytest.mark.parametrize("value, expected", [
    ("open", ["suspended"]), (3, ["next_account"]), (True, ["not_registered"])])
def test_phrase(value, expected):
    for language in LANGUAGES:
        outcome = render(parse("{status:phrase}"), language, {"status": value}, STATUS)
        assert outcome.keys == expected


def test_a_phrase_mapping_named_in_the_template():
    outcome = render(parse("{state:phrase:status}"), "en", {"state": "open"}, STATUS)
    assert outcome.keys == ["suspended"]


@pytest.mark.parametrize("value, phrases, reason", [
    ("closed", STATUS, "value 'closed' is not in phrase mapping 'status'"),
    ("Open", STATUS, "value 'Open' is not in phrase mapping 'status'"),
    (False, STATUS, "value 'false' is not in phrase mapping 'status'"),
    ("x" * 65, STATUS, "has 65 characters, over 64"),
    (1.0, STATUS, "is a number, not a phrase's value"),
    pytest.param(10**5000, STATUS, "a number of about 5000 digits is outside "
                 "-999999999999999..999999999999999", id="10^5000"),
    (["open"], STATUS, "is a list, not a phrase's value"),
    ("open", None, "has no phrase mapping 'status'"),
    ("open", {"other": {}}, "has no phrase mapping 'status'"),
])
def test_phrase_refuses(value, phrases, reason):
    outcome = refusal("{status:phrase}", "ru", phrases, status=value)
    assert outcome.field == "status" and outcome.reason == reason
