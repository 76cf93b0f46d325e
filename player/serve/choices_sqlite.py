"""The SQLite backend of the choice store (the default: a file beside the cache).

Called only from the store's own worker thread, so one connection is enough.
A table an older serve wrote (keyed by the number alone) is rebuilt in place
with the program column, in one transaction, its rows the default program's.
"""

import logging
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from progmoh.player.programs import DEFAULT_PROGRAM

log = logging.getLogger("progmoh.serve.choices")

SCHEMA = f"""CREATE TABLE IF NOT EXISTS queue_music (
    program TEXT NOT NULL DEFAULT '{DEFAULT_PROGRAM}',
    caller_number TEXT NOT NULL,
    music_class TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (caller_number, program))"""
OLD_TABLE = "queue_music_before_programs"
MIGRATION = (
    f"ALTER TABLE queue_music RENAME TO {OLD_TABLE}",
    SCHEMA,
    f"""INSERT INTO queue_music (program, caller_number, music_class, updated_at)
    SELECT '{DEFAULT_PROGRAM}', caller_number, music_class, updated_at FROM {OLD_TABLE}""",
    f"DROP TABLE {OLD_TABLE}")
SELECT = """SELECT program, music_class FROM queue_music
    WHERE caller_number = ? AND program IN ({})"""
UPSERT = """INSERT INTO queue_music (program, caller_number, music_class, updated_at)
    VALUES (?, ?, ?, ?)
    ON CONFLICT (caller_number, program) DO UPDATE
    SET music_class = excluded.music_class, updated_at = excluded.updated_at"""


def utc_now_text() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


class SqliteChoices:
    kind = "sqlite"

    def __init__(self, path: str, timeout_s: float):
        self._path = Path(path)
        self._timeout_s = timeout_s
        self._connection: sqlite3.Connection | None = None

    def __str__(self) -> str:
        return f"sqlite {self._path}"

    def classes(self, number: str, programs: tuple[str, ...]) -> dict[str, str]:
        statement = SELECT.format(", ".join(["?"] * len(programs)))
        return dict(self._connect().execute(statement, (number, *programs)).fetchall())

    def put(self, number: str, music_class: str, program: str) -> None:
        with self._connect() as connection:
            connection.execute(UPSERT, (program, number, music_class, utc_now_text()))

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            if not self._path.parent.is_dir():
                os.makedirs(self._path.parent, mode=0o750, exist_ok=True)
            _private(self._path)
            connection = sqlite3.connect(self._path, timeout=max(self._timeout_s, 1.0),
                                         check_same_thread=False)
            try:
                self._table(connection)
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def _table(self, connection: sqlite3.Connection) -> None:
        """The table, made or brought up to date under one write lock, so two processes
        opening an old file never both rebuild it."""
        connection.execute("BEGIN IMMEDIATE")
        try:
            columns = {row[1] for row in connection.execute("PRAGMA table_info(queue_music)")}
            if columns and "program" not in columns:
                for statement in MIGRATION:
                    connection.execute(statement)
                kept = connection.execute("SELECT COUNT(*) FROM queue_music").fetchone()[0]
                log.info("choice store (%s): queue_music keyed by program now; its %d "
                         "remembered classes are the %s program's", self, kept, DEFAULT_PROGRAM)
            else:
                connection.execute(SCHEMA)
            connection.commit()
        except BaseException:
            connection.rollback()
            raise


def _private(path: Path) -> None:
    """Caller numbers are personal: the file is made 0600 before SQLite opens it (its
    journals take the same mode), and one found readable by others loses that."""
    fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        mode = os.fstat(fd).st_mode & 0o777
        if mode & 0o007:
            os.fchmod(fd, mode & 0o770)
    finally:
        os.close(fd)
