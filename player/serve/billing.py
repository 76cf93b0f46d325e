"""Caller balances: fetched once the caller is known, kept for ``max_age_s``.

A balance is spoken to a caller, so a wrong one is worse than none: any
answer that does not fit the configured field mapping is "unavailable", and
amounts stay decimal text from the wire to the player (never a float).
"""

import asyncio
import decimal
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from progmoh.player import protocol
from progmoh.player.serve.billing_command import CommandBilling
from progmoh.player.serve.billing_errors import BillingUnavailable
from progmoh.player.serve.billing_http import HttpBilling
from progmoh.player.serve.redact import mask_number
from progmoh.player.serve.settings import BillingFields, BillingSettings, RewriteRule
from progmoh.player.words.compose import MAX_UNITS

log = logging.getLogger("progmoh.serve.billing")

OK, NOT_REGISTERED, UNAVAILABLE = protocol.BALANCE_STATUSES
TRUE_TEXTS = frozenset({"true", "yes", "1"})
MAX_AMOUNT = decimal.Decimal(MAX_UNITS + 1)  # 10^15: past the words, a billing error, not money
MAX_AMOUNT_CHARS = 40                       # "0.000...1" past this is no amount anyone says
SHOWN_CHARS = 40
MAX_FAILURES_KEPT = 1024


@dataclass(frozen=True)
class BalanceResult:
    status: str                                   # "ok" | "not_registered" | "unavailable"
    accounts: tuple[protocol.Account, ...] = ()
    fetched_at: float = 0.0                        # monotonic seconds
    timed_out: bool = False                        # unavailable because billing was too slow


def rewrite_number(rules: tuple[RewriteRule, ...], number: str) -> str:
    """The number as the billing system knows it; the first rule that matches wins."""
    for rule in rules:
        match = re.fullmatch(rule.match, number)
        if match:
            return match.expand(rule.replace)
    return number


def parse_answer(body: bytes, fields: BillingFields) -> tuple[protocol.Account, ...]:
    """Accounts from a JSON answer: an object holding a list, or the list itself."""
    try:
        answer = json.loads(body, parse_float=decimal.Decimal, parse_int=decimal.Decimal)
    except (ValueError, UnicodeDecodeError) as error:
        raise BillingUnavailable(f"answer is not JSON: {str(error)[:SHOWN_CHARS]}") from None
    except RecursionError:
        raise BillingUnavailable("answer is nested too deeply to read") from None
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


def open_backend(settings: BillingSettings,
                 secrets: tuple[str, ...] = ()) -> HttpBilling | CommandBilling | None:
    """The backend object named by ``settings.backend`` (None for "none").

    ``secrets`` are the other configured secrets (AMI, store) that a billing
    program's stderr must never bring into the log.
    """
    if settings.backend == "http":
        return HttpBilling(settings)
    if settings.backend == "command" and settings.command:
        return CommandBilling(settings, secrets)
    if settings.backend == "command":
        log.warning("billing backend is \"command\" but billing.command is empty")
    return None


class BalanceBook:
    """Balances per (rewritten) caller number, with one fetch in flight per number."""

    def __init__(self, settings: BillingSettings, clock: Callable[[], float] = time.monotonic,
                 secrets: tuple[str, ...] = (),
                 observe: Callable[[str, float], None] | None = None) -> None:
        self._settings = settings
        self._clock = clock
        self._observe = observe         # observe(outcome, seconds) after each backend lookup
        self._backend = open_backend(settings, secrets)
        self._results: dict[str, BalanceResult] = {}
        self._fetches: dict[str, asyncio.Task[BalanceResult]] = {}
        self._failures: dict[str, str] = {}       # number -> the failure last logged for it

    def prefetch(self, number: str) -> None:
        """Start fetching in the background unless a fresh answer is already kept."""
        key = rewrite_number(self._settings.rewrite, number)
        if self._fresh(key) is None:
            self._start(key)

    async def get(self, number: str) -> BalanceResult:
        """A fresh answer, fetching if needed; never raises."""
        key = rewrite_number(self._settings.rewrite, number)
        kept = self._fresh(key)
        if kept is not None:
            return kept
        return await asyncio.shield(self._start(key))

    async def close(self) -> None:
        for task in list(self._fetches.values()):
            task.cancel()
        await asyncio.gather(*self._fetches.values(), return_exceptions=True)
        close = getattr(self._backend, "close", None)     # a backend that keeps threads
        if close is not None:
            close()

    def _fresh(self, key: str) -> BalanceResult | None:
        kept = self._results.get(key)
        if kept is None or kept.status == UNAVAILABLE:
            return None
        if self._clock() - kept.fetched_at >= self._settings.max_age_s:
            return None
        return kept

    def _start(self, key: str) -> asyncio.Task[BalanceResult]:
        task = self._fetches.get(key)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._fetch(key))
            self._fetches[key] = task
            task.add_done_callback(lambda _: self._fetches.pop(key, None))
        return task

    async def _fetch(self, key: str) -> BalanceResult:
        started = self._clock()
        result = await self._ask(key)
        if self._observe is not None and self._backend is not None:
            outcome = "timeout" if result.timed_out else result.status
            self._observe(outcome, self._clock() - started)
        self._forget_stale()
        self._results[key] = result
        return result

    async def _ask(self, key: str) -> BalanceResult:
        if self._backend is None:
            return BalanceResult(UNAVAILABLE, (), self._clock())
        try:
            body = await asyncio.wait_for(self._backend.fetch(key), self._settings.timeout_s)
            accounts = parse_answer(body, self._settings.fields)
        except asyncio.TimeoutError:
            self._failed(key, f"no answer within {self._settings.timeout_s} s")
            return BalanceResult(UNAVAILABLE, (), self._clock(), timed_out=True)
        except BillingUnavailable as error:
            self._failed(key, str(error))
        except Exception:
            log.exception("billing %s for %s failed", self._backend, mask_number(key))
        else:
            self._failures.pop(key, None)
            return BalanceResult(OK if accounts else NOT_REGISTERED, accounts, self._clock())
        return BalanceResult(UNAVAILABLE, (), self._clock())

    def _failed(self, key: str, reason: str) -> None:
        """One warning per failure: the same one again for the same number (the prefetch's,
        then the key's own lookup) goes to debug.  The number is masked as in ``status``."""
        said = self._failures.pop(key, None)
        self._failures[key] = reason
        if len(self._failures) > MAX_FAILURES_KEPT:
            del self._failures[next(iter(self._failures))]
        level = logging.DEBUG if said == reason else logging.WARNING
        log.log(level, "billing %s for %s: %s", self._backend, mask_number(key), reason)

    def _forget_stale(self) -> None:
        now = self._clock()
        stale = [key for key, kept in self._results.items()
                 if now - kept.fetched_at >= self._settings.max_age_s]
        for key in stale:
            del self._results[key]
