"""Russian numbers, ordinals and dates as prompt keys, with gender, case and plural agreement.

One and two agree with the noun (один рубль / одна копейка / одно место, две
тысячи); the noun after a number takes one of three forms: 1 (рубль), 2
(рубля), 5 (рублей), chosen by the last two digits.

An ordinal changes only its last word: "две тысячи двадцать шестого" is two
cardinals and one ordinal, and a thousand before it is "тысяча", not "одна
тысяча".  A date is the day's ordinal (neuter: число; nominative "первое",
or genitive "первого" for "on" or "until" a date), the month in the genitive
and the year's ordinal in the genitive with "года":
"первое декабря две тысячи двадцать шестого года".
"""

_SCALES = ((10**12, "trillion", "m"), (10**9, "billion", "m"), (1_000_000, "million", "m"),
           (1000, "thousand", "f"))
# Grammatical gender of currency words: main unit, hundredth.
_GENDERS = {"RUB": ("m", "f"), "USD": ("m", "m"), "EUR": ("m", "m")}
# One and two in each gender: neuter two is the masculine "два".
_ONE_TWO = {"m": ("n1_m", "n2_m"), "f": ("n1_f", "n2_f"), "n": ("n1_n", "n2_m")}


def form(n: int) -> str:
    """Plural form of a noun after n: "1", "2" or "5"."""
    if 11 <= n % 100 <= 14:
        return "5"
    last = n % 10
    if last == 1:
        return "1"
    if 2 <= last <= 4:
        return "2"
    return "5"


def below_thousand(n: int, gender: str) -> list[str]:
    """Keys of 1..999 agreeing with ``gender`` ("m", "f" or "n")."""
    keys: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        keys.append("n%d" % (hundreds * 100))
    if rest >= 20:
        keys.append("n%d" % (rest - rest % 10))
        rest %= 10
    if rest in (1, 2):
        keys.append(_ONE_TWO[gender][rest - 1])
    elif rest:
        keys.append("n%d" % rest)
    return keys


def number_keys(n: int, gender: str = "m") -> list[str]:
    """Keys of a non-negative integer; ``gender`` applies to the last group."""
    if n == 0:
        return ["n0"]
    keys: list[str] = []
    for size, word, scale_gender in _SCALES:
        count, n = divmod(n, size)
        if count:
            keys += number_keys(count, scale_gender) + ["%s_%s" % (word, form(count))]
    if n:
        keys += below_thousand(n, gender)
    return keys


def unit_gender(code: str, sub: bool) -> str:
    """Gender of a currency's main unit (sub False) or hundredth (sub True)."""
    return _GENDERS.get(code, ("m", "m"))[1 if sub else 0]


def ordinal_keys(n: int, case: str) -> list[str]:
    """Keys of the ordinal 1..2999 in ``case``: "gen" (masculine and neuter alike) for
    any, "nom" (neuter) for a day, 1..31.  Cardinals up to the last word."""
    thousands, rest = divmod(n, 1000)
    if not rest:
        return ["ord_%d_%s" % (n, case)]
    keys: list[str] = []
    if thousands:
        keys += (number_keys(thousands, "f") if thousands > 1 else []) \
            + ["thousand_%s" % form(thousands)]
    hundreds, tail = divmod(rest, 100)
    if not tail:
        return keys + ["ord_%d_%s" % (hundreds * 100, case)]
    if hundreds:
        keys.append("n%d" % (hundreds * 100))
    if tail >= 20 and tail % 10:
        keys.append("n%d" % (tail - tail % 10))
        tail %= 10
    return keys + ["ord_%d_%s" % (tail, case)]


def date_keys(day: int, month: int, year: int, case: str) -> list[str]:
    """"первое декабря две тысячи двадцать шестого года" (``case`` "nom"), or
    "первого ..." ("gen")."""
    return ordinal_keys(day, case) + ["month_%d" % month] + ordinal_keys(year, "gen") \
        + ["year_gen"]
