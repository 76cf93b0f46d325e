"""Fixtures shared by several test modules.  Keep each one small and documented."""

import os
import secrets
import shutil
import subprocess
import tempfile
import urllib.parse
from pathlib import Path

import pymysql
import pytest
from tests.support.checkout import SERVICES

MARIADB_SCRIPT = SERVICES / "mariadb.sh"


def pytest_collection_modifyitems(items):
    """A test that takes ``mysql_url`` must say so with ``@pytest.mark.mariadb``
    (so ``-m "not mariadb"`` really leaves the server out)."""
    unmarked = [item.nodeid for item in items
                if "mysql_url" in getattr(item, "fixturenames", ())
                and item.get_closest_marker("mariadb") is None]
    if unmarked:
        raise pytest.UsageError("mysql_url without @pytest.mark.mariadb: " + ", ".join(unmarked))


def _server_url() -> str:
    """``$PROGMOH_TEST_MYSQL_URL`` (set by ``make test``), else a private server started now."""
    url = os.environ.get("PROGMOH_TEST_MYSQL_URL", "").strip()
    if url:
        return url
    done = subprocess.run([str(MARIADB_SCRIPT), "start"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, f"tests/services/mariadb.sh start failed:\n{done.stderr}"
    return done.stdout.strip().splitlines()[-1]


def _connect(url: str, database: str | None):
    parts = urllib.parse.urlsplit(url)
    return pymysql.connect(user=urllib.parse.unquote(parts.username or ""),
                           password=urllib.parse.unquote(parts.password or ""),
                           host=parts.hostname, port=parts.port or 3306,
                           database=database, autocommit=True, charset="utf8mb4")


@pytest.fixture(scope="session")
def mysql_url():
    """A ``mysql://`` URL of a real MariaDB database made for this test session.

    A fresh database (dropped afterwards) keeps runs apart; if the account may
    not create databases, the URL's own database is used.  Never skipped.
    """
    url = _server_url()
    parts = urllib.parse.urlsplit(url)
    name = f"progmoh_test_{secrets.token_hex(4)}"
    with _connect(url, None) as connection, connection.cursor() as cursor:
        try:
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        except pymysql.err.OperationalError:
            yield url
            return
    try:
        yield urllib.parse.urlunsplit(parts._replace(path="/" + name))
    finally:
        with _connect(url, None) as connection, connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


# The real-Asterisk tests' fixtures (asterisk_prefix, demo_cache, lab).
pytest_plugins = ["tests.support.asterisk_fixtures"]


@pytest.fixture
def short_dir(monkeypatch):
    """A short folder of its own, which is also HOME, with no PROGMOH_CONFIG: Asterisk's
    application line holds at most 255 characters and a Unix socket path at most 107,
    and pytest's own folders (or a deep clone) are long enough to break either."""
    path = Path(tempfile.mkdtemp(prefix="pm-", dir="/tmp"))
    monkeypatch.setenv("HOME", str(path))
    monkeypatch.delenv("PROGMOH_CONFIG", raising=False)
    yield path
    shutil.rmtree(path)
