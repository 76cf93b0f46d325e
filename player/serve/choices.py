"""Remembered music: the class each caller last chose with key 3, in each program.

Database drivers block, so every query runs on one private daemon thread
(one connection, queries in order).  A read at call start is bounded by
``timeout_s`` and any failure means "no remembered class", so the caller hears
the default class rather than silence; a write is logged if it fails, never
raised.  The table is ``queue_music`` (program, caller_number, music_class,
updated_at), keyed by the caller's number and the program: a class chosen in
one program is never another's.  A call's first read asks for the number's
class in every configured program at once, before the realtime lookup says
which program the call is in, so any program's caller hears their music from
the first sample.  A table of an older serve (no program) gains the column
in place, its rows becoming the default program's, the first time a backend
connects.
"""

import asyncio
import concurrent.futures
import logging
import queue
import threading
import time

from progmoh.cache.errors import ProgmohError
from progmoh.player.programs import DEFAULT_PROGRAM, MAX_PROGRAM_CHARS, valid_program
from progmoh.player.serve.settings import StoreSettings

log = logging.getLogger("progmoh.serve.choices")

MAX_NUMBER_CHARS = 128
MAX_CLASS_CHARS = 255
MAX_PROGRAMS_READ = 256         # programs one read asks for (a config holds far fewer)
WRITE_WAIT_S = 5.0


class ChoiceStoreError(ProgmohError):
    """The store URL cannot be used (unknown scheme, malformed)."""


class _Worker:
    """One daemon thread running blocking calls in order; a stuck call never blocks exit."""

    def __init__(self, name: str):
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._run, name=name, daemon=True).start()

    def submit(self, function, *args) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        self._jobs.put((future, function, args))
        return future

    def stop(self) -> None:
        self._jobs.put(None)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, function, args = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(function(*args))
            except BaseException as error:
                future.set_exception(error)


class ChoiceStore:
    """The loop-side face of a database backend (``choices_sqlite`` or ``choices_mysql``)."""

    def __init__(self, backend, timeout_s: float, observe=None):
        self._backend = backend
        self._timeout_s = timeout_s
        self._observe = observe or _ignore     # observe(operation, outcome, seconds)
        self._worker = _Worker(f"progmoh-choices-{backend.kind}")

    async def get(self, number: str, program: str = DEFAULT_PROGRAM) -> str | None:
        """The caller's remembered class in ``program``, or None (none kept, too slow, or
        any failure)."""
        return (await self.classes(number, (program,))).get(program)

    async def classes(self, number: str, programs: tuple[str, ...]) -> dict[str, str]:
        """The caller's remembered class in each of ``programs`` that has one; {} when none
        is kept, the read is too slow, or anything fails."""
        wanted = tuple(p for p in programs if valid_program(p))[:MAX_PROGRAMS_READ]
        if not _usable(number, MAX_NUMBER_CHARS) or not wanted:
            return {}
        future = asyncio.wrap_future(self._worker.submit(self._backend.classes, number, wanted))
        started, outcome = time.monotonic(), "error"
        try:
            found = await asyncio.wait_for(future, self._timeout_s)
            outcome = "found" if found else "none"
            return found
        except asyncio.TimeoutError:
            outcome = "timeout"
            log.warning("choice store (%s): no answer within %s s", self._backend, self._timeout_s)
        except Exception as error:
            log.warning("choice store (%s): read failed: %s", self._backend, _describe(error))
        finally:
            self._observe("read", outcome, time.monotonic() - started)
        return {}

    async def put(self, number: str, music_class: str, program: str = DEFAULT_PROGRAM) -> None:
        """Remember a caller's class in ``program``; failures are logged, never raised.

        Returns once written, or after WRITE_WAIT_S with the write still
        queued: a stuck database never holds the caller for long.
        """
        if not _usable(number, MAX_NUMBER_CHARS) or not _usable(music_class, MAX_CLASS_CHARS):
            log.warning("choice store: not saving a class for an empty or over-long number or name")
            return
        if not valid_program(program):
            log.warning("choice store: not saving a class for program %r, no program name",
                        str(program)[:MAX_PROGRAM_CHARS + 8])
            return
        future = asyncio.wrap_future(self._worker.submit(self._backend.put, number, music_class,
                                                         program))
        started, outcome = time.monotonic(), "error"
        try:
            await asyncio.wait_for(asyncio.shield(future), max(WRITE_WAIT_S, self._timeout_s))
            outcome = "ok"
        except asyncio.TimeoutError:
            outcome = "pending"
            log.warning("choice store (%s): write still pending after %s s", self._backend,
                        max(WRITE_WAIT_S, self._timeout_s))
        except Exception as error:
            log.warning("choice store (%s): write failed: %s", self._backend, _describe(error))
        finally:
            self._observe("write", outcome, time.monotonic() - started)

    def close(self) -> None:
        """Close the connection after queued queries, without waiting for a stuck one."""
        self._worker.submit(self._backend.close)
        self._worker.stop()


def _ignore(*_) -> None:
    pass


def _usable(text: str, max_chars: int) -> bool:
    return isinstance(text, str) and 0 < len(text) <= max_chars


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def open_choice_store(settings: StoreSettings, observe=None) -> ChoiceStore:
    """A store for ``sqlite:///path`` or ``mysql://user:pass@host:port/db``; connects lazily."""
    url = settings.url
    if url.startswith("sqlite:///"):
        from progmoh.player.serve.choices_sqlite import SqliteChoices
        return ChoiceStore(SqliteChoices(url[len("sqlite:///"):], settings.timeout_s),
                           settings.timeout_s, observe)
    if url.startswith(("mysql://", "mariadb://")):
        from progmoh.player.serve.choices_mysql import MysqlChoices
        return ChoiceStore(MysqlChoices(url, settings.timeout_s), settings.timeout_s, observe)
    raise ChoiceStoreError("store.url must start with sqlite:/// or mysql://")
