"""The MySQL/MariaDB backend of the choice store, through pymysql.

Called only from the store's own worker thread.  A broken connection is
dropped and made again on the next query, so a database restart costs one
failed read (the default class) rather than a restart of ``serve``.

A table an older serve made (keyed by the number alone) gains the program
column in one ``ALTER TABLE``, its rows the default program's; the column's
default keeps an older serve that still writes without it writing the default
program's rows while several servers are upgraded one by one.
"""

import logging
import urllib.parse
from datetime import datetime, timezone

import pymysql

from progmoh.player.programs import DEFAULT_PROGRAM, MAX_PROGRAM_CHARS

log = logging.getLogger("progmoh.serve.choices")

PROGRAM_COLUMN = (f"program VARCHAR({MAX_PROGRAM_CHARS}) CHARACTER SET ascii COLLATE ascii_bin "
                  f"NOT NULL DEFAULT '{DEFAULT_PROGRAM}'")
SCHEMA = f"""CREATE TABLE IF NOT EXISTS queue_music (
    {PROGRAM_COLUMN},
    caller_number VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    music_class VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (caller_number, program)
) ENGINE=InnoDB"""
HAS_PROGRAM = """SELECT COUNT(*) FROM information_schema.COLUMNS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'queue_music' AND COLUMN_NAME = 'program'"""
MIGRATION = (f"ALTER TABLE queue_music ADD COLUMN {PROGRAM_COLUMN} FIRST, DROP PRIMARY KEY, "
             "ADD PRIMARY KEY (caller_number, program)")
DUPLICATE_COLUMN = 1060         # ER_DUP_FIELDNAME: another serve migrated it first
SELECT = """SELECT program, music_class FROM queue_music
    WHERE caller_number = %s AND program IN ({})"""
UPSERT = """INSERT INTO queue_music (program, caller_number, music_class, updated_at)
    VALUES (%s, %s, %s, %s)
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

    def classes(self, number: str, programs: tuple[str, ...]) -> dict[str, str]:
        statement = SELECT.format(", ".join(["%s"] * len(programs)))
        return dict(self._run(statement, (number, *programs)))

    def put(self, number: str, music_class: str, program: str) -> None:
        now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
        self._run(UPSERT, (program, number, music_class, now))

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except pymysql.Error:
                pass
            self._connection = None

    def _run(self, statement: str, values: tuple) -> tuple:
        """Every row the statement gives (none for a write)."""
        try:
            with self._connect().cursor() as cursor:
                cursor.execute(statement, values)
                return cursor.fetchall()
        except (pymysql.err.OperationalError, pymysql.err.InterfaceError):
            self.close()
            raise

    def _connect(self):
        if self._connection is None:
            connection = pymysql.connect(**self._arguments)
            try:
                with connection.cursor() as cursor:
                    cursor.execute(SCHEMA)
                    self._migrate(cursor)
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def _migrate(self, cursor) -> None:
        """Give an older serve's table the program column, its rows the default program's."""
        cursor.execute(HAS_PROGRAM)
        if cursor.fetchone()[0]:
            return
        try:
            cursor.execute(MIGRATION)
        except pymysql.err.OperationalError as error:
            if error.args[0] != DUPLICATE_COLUMN:
                raise
            return
        log.info("choice store (%s): queue_music keyed by program now; its remembered "
                 "classes are the %s program's", self, DEFAULT_PROGRAM)
