"""Several Asterisk servers, one memory: two ``serve`` instances, each with its own
simulated Asterisk (AMI emulator, realtime lookups, real players under the faithful
reader), share one MariaDB; a choice made on the first is what the same number hears
first on the second.  A dead or silent database costs the class, never the start."""

import dataclasses
import pathlib
import secrets
import shutil
import socket
import tempfile
import threading
import time

import pytest

from progmoh.cache.audio_format import SAMPLE_BYTES, SAMPLE_RATE_HZ
from progmoh.player.serve.realtime import CLASS_WAIT_S
from progmoh.player.sim.simulate import place_call
from progmoh.player.sim.simulate_serve import Backstage
from tests.support import player_cache
from tests.support.service_support import service_settings, write_config

FIRST_SECOND_BYTES = SAMPLE_RATE_HZ * SAMPLE_BYTES


@pytest.fixture
def short_dir():
    """Asterisk's application line holds 255 characters and a socket path 107."""
    path = pathlib.Path(tempfile.mkdtemp(prefix="pm-", dir="/tmp"))
    yield path
    shutil.rmtree(path)


def base_settings(folder: pathlib.Path, timeout_s: float):
    cache = player_cache.build(folder / "c", program={"first_advice_s": 100.0},
                               default_class="calm")
    settings = service_settings(write_config(folder, cache_dir=str(folder / "c")))
    store = dataclasses.replace(settings.store, timeout_s=timeout_s)
    quiet = dataclasses.replace(settings.keys, announce_position_change=False,
                                position_every_s=0.0)        # nothing over the music
    return cache, dataclasses.replace(settings, store=store, keys=quiet)


def backstage(settings, folder, name, uniqueid, number, store_url) -> Backstage:
    work = folder / name
    work.mkdir()
    return Backstage(settings, str(work), uniqueid, number=number, store_url=store_url).open()


def class_on(line: str) -> str | None:
    argv = line.split(" ")
    return argv[argv.index("--class") + 1] if "--class" in argv else None


@pytest.mark.mariadb
def test_a_choice_made_on_one_asterisk_is_heard_first_on_the_other(short_dir, mysql_url):
    cache, settings = base_settings(short_dir, timeout_s=5.0)     # a loaded test machine
    number = "+1555" + "".join(secrets.choice("0123456789") for _ in range(7))
    one = backstage(settings, short_dir, "a", "1795710400.11", number, mysql_url)
    two = backstage(settings, short_dir, "b", "1795710500.22", number, mysql_url)
    try:
        on_one = place_call(one, 1.6, presses=(("3", 0.4),), slow_dialplan=True)
        saved = one.call(one.service.choices.get, number)
        on_two = place_call(two, 1.2, slow_dialplan=True)
    finally:
        one.finish()
        two.finish()
    assert class_on(" ".join(on_one.argv)) is None and saved == "jazz"
    assert class_on(" ".join(on_two.argv)) == "jazz"
    heard = on_two.heard()
    assert len(heard) >= FIRST_SECOND_BYTES
    assert heard[:FIRST_SECOND_BYTES] == cache.tracks[("jazz", 0)][:FIRST_SECOND_BYTES]


class SilentServer:
    """A TCP port that accepts and never says a word: a hung database."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        try:
            while True:
                self.accepted.append(self.sock.accept()[0])
        except OSError:
            pass

    def close(self):
        self.sock.close()
        for conn in self.accepted:
            conn.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("database", ["down", "silent"])
def test_a_dead_or_silent_database_means_the_default_class_at_once(short_dir, database):
    cache, settings = base_settings(short_dir, timeout_s=0.5)
    silent = SilentServer() if database == "silent" else None
    port = silent.port if silent else closed_port()
    url = f"mysql://progmoh:x@127.0.0.1:{port}/progmoh"
    one = backstage(settings, short_dir, "a", "1795710600.33", "+15551239999", url)
    try:
        started = time.monotonic()
        call = place_call(one, 1.2)
        took_s = call.exec_at - started
    finally:
        one.finish()
        if silent:
            silent.close()
    assert class_on(" ".join(call.argv)) is None
    assert took_s < CLASS_WAIT_S + 0.5                 # the lookup did not wait for the database
    heard = call.heard()
    assert len(heard) >= FIRST_SECOND_BYTES
    assert heard[:FIRST_SECOND_BYTES] == cache.tracks[("calm", 0)][:FIRST_SECOND_BYTES]
