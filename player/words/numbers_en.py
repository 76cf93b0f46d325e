"""English numbers as prompt keys ("one hundred and twenty one").

British style: "and" after "hundred" and before a last group under one
hundred ("one thousand and one"), which is how a call-centre voice reads a
balance aloud; but the short scale (a billion is a thousand million), which
is what British English means today.
"""

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
