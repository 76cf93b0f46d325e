"""A real Asterisk and the real ``progmoh serve`` in one temporary folder, for tests.

Asterisk runs from a generated config (tests/asterisk_conf.py: its config, run,
log, spool and database folders inside the folder, AMI, serve's realtime HTTP
and chan_pjsip on free loopback ports, res_musiconhold debug on so each short
pipe read is logged) and is stopped by PID.  serve runs through the CLI exactly
as an admin starts it.  The callers live in tests/local_caller.py and
tests/sip_callers.py (docs/asterisk.md, "A real Asterisk for the tests").
"""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np

from progmoh.cache.audio_format import CHANNELS, SAMPLE_BYTES, SAMPLE_RATE_HZ
from tests.support.ami_session import AmiSession
from tests.support.asterisk_conf import (
    LAB_SECRET,
    LAB_USER,
    SERVE_SECRET,
    SERVE_USER,
    Ports,
    pbx_files,
)

PROGMOH = Path(sys.executable).with_name("progmoh")
SHORT_READ = "bytes of audio while expecting"

# A caller's billing system: prints the accounts of the number in argv[2] from
# the JSON book argv[1] ({number: balance in USD}), with the next payment a say
# template reads (DUE), and notes each number asked for, one JSON string a line,
# in <book>.lookups.
DUE = {"due": "49.90", "currency": "USD", "due_date": "2026-12-15"}
BILLING = f"""\
import json, sys
with open(sys.argv[1] + ".lookups", "a") as asked:
    asked.write(json.dumps(sys.argv[2]) + "\\n")
book = json.load(open(sys.argv[1]))
balance = book.get(sys.argv[2])
accounts = [{{"account": "1001", "balance": balance, "currency": "USD"}}] if balance else []
print(json.dumps(dict({{"accounts": accounts}}, **({DUE!r} if balance else {{}}))))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def free_udp_port() -> int:
    """A port free for both UDP and TCP on every loopback address (SIP listens on both)."""
    while True:
        port = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            try:
                udp.bind(("0.0.0.0", port))
            except OSError:
                continue
        return port


def wait_until(condition, timeout_s: float, what: str, step_s: float = 0.02):
    """Poll an observable condition (a file's content, a process) until a deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = condition()
        if result:
            return result
        assert time.monotonic() < deadline, f"{what}: not within {timeout_s} s"
        time.sleep(step_s)


def default_class_audio(seconds: float = 6.0) -> np.ndarray:
    """The static default class: seeded noise in 50 ms bursts, easy to locate in a recording."""
    rng = np.random.default_rng(20261129)
    noise = rng.normal(0.0, 2500.0, int(seconds * SAMPLE_RATE_HZ))
    gate = np.repeat(rng.integers(3, 11, int(seconds * 20)) / 10.0, 400)[:len(noise)]
    return np.clip(noise * gate, -32000, 32000).astype("<i2")


def write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(CHANNELS)
        out.setsampwidth(SAMPLE_BYTES)
        out.setframerate(SAMPLE_RATE_HZ)
        out.writeframes(samples.astype("<i2").tobytes())


class Asterisk:
    """One Asterisk process from a generated config folder, stopped by PID.

    ``files(folder, prefix, ports)`` gives its config files by name: the PBX's
    by default, the caller side's for the second Asterisk of a lab.
    """

    def __init__(self, prefix: Path, folder: Path, files=pbx_files):
        self.prefix, self.folder = prefix, folder
        self.binary = prefix / "sbin" / "asterisk"
        self.ports = Ports(ami=free_port(), http=free_port(), sip=free_udp_port())
        self.ami_port, self.http_port = self.ports.ami, self.ports.http
        self.sip_port = self.ports.sip
        self.conf = folder / "etc" / "asterisk.conf"
        self.process = None
        self._write_config(files)

    def _write_config(self, files) -> None:
        for name in ("etc", "run", "log", "db", "spool", "lib", "moh-default", "rec"):
            (self.folder / name).mkdir(parents=True, exist_ok=True)
        self.write_files(files(self.folder, self.prefix, self.ports))
        write_wav(self.folder / "moh-default" / "default.wav", default_class_audio())

    def write_files(self, files: dict[str, str]) -> None:
        for name, text in files.items():
            (self.folder / "etc" / name).write_text(text)

    def start(self) -> None:
        self.output = open(self.folder / "asterisk.out", "wb")
        self.process = subprocess.Popen([str(self.binary), "-C", str(self.conf), "-f", "-n"],
                                        stdin=subprocess.DEVNULL, stdout=self.output,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: (self.folder / "run" / "asterisk.ctl").exists() or self._died(), 20,
                   "Asterisk's control socket")
        assert self.rx("core waitfullybooted", 30).returncode == 0, self.tail()
        self.rx("core set debug 1 res_musiconhold.so")

    def _died(self) -> bool:
        assert self.process.poll() is None, (
            f"Asterisk exited ({self.process.returncode}): {self.tail()}")
        return False

    def rx(self, command: str, timeout_s: float = 10) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.binary), "-C", str(self.conf), "-rx", command],
                              capture_output=True, text=True, timeout=timeout_s)

    def session(self) -> AmiSession:
        return AmiSession(self.ami_port, LAB_USER, LAB_SECRET)

    def messages(self) -> str:
        path = self.folder / "log" / "messages.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def tail(self, lines: int = 20) -> str:
        text = (self.folder / "asterisk.out").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stderr_text(self) -> str:
        return (self.folder / "asterisk.out").read_text(errors="replace")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            self.rx("core stop now", 10)
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
        finally:
            self.output.close()


def serve_config(folder: Path, asterisk: Asterisk, cache_dir: Path) -> dict[str, dict]:
    """serve's config as sections of keys: a test adds or changes one key in one line."""
    book = folder / "billing.json"
    script = folder / "billing.py"
    script.write_text(BILLING)
    return {
        "serve": {"listen": "127.0.0.1", "port": asterisk.http_port, "prefix": "/moh",
                  "executable": str(PROGMOH), "socket": str(folder / "serve.sock"),
                  "asterisk_executables": [str(asterisk.binary)], "log": str(folder / "serve.log"),
                  "metrics_port": 0, "status_socket": str(folder / "status.sock")},
        "cache": {"dir": str(cache_dir)},
        "player": {"log": str(folder / "play.log")},
        "keys": {"position_every_s": 0.0, "announce_position_change": False},
        "ami": {"enabled": True, "port": asterisk.ami_port, "username": SERVE_USER,
                "secret": SERVE_SECRET},
        "billing": {"backend": "command", "command": [sys.executable, str(script), str(book),
                                                      "{number}"]},
        "store": {"url": f"sqlite:///{folder / 'choices.db'}"},
        "programs.sales.keys": {"balance": ""},           # the sales queue has no balance key
    }


def toml_text(sections: dict[str, dict]) -> str:
    lines = []
    for name, keys in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in keys.items()]
    return "\n".join(lines) + "\n"


class Serve:
    """``progmoh serve --config`` as a child process, stopped by PID."""

    def __init__(self, folder: Path, sections: dict[str, dict], balances: dict[str, str]):
        self.folder = folder
        self.config = folder / "progmoh.toml"
        self.config.write_text(toml_text(sections))
        self.config.chmod(0o600)
        (folder / "billing.json").write_text(json.dumps(balances))
        self.log = Path(sections["serve"]["log"])
        self.process = None

    def start(self) -> None:
        done_before = self.log_text().count("AMI connection up")
        self.output = open(self.folder / "serve.out", "ab")
        self.process = subprocess.Popen([str(PROGMOH), "serve", "--config", str(self.config)],
                                        stdin=subprocess.DEVNULL, stdout=self.output,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: self.log_text().count("AMI connection up") > done_before
                   or self._died(), 20, "serve's AMI login")

    def _died(self) -> bool:
        assert self.process.poll() is None, (
            f"serve exited ({self.process.returncode}): "
            f"{(self.folder / 'serve.out').read_text(errors='replace')[-2000:]}")
        return False

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def lookups(self) -> list[str]:
        """Every number serve asked the billing system about, in order."""
        path = self.folder / "billing.json.lookups"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def remembered(self) -> dict[str, str]:
        """The choices store: the music class remembered per number."""
        with sqlite3.connect(self.folder / "choices.db") as db:
            return dict(db.execute("SELECT caller_number, music_class FROM queue_music").fetchall())

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
        self.output.close()
