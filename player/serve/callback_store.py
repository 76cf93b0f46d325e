"""Pending callbacks, kept in the choice store's database (docs/architecture.md,
"Callbacks"): SQLite by default, MySQL/MariaDB when several servers share them.

Every write is one statement or one transaction, and the database decides
every race: booking inserts a row whose ``active_key`` (number and queue) is
unique while the callback is pending, so a second booking of the same number
in the same queue fails wherever it comes from.  Each row belongs to the server
that booked it (its Asterisk holds the placeholder, and only it dials), and is
moved with one conditional UPDATE that a row already ended does not match.  A
row that is done, given up or cancelled keeps its history but frees its key.
Blocking drivers, so the loop calls through ``CallbackStore`` and its own
worker thread.
"""

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

from progmoh.player.serve.choices import _Worker

log = logging.getLogger("progmoh.serve.callbacks")

WAITING, PLACED, DIALLING = "waiting", "placed", "dialling"    # pending
DONE, GIVEN_UP, CANCELLED = "done", "given_up", "cancelled"     # final: the key is free
PENDING = (WAITING, PLACED, DIALLING)
FINAL = (DONE, GIVEN_UP, CANCELLED)
TABLE = "queue_callbacks"
# Two servers inserting one number's key at once may deadlock in InnoDB (both wait on
# the other's lock of the unique key); the one rolled back tries again and then meets
# the other's row as a duplicate.
BOOK_TRIES = 3
MYSQL_RETRYABLE = (1205, 1213)      # lock wait timeout, deadlock
SCHEMA = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    id VARCHAR(64) NOT NULL PRIMARY KEY,
    active_key VARCHAR(300) NULL UNIQUE,
    number VARCHAR(128) NOT NULL,
    queue VARCHAR(128) NOT NULL,
    program VARCHAR(64) NOT NULL,
    joined_at DOUBLE NOT NULL,
    booked_at DOUBLE NOT NULL,
    attempts INTEGER NOT NULL,
    state VARCHAR(16) NOT NULL,
    server VARCHAR(64) NOT NULL,
    updated_at DOUBLE NOT NULL)"""
COLUMNS = "id, number, queue, program, joined_at, booked_at, attempts, state, server"
_PENDING_SQL = ", ".join(f"'{state}'" for state in PENDING)
INSERT = (f"INSERT INTO {TABLE} ({COLUMNS}, active_key, updated_at) "
          f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
MOVE = (f"UPDATE {TABLE} SET state = ?, attempts = ?, updated_at = ? "
        f"WHERE id = ? AND server = ? AND state IN ({_PENDING_SQL})")
END = (f"UPDATE {TABLE} SET state = ?, attempts = ?, active_key = NULL, updated_at = ? "
       f"WHERE id = ? AND server = ? AND state IN ({_PENDING_SQL})")
SELECT_PENDING = (f"SELECT {COLUMNS} FROM {TABLE} WHERE server = ? AND state IN "
                  f"({_PENDING_SQL}) ORDER BY joined_at, booked_at")
SELECT_ACTIVE = f"SELECT {COLUMNS} FROM {TABLE} WHERE active_key = ?"
SELECT_ONE = f"SELECT {COLUMNS} FROM {TABLE} WHERE id = ?"


@dataclass(frozen=True)
class CallbackRow:
    """One callback as the database keeps it; times are Unix seconds (they outlive serve
    and cross servers, so no monotonic clock)."""
    id: str
    number: str
    queue: str
    program: str
    joined_at: float            # when the caller joined the queue: their place and their wait
    booked_at: float
    attempts: int = 0
    state: str = WAITING
    server: str = ""

    @property
    def active_key(self) -> str:
        return f"{self.number}|{self.queue}"


def _row(values) -> CallbackRow:
    return CallbackRow(*values)


class SqlCallbacks:
    """The statements, over a DB-API connection maker; ``marker`` is the driver's
    parameter mark ("?" for sqlite3, "%s" for pymysql)."""

    def __init__(self, connect: Callable, marker: str,
                 duplicate: tuple[type[BaseException], ...], name: str,
                 retryable: Callable[[BaseException], bool] = lambda error: False) -> None:
        self._connect, self._marker, self._duplicate = connect, marker, duplicate
        self._retryable = retryable
        self._connection = None
        self.name = name

    def __str__(self) -> str:
        return self.name

    def book(self, row: CallbackRow) -> bool:
        """False when a callback for the number in that queue is pending already."""
        values = tuple(getattr(row, f.name) for f in fields(CallbackRow))
        for attempt in range(BOOK_TRIES):
            try:
                self._write(INSERT, values + (row.active_key, time.time()))
                return True
            except self._duplicate:
                return False
            except Exception as error:
                if attempt + 1 == BOOK_TRIES or not self._retryable(error):
                    raise
        return False

    def move(self, row: CallbackRow) -> bool:
        """The row's state and attempts, written if it is still pending and this server's:
        a final state frees its key.  False when nothing was pending to move."""
        statement = END if row.state in FINAL else MOVE
        return self._write(statement, (row.state, row.attempts, time.time(), row.id,
                                       row.server)) == 1

    def get(self, callback_id: str) -> CallbackRow | None:
        found = self._read(SELECT_ONE, (callback_id,))
        return _row(found[0]) if found else None

    def active(self, number: str, queue: str) -> CallbackRow | None:
        found = self._read(SELECT_ACTIVE, (f"{number}|{queue}",))
        return _row(found[0]) if found else None

    def pending(self, server: str) -> list[CallbackRow]:
        """This server's pending callbacks, the earliest caller first."""
        return [_row(values) for values in self._read(SELECT_PENDING, (server,))]

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _sql(self, statement: str) -> str:
        return statement.replace("?", self._marker)

    def _write(self, statement: str, values: tuple) -> int:
        connection = self._open()
        cursor = connection.cursor()
        try:
            cursor.execute(self._sql(statement), values)
            connection.commit()
            return cursor.rowcount
        except BaseException:
            connection.rollback()
            raise
        finally:
            cursor.close()

    def _read(self, statement: str, values: tuple) -> list:
        """Ended at once: a transaction left open would keep reading an old snapshot
        (InnoDB's repeatable read) while other servers write."""
        connection = self._open()
        cursor = connection.cursor()
        try:
            cursor.execute(self._sql(statement), values)
            return list(cursor.fetchall())
        finally:
            cursor.close()
            connection.commit()

    def _open(self):
        if self._connection is None:
            connection = self._connect()
            cursor = connection.cursor()
            cursor.execute(SCHEMA)
            cursor.close()
            connection.commit()
            self._connection = connection
        return self._connection


def sqlite_callbacks(path: str, timeout_s: float) -> SqlCallbacks:
    def connect():
        from progmoh.player.serve.choices_sqlite import _private
        _private(Path(path))
        return sqlite3.connect(path, timeout=max(timeout_s, 1.0), check_same_thread=False,
                               isolation_level="DEFERRED")
    def retryable(error: BaseException) -> bool:
        return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)
    return SqlCallbacks(connect, "?", (sqlite3.IntegrityError,), f"sqlite {path}", retryable)


def mysql_callbacks(url: str, timeout_s: float) -> SqlCallbacks:
    import pymysql

    from progmoh.player.serve.choices_mysql import connect_arguments

    def connect():
        return pymysql.connect(**dict(connect_arguments(url, timeout_s), autocommit=False))
    def retryable(error: BaseException) -> bool:
        return isinstance(error, pymysql.err.OperationalError) \
            and bool(error.args) and error.args[0] in MYSQL_RETRYABLE
    return SqlCallbacks(connect, "%s", (pymysql.err.IntegrityError,), "mysql", retryable)


class CallbackStore:
    """The loop's face of the backend: every call runs on the store's worker thread, in
    order; a failure is logged and answers as nothing booked, claimed or found."""

    def __init__(self, backend: SqlCallbacks) -> None:
        self._backend = backend
        self._worker = _Worker("progmoh-callbacks")

    async def call(self, method: str, *args, failed=None):
        future = asyncio.wrap_future(self._worker.submit(getattr(self._backend, method), *args))
        try:
            return await future
        except Exception as error:
            log.warning("callback store (%s): %s failed: %s: %s", self._backend, method,
                        type(error).__name__, error)
            return failed

    def close(self) -> None:
        self._worker.submit(self._backend.close)
        self._worker.stop()


def open_callback_store(url: str, timeout_s: float) -> CallbackStore:
    """The store of ``store.url`` (its SQLite file or MySQL database holds both tables)."""
    if url.startswith("sqlite:///"):
        return CallbackStore(sqlite_callbacks(url[len("sqlite:///"):], timeout_s))
    return CallbackStore(mysql_callbacks(url, timeout_s))
