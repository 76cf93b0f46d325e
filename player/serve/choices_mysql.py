"""The MySQL/MariaDB backend of the choice store, through pymysql.

Called only from the store's own worker thread.  A broken connection is
dropped and made again on the next query, so a database restart costs one
failed read (the default class) rather than a restart of ``serve``.
"""

import urllib.parse
from datetime import datetime, timezone

import pymysql

SCHEMA = """CREATE TABLE IF NOT EXISTS queue_music (
    caller_number VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
    music_class VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    updated_at DATETIME NOT NULL
) ENGINE=InnoDB"""
SELECT = "SELECT music_class FROM queue_music WHERE caller_number = %s"
UPSERT = """INSERT INTO queue_music (caller_number, music_class, updated_at) VALUES (%s, %s, %s)
    ON DUPLICATE KEY UPDATE music_class = VALUES(music_class), updated_at = VALUES(updated_at)"""
QUERY_TIMEOUT_S = 10


def connect_arguments(url: str, timeout_s: float) -> dict:
    """pymysql.connect() keywords from ``mysql://user:pass@host:port/db?unix_socket=/path``."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parts.query)
    arguments = dict(
        user=urllib.parse.unquote(parts.username or ""),
        password=urllib.parse.unquote(parts.password or ""),
        host=parts.hostname or "localhost", port=parts.port or 3306,
        database=urllib.parse.unquote(parts.path.lstrip("/")),
        charset="utf8mb4", autocommit=True,
        connect_timeout=max(1, round(timeout_s * 4)),
        read_timeout=QUERY_TIMEOUT_S, write_timeout=QUERY_TIMEOUT_S)
    if "unix_socket" in query:
        arguments["unix_socket"] = query["unix_socket"][0]
    return arguments


class MysqlChoices:
    kind = "mysql"

    def __init__(self, url: str, timeout_s: float):
        self._arguments = connect_arguments(url, timeout_s)
        self._connection = None

    def __str__(self) -> str:
        where = self._arguments.get("unix_socket") or \
            f"{self._arguments['host']}:{self._arguments['port']}"
        return f"mysql {where}/{self._arguments['database']}"

    def get(self, number: str) -> str | None:
        row = self._run(SELECT, (number,))
        return row[0] if row else None

    def put(self, number: str, music_class: str) -> None:
        now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
        self._run(UPSERT, (number, music_class, now))

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except pymysql.Error:
                pass
            self._connection = None

    def _run(self, statement: str, values: tuple):
        try:
            with self._connect().cursor() as cursor:
                cursor.execute(statement, values)
                return cursor.fetchone()
        except (pymysql.err.OperationalError, pymysql.err.InterfaceError):
            self.close()
            raise

    def _connect(self):
        if self._connection is None:
            connection = pymysql.connect(**self._arguments)
            with connection.cursor() as cursor:
                cursor.execute(SCHEMA)
            self._connection = connection
        return self._connection
