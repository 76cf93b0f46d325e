"""The choice store: the same suite against SQLite and a real MariaDB."""

import asyncio
import logging
import sqlite3
import urllib.parse
from pathlib import Path

import pymysql
import pytest

from progmoh.player.serve.choices import ChoiceStoreError, open_choice_store
from progmoh.player.serve.choices_mysql import connect_arguments
from progmoh.player.serve.settings import StoreSettings

AWKWARD_NUMBERS = [
    "+79161234567",
    "8'916\"123",
    "1; DROP TABLE queue_music; --",
    "back\\slash\\",
    "Иван Петров",
    "李雷 ☎ 😀",
    "%_wildcards_%",
]


def _drop_table(url: str) -> None:
    arguments = connect_arguments(url, 1.0)
    with pymysql.connect(**arguments) as connection, connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS queue_music")


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def store_url(request, tmp_path):
    """A store URL with no queue_music table yet, so schema creation is part of every test."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/sub/folder/choices.db"
    url = request.getfixturevalue("mysql_url")
    _drop_table(url)
    return url


def run_with_store(url, scenario, timeout_s=2.0):
    async def main():
        store = open_choice_store(StoreSettings(url=url, timeout_s=timeout_s))
        try:
            return await scenario(store)
        finally:
            store.close()
    return asyncio.run(main())


def test_unknown_caller_has_no_choice(store_url):
    assert run_with_store(store_url, lambda store: store.get("+15550001")) is None


def test_choice_is_remembered_and_replaced(store_url):
    async def scenario(store):
        await store.put("+15550001", "jazz")
        first = await store.get("+15550001")
        await store.put("+15550001", "classical")
        return first, await store.get("+15550001"), await store.get("+15550002")
    assert run_with_store(store_url, scenario) == ("jazz", "classical", None)


def test_choice_survives_reopening(store_url):
    run_with_store(store_url, lambda store: store.put("74951112233", "rock"))
    assert run_with_store(store_url, lambda store: store.get("74951112233")) == "rock"


@pytest.mark.parametrize("number", AWKWARD_NUMBERS)
def test_awkward_numbers_are_stored_and_found_exactly(store_url, number):
    async def scenario(store):
        await store.put(number, f"class for {number}")
        await store.put(number.upper() + "x", "other")
        return await store.get(number), await store.get(number[:-1])
    found, prefix = run_with_store(store_url, scenario)
    assert found == f"class for {number}"
    assert prefix is None


def test_case_and_accents_are_distinct_numbers(store_url):
    async def scenario(store):
        await store.put("abc", "lower")
        await store.put("ABC", "upper")
        await store.put("é", "accent")
        return [await store.get(n) for n in ("abc", "ABC", "é", "e")]
    assert run_with_store(store_url, scenario) == ["lower", "upper", "accent", None]


def test_table_has_the_documented_columns(store_url):
    run_with_store(store_url, lambda store: store.put("1001", "jazz"))
    if store_url.startswith("sqlite"):
        with sqlite3.connect(store_url[len("sqlite:///"):]) as connection:
            rows = connection.execute(
                "SELECT caller_number, music_class, updated_at FROM queue_music").fetchall()
    else:
        arguments = connect_arguments(store_url, 1.0)
        with pymysql.connect(**arguments) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT caller_number, music_class, updated_at FROM queue_music")
            rows = cursor.fetchall()
    assert [row[:2] for row in rows] == [("1001", "jazz")]
    assert str(rows[0][2]).startswith("20")


def test_empty_and_over_long_numbers_are_ignored(store_url, caplog):
    async def scenario(store):
        await store.put("", "jazz")
        await store.put("9" * 129, "jazz")
        return await store.get(""), await store.get("9" * 129)
    assert run_with_store(store_url, scenario) == (None, None)
    assert "not saving" in caplog.text


def test_concurrent_reads_and_writes_keep_order(store_url):
    async def scenario(store):
        writes = [store.put(f"+1555{i:04d}", f"class{i}") for i in range(40)]
        await asyncio.gather(*writes)
        return await asyncio.gather(*(store.get(f"+1555{i:04d}") for i in range(40)))
    assert run_with_store(store_url, scenario) == [f"class{i}" for i in range(40)]


def test_unreachable_sqlite_file_means_no_choice_and_a_log_line(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    url = f"sqlite:///{blocker}/choices.db"

    async def scenario(store):
        await store.put("+1555", "jazz")
        return await store.get("+1555")
    with caplog.at_level(logging.WARNING):
        assert run_with_store(url, scenario) is None
    assert "write failed" in caplog.text and "read failed" in caplog.text


@pytest.mark.mariadb
def test_mysql_server_down_means_no_choice_and_no_password_logged(mysql_url, caplog):
    parts = urllib.parse.urlsplit(mysql_url)
    dead = urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username}:s3cret-pw@127.0.0.1:9"))

    async def scenario(store):
        await store.put("+1555", "jazz")
        return await store.get("+1555")
    with caplog.at_level(logging.WARNING):
        assert run_with_store(dead, scenario) is None
    assert "read failed" in caplog.text
    assert "s3cret-pw" not in caplog.text


@pytest.mark.mariadb
def test_slow_read_is_cut_short_by_the_timeout(mysql_url, caplog):
    """A read stuck behind a locked row returns None within timeout_s."""
    arguments = connect_arguments(mysql_url, 1.0)
    run_with_store(mysql_url, lambda store: store.put("+1999", "jazz"))
    with pymysql.connect(**dict(arguments, autocommit=False)) as locker:
        with locker.cursor() as cursor:
            cursor.execute("LOCK TABLES queue_music WRITE")

            async def scenario(store):
                started = asyncio.get_running_loop().time()
                found = await store.get("+1999")
                return found, asyncio.get_running_loop().time() - started
            found, took_s = run_with_store(mysql_url, scenario, timeout_s=0.3)
            cursor.execute("UNLOCK TABLES")
    assert found is None
    assert took_s < 2.0
    assert "no answer within 0.3 s" in caplog.text


@pytest.mark.mariadb
def test_unix_socket_url_reaches_the_same_database(mysql_url):
    with pymysql.connect(**connect_arguments(mysql_url, 1.0)) as connection:
        with connection.cursor() as cursor:
            cursor.execute("SELECT @@socket")
            (socket_path,) = cursor.fetchone()
    parts = urllib.parse.urlsplit(mysql_url)
    over_socket = urllib.parse.urlunsplit(parts._replace(
        netloc=f"{parts.username}:{parts.password}@localhost",
        query=urllib.parse.urlencode({"unix_socket": socket_path})))
    run_with_store(mysql_url, lambda store: store.put("+1777", "blues"))
    assert run_with_store(over_socket, lambda store: store.get("+1777")) == "blues"


def test_url_parts_are_unquoted():
    arguments = connect_arguments("mysql://u:p%40ss@localhost/db?unix_socket=/run/my.sock", 1.0)
    assert arguments["unix_socket"] == "/run/my.sock"
    assert (arguments["user"], arguments["password"], arguments["database"]) == ("u", "p@ss", "db")


def test_unknown_scheme_is_an_error():
    with pytest.raises(ChoiceStoreError, match="sqlite:///"):
        open_choice_store(StoreSettings(url="postgres://x/y", timeout_s=1.0))


@pytest.mark.mariadb
def test_write_behind_a_locked_table_returns_soon_and_lands_later(mysql_url, monkeypatch, caplog):
    monkeypatch.setattr("progmoh.player.serve.choices.WRITE_WAIT_S", 0.2)
    run_with_store(mysql_url, lambda store: store.put("+1888", "old"))
    arguments = connect_arguments(mysql_url, 1.0)

    async def scenario(store):
        with pymysql.connect(**dict(arguments, autocommit=False)) as locker:
            with locker.cursor() as cursor:
                cursor.execute("LOCK TABLES queue_music WRITE")
                started = asyncio.get_running_loop().time()
                await store.put("+1888", "new")
                took_s = asyncio.get_running_loop().time() - started
                cursor.execute("UNLOCK TABLES")
        return took_s, await store.get("+1888")

    took_s, found = run_with_store(mysql_url, scenario, timeout_s=0.5)
    assert took_s < 2.0
    assert "write still pending" in caplog.text
    assert found == "new"


def test_the_sqlite_file_of_caller_numbers_is_private(tmp_path):
    """Caller numbers are personal data: the file is created 0600 whatever the umask,
    and one found readable by others loses that."""
    import os
    import stat
    url = f"sqlite:///{tmp_path}/choices.db"
    old = os.umask(0o022)
    try:
        run_with_store(url, lambda store: store.put("+15550001", "jazz"))
        assert stat.S_IMODE(os.stat(tmp_path / "choices.db").st_mode) == 0o600
        os.chmod(tmp_path / "choices.db", 0o644)
        run_with_store(url, lambda store: store.get("+15550001"))
        assert stat.S_IMODE(os.stat(tmp_path / "choices.db").st_mode) == 0o640
    finally:
        os.umask(old)


# -- per program, and a store written before programs ------------------------------------
# queue_music as serve created it before programs (the number alone its key).
OLD_SCHEMA = {
    "sqlite": """CREATE TABLE IF NOT EXISTS queue_music (
    caller_number TEXT PRIMARY KEY,
    music_class TEXT NOT NULL,
    updated_at TEXT NOT NULL)""",
    "mysql": """CREATE TABLE IF NOT EXISTS queue_music (
    caller_number VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
    music_class VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    updated_at DATETIME NOT NULL
) ENGINE=InnoDB"""}
OLD_ROWS = [("+15550001", "jazz", "2026-11-30 10:00:00"), ("Иван", "calm", "2026-11-30 11:00:00")]


def sql(url: str, *statements: tuple) -> list:
    """Run (statement, values) pairs on the store's database; the last one's rows."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url[len("sqlite:///"):]) as connection:
            rows = [connection.execute(s, v).fetchall() for s, v in statements]
        connection.close()
        return rows[-1]
    with pymysql.connect(**connect_arguments(url, 1.0)) as connection, connection.cursor() as c:
        for statement, values in statements:
            c.execute(statement.replace("?", "%s"), values)
        rows = list(c.fetchall())
        connection.commit()
        return rows


def written_before_programs(url: str) -> None:
    if url.startswith("sqlite"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    kind = "sqlite" if url.startswith("sqlite") else "mysql"
    sql(url, (OLD_SCHEMA[kind], ()), *(("INSERT INTO queue_music VALUES (?, ?, ?)", row)
                                      for row in OLD_ROWS))


def test_a_class_is_remembered_per_program(store_url):
    async def scenario(store):
        await store.put("+15550001", "calm")
        await store.put("+15550001", "jazz", "sales")
        await store.put("+15550002", "rock", "sales")
        return (await store.get("+15550001"), await store.get("+15550001", "sales"),
                await store.get("+15550002"), await store.classes("+15550001", ("default",
                                                                               "sales", "other")))
    default, sales, other_number, every = run_with_store(store_url, scenario)
    assert (default, sales, other_number) == ("calm", "jazz", None)
    assert every == {"default": "calm", "sales": "jazz"}


def test_a_store_written_before_programs_migrates_in_place_and_keeps_every_row(store_url,
                                                                               caplog):
    written_before_programs(store_url)
    caplog.set_level(logging.INFO, "progmoh.serve.choices")

    async def scenario(store):
        kept = [await store.get(number) for number, _, _ in OLD_ROWS]
        await store.put("+15550001", "rock", "sales")
        return kept, await store.classes("+15550001", ("default", "sales"))
    kept, every = run_with_store(store_url, scenario)
    assert kept == ["jazz", "calm"]
    assert every == {"default": "jazz", "sales": "rock"}
    assert "queue_music keyed by program now" in caplog.text
    rows = sql(store_url, ("SELECT caller_number, music_class, updated_at FROM queue_music "
                           "WHERE program = ?", ("default",)))
    assert sorted(tuple(map(str, row)) for row in rows) == sorted(OLD_ROWS)   # times kept
    caplog.clear()
    assert run_with_store(store_url, lambda store: store.get("Иван")) == "calm"
    assert "keyed by program now" not in caplog.text                # once only


def test_an_older_serve_still_writing_without_a_program_writes_the_default_programs(store_url):
    run_with_store(store_url, lambda store: store.put("+15550001", "jazz", "sales"))
    sql(store_url, ("INSERT INTO queue_music (caller_number, music_class, updated_at) "
                    "VALUES (?, ?, ?)", ("+15550001", "calm", "2026-12-01 09:00:00")))
    every = run_with_store(store_url, lambda store: store.classes("+15550001",
                                                                  ("default", "sales")))
    assert every == {"default": "calm", "sales": "jazz"}


def test_a_program_that_is_no_program_name_is_neither_written_nor_read(store_url, caplog):
    async def scenario(store):
        await store.put("+15550001", "jazz", "Sales; DROP")
        return await store.classes("+15550001", ("Sales; DROP", "x" * 40))
    assert run_with_store(store_url, scenario) == {}
    assert "no program name" in caplog.text
