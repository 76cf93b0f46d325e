"""What serve's shell does for callbacks (callbacks.py decides): the store's writes, the
placeholder's Originate, the caller's hangup and the agent's whisper.

The placeholder is ``Local/<id>@progmoh-callback-hold/n``: its ``;2`` half
enters the queue at the caller's place with ringing instead of music (no
player); the Originate waits up to ``callback.wait_max_s`` for an agent, then
its ``;1`` half runs ``progmoh-callback-dial``, which whispers and dials
(the dialplan of ``progmoh asterisk-config``); AMI's own DialEnd of that half
says how it went.  AMI's
Originate splits a variable's value on commas, so the queue's arguments are
made in the dialplan; which of them is the position differs before Asterisk
21 (its macro argument), so serve reads the version once per AMI connection
(CoreSettings) and says which in ``CB_PRE21``.
"""

import logging
import socket
from collections.abc import Callable
from pathlib import Path

from progmoh.cache.store import Store
from progmoh.player.serve.actions import (
    BookCallback,
    CallbackState,
    HangUp,
    PlaceCallback,
    Whisper,
)
from progmoh.player.serve.callback_store import CallbackStore, open_callback_store
from progmoh.player.serve.callbacks import DIAL_CONTEXT, HOLD_CONTEXT
from progmoh.player.serve.settings import ControlPlaneSettings
from progmoh.player.serve.whisper import whisper_base, whisper_pcm, write_whisper

log = logging.getLogger("progmoh.serve.callbacks")

FIRST_WITHOUT_MACRO = 21        # Queue()'s macro argument is gone from Asterisk 21 on


def server_name(settings: ControlPlaneSettings) -> str:
    return settings.serve.server_name or socket.gethostname()


def asterisk_major(version: str) -> int | None:
    """22 of "22.10.1" (or of "GIT-22-..." builds), None when it is not said."""
    for part in version.replace("-", ".").split("."):
        if part.isdigit():
            return int(part)
    return None


class CallbackShell:
    def __init__(self, settings: ControlPlaneSettings, service, spawn: Callable,
                 store: CallbackStore | None = None) -> None:
        self._settings, self._service, self._spawn = settings, service, spawn
        self.store = store or open_callback_store(settings.store.url, settings.store.timeout_s)
        self.server = server_name(settings)
        self._major: int | None = None
        self._spool = Path(settings.serve.spool_dir)

    async def restore(self) -> None:
        rows = await self.store.call("pending", self.server, failed=[])
        self._service.core.callbacks.restore(rows)
        if rows:
            log.info("callbacks: %d pending for this server (%s)", len(rows), self.server)

    async def ami_up(self, ami) -> None:
        """Which Asterisk this is: the placeholder's queue arguments depend on it."""
        try:
            reply = await ami.action("CoreSettings")
            self._major = asterisk_major(reply.response.get("AsteriskVersion") or "")
        except Exception as error:                  # an old or odd Asterisk: assume 21+
            log.warning("AMI CoreSettings failed (%s): assuming Asterisk 21 or later", error)

    def run(self, action: BookCallback | PlaceCallback | CallbackState | HangUp | Whisper) -> None:
        """Carry out one of the core's callback actions."""
        match action:
            case BookCallback():
                self.book(action)
            case PlaceCallback():
                self.place(action)
            case CallbackState():
                self.move(action)
            case HangUp():
                self.hang_up(action)
            case Whisper():
                self.whisper(action)

    def book(self, action: BookCallback) -> None:
        self._spawn(self._book(action))

    async def _book(self, action: BookCallback) -> None:
        ok = await self.store.call("book", action.row, failed=None)
        self._service._run(self._service.core.callback_booked(action.uniqueid, action.row,
                                                              action.position, ok))

    def move(self, action: CallbackState) -> None:
        self._spawn(self.store.call("move", action.row, failed=False))

    def place(self, action: PlaceCallback) -> None:
        self._spawn(self._place(action))

    async def _place(self, action: PlaceCallback) -> None:
        ami = self._service.ami
        why = "AMI is not connected"
        if ami is not None:
            try:
                reply = await ami.action("Originate", *self.originate(action))
                if reply.ok:
                    return
                why = reply.response.get("Message") or "Originate refused"
            except Exception as error:
                why = str(error)
        self._service._run(self._service.core.callback_not_placed(action.row, why))

    def originate(self, action: PlaceCallback) -> list[tuple[str, str]]:
        row, program = action.row, self._program(action.row.program)
        callback = program.callback
        pre21 = "1" if self._major is not None and self._major < FIRST_WITHOUT_MACRO else "0"
        variables = {"CB_ID": row.id, "CB_QUEUE": row.queue, "CB_POS": str(action.position),
                     "CB_PRE21": pre21, "CB_DIAL": callback.dial.replace("{number}", row.number),
                     "CB_RING_S": str(callback.ring_s),
                     "CB_WHISPER": whisper_base(self._spool, row.id)}
        return [("Channel", f"Local/{row.id}@{HOLD_CONTEXT}/n"), ("Context", DIAL_CONTEXT),
                ("Exten", "s"), ("Priority", "1"),
                ("Timeout", str(int(callback.wait_max_s * 1000))),
                ("CallerID", f"\"Callback\" <{row.number}>"), ("Async", "true")] + [
                    ("Variable", f"{name}={value}") for name, value in variables.items()]

    def hang_up(self, action: HangUp) -> None:
        if self._service.ami is not None and action.channel:
            self._spawn(self._service.ami.action("Hangup", ("Channel", action.channel),
                                                 ("Cause", "16")))

    def whisper(self, action: Whisper) -> None:
        """Written at once: the dialplan plays it a moment after the agent answers."""
        try:
            pcm = whisper_pcm(Store(self._settings.serve.cache_dir), action.program,
                              action.language, list(action.keys))
            write_whisper(self._spool, action.callback_id, pcm)
        except Exception as error:
            log.warning("callback %s: no whisper for the agent: %s", action.callback_id, error)

    def _program(self, name: str):
        return self._service.core.programs[name].program

    def close(self) -> None:
        self.store.close()

