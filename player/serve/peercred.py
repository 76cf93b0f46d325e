"""Who is on the other end of the players' socket (Linux SO_PEERCRED and /proc).

A player proves which call it plays for by being the process Asterisk
started for that call: its argv carries ``--uniqueid <id>`` (put there by the
per-call realtime class) and its parent process is Asterisk.  Anything else
connecting to the socket gets no personal data.
"""

import socket
import struct
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
UNIQUEID_OPTION = "--uniqueid"
_CRED = struct.Struct("3i")


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


def process_name(pid: int, proc: Path = PROC) -> str:
    return (proc / str(pid) / "comm").read_text(errors="replace").rstrip("\n")


def carries_uniqueid(argv: list[str], uniqueid: str) -> bool:
    """True when argv names exactly one call, and it is this one."""
    named = [argv[i + 1] for i, item in enumerate(argv[:-1]) if item == UNIQUEID_OPTION]
    glued = any(item.startswith(UNIQUEID_OPTION + "=") for item in argv)
    return named == [uniqueid] and not glued


def denial_reason(pid: int, uniqueid: str, allowed_parents: tuple[str, ...],
                  proc: Path = PROC) -> str | None:
    """Why this process may not speak for the call, or None when it may."""
    try:
        if not carries_uniqueid(process_argv(pid, proc), uniqueid):
            return "process arguments do not name this call"
        parent = process_name(parent_pid(pid, proc), proc)
    except (OSError, ValueError):
        return "process not found"
    if parent not in allowed_parents:
        return f"parent process {parent!r} is not allowed"
    return None
