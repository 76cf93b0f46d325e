"""The SQLite backend of the choice store (the default: a file beside the cache).

Called only from the store's own worker thread, so one connection is enough.
"""

import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

SCHEMA = """CREATE TABLE IF NOT EXISTS queue_music (
    caller_number TEXT PRIMARY KEY,
    music_class TEXT NOT NULL,
    updated_at TEXT NOT NULL)"""
SELECT = "SELECT music_class FROM queue_music WHERE caller_number = ?"
UPSERT = """INSERT INTO queue_music (caller_number, music_class, updated_at) VALUES (?, ?, ?)
    ON CONFLICT (caller_number) DO UPDATE
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

    def get(self, number: str) -> str | None:
        row = self._connect().execute(SELECT, (number,)).fetchone()
        return row[0] if row else None

    def put(self, number: str, music_class: str) -> None:
        with self._connect() as connection:
            connection.execute(UPSERT, (number, music_class, utc_now_text()))

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
            with connection:
                connection.execute(SCHEMA)
            self._connection = connection
        return self._connection


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
