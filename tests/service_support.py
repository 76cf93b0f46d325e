"""Config and stand-in players for the service and system tests."""

import asyncio
import json
import os
import sys
from pathlib import Path

from progmoh.cli.config import load
from piped_process import PipedProcess
from progmoh.player.serve.service import ServiceSettings

HERE = Path(__file__).resolve().parent
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
                 player_log: str = "", executable: str = "", serve_log: str = "") -> Path:
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
"""
    path = tmp_path / "progmoh.toml"
    path.write_text(text)
    path.chmod(0o600)
    return path


def service_settings(path: Path) -> ServiceSettings:
    config = load(path)
    return ServiceSettings(config.serve, config.keys, config.ami, config.billing, config.store)


class PlayerStandIn(PipedProcess):
    """Plays a player towards serve: a real subprocess (stand_in_player.py) whose argv
    carries ``--uniqueid`` and whose parent is this test."""

    @classmethod
    async def start(cls, socket_path: Path, uniqueid: str) -> "PlayerStandIn":
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(HERE / "stand_in_player.py"), str(socket_path), "--uniqueid",
            uniqueid, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        return cls(process)

    async def message(self) -> dict:
        raw = await self.raw_line()
        return json.loads(raw) if raw != b"EOF\n" else {"type": "EOF"}

    async def send(self, kind: str, **fields) -> None:
        await self.write(json.dumps({"v": 1, "type": kind, **fields}).encode() + b"\n")

    async def send_raw(self, data: bytes) -> None:
        await self.write(data)
