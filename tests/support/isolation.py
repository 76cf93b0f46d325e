"""Away from the machine: what a test may not see (the user's configuration and folders)
and what it may not touch (the checkout's var/, where a checkout's defaults point).

tests/conftest.py applies it twice: to the whole test process at start (collection
imports modules and session fixtures render before any test runs; matplotlib reads
~/.config/matplotlib at import), then to each test, with a HOME of its own.  The
scripts of tests/services keep the machine's environment: they are the machine's
services, built or started once per machine (README, "Development").
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.support.checkout import REPO

CHECKOUT_VAR = REPO / "var"
# tests/services/mariadb.sh keeps the shared server's data here: the server writes it all along.
SERVICE_DATA = "mariadb"
# Besides HOME, what points a program at the user's files: progmoh's own variable and the
# XDG base folders (without them, each of those follows HOME).
USER_VARIABLES = ("PROGMOH_CONFIG", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME",
                  "XDG_STATE_HOME")
MACHINE = pytest.StashKey[dict]()       # the environment the test run was started in
AWAY = pytest.StashKey[tuple]()         # the whole run's (MonkeyPatch, HOME folder)


def leave_for_the_run(config: pytest.Config) -> None:
    """The whole test process leaves the machine (pytest_configure: before collection)."""
    config.stash[MACHINE] = dict(os.environ)
    monkeypatch, home = pytest.MonkeyPatch(), Path(tempfile.mkdtemp(prefix="pm-run-home-"))
    leave_the_machine(monkeypatch, home)
    config.stash[AWAY] = (monkeypatch, home)


def come_back(config: pytest.Config) -> None:
    if AWAY in config.stash:
        monkeypatch, home = config.stash[AWAY]
        monkeypatch.undo()
        shutil.rmtree(home, ignore_errors=True)


def machine_environment(config: pytest.Config) -> dict[str, str]:
    """For the scripts of tests/services only (see above)."""
    return config.stash[MACHINE]


def leave_the_machine(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """``home`` is HOME, and nothing else names the user's configuration or folders."""
    monkeypatch.setenv("HOME", str(home))
    for name in USER_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def checkout_var() -> dict[str, int]:
    """Each entry of the checkout's var/ and of its folders, with its mtime in ns (a file
    written, added or removed shows), but the shared MariaDB's data folder."""
    found = {}
    for entry in _entries(CHECKOUT_VAR):
        if entry.name == SERVICE_DATA:
            continue
        found[entry.name] = entry.stat(follow_symlinks=False).st_mtime_ns
        if entry.is_dir(follow_symlinks=False):
            for inner in _entries(Path(entry.path)):
                found[f"{entry.name}/{inner.name}"] = inner.stat(follow_symlinks=False).st_mtime_ns
    return found


def changes(before: dict[str, int], after: dict[str, int]) -> list[str]:
    """What differs, as paths under the checkout's var/ (sorted, for one clear message)."""
    names = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    return sorted(f"var/{name}" for name in names)


def _entries(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except (FileNotFoundError, NotADirectoryError):
        return []
