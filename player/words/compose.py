"""Turn balances, account numbers, queue positions and waits into prompt keys.

Pure functions of their arguments, one table of rules per language, so the
renderer can speak exactly the clips the player will ask for and tests can
pin every sentence.  Standard library only, no ``typing``/``dataclasses``:
the player imports this module when its first insert arrives.
"""

from progmoh.cache.errors import ProgmohError
from progmoh.player.words import numbers_en, numbers_ru
from progmoh.player.words.vocabulary import PAUSE, base_texts, position_key

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from typing import Any, Protocol

    class _NumberRules(Protocol):
        """What each language's module (numbers_en, numbers_ru) gives."""
        def number_keys(self, n: int, gender: str = "m") -> list[str]: ...
        def form(self, n: int) -> str: ...
        def unit_gender(self, code: str, sub: bool) -> str: ...

_RULES: "dict[str, _NumberRules]" = {"en": numbers_en, "ru": numbers_ru}
KNOWN_CURRENCIES = ("RUB", "USD", "EUR")
MAX_UNITS = 10**15 - 1          # the largest amount spoken; more is surely a billing error


class AmountError(ProgmohError, ValueError):
    """A balance that is not decimal text like "-1234.05"."""


def _rules(language: str) -> "_NumberRules":
    try:
        return _RULES[language]
    except KeyError:
        raise ValueError("no number rules for language %r" % (language,)) from None


def number_keys(language: str, n: int, gender: str = "m") -> list[str]:
    """Keys that speak the integer ``n`` (negative: "minus" first)."""
    rules = _rules(language)
    if n < 0:
        return ["minus"] + rules.number_keys(-n, gender)
    return rules.number_keys(n, gender)


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
    rules = _rules(language)
    negative, units, cents = parse_amount(text)
    keys: list[str] = ["minus"] if negative else []
    code = (currency or "").upper()
    if code not in KNOWN_CURRENCIES:
        keys += rules.number_keys(units, "m")
        if cents:
            keys += [PAUSE] + (["n0"] if cents < 10 else []) + rules.number_keys(cents, "m")
        return keys
    if units or not cents:
        keys += rules.number_keys(units, rules.unit_gender(code, False))
        keys.append("cur_%s_%s" % (code, rules.form(units)))
    if cents:
        keys += rules.number_keys(cents, rules.unit_gender(code, True))
        keys.append("sub_%s_%s" % (code, rules.form(cents)))
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
    groups: list[list[str]] = []
    start = 0
    for size in sizes:
        groups.append(digits[start:start + size])
        start += size
    return groups


def account_keys(language: str, account: object) -> list[str]:
    """Digit keys of an account number, ``pause`` between groups."""
    rules = _rules(language)
    keys: list[str] = []
    for group in digit_groups(account):
        if keys:
            keys.append(PAUSE)
        for digit in group:
            keys += rules.number_keys(int(digit), "m")
    return keys


def _field(account: object, name: str, default: object = "") -> "Any":
    if isinstance(account, dict):
        return account.get(name, default)
    return getattr(account, name, default)


def _one_account(language: str, account: object, with_number: bool) -> list[str]:
    keys: list[str] = []
    if with_number:
        keys += ["account_number_is"] + account_keys(language, _field(account, "account"))
    if _field(account, "locked", False):
        keys.append("suspended")
    keys.append("balance_is")
    return keys + amount_keys(language, _field(account, "balance"), _field(account, "currency"))


def balance_keys(language: str, status: object, accounts: object) -> list[str]:
    """The whole balance announcement for a ``balance`` message.

    One account: its balance.  Several: "you have several accounts", then
    each account's number and balance, "next account" between them.  An
    account the billing system reports as locked adds "suspended".  Anything
    malformed is answered politely with "unavailable".
    """
    _rules(language)
    given = accounts or ()
    if not isinstance(given, (list, tuple)):
        return ["unavailable"]
    listed = list(given)
    if status == "not_registered" or (status == "ok" and not listed):
        return ["not_registered"]
    if status != "ok":
        return ["unavailable"]
    try:
        if len(listed) == 1:
            return _one_account(language, listed[0], False)
        keys = ["several_accounts"]
        for index, account in enumerate(listed):
            if index:
                keys.append("next_account")
            keys += _one_account(language, account, True)
        return keys
    except (AmountError, TypeError, AttributeError):
        return ["unavailable"]


def wait_keys(language: str, minutes: int | None) -> list[str]:
    """An estimated wait in whole minutes: "about N minutes", 0 "less than a minute".

    Minutes are feminine in Russian (одна минута, две минуты, пять минут).
    A negative or missing estimate says nothing.
    """
    rules = _rules(language)
    if minutes is None or minutes < 0:
        return []
    if minutes == 0:
        return ["wait_under_minute"]
    return ["wait_prefix"] + rules.number_keys(minutes, "f") + ["minute_%s" % rules.form(minutes)]


def position_keys(language: str, position: int, max_position: int) -> list[str]:
    """A queue position: one whole sentence up to ``max_position``, else spliced."""
    if position < 1:
        return []
    if position <= max_position:
        return [position_key(position)]
    texts = base_texts(language)
    keys = ["position_prefix"] + number_keys(language, position)
    return keys + (["position_suffix"] if texts["position_suffix"] else [])
