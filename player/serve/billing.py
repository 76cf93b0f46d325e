"""Caller balances: fetched once the caller is known, kept for ``max_age_s``.

A balance is spoken to a caller, so a wrong one is worse than none: any
answer that does not fit the configured field mapping is "unavailable", and
amounts stay decimal text from the wire to the player (never a float).
"""

import decimal
import time
from collections.abc import Callable
from dataclasses import dataclass

from progmoh.player import protocol
from progmoh.player.serve.billing_errors import BillingUnavailable
from progmoh.player.serve.lookups import BILLING, Answer, LookupBook, rewrite_number
from progmoh.player.serve.settings import BillingFields, BillingSettings
from progmoh.player.words.compose import MAX_UNITS

OK, NOT_REGISTERED, UNAVAILABLE = protocol.BALANCE_STATUSES
TRUE_TEXTS = frozenset({"true", "yes", "1"})
MAX_AMOUNT = decimal.Decimal(MAX_UNITS + 1)  # 10^15: past the words, a billing error, not money
MAX_AMOUNT_CHARS = 40                       # "0.000...1" past this is no amount anyone says
SHOWN_CHARS = 40
__all__ = ["BalanceBook", "BalanceResult", "accounts_of", "rewrite_number"]


@dataclass(frozen=True)
class BalanceResult:
    status: str                                   # "ok" | "not_registered" | "unavailable"
    accounts: tuple[protocol.Account, ...] = ()
    fetched_at: float = 0.0                        # monotonic seconds
    timed_out: bool = False                        # unavailable because billing was too slow


def accounts_of(answer: object, fields: BillingFields) -> tuple[protocol.Account, ...]:
    """Accounts from a decoded answer (lookups.decode): an object holding a list, or the
    list itself."""
    if isinstance(answer, dict):
        answer = answer.get(fields.accounts)
        if not isinstance(answer, list):
            raise BillingUnavailable(f"answer has no list {fields.accounts!r}")
    if not isinstance(answer, list):
        raise BillingUnavailable("answer is neither an object nor a list")
    return tuple(_account(item, fields, index) for index, item in enumerate(answer))


def _account(item: object, fields: BillingFields, index: int) -> protocol.Account:
    if not isinstance(item, dict):
        raise BillingUnavailable(f"account {index} is not an object")
    return protocol.Account(account=_text(item.get(fields.account, "")),
                            balance=_amount(item.get(fields.balance), fields.balance, index),
                            currency=_text(item.get(fields.currency, "")).upper(),
                            locked=_flag(item.get(fields.locked, False)))


def _amount(value: object, name: str, index: int) -> str:
    """Decimal text of a balance; non-finite, huge (>= 10^15) or absurdly long ones are refused."""
    try:
        given = value if isinstance(value, decimal.Decimal) else str(value).strip()
        amount = decimal.Decimal(given)
    except (decimal.InvalidOperation, TypeError, ValueError):
        amount = None
    if value is None or isinstance(value, bool) or amount is None or not amount.is_finite():
        raise BillingUnavailable(f"account {index}: {name!r} is not a decimal amount: "
                                 f"{repr(value)[:SHOWN_CHARS]}")
    if abs(amount) >= MAX_AMOUNT:
        raise BillingUnavailable(f"account {index}: {name!r} of {amount:.3E} is beyond 10^15")
    text = format(amount, "f")
    if len(text) > MAX_AMOUNT_CHARS:
        raise BillingUnavailable(f"account {index}: {name!r} has {len(text)} characters, "
                                 f"over {MAX_AMOUNT_CHARS}")
    return text


def _text(value: object) -> str:
    if isinstance(value, (dict, list, bool)) or value is None:
        return ""
    return str(value).strip()


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in TRUE_TEXTS


class BalanceBook:
    """Balances per caller number, from the answers of the lookup "billing" (lookups.py),
    one fetch in flight per number, shared with say templates over the same answers."""

    def __init__(self, settings: BillingSettings, clock: Callable[[], float] = time.monotonic,
                 secrets: tuple[str, ...] = (),
                 observe: Callable[[str, float], None] | None = None,
                 book: LookupBook | None = None) -> None:
        self._fields = settings.fields
        self.book = book or LookupBook(BILLING, settings.source(), clock, secrets)
        if observe is not None:
            self.book.observers.append(lambda answer, s: observe(self._outcome(answer), s))

    def prefetch(self, number: str) -> None:
        """Start fetching in the background unless a fresh answer is already kept."""
        self.book.prefetch(number)

    async def get(self, number: str) -> BalanceResult:
        """The balance from a fresh answer, fetching if needed; never raises."""
        answer = await self.book.get(number)
        result, refusal = self._read(answer)
        if refusal:
            self.book.failed(number, refusal)
        return result

    async def close(self) -> None:
        await self.book.close()

    def _read(self, answer: Answer) -> tuple[BalanceResult, str]:
        """The balance an answer gives, and why an answer that came is unusable ("" if it
        is usable or none came: the book logged that already)."""
        if answer.data is None:
            return BalanceResult(UNAVAILABLE, (), answer.fetched_at, answer.timed_out), ""
        try:
            accounts = accounts_of(answer.data, self._fields)
        except BillingUnavailable as error:
            return BalanceResult(UNAVAILABLE, (), answer.fetched_at), str(error)
        status = OK if accounts else NOT_REGISTERED
        return BalanceResult(status, accounts, answer.fetched_at), ""

    def _outcome(self, answer: Answer) -> str:
        return "timeout" if answer.timed_out else self._read(answer)[0].status
