"""How each kind of value is read aloud, as prompt keys: numbers, amounts of
money, digits, minutes and dates.

Pure functions of checked values, one table of rules per language
(``numbers_en``, ``numbers_ru``), so the renderer can speak exactly the clips
the player will ask for and tests can pin every sentence.  What a lookup
returned is checked before it gets here (``field_types.py``).  Standard
library only, no ``typing``/``dataclasses``: the player imports this module
when its first insert arrives.
"""

from progmoh.cache.errors import ProgmohError
from progmoh.player.words import numbers_en, numbers_ru
from progmoh.player.words.vocabulary import PAUSE, base_texts

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from typing import Protocol

    class NumberRules(Protocol):
        """What each language's module (``numbers_en``, ``numbers_ru``) gives."""
        def number_keys(self, n: int, gender: str = "m") -> list[str]: ...
        def form(self, n: int) -> str: ...
        def unit_gender(self, code: str, sub: bool) -> str: ...
        def date_keys(self, day: int, month: int, year: int, case: str) -> list[str]: ...

_RULES: "dict[str, NumberRules]" = {"en": numbers_en, "ru": numbers_ru}
KNOWN_CURRENCIES = ("RUB", "USD", "EUR")
MAX_UNITS = 10**15 - 1          # the largest amount spoken; more is surely a billing error


class AmountError(ProgmohError, ValueError):
    """A balance that is not decimal text like "-1234.05"."""


def rules(language: str) -> "NumberRules":
    """The number rules of ``language``; ValueError names an unknown one."""
    try:
        return _RULES[language]
    except KeyError:
        raise ValueError("no number rules for language %r" % (language,)) from None


def number_keys(language: str, n: int, gender: str = "m") -> list[str]:
    """Keys that speak the integer ``n`` (negative: "minus" first)."""
    language_rules = rules(language)
    if n < 0:
        return ["minus"] + language_rules.number_keys(-n, gender)
    return language_rules.number_keys(n, gender)


def number_words(language: str, n: int) -> str:
    """``n`` spelled out from the vocabulary texts: "twenty one", "двадцать один"."""
    texts = base_texts(language)
    return " ".join(texts[key] for key in number_keys(language, n))


def parse_amount(text: object) -> tuple[bool, int, int]:
    """(negative, whole units, hundredths) of decimal text, half up past two places.

    Never a float: "0.1" + "0.2" style errors must not reach a caller's ear.
    Amounts from 10^15 up are refused (AmountError) before any arithmetic:
    they would take minutes to say, and nobody's balance is that large.
    """
    raw = str(text).strip()
    negative = raw.startswith("-")
    body = raw[1:] if raw[:1] in "+-" and raw else raw
    whole, dot, fraction = body.partition(".")
    if not (whole or fraction) or not (whole or "0").isdigit() \
            or (dot and not fraction.isdigit()) or not whole.isascii() or not fraction.isascii():
        raise AmountError("balance %r is not decimal text like -1234.05" % (raw[:40],))
    whole = whole.lstrip("0")
    if len(whole) > len(str(MAX_UNITS)):
        raise AmountError("balance of %d digits is beyond %d" % (len(whole), MAX_UNITS))
    units, cents = int(whole or "0"), int((fraction + "00")[:2])
    if fraction[2:3] and int(fraction[2]) >= 5:
        units, cents = divmod(units * 100 + cents + 1, 100)
    if units > MAX_UNITS:
        raise AmountError("balance %s is beyond %d" % (units, MAX_UNITS))
    return negative and (units or cents) > 0, units, cents


def amount_keys(language: str, text: object, currency: str | None) -> list[str]:
    """A balance with its currency words; an unknown currency says the number alone."""
    language_rules = rules(language)
    negative, units, cents = parse_amount(text)
    keys: list[str] = ["minus"] if negative else []
    code = (currency or "").upper()
    if code not in KNOWN_CURRENCIES:
        keys += language_rules.number_keys(units, "m")
        if cents:
            keys += [PAUSE] + (["n0"] if cents < 10 else []) \
                + language_rules.number_keys(cents, "m")
        return keys
    if units or not cents:
        keys += language_rules.number_keys(units, language_rules.unit_gender(code, False))
        keys.append("cur_%s_%s" % (code, language_rules.form(units)))
    if cents:
        keys += language_rules.number_keys(cents, language_rules.unit_gender(code, True))
        keys.append("sub_%s_%s" % (code, language_rules.form(cents)))
    return keys


def digit_groups(account: object) -> list[list[str]]:
    """The account's digits in groups of three, never leaving a lone digit
    at the end (7 digits: 3+2+2), so a caller can follow and write them down."""
    digits = [c for c in str(account) if c.isascii() and c.isdigit()]
    if len(digits) <= 3:
        return [digits] if digits else []
    sizes = [3] * (len(digits) // 3)
    if len(digits) % 3 == 1:
        sizes[-1:] = [2, 2]
    elif len(digits) % 3 == 2:
        sizes.append(2)
    groups: list[list[str]]
    groups, start = [], 0
    for size in sizes:
        groups.append(digits[start:start + size])
        start += size
    return groups


def account_keys(language: str, account: object) -> list[str]:
    """Digit keys of an account number, ``pause`` between groups."""
    language_rules = rules(language)
    keys: list[str] = []
    for group in digit_groups(account):
        if keys:
            keys.append(PAUSE)
        for digit in group:
            keys += language_rules.number_keys(int(digit), "m")
    return keys


def minutes_keys(language: str, minutes: int) -> list[str]:
    """A whole number of minutes, 0 and up: minutes are feminine in Russian
    (одна минута, две минуты, пять минут)."""
    language_rules = rules(language)
    return language_rules.number_keys(minutes, "f") + ["minute_%s" % language_rules.form(minutes)]


def date_keys(language: str, day: int, month: int, year: int,
              case: str = "nom") -> list[str]:
    """A valid calendar date, read in each language's order and grammar; ``case``
    is the Russian case of the day ("nom" первое, "gen" первого)."""
    return rules(language).date_keys(day, month, year, case)
