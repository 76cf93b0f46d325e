"""The control plane of a simulated call: the real ``serve`` and Asterisk's AMI side.

The faithful reader ticks every 40 ms on the caller's thread; serve (the
real ``Service``, with its AMI client, tracker, key rules, billing and
choice store) and the AMI emulator run on an asyncio loop of their own, as
serve runs beside Asterisk in production, so neither waits on the other.
Everything serve would touch on a server is put in a temporary folder: the
players' socket, the sqlite choice store, the player's log.  Billing is the
"command" backend running the shipped demo script.
"""

import asyncio
import dataclasses
import logging
import os
import secrets
import socket
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from progmoh.cache.errors import ProgmohError
from progmoh.player.programs import DEFAULT_PROGRAM, class_name
from progmoh.player.serve.service import Service
from progmoh.player.serve.settings import BillingFields, ControlPlaneSettings, StoreSettings
from progmoh.player.sim.ami_emulator import AmiEmulator, Caller

DEMO_BILLING = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo_billing.py")
DEMO_NUMBER = "+15551230001"
AHEAD = (("+15551230101", "Caller Ahead One"), ("+15551230102", "Caller Ahead Two"))
AMI_USER = "progmoh-demo"
DEMO_HOLDTIME_S = 90          # the queue's history: 12 calls answered after 90 s on average
DEMO_COMPLETED = 12
START_TIMEOUT_S = 10.0
CALL_TIMEOUT_S = 10.0
SERVE_LOGGERS = ("progmoh.serve",)


class SimulationError(ProgmohError):
    """A simulated call that cannot be started or run; the message says why."""


def demo_settings(base: ControlPlaneSettings, work: str, ami_port: int, secret: str,
                  store_url: str = "") -> ControlPlaneSettings:
    """The loaded config, pointed at the emulator, the demo billing and a temporary folder
    (and its own sqlite choice store, unless ``store_url`` names a shared one)."""
    me = sys.executable                              # the reader: the players' parent
    serve = dataclasses.replace(
        base.serve, listen="127.0.0.1", port=0, socket_path=Path(work, "s"),
        asterisk_executables=tuple(base.serve.asterisk_executables) + (me,),
        metrics_port=0, status_socket=Path(work, "st"), log="",
        player=dataclasses.replace(base.serve.player, log=os.path.join(work, "play.log")))
    ami = dataclasses.replace(base.ami, enabled=True, host="127.0.0.1", port=ami_port,
                              username=AMI_USER, secret=secret)
    billing = dataclasses.replace(
        base.billing, backend="command", rewrite=(), auth="none",
        command=(sys.executable, DEMO_BILLING, "{number}", base.serve.language),
        fields=BillingFields())                     # the demo billing answers with these
    store = StoreSettings(url=store_url or "sqlite:///" + os.path.join(work, "choices.db"),
                          timeout_s=base.store.timeout_s)
    return ControlPlaneSettings(serve, base.keys, ami, billing, store, base.programs)


class Backstage(threading.Thread):
    """serve and the AMI emulator on their own event loop; the caller drives them from outside."""

    def __init__(self, base: ControlPlaneSettings, work: str, uniqueid: str, *,
                 number: str = DEMO_NUMBER, store_url: str = "",
                 program: str = DEFAULT_PROGRAM) -> None:
        super().__init__(name="simulate-serve", daemon=True)
        self.base, self.work, self.store_url = base, work, store_url
        self.program = program                  # the dialplan's choice, in the class name
        self.caller = Caller.local(uniqueid, number, "Demo Caller", 3,
                                   language=base.serve.language)   # its channel's language
        self.ahead = [Caller.local(f"{uniqueid}{n}", number, name, n)
                      for n, (number, name) in enumerate(AHEAD, 1)]
        self.settings: ControlPlaneSettings | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.service: Service | None = None
        self.emulator: AmiEmulator | None = None
        self.journal = _Journal()
        self._ready = threading.Event()
        self._failed: BaseException | None = None
        self._stopping: asyncio.Event | None = None

    # -- from the caller's thread ---------------------------------------------------------

    def open(self) -> "Backstage":
        """Start serve and wait until it has logged in to the emulator."""
        self.journal.attach()
        self.start()
        if not self._ready.wait(START_TIMEOUT_S) or self._failed is not None:
            self.finish()
            raise SimulationError(f"serve did not start: {self._failed or 'timed out'}")
        return self

    def call(self, function, *args):
        """Run ``function(*args)`` on the loop (a coroutine is awaited); its result."""
        async def run():
            result = function(*args)
            return await result if asyncio.iscoroutine(result) else result
        future = asyncio.run_coroutine_threadsafe(run(), self._loop())
        return future.result(CALL_TIMEOUT_S)

    def soon(self, function, *args) -> None:
        """Run ``function(*args)`` on the loop without waiting: the reader's tick goes on."""
        self._loop().call_soon_threadsafe(function, *args)

    @property
    def music_class(self) -> str:
        """The class the dialplan sets for the call: its program's (player/programs.py)."""
        return class_name(self.program, self.caller.uniqueid)

    def lookup(self) -> str:
        """The player's command line, asked as res_config_curl asks at MOH start."""
        service = self._service()
        serve = service.settings.serve
        name = self.music_class
        row = realtime_single(serve.listen, service.realtime.port, serve.prefix, name)
        application = row.get("application", "")
        argv = application.split(" ")
        chosen = f" --class {argv[argv.index('--class') + 1]}" if "--class" in argv[:-1] else ""
        self.journal.add(f"serve: realtime {serve.prefix}/single for {name} -> "
                         + ("application " + argv[0] + chosen if application
                            else "empty (Asterisk would play its default class)"))
        if not application:
            raise SimulationError(f"serve's realtime backend gave no player for {name}: "
                                  + ("; ".join(self.journal.problems) or "see serve's log"))
        if "--log" not in application.split(" "):
            self.journal.add("serve: the player's --log did not fit in Asterisk's 255 bytes: "
                             "no player lines in this timeline (use shorter paths)")
        return application

    def choice_read(self) -> str:
        """Wait for serve's read of the caller's remembered class (started when AMI named
        the caller); the class, or "".  For a dialplan slower than the database."""
        return self.call(self._service().remembered_class, self.caller.uniqueid)

    def finish(self) -> None:
        """Stop serve and the emulator; serve's farewell lines are no part of the call."""
        self.journal.recording = False
        if self.loop is not None and self._stopping is not None:
            self.loop.call_soon_threadsafe(self._stopping.set)
        self.join(START_TIMEOUT_S)
        self.journal.detach()

    def _loop(self) -> asyncio.AbstractEventLoop:
        if self.loop is None:
            raise SimulationError("serve is not started: open() first")
        return self.loop

    def _service(self) -> Service:
        if self.service is None:
            raise SimulationError("serve is not started: open() first")
        return self.service

    # -- on the loop -----------------------------------------------------------------------

    def run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:          # reported through open()
            self._failed = error
            self._ready.set()

    async def _main(self) -> None:
        self.loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        stopping = self._stopping
        secret = secrets.token_hex(16)
        self.emulator = emulator = AmiEmulator(AMI_USER, secret, queue=queue_of(self.program),
                                               holdtime_s=DEMO_HOLDTIME_S,
                                               completed=DEMO_COMPLETED)
        for caller in self.ahead:
            emulator.seat(caller)
        port = await emulator.start()
        self.settings = demo_settings(self.base, self.work, port, secret, self.store_url)
        self.service = service = Service(self.settings)
        try:
            await service.start()
            await asyncio.wait_for(emulator.logged_in.wait(), START_TIMEOUT_S)
            self._ready.set()
            await stopping.wait()
        finally:
            await service.close()
            await emulator.close()
            self.journal.extend(emulator.journal)


def queue_of(program: str) -> str:
    """The queue a program's calls wait in, as `progmoh asterisk-config` names it."""
    return "support" if program == DEFAULT_PROGRAM else program


def realtime_single(host: str, port: int, prefix: str, name: str) -> dict:
    """POST ``name=<class>`` to ``<prefix>/single`` with the request res_config_curl sends."""
    body = urllib.parse.urlencode({"name": name}).encode("ascii")
    request = (f"POST {prefix}/single HTTP/1.1\r\nHost: {host}:{port}\r\n"
               f"User-Agent: asterisk-libcurl-agent/1.0\r\nAccept: */*\r\n"
               f"Content-Length: {len(body)}\r\n"
               f"Content-Type: application/x-www-form-urlencoded\r\n\r\n").encode("ascii") + body
    with socket.create_connection((host, port), timeout=CALL_TIMEOUT_S) as conn:
        conn.sendall(request)
        answer = b""
        while not _complete(answer):
            chunk = conn.recv(65536)
            if not chunk:
                break
            answer += chunk
    text = answer.partition(b"\r\n\r\n")[2].decode("ascii", "replace").strip()
    return dict(urllib.parse.unquote(item).partition("=")[::2] for item in text.split("&") if item)


def _complete(answer: bytes) -> bool:
    head, sep, body = answer.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


class _Journal(logging.Handler):
    """serve's log lines and the emulator's events, with monotonic times, for the timeline."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.entries: list[tuple[float, str]] = []
        self.recording = True
        self.problems: list[str] = []          # serve's warnings and errors, for an error message
        self._levels: dict[str, int] = {}

    def add(self, text: str) -> None:
        self.entries.append((time.monotonic(), text))

    def extend(self, entries) -> None:
        self.entries.extend(entries)

    def emit(self, record: logging.LogRecord) -> None:
        if self.recording:
            self.add("serve: " + record.getMessage())
            if record.levelno >= logging.WARNING:
                self.problems.append(record.getMessage())

    def attach(self) -> None:
        for name in SERVE_LOGGERS:
            logger = logging.getLogger(name)
            self._levels[name] = logger.level
            if not logger.isEnabledFor(logging.INFO):
                logger.setLevel(logging.INFO)
            logger.addHandler(self)

    def detach(self) -> None:
        for name, level in self._levels.items():
            logger = logging.getLogger(name)
            logger.removeHandler(self)
            logger.setLevel(level)
