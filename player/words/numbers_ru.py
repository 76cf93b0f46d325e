"""Russian numbers as prompt keys, with gender and plural agreement.

One and two agree with the noun (один рубль / одна копейка, две тысячи);
the noun after a number takes one of three forms: 1 (рубль), 2 (рубля), 5
(рублей), chosen by the last two digits.
"""

_SCALES = ((10**12, "trillion", "m"), (10**9, "billion", "m"), (1_000_000, "million", "m"),
           (1000, "thousand", "f"))
# Grammatical gender of currency words: main unit, hundredth.
_GENDERS = {"RUB": ("m", "f"), "USD": ("m", "m"), "EUR": ("m", "m")}


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
    """Keys of 1..999 agreeing with ``gender`` ("m" or "f")."""
    keys: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        keys.append("n%d" % (hundreds * 100))
    if rest >= 20:
        keys.append("n%d" % (rest - rest % 10))
        rest %= 10
    if rest in (1, 2):
        keys.append("n%d_%s" % (rest, gender))
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
