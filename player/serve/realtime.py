"""The realtime backend res_config_curl asks for each call's MOH class.

At every MOH start Asterisk POSTs ``name=<class>`` to ``<prefix>/single``
(synchronously, in the channel's thread, before the AMI events of that call
are out), so this answers at once from the name alone and never waits for
AMI.  Only a per-call class (player/programs.py: ``progmoh-<uniqueid>``, or
``progmoh-<program>-<uniqueid>`` for a program of the config) gets a row,
named exactly as asked; anything else gets an empty body, which Asterisk
reads as "no such class" and falls back to its default class.  The row holds
no secret: just the player's argv, which names the program (``--program``)
unless it is the default.  The name is the one place a call's program is
known before its first sample, so the core learns it here; a program the
config does not hold plays the default program, said once an hour per name.

The one thing personal-free but call-specific it may add is ``--class NAME``:
the caller's remembered music, which ``serve`` starts reading as soon as
AMI names the caller (Newchannel/NewCallerid, well before this lookup), so
the player's first sample is the caller's own music.  A read still in
flight is waited for at most ``CLASS_WAIT_S``; a slow or dead database
means no ``--class`` (the default class) at once, never a late start.
With it may go ``--at``: where in that class a restarted call's caller
is (the last player's last state), so the new player repeats nothing.

Values are percent-encoded with space as ``%20``: res_config_curl does not
decode ``+``, and a ``+`` in argv[0] makes Asterisk retry a failing exec in a
tight loop while the caller hears silence.

Connections are bounded (see ``guarded_listener``): a request head must
arrive whole within ``HEAD_TIMEOUT_S`` of a new connection, and a keep-alive
connection that asks nothing for ``IDLE_TIMEOUT_S`` is closed (libcurl opens
a new one when it needs it).  A bad request is logged at most once a minute
per source address and kind of fault, with a count, and never echoed.
"""

import asyncio
import logging
import socket
import urllib.parse
from dataclasses import dataclass
from typing import Awaitable, Callable, Collection

from progmoh.cache.errors import ProgmohError
from progmoh.player import command_line
from progmoh.player.programs import DEFAULT_PROGRAM, parse_class_name
from progmoh.player.serve.guarded_listener import (
    GuardedListener,
    Throttled,
    connection_cap,
    peer_host,
)
from progmoh.player.serve.settings import ServeSettings

log = logging.getLogger("progmoh.serve.realtime")

MAX_HEAD_BYTES = 8192
MAX_BODY_BYTES = 4096
HEAD_TIMEOUT_S = 5.0                # a new connection's first request, head and body
IDLE_TIMEOUT_S = 60.0               # a keep-alive connection's next request
BAD_REQUEST_LOG_EVERY_S = 60.0
UNKNOWN_PROGRAM_LOG_EVERY_S = 3600.0
CLASS_WAIT_S = 0.05                 # the longest this answer waits for a remembered class


class RealtimeError(ProgmohError):
    """The realtime backend cannot listen where the config says."""


class BadRequest(Exception):
    """Not HTTP we can answer; the connection is closed after a 400."""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    version: str
    headers: dict
    body: bytes

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return connection == "keep-alive"
        return connection != "close"


@dataclass(frozen=True)
class RequestedClass:
    """A lookup of one of our per-call classes: its name as asked, the program it names
    (perhaps one the config does not hold) and the call's unique id."""
    name: str
    program: str
    uniqueid: str


def application_line(settings: ServeSettings, uniqueid: str, music_class: str = "",
                     place: str = "", program: str = DEFAULT_PROGRAM) -> str | None:
    """The player's command line for this call (``command_line.build``: optional parts
    dropped until it fits); None if it cannot."""
    return command_line.build(player_command(settings), uniqueid, settings.cache_dir,
                              settings.socket_path, settings.lead_ms, settings.player_log,
                              music_class, place, program)


def player_command(settings: ServeSettings) -> list[str]:
    """The player's argv before its options: an install's lean start, else ``progmoh play``."""
    return list(settings.player_argv) or [str(settings.executable), "play"]


def unsplittable_parts(settings: ServeSettings) -> list[str]:
    """Paths Asterisk would split apart: it splits the application on every space."""
    return command_line.unsplittable(player_command(settings) + [
        str(settings.cache_dir), str(settings.socket_path), settings.player_log])


def requested_call(settings: ServeSettings, path: str, method: str,
                   body: bytes) -> RequestedClass | None:
    """The lookup of one of our per-call classes this request is, else None."""
    if method != "POST" or path.split("?", 1)[0] != settings.prefix + "/single":
        return None
    fields = urllib.parse.parse_qs(body.decode("latin-1"), keep_blank_values=True)
    names = fields.get("name", [])
    asked = parse_class_name(names[0]) if len(names) == 1 else None
    if asked is None or not command_line.valid_uniqueid(asked.uniqueid):
        return None
    return RequestedClass(names[0], asked.program, asked.uniqueid)


def answer_body(settings: ServeSettings, asked: RequestedClass, program: str,
                music_class: str = "", place: str = "") -> bytes:
    """The row answering a lookup of one of our per-call classes, its player playing
    ``program``; empty when no usable command line can be written."""
    application = application_line(settings, asked.uniqueid, music_class, place, program)
    if application is None:
        log.error("no usable player command line for call %s: over %d bytes even without "
                  "its optional parts, or a path with a space; fix serve.executable, cache.dir "
                  "or serve.socket", asked.uniqueid, command_line.MAX_BYTES)
        return b""
    row = (("name", asked.name), ("mode", "custom"), ("application", application))
    return "&".join(f"{k}={urllib.parse.quote(v, safe='')}" for k, v in row).encode("ascii")


def response_bytes(status: str, body: bytes, keep_alive: bool,
                   content_type: str = "text/plain") -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    if not keep_alive:
        head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """One request from a keep-alive stream; None at a clean end of the stream."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if error.partial.strip():
            raise BadRequest("request cut short") from None
        return None
    except asyncio.LimitOverrunError:
        raise BadRequest(f"request head over {MAX_HEAD_BYTES} bytes") from None
    request_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
    parts = request_line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest("bad request line")
    headers = _headers(header_lines)
    body = await _body(reader, headers)
    return Request(parts[0], parts[1], parts[2], headers, body)


def _headers(lines: list[str]) -> dict:
    headers = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep:
            raise BadRequest("bad header line")
        headers[name.strip().lower()] = value.strip()
    return headers


async def _body(reader: asyncio.StreamReader, headers: dict) -> bytes:
    if "transfer-encoding" in headers:
        raise BadRequest("chunked request bodies are not supported")
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError:
        raise BadRequest("bad Content-Length") from None
    if not 0 <= length <= MAX_BODY_BYTES:
        raise BadRequest(f"body over {MAX_BODY_BYTES} bytes or negative")
    try:
        return await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        raise BadRequest("body cut short") from None


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket for ``host``:``port`` (either address family)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


class RealtimeServer:
    """``asyncio`` HTTP/1.1 server on loopback for res_config_curl."""

    def __init__(self, settings: ServeSettings,
                 start_class: Callable[[str], Awaitable[str]] | None = None, *,
                 max_connections: int | None = None,
                 head_timeout_s: float = HEAD_TIMEOUT_S,
                 idle_timeout_s: float = IDLE_TIMEOUT_S, on_lookup=None,
                 start_place: Callable[[str], str] | None = None,
                 programs: Collection[str] = (DEFAULT_PROGRAM,),
                 class_requested: Callable[[str, str], None] | None = None) -> None:
        self.settings = settings
        self._start_class = start_class      # the class a call's player should start with
        self._start_place = start_place      # where in it (``--at``) a restarted call goes on
        self._on_lookup = on_lookup or (lambda result: None)   # "answered", "not_ours", "malformed"
        self._programs = frozenset(programs)                   # the config's program names
        self._class_requested = class_requested or (lambda uniqueid, program: None)
        self.max_connections = max_connections or connection_cap()
        self._head_timeout_s, self._idle_timeout_s = head_timeout_s, idle_timeout_s
        self._listener: GuardedListener | None = None
        self._bad_requests = Throttled(BAD_REQUEST_LOG_EVERY_S)
        self._unknown_programs = Throttled(UNKNOWN_PROGRAM_LOG_EVERY_S, logger=log)
        self.port = settings.port

    async def start(self) -> None:
        for part in unsplittable_parts(self.settings):
            log.error("%r contains a space: Asterisk would split it into two arguments", part)
        try:
            sock = listening_socket(self.settings.listen, self.settings.port)
        except OSError as error:
            raise RealtimeError(f"cannot listen on {self.settings.listen}:{self.settings.port} "
                                f"(serve.listen, serve.port): {error.strerror or error}") from None
        self._listener = GuardedListener(sock, self._serve, max_connections=self.max_connections,
                                         limit=MAX_HEAD_BYTES)
        self._listener.start()
        self.port = sock.getsockname()[1]
        log.info("realtime backend on http://%s:%d%s (at most %d connections)",
                 self.settings.listen, self.port, self.settings.prefix, self.max_connections)

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()
            self._listener = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     connection) -> None:
        try:
            await self._converse(reader, writer, connection)
        except BadRequest as error:
            source = peer_host(writer)
            self._bad_requests.warn("realtime: %s from %s", error, source,
                                    key=(source, str(error)))
            self._on_lookup("malformed")
            writer.write(response_bytes("400 Bad Request", b"", keep_alive=False))
        except (asyncio.TimeoutError, ConnectionError):
            pass

    def _program_for(self, asked: RequestedClass) -> str:
        """The program the call plays: the one its class names, when the config holds it;
        the default program otherwise, which is logged once an hour per name."""
        if asked.program in self._programs:
            return asked.program
        self._unknown_programs.warn(
            "realtime: class %s names program %r, which the config does not hold "
            "([programs.<name>]): the call plays the %s program", asked.name, asked.program,
            DEFAULT_PROGRAM, key=asked.program)
        return DEFAULT_PROGRAM

    async def _class_for(self, uniqueid: str) -> str:
        if self._start_class is None:
            return ""
        try:
            async with asyncio.timeout(CLASS_WAIT_S):
                return await self._start_class(uniqueid) or ""
        except asyncio.TimeoutError:
            return ""

    def _place_for(self, uniqueid: str) -> str:
        if self._start_place is None:
            return ""
        return self._start_place(uniqueid)

    async def _answer(self, request: Request) -> bytes:
        """The body for one request; a lookup of a call's class first tells the core its
        program, then asks where that program's player starts."""
        asked = requested_call(self.settings, request.path, request.method, request.body)
        if asked is None:
            return b""
        program = self._program_for(asked)
        self._class_requested(asked.uniqueid, program)
        music_class = await self._class_for(asked.uniqueid)
        return answer_body(self.settings, asked, program, music_class,
                           self._place_for(asked.uniqueid))

    async def _converse(self, reader, writer, connection) -> None:
        """Requests on one connection until it closes; the timeouts are timers on this task,
        not a task per wait, so a burst of lookups costs little more than their answers."""
        timeout_s = self._head_timeout_s
        while True:
            connection.waiting()
            async with asyncio.timeout(timeout_s):
                request = await read_request(reader)
            if request is None:
                return
            connection.working()
            body = await self._answer(request)
            self._on_lookup("answered" if body else "not_ours")
            writer.write(response_bytes("200 OK", body, request.keep_alive))
            await writer.drain()
            if not request.keep_alive:
                return
            timeout_s = self._idle_timeout_s
