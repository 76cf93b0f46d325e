"""What serve may show of private text: caller numbers, and what a billing program printed.

A caller number is shown with all but its last four digits as ``*`` (and at
least four always hidden), in ``progmoh status`` and in every log line.  A
billing program's stderr may echo credentials, its own or anyone's, so a log
shows at most its first line, cut short, with every configured secret, every
``key=value`` or ``key: value`` value, every ``Bearer``/``Basic``/``Token``
credential and every long token (20 or more letters, digits and ``+/_-.=~``)
masked, and non-printable characters escaped (README "Billing").
"""

import re

from progmoh.cache.printable import escaped

SHOWN_DIGITS = 4
MASK = "***"
STDERR_SHOWN_CHARS = 120
_KEY_VALUE = re.compile(r"\b([A-Za-z_][\w.-]*)(\s*[=:]\s*)(?!\*\*\*)\S+")
_CREDENTIAL = re.compile(r"(?i)\b(bearer|basic|token)(\s+)\S+")
_LONG_TOKEN = re.compile(r"[A-Za-z0-9+/_\-.=~]{20,}")


def mask_number(number: str, shown: int = SHOWN_DIGITS) -> str:
    """Its digits, all but the last ``shown`` as ``*``; at least four are always hidden."""
    digits = [c for c in number if c.isascii() and c.isdigit()][-40:]
    keep = min(shown, max(0, len(digits) - 4))
    return "*" * (len(digits) - keep) + "".join(digits[len(digits) - keep:])


def masked(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every non-empty secret replaced, longest first (one may contain another)."""
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def stderr_line(raw: bytes, secrets: tuple[str, ...]) -> str:
    """The first non-empty line of a program's stderr as a log may show it (see above)."""
    text = raw.decode("utf-8", "replace").strip()
    first = masked(text.splitlines()[0] if text else "", secrets)
    first = _CREDENTIAL.sub(lambda m: m.group(1) + m.group(2) + MASK, first)
    first = _KEY_VALUE.sub(lambda m: m.group(1) + m.group(2) + MASK, first)
    first = _LONG_TOKEN.sub(MASK, first)
    first = escaped(first)
    return first if len(first) <= STDERR_SHOWN_CHARS else first[:STDERR_SHOWN_CHARS] + "..."
