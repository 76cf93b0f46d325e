"""Config and stand-in players for the service and system tests."""

import asyncio
import json
import os
import sys
from pathlib import Path

from progmoh.cli.config import load
from progmoh.player.serve.ami.message import parse
from progmoh.player.serve.settings import ControlPlaneSettings
from tests.support.piped_process import TIMEOUT_S, PipedProcess

HERE = Path(__file__).resolve().parent      # stand_in_player.py beside this module
MY_NAME = Path(f"/proc/{os.getpid()}/comm").read_text().strip()

# The billing "system": a command printing accounts by caller number.
BILLING = r"""
import json, sys
books = {"81234567890": [{"account": "123456", "balance": "1520.50", "currency": "RUB"}],
         "+15551230001": [{"account": "123456", "balance": "1520.50", "currency": "RUB"}],
         "+15551230002": [{"account": "777", "balance": "-3.25", "currency": "USD"},
                          {"account": "778", "balance": "40", "currency": "USD", "locked": True}]}
print(json.dumps({"accounts": books.get(sys.argv[1], [])}))
"""


def write_config(tmp_path: Path, ami_port: int = 5038, cache_dir: str = "cache",
                 player_log: str = "", executable: str = "", serve_log: str = "",
                 extra: str = "") -> Path:
    """The service tests' config; ``extra`` is TOML added at its end (programs, say)."""
    billing = [sys.executable, "-c", BILLING, "{number}"]
    text = f"""
[serve]
port = 0
metrics_port = 0
executable = "{executable}"
log = "{serve_log}"
socket = "run/serve.sock"
asterisk_executables = ["{sys.executable}"]
call_grace_s = 30.0
[cache]
dir = "{cache_dir}"
[player]
log = "{player_log}"
[ami]
enabled = true
port = {ami_port}
username = "lab"
secret = "labsecret"
[billing]
backend = "command"
command = {json.dumps(billing)}
rewrite = [{{ match = '\\+7(\\d{{10}})', replace = '8\\1' }}]
[store]
url = "sqlite:///choices.db"
""" + extra
    path = tmp_path / "progmoh.toml"
    path.write_text(text)
    path.chmod(0o600)
    return path


def service_settings(path: Path) -> ControlPlaneSettings:
    return load(path).control_plane


async def until(condition, timeout_s: float = TIMEOUT_S) -> None:
    """Until serve's loop has made ``condition`` true: a spin over the event loop, with a
    deadline (for what serve gives no event to await)."""
    async def spin():
        while not condition():
            await asyncio.sleep(0)
    await asyncio.wait_for(spin(), timeout_s)


class IdleAmi:
    """An AMI client that never connects: the test feeds the service its events."""

    def __init__(self, settings, listener):
        self.listener = listener

    async def run(self):
        await asyncio.Event().wait()


class PlayerStandIn(PipedProcess):
    """Plays a player towards serve: a real subprocess (stand_in_player.py) whose argv
    carries ``--uniqueid`` and whose parent is this test (``options``: stand_in_player.py's)."""

    @classmethod
    async def start(cls, socket_path: Path, uniqueid: str, *options: str) -> "PlayerStandIn":
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(HERE / "stand_in_player.py"), str(socket_path), "--uniqueid",
            uniqueid, *options, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        return cls(process)

    async def gone(self) -> None:
        """Kill the process, until it is reaped (with ``--outlive`` its child keeps the
        connection, and its stdout, so ``wait()``, which waits for the pipes, would not end)."""
        self.process.kill()
        await until(lambda: self.process.returncode is not None)

    async def message(self) -> dict:
        raw = await self.raw_line()
        return json.loads(raw) if raw != b"EOF\n" else {"type": "EOF"}

    async def send(self, kind: str, **fields) -> None:
        await self.write(json.dumps({"v": 1, "type": kind, **fields}).encode() + b"\n")

    async def send_raw(self, data: bytes) -> None:
        await self.write(data)


async def through_emulator(service, emulator, action, *args):
    """Do ``action`` on an emulator made with user "u", secret "s"; feed the service what it
    sent (events as events, a QueueStatus answer as a resync), parsed."""
    reader, writer = await asyncio.open_connection("127.0.0.1", emulator.port)
    await reader.readline()
    writer.write(b"Action: Login\r\nUsername: u\r\nSecret: s\r\nActionID: 1\r\n\r\n")
    await reader.readuntil(b"Status: Fully Booted\r\n\r\n")
    action(*args)
    writer.write(b"Action: QueueStatus\r\nActionID: 2\r\n\r\n")
    data = await reader.readuntil(b"EventList: Complete\r\nListItems: ")
    writer.close()
    blocks = [b for b in data.split(b"\r\n\r\n") if b.strip()]
    events, listing = [], []
    for block in blocks:                             # Login's answer and FullyBooted were read
        message = parse(block + b"\r\n")
        (listing if message.action_id == "2" else events).append(message)
    for message in events:
        service.ami_event(message)
    service.ami_resync(listing)
