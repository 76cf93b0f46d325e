"""The real `progmoh serve` as its own process, with a billing program that answers some
numbers with hostile output: a secret on stderr, a huge reply, a child that calls setsid."""

import asyncio
import json
import os
import re
import sys
import time
from pathlib import Path

PROGMOH = os.path.join(os.path.dirname(sys.executable), "progmoh")
HERE = Path(__file__).resolve().parent
START_TIMEOUT_S = 15.0
WAIT_S = 10.0

# The billing program: records every number it is asked for, then answers by number.
BILLING = r"""
import json, os, subprocess, sys, time
number = sys.argv[2]
with open(sys.argv[1], "a") as asked:
    asked.write(json.dumps(number) + "\n")
if number.endswith("0007"):
    sys.stderr.write("db error: password=STDERRSECRET_77 token=Bearer abcSECRETdef\n")
    sys.exit(2)
if number.endswith("0008"):
    print("[" * 10000 + "]" * 10000)
    sys.exit(0)
if number.endswith(("0006", "0009")):                # a child that leaves the group
    subprocess.Popen([sys.executable, "-c", "import os, sys, time; os.setsid(); "
                      "open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(60)",
                      sys.argv[1] + ".child"])
    while not os.path.exists(sys.argv[1] + ".child"):
        time.sleep(0.01)
    time.sleep(60 if number.endswith("0006") else 0.2)
print(json.dumps({"accounts": [{"account": "1", "balance": "5", "currency": "USD"}]}))
"""


class Serve:
    """`progmoh serve` as its own process, its stderr (the log) collected line by line."""

    def __init__(self, work: Path, ami_port: int, billing: str = "command") -> None:
        self.work, self.ami_port, self.billing = work, ami_port, billing
        self.lines: list[bytes] = []
        self.process = None
        self.port = self.metrics_port = 0

    async def start(self) -> "Serve":
        billing = self.work / "billing.py"
        billing.write_text(BILLING)
        config = self.work / "progmoh.toml"
        config.write_text(f"""
[serve]
port = 0
metrics_port = 0
socket = "run/serve.sock"
status_socket = "run/status.sock"
asterisk_executables = ["{sys.executable}"]
[ami]
enabled = true
port = {self.ami_port}
username = "lab"
secret = "labsecret"
[billing]
backend = "{self.billing}"
command = {json.dumps([sys.executable, str(billing), str(self.work / "asked"), "{number}"])}
timeout_s = 5.0
[store]
url = "sqlite:///choices.db"
""")
        config.chmod(0o600)
        self.process = await asyncio.create_subprocess_exec(
            PROGMOH, "serve", "--config", str(config), stderr=asyncio.subprocess.PIPE)
        asyncio.get_running_loop().create_task(self._collect())
        await self.until(lambda: self.port and self.metrics_port, START_TIMEOUT_S)
        return self

    async def _collect(self) -> None:
        while line := await self.process.stderr.readline():
            self.lines.append(line)
            found = re.search(rb"realtime backend on http://127\.0\.0\.1:(\d+)/", line)
            self.port = int(found.group(1)) if found else self.port
            found = re.search(rb"metrics on http://127\.0\.0\.1:(\d+)/", line)
            self.metrics_port = int(found.group(1)) if found else self.metrics_port

    async def until(self, condition, timeout_s: float = WAIT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            assert time.monotonic() < deadline, self.log()[-3000:]
            await asyncio.sleep(0.02)

    def log(self) -> str:
        return b"".join(self.lines).decode("utf-8", "replace")

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), START_TIMEOUT_S)


async def metric(port: int, series: str) -> float:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    text = (await asyncio.wait_for(reader.read(), WAIT_S)).decode()
    writer.close()
    found = re.search(re.escape(series) + r" (\S+)", text)
    return float(found.group(1)) if found else 0.0
