"""Paths in a loaded configuration that do not exist or cannot be used.

Loading a configuration checks what its text says; this checks what it
points at, so that ``config check`` does not say OK about a cache that is
not there, and ``serve`` does not hand Asterisk a program it cannot run
(Asterisk retries a failed exec in a tight loop while the caller hears
silence: see README.md, "Configuration").
"""

import os
from pathlib import Path


def executable_problem(path: Path) -> str | None:
    """Why ``serve.executable`` cannot be run, or None."""
    if not path.exists():
        return f"'serve.executable' {path}: no such file"
    if not path.is_file():
        return f"'serve.executable' {path}: not a file"
    if not os.access(path, os.X_OK):
        return f"'serve.executable' {path}: not executable"
    return None


def path_problems(config) -> list[str]:
    """One line per configured path that is missing or unusable, naming its key."""
    problems = [_folder_problem("library.music_dir", config.library.music_dir),
                _folder_problem("library.advice_dir", config.library.advice_dir),
                _folder_problem("cache.dir", config.cache.root,
                                " (`progmoh render` creates it)"),
                executable_problem(config.serve.executable)]
    return [p for p in problems if p]


def _folder_problem(key: str, path: Path, hint: str = "") -> str | None:
    if not path.exists():
        return f"'{key}' {path}: no such folder{hint}"
    if not path.is_dir():
        return f"'{key}' {path}: not a folder"
    if not os.access(path, os.R_OK | os.X_OK):
        return f"'{key}' {path}: not readable"
    return None
