"""Atomic file replacement: temp file in the same file system, fsync, rename.

A reader opening the final name sees either the old complete file or the new
complete file, never a prefix; fsyncing the folder makes the rename survive a
crash, so a published pointer never names a file that was lost.

Files are group-readable (``FILE_MODE``), whatever the umask: the players
run as Asterisk's user, which reads through the cache folder's group (the
folder is setgid, so that group is inherited), whoever rendered.
"""

import os
import tempfile
from pathlib import Path

FILE_MODE = 0o640


def write_atomic(path: Path, data: bytes, tmp_dir: Path) -> None:
    """Put ``data`` at ``path`` in one step (``tmp_dir`` must share its file system)."""
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix=path.name + ".", suffix=".part")
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        _unlink_quietly(tmp_name)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink_quietly(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass
