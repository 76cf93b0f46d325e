"""The types a template's field can have, and the checks of the untrusted value
each one reads before it is spoken.

A lookup's answer is whatever a remote system said, decoded from JSON: each
type takes only the JSON values that mean what it says, bounded so that
nothing takes minutes to say or to check, and raises FieldRefused with the
reason otherwise (``render.py`` turns that into a Refusal the caller hears as
the program's "unavailable" sentence).  Built-ins only (not even ``math``, a
shared library to load): the player may render templates.
"""

from progmoh.cache.errors import ProgmohError
from progmoh.player.words import readings

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    # A program's phrase mappings: a mapping's name to its {value: prompt key}.
    Phrases = Mapping[str, Mapping[str, str]]
    # speak(language, value, option, phrases).  The option is Any because its type
    # is the field type's own, which the checker cannot follow from a FieldType to
    # its speaker: text for number, money, date and phrase (a gender, currency, case or
    # mapping name, from ``words`` and ``default``), None for digits and minutes.
    Speaker = Callable[[str, object, Any, "Phrases | None"], list[str]]

MAX_DIGITS = 32                 # an account or contract number, not a paragraph
MAX_TEXT_CHARS = 64             # a phrase's value, the text around a number's digits
MAX_AMOUNT_CHARS = 40           # decimal text of money (the same bound billing keeps)
MAX_NUMBER_CHARS = 20           # "-999999999999999" and some room
MAX_MINUTES = 7 * 24 * 60       # a week: a longer duration is not said in minutes
YEARS = (1900, 2100)            # the dates a caller may hear, both ends included
GENDERS = ("m", "f", "n")       # of a number's noun (Russian; English has none)
DAY_CASES = ("nom", "gen")      # of a date's day (Russian: первое / первого декабря)
CURRENCY_FIELD = "@currency"    # where money finds its currency when the template names none


class FieldRefused(ProgmohError, ValueError):
    """A field's value that its type cannot say; the message says why.  ``field``
    names another field than the one being spoken (money's currency), if it is at fault."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.field = reason, field


class FieldType:
    """One type: the arguments a template may give it, and how it speaks a value.

    ``words`` are the literal arguments allowed (None: any name, as a phrase's
    mapping); ``refers`` whether ``@field`` may stand instead; ``default`` the
    argument when the template gives none.  ``speak(language, value, option,
    phrases)`` returns keys or raises FieldRefused.
    """

    __slots__ = ("name", "words", "refers", "default", "speak")

    def __init__(self, name: str, words: tuple[str, ...] | None, refers: bool, default: str,
                 speak: "Speaker") -> None:
        self.name, self.words, self.refers = name, words, refers
        self.default, self.speak = default, speak


def shown(value: object) -> str:
    """A value as a log line may quote it: repr (control characters escaped), cut short;
    an integer too long to print (Python refuses past 4300 digits) by its size."""
    if isinstance(value, int) and abs(value) >= 10**40:
        return "a number of about %d digits" % (abs(value).bit_length() * 30103 // 100000)
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def kind(value: object) -> str:
    """The JSON name of a value's type, for a refusal."""
    names = {bool: "a boolean", int: "a number", float: "a number", str: "text",
             list: "a list", dict: "an object", type(None): "null"}
    return names.get(type(value), "a %s" % type(value).__name__)


def whole_number(value: object, low: int, high: int) -> int:
    """An integer from a JSON number or decimal integer text, within low..high."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise FieldRefused("is %s, not a whole number" % kind(value))
    if isinstance(value, float):
        if not value.is_integer():                  # nor infinite, nor NaN
            raise FieldRefused("%s is not a whole number" % shown(value))
        value = int(value)
    if isinstance(value, str):
        value = _integer_text(value)
    if not low <= value <= high:
        raise FieldRefused("%s is outside %d..%d" % (shown(value), low, high))
    return int(value)


def _integer_text(text: str) -> int:
    digits = text.strip()
    body = digits[1:] if digits[:1] in ("-", "+") else digits
    if len(digits) > MAX_NUMBER_CHARS or not (body.isascii() and body.isdigit()):
        raise FieldRefused("%s is not a whole number" % shown(text))
    return int(digits)


def bounded_text(value: object, what: str, most: int = MAX_TEXT_CHARS) -> str:
    if not isinstance(value, str):
        raise FieldRefused("is %s, not %s" % (kind(value), what))
    if len(value) > most:
        raise FieldRefused("has %d characters, over %d" % (len(value), most))
    return value


def speak_number(language: str, value: object, gender: str,
                 phrases: "Phrases | None") -> list[str]:
    limit = readings.MAX_UNITS
    return readings.number_keys(language, whole_number(value, -limit, limit), gender)


def speak_minutes(language: str, value: object, option: None,
                  phrases: "Phrases | None") -> list[str]:
    return readings.minutes_keys(language, whole_number(value, 0, MAX_MINUTES))


def speak_money(language: str, value: object, currency: str,
                phrases: "Phrases | None") -> list[str]:
    """Decimal text or a JSON number; an unknown or empty currency says the number alone."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise FieldRefused("is %s, not an amount" % kind(value))
    if isinstance(value, int) and abs(value) > readings.MAX_UNITS:
        raise FieldRefused("%s is beyond %d" % (shown(value), readings.MAX_UNITS))
    text = bounded_text(str(value), "an amount", MAX_AMOUNT_CHARS)
    try:
        return readings.amount_keys(language, text, currency.strip())
    except readings.AmountError as error:
        raise FieldRefused(str(error)) from None


def speak_digits(language: str, value: object, option: None,
                 phrases: "Phrases | None") -> list[str]:
    """ASCII digits, in groups; any other characters between them (spaces, dashes,
    letters of a prefix) are not said."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value < 10**MAX_DIGITS:
            raise FieldRefused("%s is not 1..%d digits" % (shown(value), MAX_DIGITS))
        value = str(value)
    text = bounded_text(value, "digits")
    count = sum(1 for c in text if c.isascii() and c.isdigit())
    if not 1 <= count <= MAX_DIGITS:
        raise FieldRefused("has %d digits, not 1..%d" % (count, MAX_DIGITS))
    return readings.account_keys(language, text)


def speak_date(language: str, value: object, case: str,
               phrases: "Phrases | None") -> list[str]:
    day, month, year = calendar_date(value)
    return readings.date_keys(language, day, month, year, case)


def calendar_date(value: object) -> tuple[int, int, int]:
    """(day, month, year) of ISO text "YYYY-MM-DD", a real date within YEARS."""
    text = bounded_text(value, "a date like 2026-12-01", 10)
    parts = text.split("-")
    if len(text) != 10 or [len(p) for p in parts] != [4, 2, 2] \
            or not all(p.isascii() and p.isdigit() for p in parts):
        raise FieldRefused("%s is not a date like 2026-12-01" % shown(text))
    year, month, day = (int(p) for p in parts)
    if not YEARS[0] <= year <= YEARS[1]:
        raise FieldRefused("year %d is outside %d..%d" % (year, YEARS[0], YEARS[1]))
    if not 1 <= month <= 12 or not 1 <= day <= days_in_month(year, month):
        raise FieldRefused("%s is no day of the calendar" % shown(text))
    return day, month, year


def days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def speak_phrase(language: str, value: object, mapping: str,
                 phrases: "Phrases | None") -> list[str]:
    """The phrase key the program maps the value to: text, a whole number or a
    boolean (as JSON spells it, "true"); an unmapped value is refused."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, int):
        value = str(whole_number(value, -readings.MAX_UNITS, readings.MAX_UNITS))
    text = bounded_text(value, "a phrase's value")
    table = (phrases or {}).get(mapping)
    if table is None:
        raise FieldRefused("has no phrase mapping %r" % (mapping,))
    if text not in table:
        raise FieldRefused("value %s is not in phrase mapping %r" % (shown(text), mapping))
    return [table[text]]


TYPES = {t.name: t for t in (
    FieldType("number", GENDERS, False, "m", speak_number),
    FieldType("money", readings.KNOWN_CURRENCIES, True, CURRENCY_FIELD, speak_money),
    FieldType("digits", (), False, "", speak_digits),
    FieldType("date", DAY_CASES, False, "nom", speak_date),
    FieldType("minutes", (), False, "", speak_minutes),
    FieldType("phrase", None, False, "", speak_phrase),
)}
