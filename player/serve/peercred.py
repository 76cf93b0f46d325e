"""Who is on the other end of the players' socket (Linux SO_PEERCRED and /proc).

A player proves which call it plays for by being the process Asterisk
started for that call: its argv carries ``--uniqueid <id>`` (put there by the
per-call realtime class) and its parent process runs one of the configured
Asterisk executables.  The parent is identified by ``/proc/<ppid>/exe``,
which a process cannot change, never by its name (``/proc/<pid>/comm``),
which any process can rewrite.  Anything else connecting to the socket gets
no personal data.
"""

import os
import socket
import struct
from dataclasses import dataclass
from pathlib import Path

from progmoh.player.command_line import named_call

PROC = Path("/proc")
_CRED = struct.Struct("3i")
DELETED_SUFFIX = " (deleted)"
UNREADABLE_EXE = ("cannot read the parent's executable (/proc/{pid}/exe): run serve as the "
                  "user Asterisk runs as, and start Asterisk with -g if it drops root with -U")


@dataclass(frozen=True)
class PeerCred:
    pid: int
    uid: int
    gid: int


def peer_credentials(sock: socket.socket) -> PeerCred:
    """The pid, uid and gid the kernel recorded for the peer when it connected."""
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _CRED.size)
    return PeerCred(*_CRED.unpack(raw))


def process_argv(pid: int, proc: Path = PROC) -> list[str]:
    raw = (proc / str(pid) / "cmdline").read_bytes()
    return [item.decode("utf-8", "replace") for item in raw.split(b"\0")[:-1]]


def parent_pid(pid: int, proc: Path = PROC) -> int:
    for line in (proc / str(pid) / "status").read_text(errors="replace").splitlines():
        if line.startswith("PPid:"):
            return int(line.split()[1])
    raise ValueError(f"no PPid in {proc / str(pid) / 'status'}")


def process_executable(pid: int, proc: Path = PROC) -> str:
    """The file the process runs; a binary replaced by an upgrade reads as its old path."""
    return os.readlink(proc / str(pid) / "exe").removesuffix(DELETED_SUFFIX)


def is_running(pid: int, proc: Path = PROC) -> bool:
    """True while the process exists and has not exited (a zombie has)."""
    try:
        stat = (proc / str(pid) / "stat").read_text(errors="replace")
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] not in (["Z"], ["X"])


def resolved(executables: tuple[str, ...]) -> frozenset[str]:
    """The configured paths with symlinks resolved, as ``/proc/<pid>/exe`` shows them."""
    return frozenset(os.path.realpath(path) for path in executables)


def carries_uniqueid(argv: list[str], uniqueid: str) -> bool:
    """True when argv names exactly one call, and it is this one."""
    return named_call(argv) == uniqueid


def denial_reason(pid: int, uniqueid: str, executables: frozenset[str],
                  proc: Path = PROC) -> str | None:
    """Why this process may not speak for the call, or None when it may.

    ``executables`` are resolved paths (see ``resolved``).  There is no
    fallback on process names: a process that hides its executable (it can
    make itself non-dumpable) could otherwise rename itself and pass.
    """
    try:
        if not carries_uniqueid(process_argv(pid, proc), uniqueid):
            return "process arguments do not name this call"
        ppid = parent_pid(pid, proc)
    except (OSError, ValueError):
        return "process not found"
    try:
        parent = process_executable(ppid, proc)
    except PermissionError:
        return UNREADABLE_EXE.format(pid=ppid)
    except OSError:
        return "parent process not found"
    if parent not in executables:
        return f"parent process runs {parent!r}, not one of serve.asterisk_executables"
    return None
