"""The players' socket: each ``progmoh play`` process connects, proves its call, and listens.

A connection is admitted only after a ``hello`` naming a call id whose
process passes ``peercred.denial_reason`` (argv carries the id, parent runs
an Asterisk executable), and only while no other live player holds that
call: a second process claiming a call whose player still runs is refused,
so it can neither read that caller's data nor silence the real player.
Each client is handled in its own task with bounded lines and a bounded
send buffer, so one broken or stuck player is dropped without touching the
others.
"""

import asyncio
import logging
import os
import secrets
import socket
from pathlib import Path
from typing import Protocol

from progmoh.cache.errors import ProgmohError
from progmoh.player import command_line, protocol
from progmoh.player.command_line import valid_uniqueid
from progmoh.player.programs import DEFAULT_PROGRAM
from progmoh.player.serve import peercred

log = logging.getLogger("progmoh.serve.players")

HELLO_TIMEOUT_S = 5.0
MAX_BUFFER_BYTES = 256 * 1024


class PlayerSocketError(ProgmohError):
    """The players' socket cannot be set up at the configured path."""


class _Dropped(Exception):
    """This client broke the protocol and is disconnected."""


class PlayerHandler(Protocol):
    async def player_connected(self, uniqueid: str, link: "PlayerLink") -> None: ...
    async def player_message(self, uniqueid: str, link: "PlayerLink", message: dict) -> None: ...
    async def player_gone(self, uniqueid: str, link: "PlayerLink") -> None: ...


class PlayerLink:
    """One connected player, as the handler sees it: ``send`` never blocks."""

    def __init__(self, writer: asyncio.StreamWriter, max_buffer_bytes: int):
        self._writer = writer
        self._max_buffer_bytes = max_buffer_bytes
        self.uniqueid: str | None = None
        self.pid: int | None = None
        self.program = DEFAULT_PROGRAM        # what its command line's --program says

    @property
    def closed(self) -> bool:
        return self._writer.transport.is_closing()

    def send(self, kind: str, **fields) -> bool:
        """Queue one message; False if the link is closed or was just dropped as stuck."""
        if self.closed:
            return False
        self._writer.write(protocol.encode(kind, **fields))
        if self._writer.transport.get_write_buffer_size() > self._max_buffer_bytes:
            log.warning("player %s (pid %s) is not reading; dropped", self.uniqueid, self.pid)
            self.drop()
            return False
        return True

    def peer_pid(self) -> int:
        return peercred.peer_credentials(self._writer.get_extra_info("socket")).pid

    def close(self) -> None:
        """Close after what is queued has been written."""
        if not self.closed:
            self._writer.close()

    def drop(self) -> None:
        """Close at once, discarding anything queued."""
        self._writer.transport.abort()


class PlayerServer:
    def __init__(self, socket_path, socket_mode: int, asterisk_executables: tuple[str, ...],
                 handler: PlayerHandler, *, hello_timeout_s: float = HELLO_TIMEOUT_S,
                 max_buffer_bytes: int = MAX_BUFFER_BYTES, proc: Path = peercred.PROC,
                 on_refused=None):
        self._path = Path(socket_path)
        self._mode = socket_mode
        self._executables = peercred.resolved(tuple(asterisk_executables))
        self._handler = handler
        self._hello_timeout_s = hello_timeout_s
        self._max_buffer_bytes = max_buffer_bytes
        self._proc = proc
        self._on_refused = on_refused or (lambda: None)
        self._server: asyncio.AbstractServer | None = None
        self._inode: int | None = None
        self._links: set[PlayerLink] = set()
        self._tasks: set[asyncio.Task] = set()

    async def start(self) -> None:
        sock = bind_socket(self._path, self._mode)
        self._inode = os.stat(self._path).st_ino
        self._server = await asyncio.start_unix_server(
            self._serve, sock=sock, limit=protocol.MAX_LINE_BYTES)

    async def close(self) -> None:
        """Stop listening, drop every player (each gets ``player_gone``), remove the socket file."""
        if self._server is None:
            return
        self._server.close()
        for link in list(self._links):
            link.drop()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None
        self._remove_socket_file()

    def _remove_socket_file(self) -> None:
        try:
            if os.stat(self._path).st_ino == self._inode:
                os.unlink(self._path)
        except FileNotFoundError:
            pass

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:                    # always, in a coroutine the server runs
            self._tasks.add(task)
        link = PlayerLink(writer, self._max_buffer_bytes)
        self._links.add(link)
        try:
            if await self._admit(reader, link):
                await self._converse(reader, link)
        except (_Dropped, protocol.ProtocolError) as error:
            log.warning("player %s (pid %s) dropped: %s", link.uniqueid, link.pid, error)
        except Exception:
            log.exception("player %s (pid %s): connection failed", link.uniqueid, link.pid)
        finally:
            self._links.discard(link)
            link.close()
            self._tasks.discard(task)

    async def _admit(self, reader: asyncio.StreamReader, link: PlayerLink) -> bool:
        try:
            line = await asyncio.wait_for(_read_line(reader), self._hello_timeout_s)
        except asyncio.TimeoutError:
            raise _Dropped(f"no hello within {self._hello_timeout_s} s") from None
        if line is None:
            return False
        uniqueid = _hello_uniqueid(line)
        if uniqueid is None:
            log.warning("player socket: first line is not a hello naming a call; denied")
            self._on_refused()
            return _deny(link, "the first line must be a hello naming a call")
        pid = link.pid = link.peer_pid()
        reason = (peercred.denial_reason(pid, uniqueid, self._executables, self._proc)
                  or self._busy_reason(uniqueid))
        if reason is not None:
            log.warning("player pid %s claiming call %s denied: %s", pid, uniqueid, reason)
            self._on_refused()
            return _deny(link, reason)
        link.uniqueid = uniqueid
        link.program = _program_played(pid, self._proc)
        return True

    def _busy_reason(self, uniqueid: str) -> str | None:
        """Why the call is taken: another admitted link whose process still runs."""
        for other in self._links:
            if (other.uniqueid == uniqueid and other.pid is not None and not other.closed
                    and peercred.is_running(other.pid, self._proc)):
                return f"the call's player (pid {other.pid}) is still running"
        return None

    async def _converse(self, reader: asyncio.StreamReader, link: PlayerLink) -> None:
        uniqueid = link.uniqueid
        if uniqueid is None:
            raise RuntimeError("a player link conversing before its hello was admitted")
        try:
            await self._handler.player_connected(uniqueid, link)
            while (line := await _read_line(reader)) is not None:
                await self._handler.player_message(uniqueid, link, protocol.decode(line))
        finally:
            link.drop()
            await self._handler.player_gone(uniqueid, link)


async def _read_line(reader: asyncio.StreamReader) -> bytes | None:
    """The next whole line, or None at end of input (or a reset); _Dropped if over the limit."""
    try:
        return await reader.readuntil(b"\n")
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError:
        raise _Dropped(f"line longer than {protocol.MAX_LINE_BYTES} bytes") from None
    except ConnectionError:
        return None


def _hello_uniqueid(line: bytes) -> str | None:
    try:
        message = protocol.decode(line)
    except protocol.ProtocolError:
        return None
    uniqueid = message.get("uniqueid")
    if message["type"] != protocol.HELLO or not isinstance(uniqueid, str):
        return None
    return uniqueid if valid_uniqueid(uniqueid) else None


def _program_played(pid: int, proc: Path) -> str:
    """The program an admitted player plays: its command line's ``--program``, read as
    the player reads it (``command_line.parse`` passes over the interpreter's and its
    script's words), so its reports are filed under that program in any race."""
    try:
        argv = peercred.process_argv(pid, proc)
    except OSError:
        return DEFAULT_PROGRAM
    options, _ = command_line.parse(argv)
    return str(options[command_line.PROGRAM.dest])


def _deny(link: PlayerLink, reason: str) -> bool:
    link.send(protocol.DENIED, reason=reason)
    link.close()
    return False


def bind_socket(path: Path, mode: int) -> socket.socket:
    """A listening Unix socket at ``path`` with ``mode``, never briefly more open.

    The socket is bound under a random name, given its mode, then renamed
    over the final path, which also replaces a stale socket file atomically.
    """
    if mode & 0o002:
        raise PlayerSocketError(f"socket mode {mode:04o} for {path} would be world-writable")
    _ensure_folder(path.parent)
    _refuse_live(path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(str(temporary))
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        sock.close()
        temporary.unlink(missing_ok=True)
        raise PlayerSocketError(f"cannot create socket {path}: {error.strerror}") from None
    sock.setblocking(False)
    return sock


def _ensure_folder(folder: Path) -> None:
    if folder.is_dir():
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o750)
    except OSError as error:
        raise PlayerSocketError(f"cannot create folder {folder}: {error.strerror}") from None


def _refuse_live(path: Path) -> None:
    """A socket file another process still listens on is not stale: refuse to steal it."""
    if not path.exists() and not path.is_symlink():
        return
    if not path.is_socket():
        raise PlayerSocketError(f"{path} exists and is not a socket")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError:
        return
    finally:
        probe.close()
    raise PlayerSocketError(f"another process is listening on {path}")
