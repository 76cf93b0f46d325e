"""Lookups: a JSON answer per caller number from a configured source, fetched once, kept
for ``max_age_s`` (docs/architecture.md, "Lookups").

Billing is one of them: ``BalanceBook`` (billing.py) reads its accounts from
the answers of the lookup "billing", and a say template over "billing" reads
the same answer, so key 2, key 6 and the prefetch at call start share one
fetch.  Lookups of equal sources share one ``LookupBook`` whatever they are
called, in whichever program (``LookupBooks``).  Everything here is untrusted
input: the backend bounds the size and the time (billing_http.py,
billing_command.py), decoding refuses NaN and Infinity and nesting past what
Python can read, and ``plain_fields`` turns numbers into what a template's
types check (player/words/field_types.py).
"""

import asyncio
import decimal
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from progmoh.player.serve.billing_command import CommandBilling
from progmoh.player.serve.billing_errors import BillingUnavailable
from progmoh.player.serve.billing_http import HttpBilling
from progmoh.player.serve.redact import mask_number
from progmoh.player.serve.settings import LookupSettings, RewriteRule

log = logging.getLogger("progmoh.serve.billing")

BILLING = "billing"             # the lookup [billing] declares
SHOWN_CHARS = 40
MAX_FAILURES_KEPT = 1024
MAX_FIELDS = 256                # of an answer a template reads; more is no caller's record
MAX_EXPONENT = 30               # a number past 10^30 stays text, which no type says


@dataclass(frozen=True)
class Answer:
    """What a lookup said for a number: the decoded JSON (numbers as Decimal), or None with
    why not."""
    data: object | None
    fetched_at: float                   # monotonic seconds
    timed_out: bool = False             # None because the source was too slow
    reason: str = ""                    # why there is no data, for the log


def rewrite_number(rules: tuple[RewriteRule, ...], number: str) -> str:
    """The number as the source knows it; the first rule that matches wins."""
    for rule in rules:
        match = re.fullmatch(rule.match, number)
        if match:
            return match.expand(rule.replace)
    return number


def decode(body: bytes) -> object:
    """The JSON of an answer, numbers exact; BillingUnavailable for anything else."""
    try:
        return json.loads(body, parse_float=decimal.Decimal, parse_int=decimal.Decimal,
                          parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError) as error:
        raise BillingUnavailable(f"answer is not JSON: {str(error)[:SHOWN_CHARS]}") from None
    except RecursionError:
        raise BillingUnavailable("answer is nested too deeply to read") from None


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is no number")


def plain_fields(data: object) -> dict[str, object] | str:
    """The answer's top-level fields as a template reads them (a Decimal integer becomes an
    int, any other Decimal its decimal text), or why the answer has none."""
    if not isinstance(data, dict):
        return "the answer is not a JSON object"
    if len(data) > MAX_FIELDS:
        return f"the answer has {len(data)} fields, over {MAX_FIELDS}"
    return {name: _plain(value) for name, value in data.items()}


def _plain(value: object) -> object:
    if not isinstance(value, decimal.Decimal):
        return value
    if abs(value.adjusted()) > MAX_EXPONENT:
        return str(value)               # "1E+999": text no type takes for a number
    if value == value.to_integral_value():
        return int(value)
    return format(value, "f")


def open_backend(settings: LookupSettings,
                 secrets: tuple[str, ...] = ()) -> HttpBilling | CommandBilling | None:
    """The backend object named by ``settings.backend`` (None for "none").

    ``secrets`` are the other configured secrets (AMI, store) that a lookup
    program's stderr must never bring into the log.
    """
    if settings.backend == "http":
        return HttpBilling(settings)
    if settings.backend == "command" and settings.command:
        return CommandBilling(settings, secrets)
    if settings.backend == "command":
        log.warning("a lookup's backend is \"command\" but its command is empty")
    return None


Observe = Callable[[Answer, float], None]       # observe(answer, seconds) after each fetch


class LookupBook:
    """Answers per (rewritten) caller number, with one fetch in flight per number.  An
    answer is kept for ``max_age_s``; no answer is never kept, so the next ask tries again."""

    def __init__(self, name: str, settings: LookupSettings,
                 clock: Callable[[], float] = time.monotonic, secrets: tuple[str, ...] = (),
                 observe: Observe | None = None) -> None:
        self.name, self._settings, self._clock = name, settings, clock
        self.observers: list[Observe] = [observe] if observe else []
        self._backend = open_backend(settings, secrets)
        self._answers: dict[str, Answer] = {}
        self._fetches: dict[str, asyncio.Task[Answer]] = {}
        self._failures: dict[str, str] = {}       # number -> the failure last logged for it

    @property
    def configured(self) -> bool:
        return self._backend is not None

    def key(self, number: str) -> str:
        """The number as the source knows it."""
        return rewrite_number(self._settings.rewrite, number)

    def prefetch(self, number: str) -> None:
        """Start fetching in the background unless a fresh answer is already kept."""
        key = self.key(number)
        if self._fresh(key) is None:
            self._start(key)

    async def get(self, number: str) -> Answer:
        """A fresh answer, fetching if needed; never raises."""
        key = self.key(number)
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

    def failed(self, number: str, reason: str) -> None:
        """A failure found in an answer (billing's accounts), logged as the book's own are."""
        self._failed(self.key(number), reason)

    def _failed(self, key: str, reason: str) -> None:
        """One warning per failure: the same one again for the same number (the prefetch's,
        then the key's own lookup) goes to debug.  The number is masked as in ``status``."""
        said = self._failures.pop(key, None)
        self._failures[key] = reason
        if len(self._failures) > MAX_FAILURES_KEPT:
            del self._failures[next(iter(self._failures))]
        level = logging.DEBUG if said == reason else logging.WARNING
        log.log(level, "%s %s for %s: %s", self._title(), self._backend, mask_number(key), reason)

    def _title(self) -> str:
        return self.name if self.name == BILLING else f"lookup {self.name}"

    def _fresh(self, key: str) -> Answer | None:
        kept = self._answers.get(key)
        if kept is None or self._clock() - kept.fetched_at >= self._settings.max_age_s:
            return None
        return kept

    def _start(self, key: str) -> asyncio.Task[Answer]:
        task = self._fetches.get(key)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._fetch(key))
            self._fetches[key] = task
            task.add_done_callback(lambda _: self._fetches.pop(key, None))
        return task

    async def _fetch(self, key: str) -> Answer:
        started = self._clock()
        answer = await self._ask(key)
        if self._backend is not None:
            for observe in self.observers:
                observe(answer, self._clock() - started)
        self._forget_stale()
        if answer.data is not None:
            self._answers[key] = answer
        return answer

    async def _ask(self, key: str) -> Answer:
        if self._backend is None:
            return Answer(None, self._clock(), reason="no backend is configured")
        try:
            body = await asyncio.wait_for(self._backend.fetch(key), self._settings.timeout_s)
            data = decode(body)
        except asyncio.TimeoutError:
            reason = f"no answer within {self._settings.timeout_s} s"
            self._failed(key, reason)
            return Answer(None, self._clock(), timed_out=True, reason=reason)
        except BillingUnavailable as error:
            self._failed(key, str(error))
            return Answer(None, self._clock(), reason=str(error))
        except Exception:
            log.exception("%s %s for %s failed", self._title(), self._backend, mask_number(key))
            return Answer(None, self._clock(), reason="the lookup failed")
        self._failures.pop(key, None)
        return Answer(data, self._clock())

    def _forget_stale(self) -> None:
        now = self._clock()
        stale = [key for key, kept in self._answers.items()
                 if now - kept.fetched_at >= self._settings.max_age_s]
        for key in stale:
            del self._answers[key]


class LookupBooks:
    """One book per distinct source: lookups equal in every key share their fetches."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 secrets: tuple[str, ...] = ()) -> None:
        self._clock, self._secrets = clock, secrets
        self._books: dict[LookupSettings, LookupBook] = {}

    def book(self, name: str, settings: LookupSettings) -> LookupBook:
        source = settings.source()
        if source not in self._books:
            self._books[source] = LookupBook(name, source, self._clock, self._secrets)
        return self._books[source]

    async def close(self) -> None:
        for book in self._books.values():
            await book.close()
