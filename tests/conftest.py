"""Fixtures shared by several test modules.  Keep each one small and documented.

Every test runs away from the machine (tests/support/isolation.py): no
``PROGMOH_CONFIG``, a HOME of its own, and the checkout's var/ left as it was.
"""

import ast
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
from tests.support.isolation import (
    changes,
    checkout_var,
    come_back,
    leave_for_the_run,
    leave_the_machine,
    machine_environment,
)

MARIADB_SCRIPT = SERVICES / "mariadb.sh"


def pytest_configure(config):
    leave_for_the_run(config)


def pytest_unconfigure(config):
    come_back(config)


@pytest.fixture(autouse=True)
def home(tmp_path_factory, monkeypatch):
    """Every test's own HOME (empty), with no PROGMOH_CONFIG and no XDG folders of the user's;
    the test fails if it wrote into the checkout's var/ (a checkout's defaults point there:
    a test names its own folders in a config file, ``--cache``, ``--log`` ...)."""
    folder = tmp_path_factory.mktemp("home")
    leave_the_machine(monkeypatch, folder)
    before = checkout_var()
    yield folder
    touched = changes(before, checkout_var())
    assert not touched, f"the test wrote into the checkout's var/: {', '.join(touched)}"


def pytest_collection_modifyitems(items):
    """A test that takes ``mysql_url`` must say so with ``@pytest.mark.mariadb``
    (so ``-m "not mariadb"`` really leaves the server out); test modules share code
    only through tests/support, never by importing one another."""
    unmarked = [item.nodeid for item in items
                if "mysql_url" in getattr(item, "fixturenames", ())
                and item.get_closest_marker("mariadb") is None]
    if unmarked:
        raise pytest.UsageError("mysql_url without @pytest.mark.mariadb: " + ", ".join(unmarked))
    shared = _test_modules_imported({item.path for item in items})
    if shared:
        raise pytest.UsageError("a test module imports another (move it to tests/support): "
                                + ", ".join(shared))


def _test_modules_imported(paths) -> list[str]:
    found = []
    for path in sorted(paths):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            found += [f"{path.name} imports {name}" for name in names
                      if any(part.startswith("test_") for part in name.split(".")[1:])
                      and name.startswith("tests.")]
    return found


def _server_url(config) -> str:
    """``$PROGMOH_TEST_MYSQL_URL`` (set by ``make test``), else a private server started now."""
    url = os.environ.get("PROGMOH_TEST_MYSQL_URL", "").strip()
    if url:
        return url
    done = subprocess.run([str(MARIADB_SCRIPT), "start"], capture_output=True, text=True,
                          timeout=120, env=machine_environment(config))
    assert done.returncode == 0, f"tests/services/mariadb.sh start failed:\n{done.stderr}"
    return done.stdout.strip().splitlines()[-1]


def _connect(url: str, database: str | None):
    parts = urllib.parse.urlsplit(url)
    return pymysql.connect(user=urllib.parse.unquote(parts.username or ""),
                           password=urllib.parse.unquote(parts.password or ""),
                           host=parts.hostname, port=parts.port or 3306,
                           database=database, autocommit=True, charset="utf8mb4")


@pytest.fixture(scope="session")
def mysql_url(pytestconfig):
    """A ``mysql://`` URL of a real MariaDB database made for this test session.

    A fresh database (dropped afterwards) keeps runs apart; if the account may
    not create databases, the URL's own database is used.  Never skipped.
    """
    url = _server_url(pytestconfig)
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
    """A short folder of its own, which is also HOME (instead of ``home``): Asterisk's
    application line holds at most 255 characters and a Unix socket path at most 107,
    and pytest's own folders (or a deep clone) are long enough to break either."""
    path = Path(tempfile.mkdtemp(prefix="pm-", dir="/tmp"))
    monkeypatch.setenv("HOME", str(path))
    yield path
    shutil.rmtree(path)
