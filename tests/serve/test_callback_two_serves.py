"""Two serves (two Asterisk servers) on one real MariaDB: the same number asking for a
callback in the same queue on both at once is booked once, placed once and dialled by
the serve that booked it only."""

import concurrent.futures

import pytest

from progmoh.player.serve.actions import BookCallback, CallbackState, PlaceCallback, Send
from progmoh.player.serve.callback_store import DONE, mysql_callbacks
from progmoh.player.serve.core import ServeCore
from tests.support.ami_events import key, msg
from tests.support.fake_clock import FakeClock
from tests.support.service_support import service_settings, write_config

pytestmark = pytest.mark.mariadb

NUMBER = "+15551230002"


def serve_core(tmp_path, name: str) -> ServeCore:
    folder = tmp_path / name
    folder.mkdir()
    settings = service_settings(write_config(folder, extra='[keys]\ncallback = "7"\n'))
    return ServeCore(settings.serve, settings.programs, FakeClock(), server=name)


def confirmed(core: ServeCore, uniqueid: str) -> BookCallback:
    core.ami_event(msg(Event="QueueCallerJoin", Uniqueid=uniqueid, CallerIDNum=NUMBER,
                       Channel=f"PJSIP/caller-{uniqueid}", Queue="support", Position=1, Count=1))
    link = object()
    core.player_connected(uniqueid, link, None)
    core.player_ready(uniqueid, link)
    core.ami_event(key(uniqueid, "7"))
    return next(a for a in core.ami_event(key(uniqueid, "1")) if isinstance(a, BookCallback))


def test_two_serves_on_one_mariadb_book_place_and_dial_one_callback_once(tmp_path, mysql_url):
    cores = {name: serve_core(tmp_path, name) for name in ("pbx1", "pbx2")}
    stores = {name: mysql_callbacks(mysql_url, 2.0) for name in cores}
    books = {name: confirmed(core, f"{index}.1") for index, (name, core) in
             enumerate(cores.items(), start=1)}
    try:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            ok = dict(zip(books, pool.map(lambda n: stores[n].book(books[n].row), books),
                          strict=True))
        answered = {name: cores[name].callback_booked(books[name].uniqueid, books[name].row, 1,
                                                      ok[name]) for name in cores}
        placed = {name: [a for a in actions if isinstance(a, PlaceCallback)]
                  for name, actions in answered.items()}
        winner = next(name for name in cores if ok[name])
        loser = next(name for name in cores if name != winner)
        assert sorted(ok.values()) == [False, True] and len(placed[winner]) == 1
        assert placed[loser] == [] and [a.fields["keys"] for a in answered[loser]
                                        if isinstance(a, Send)] == [["callback_booked"]]
        row = placed[winner][0].row
        dial_end = msg(Event="DialEnd", DialStatus="ANSWER",
                       Channel=f"Local/{row.id}@progmoh-callback-hold-00000001;1")
        assert cores[loser].ami_event(dial_end) == []          # not its callback: never dialled
        done = [a for a in cores[winner].ami_event(dial_end) if isinstance(a, CallbackState)]
        assert [a.row.state for a in done] == [DONE]
        assert stores[winner].move(done[0].row) and not stores[loser].move(done[0].row)
        assert stores[loser].active(NUMBER, "support") is None
    finally:
        for store in stores.values():
            store._write("DELETE FROM queue_callbacks", ())
            store.close()
