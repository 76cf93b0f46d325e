"""Can the service user (the one Asterisk runs players as) read the cache and reach serve's socket?

Judged from owners, groups and modes, so root (who may have rendered)
can answer for another user.  A player that cannot read its cache plays
silence, so ``progmoh config check`` and ``progmoh cache verify`` say it
plainly instead.
"""

import os
import pwd
import stat
from pathlib import Path

from progmoh.cache import layout

READ, WRITE, SEARCH = 4, 2, 1


class Who:
    """A user's uid and every group it is in."""

    def __init__(self, name: str):
        entry = pwd.getpwnam(name)            # KeyError: no such user
        self.name, self.uid = name, entry.pw_uid
        self.groups = set(os.getgrouplist(name, entry.pw_gid))

    def may(self, path: Path, want: int) -> bool:
        """Whether this user has every bit of ``want`` (READ|WRITE|SEARCH) on ``path``."""
        if self.uid == 0:
            return True
        st = os.stat(path)
        if st.st_uid == self.uid:
            shift = 6
        elif st.st_gid in self.groups:
            shift = 3
        else:
            shift = 0
        return (stat.S_IMODE(st.st_mode) >> shift) & want == want


def cache_problems(root: Path, user: str) -> list[str]:
    """What ``user`` could not read of the current generation at ``root`` (empty: all of it)."""
    who = Who(user)
    root = Path(root)
    try:
        blocked = _path_problem(who, root)
        if blocked:
            return [blocked]
        generation = layout.current_generation(root)
        if generation is None:
            return []
        needed = [(root / layout.CURRENT, READ),
                  (root / layout.GENERATIONS, READ | SEARCH),
                  (Path(layout.manifest_path(root, generation)), READ),
                  (root / layout.OBJECTS, READ | SEARCH)]
        problems = [_say(who, path, want) for path, want in needed if not who.may(path, want)]
        return problems or _object_problems(who, root / layout.OBJECTS)
    except OSError as error:
        return [f"cannot check {error.filename}: {error.strerror}"]


def socket_problem(path: Path, user: str) -> str | None:
    """Why ``user`` could not connect to serve's socket at ``path``, or None."""
    who = Who(user)
    path = Path(path)
    try:
        blocked = _path_problem(who, path.parent)
        if blocked:
            return blocked
        if not path.exists():
            return f"{path} does not exist (is `progmoh serve` running?)"
        return None if who.may(path, WRITE) else _say(who, path, WRITE)
    except OSError as error:
        return f"cannot check {error.filename}: {error.strerror}"


def _path_problem(who: Who, folder: Path) -> str | None:
    """The first folder on the way to (and including) ``folder`` the user cannot enter."""
    for step in reversed([folder, *folder.parents]):
        if not who.may(step, SEARCH):
            return _say(who, step, SEARCH)
    return None


def _object_problems(who: Who, objects: Path, limit: int = 5) -> list[str]:
    problems = []
    for folder, _, files in os.walk(objects):
        if not who.may(Path(folder), READ | SEARCH):
            problems.append(_say(who, Path(folder), READ | SEARCH))
        problems += [_say(who, Path(folder, f), READ) for f in files
                     if not who.may(Path(folder, f), READ)]
        if len(problems) >= limit:
            return problems[:limit] + ["(and maybe more)"]
    return problems


def _say(who: Who, path: Path, want: int) -> str:
    st = os.stat(path)
    verb = {READ: "read", WRITE: "write to", SEARCH: "enter"}.get(want, "read and enter")
    owner = _name(pwd.getpwuid, st.st_uid)
    return (f"user {who.name} cannot {verb} {path} (owner {owner}, group id {st.st_gid}, "
            f"mode {stat.S_IMODE(st.st_mode):04o})")


def _name(lookup, number: int) -> str:
    try:
        return lookup(number)[0]
    except KeyError:
        return str(number)
