"""The pending callbacks' table on SQLite and a real MariaDB: one pending callback per
number and queue however many serves book it at once, rows moved only by the server
that booked them, a final state freeing the key, and what a restarted serve reads."""

import concurrent.futures
import dataclasses
import os

import pytest

from progmoh.player.serve.callback_store import (
    DONE,
    PLACED,
    CallbackRow,
    mysql_callbacks,
    sqlite_callbacks,
)


@pytest.fixture(params=["sqlite", pytest.param("mysql", marks=pytest.mark.mariadb)])
def open_backend(request, tmp_path):
    """A maker of backends over one database: each call is another serve's connection."""
    made = []

    def backend():
        if request.param == "sqlite":
            made.append(sqlite_callbacks(str(tmp_path / "progmoh.db"), 2.0))
        else:
            made.append(mysql_callbacks(request.getfixturevalue("mysql_url"), 2.0))
        return made[-1]
    yield backend
    first = made[0] if made else None
    if first is not None and request.param == "mysql":
        first._write("DELETE FROM queue_callbacks", ())
    for each in made:
        each.close()


def row(callback_id: str, number: str = "+15551230002", queue: str = "support",
        server: str = "pbx1", joined_at: float = 1000.0) -> CallbackRow:
    return CallbackRow(callback_id, number, queue, "default", joined_at, joined_at + 60,
                       server=server)


def test_two_serves_booking_one_number_at_once_book_it_once(open_backend):
    serves = [open_backend() for _ in range(8)]
    def book(index: int) -> bool:
        return serves[index].book(row(f"10{index}", server=f"pbx{index}"))
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(book, range(8)))
    assert results.count(True) == 1
    assert serves[0].active("+15551230002", "support").server == f"pbx{results.index(True)}"
    assert serves[0].book(row("200", queue="sales"))              # another queue: its own


def test_a_row_is_moved_only_by_its_server_and_a_final_state_frees_the_key(open_backend):
    first, second = open_backend(), open_backend()
    assert first.book(row("300"))
    assert not second.move(dataclasses.replace(row("300", server="pbx2"), state=PLACED))
    assert first.move(dataclasses.replace(row("300"), state=PLACED, attempts=1))
    assert second.get("300").state == PLACED and second.get("300").attempts == 1
    assert first.move(dataclasses.replace(row("300"), state=DONE))
    assert not first.move(dataclasses.replace(row("300"), state=PLACED))  # ended stays ended
    assert second.active("+15551230002", "support") is None
    assert second.book(row("301"))                                 # booked again, anew


def test_a_restarted_serve_reads_its_own_pending_callbacks_earliest_caller_first(open_backend):
    store = open_backend()
    for callback_id, joined_at, server in (("400", 30.0, "pbx1"), ("401", 10.0, "pbx1"),
                                           ("402", 20.0, "pbx2")):
        assert store.book(row(callback_id, number=f"+1555{callback_id}", joined_at=joined_at,
                              server=server))
    store.move(dataclasses.replace(row("400", number="+1555400", joined_at=30.0), state=DONE))
    restarted = open_backend()
    assert [r.id for r in restarted.pending("pbx1")] == ["401"]
    assert [r.id for r in restarted.pending("pbx2")] == ["402"]


def test_the_sqlite_file_is_private(tmp_path):
    store = sqlite_callbacks(str(tmp_path / "progmoh.db"), 2.0)
    store.book(row("500"))
    store.close()
    assert os.stat(tmp_path / "progmoh.db").st_mode & 0o077 == 0


class DeadlockOnce:
    """A DB-API connection whose first INSERT is InnoDB's deadlock victim (error 1213)."""

    def __init__(self) -> None:
        self.inserts = 0

    def cursor(self):
        return self

    def execute(self, statement, values=()):
        if statement.startswith("INSERT"):
            self.inserts += 1
            if self.inserts == 1:
                import pymysql
                raise pymysql.err.OperationalError(1213, "Deadlock found")
        self.rowcount = 1

    def commit(self):
        pass

    def rollback(self):
        pass

    def close(self):
        pass


def test_a_booking_that_is_a_deadlock_victim_is_tried_again(monkeypatch):
    import pymysql
    connection = DeadlockOnce()
    monkeypatch.setattr(pymysql, "connect", lambda **_: connection)
    store = mysql_callbacks("mysql://u:p@127.0.0.1:1/db", 1.0)
    assert store.book(row("600")) and connection.inserts == 2
