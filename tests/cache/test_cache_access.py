"""Whether the service user can read a cache rendered by someone else, and a player
that cannot read its cache: silence, said once, never an exit."""

import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from progmoh.cache import layout
from progmoh.cache.access import cache_problems, socket_problem
from progmoh.player.play import catalog as catalog_module
from progmoh.player.play.program import Program
from tests.support import player_cache

USER = "nobody"                 # never the owner, never in the files' group


@pytest.fixture
def open_dir():
    """A folder everyone may enter (pytest's own tmp folders are private)."""
    folder = Path(tempfile.mkdtemp(prefix="pm-access-", dir="/tmp"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder)


def open_up(root, dir_mode=0o755, file_mode=0o644):
    for folder, _, files in os.walk(root):
        os.chmod(folder, dir_mode)
        for name in files:
            os.chmod(os.path.join(folder, name), file_mode)


def test_a_cache_private_to_its_renderer_is_reported_for_the_service_user(open_dir):
    root = open_dir / "cache"
    player_cache.build(root)
    os.chmod(root, 0o700)
    problems = cache_problems(root, USER)
    assert problems == [f"user {USER} cannot enter {root} (owner {_owner(root)}, group id "
                        f"{os.stat(root).st_gid}, mode 0700)"]


def test_unreadable_objects_are_named(open_dir):
    root = open_dir / "cache"
    player_cache.build(root)
    open_up(root, file_mode=0o640)
    os.chmod(root / layout.CURRENT, 0o644)
    os.chmod(layout.manifest_path(root, "g1"), 0o644)
    problems = cache_problems(root, USER)
    assert problems[-1] == "(and maybe more)"
    assert all(p.startswith(f"user {USER} cannot read {root}/objects/") for p in problems[:-1])


def test_a_readable_cache_has_no_problems(open_dir):
    root = open_dir / "cache"
    player_cache.build(root)
    open_up(root)
    assert cache_problems(root, USER) == []


def test_the_socket_missing_or_not_writable(open_dir):
    path = open_dir / "progmoh.sock"
    assert socket_problem(path, USER) == f"{path} does not exist (is `progmoh serve` running?)"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        os.chmod(path, 0o600)
        assert socket_problem(path, USER).startswith(f"user {USER} cannot write to {path}")
        os.chmod(path, 0o666)
        assert socket_problem(path, USER) is None
    finally:
        server.close()


def test_an_unreadable_current_pointer_is_a_catalog_error_not_a_crash(tmp_path):
    player_cache.build(tmp_path)
    os.unlink(tmp_path / layout.CURRENT)
    os.mkdir(tmp_path / layout.CURRENT)          # reading it fails as EACCES would
    with pytest.raises(catalog_module.CatalogError, match="unreadable"):
        catalog_module.load(str(tmp_path))


def test_unreadable_objects_are_logged_once_then_silence(tmp_path):
    player_cache.build(tmp_path, classes=("calm",))
    for folder, _, files in os.walk(tmp_path / layout.OBJECTS):
        for name in files:                       # every object unusable, even for root
            os.unlink(os.path.join(folder, name))
            os.mkdir(os.path.join(folder, name))
    events = []
    program = Program(catalog_module.load(str(tmp_path)), events.append, lambda: None,
                      lambda items: list(items))
    heard = b"".join(program.read(800) for _ in range(200))      # 20 s of wake-ups
    assert heard == bytes(len(heard))
    assert len(events) <= 4, events
    assert sum("nothing playable" in e for e in events) == 1


def _owner(path):
    import pwd
    return pwd.getpwuid(os.stat(path).st_uid).pw_name
