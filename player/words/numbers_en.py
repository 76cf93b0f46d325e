"""English numbers, day ordinals and years as prompt keys ("one hundred and twenty one").

British style: "and" after "hundred" and before a last group under one
hundred ("one thousand and one"), which is how a call-centre voice reads a
balance aloud; but the short scale (a billion is a thousand million), which
is what British English means today.

A date reads as the English voices (American) and CLDR's long English date
("December 1, 2026") have it: month, ordinal day, a pause for the comma, and
the year as years are said, in pairs ("twenty twenty six", "nineteen oh
five"), except the first ten of a millennium ("two thousand and five").
"""

from progmoh.player.words.vocabulary import PAUSE

_SCALES = ((10**12, "trillion"), (10**9, "billion"), (1_000_000, "million"), (1000, "thousand"))


def below_thousand(n: int) -> list[str]:
    """Keys of 1..999; the caller handles zero."""
    keys: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        keys += ["n%d" % hundreds, "hundred"]
        if rest:
            keys.append("and")
    if rest >= 20:
        keys.append("n%d" % (rest - rest % 10))
        if rest % 10:
            keys.append("n%d" % (rest % 10))
    elif rest:
        keys.append("n%d" % rest)
    return keys


def number_keys(n: int, gender: str = "m") -> list[str]:
    """Keys of a non-negative integer; English numbers have no gender."""
    if n == 0:
        return ["n0"]
    keys: list[str] = []
    for size, word in _SCALES:
        count, n = divmod(n, size)
        if count:
            keys += number_keys(count) + [word]
    if n:
        if keys and n < 100:
            keys.append("and")
        keys += below_thousand(n)
    return keys


def form(n: int) -> str:
    """Plural form suffix of a unit word after n: "1" or "n"."""
    return "1" if n == 1 else "n"


def unit_gender(code: str, sub: bool) -> str:
    return "m"


def day_keys(day: int) -> list[str]:
    """The ordinal of a day of the month, 1..31: "first", "twenty" "first"."""
    if day < 20 or day % 10 == 0:
        return ["ord_%d" % day]
    return ["n%d" % (day - day % 10), "ord_%d" % (day % 10)]


def year_keys(year: int) -> list[str]:
    """A year of four digits as it is said: in pairs, "hundred" after a whole century,
    "oh" before a single digit; the first ten years of a millennium as a number."""
    century, rest = divmod(year, 100)
    if century % 10 == 0 and rest < 10:
        return number_keys(year)
    keys = below_thousand(century)
    if rest == 0:
        return keys + ["hundred"]
    return keys + (["oh"] if rest < 10 else []) + below_thousand(rest)


def date_keys(day: int, month: int, year: int, case: str) -> list[str]:
    """"December first, twenty twenty six"; English dates have no case."""
    return ["month_%d" % month] + day_keys(day) + [PAUSE] + year_keys(year)
