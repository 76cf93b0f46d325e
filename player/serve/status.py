"""``progmoh status``: the calls on hold now, over a local Unix socket (never the network).

Who may connect is decided by the socket file's mode and owner
(``serve.status_socket_mode``, never world-writable): whoever may open it
sees the calls on hold, with each caller number masked except its last
digits, and nothing else personal (no balances, no account numbers).  Each
connection gets one JSON document, made from a fresh snapshot (snapshot.py),
and is closed.
"""

import asyncio
import json
import logging
import os
import socket
from pathlib import Path
from typing import Callable

from progmoh.cache.errors import ProgmohError
from progmoh.player.serve.accuracy import RecentAccuracy
from progmoh.player.serve.players import bind_socket
from progmoh.player.serve.redact import mask_number
from progmoh.player.serve.snapshot import CallView, Snapshot

log = logging.getLogger("progmoh.serve.status")

MAX_REPORT_BYTES = 4 * 1024 * 1024
READ_TIMEOUT_S = 5.0


class StatusError(ProgmohError):
    """The status of serve cannot be read (not running, or not allowed)."""


def _call(call: CallView) -> dict:
    return {"uniqueid": call.uniqueid, "caller": mask_number(call.number),
            "program": call.program, "queue": call.queue, "position": call.position,
            "waited_s": round(call.waited_s, 1), "music_class": call.music_class,
            "playing": {"kind": call.playing_kind, "name": call.playing_name},
            "keys": "".join(call.keys), "player": call.player,
            "audio_problems": dict(call.audio_problems)}


def status_report(snapshot: Snapshot) -> dict:
    """The calls on hold (longest waiting first) and serve's own health, as plain JSON data."""
    health, cache = snapshot.health, snapshot.health.cache
    return {
        "calls": sorted((_call(c) for c in snapshot.calls), key=lambda c: -c["waited_s"]),
        "health": {
            "ami": {"enabled": health.ami_enabled, "connected": health.ami_connected,
                    "last_event_age_s": health.ami_last_event_age_s},
            "billing": {"backend": health.billing_backend, "last_lookup": health.last_billing},
            "store": {"last_operation": health.last_store},
            "cache": {"generation": cache.generation, "created_s": cache.created_s,
                      "problems": cache.problems, "readable": cache.readable},
            "players_connected": health.players_connected,
            "programs": list(health.programs),
            "waits": [_accuracy(recent) for recent in health.waits],
        },
        "callbacks": [{"caller": mask_number(c.number), "queue": c.queue, "place": c.place,
                       "attempts": c.attempts, "state": c.state} for c in snapshot.callbacks],
    }


def _accuracy(recent: RecentAccuracy) -> dict:
    """A queue's recent wait accuracy (accuracy.py): how far the told waits were off."""
    return {"queue": recent.queue, "checked": recent.checked,
            "mean_abs_error_s": round(recent.mean_abs_error_s, 1),
            "p90_abs_error_s": round(recent.p90_abs_error_s, 1),
            "in_range_share": round(recent.in_range_share, 3), "quiet": recent.quiet}


class StatusServer:
    def __init__(self, path, mode: int, snapshot: Callable[[], Snapshot]) -> None:
        self._path, self._mode, self._snapshot = Path(path), mode, snapshot
        self._server: asyncio.AbstractServer | None = None
        self._inode: int | None = None

    async def start(self) -> None:
        sock = bind_socket(self._path, self._mode)
        self._inode = os.stat(self._path).st_ino
        self._server = await asyncio.start_unix_server(self._serve, sock=sock)

    async def close(self) -> None:
        if self._server is None:
            return
        self._server.close()
        await self._server.wait_closed()
        self._server = None
        try:
            if os.stat(self._path).st_ino == self._inode:     # not another serve's socket
                os.unlink(self._path)
        except FileNotFoundError:
            pass

    async def _serve(self, reader, writer) -> None:
        try:
            writer.write(json.dumps(status_report(self._snapshot())).encode() + b"\n")
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()


def read_status(path, timeout_s: float = READ_TIMEOUT_S) -> dict:
    """One report from a running serve; StatusError saying why not, plainly."""
    path = Path(path)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout_s)
            sock.connect(str(path))
            return json.loads(_read_all(sock))
    except PermissionError:
        raise StatusError(f"you may not read {path} (permission denied): run status as the "
                          "user serve runs as, or as a member of its group "
                          "(serve.status_socket_mode)") from None
    except (FileNotFoundError, ConnectionRefusedError):
        raise StatusError(f"serve is not running (nothing listens on {path}; "
                          "serve.status_socket)") from None
    except (OSError, ValueError) as error:
        raise StatusError(f"cannot read the status from {path}: {error}") from None


def _read_all(sock: socket.socket) -> bytes:
    chunks, size = [], 0
    while chunk := sock.recv(65536):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_REPORT_BYTES:
            raise ValueError(f"report over {MAX_REPORT_BYTES} bytes")
    return b"".join(chunks)
