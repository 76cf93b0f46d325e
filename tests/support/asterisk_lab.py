"""A real Asterisk and the real ``progmoh serve`` in one temporary folder, for tests.

Asterisk runs from a generated config (its config, run, log, spool and
database folders inside the folder, AMI and serve's realtime HTTP on free
loopback ports, res_musiconhold debug on so each short pipe read is logged)
and is stopped by PID.  serve runs
through the CLI exactly as an admin starts it.  Queue callers are Local
channels: the ``;2`` half runs the dialplan into a queue, the ``;1`` half
records what the caller hears (docs/asterisk.md, "A real Asterisk for the tests").
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np

from progmoh.cache.audio_format import CHANNELS, SAMPLE_BYTES, SAMPLE_RATE_HZ
from progmoh.player.serve.ami.client import EVENTS
from tests.support.ami_session import AmiSession

PROGMOH = Path(sys.executable).with_name("progmoh")
LAB_USER, LAB_SECRET = "lab", "lab-secret"
SERVE_USER, SERVE_SECRET = "progmoh", "serve-secret"
NO_SUCH_SOUND = "progmoh-test-no-such-sound"
SHORT_READ = "bytes of audio while expecting"

# A caller's billing system: prints the accounts of the number in argv[2] from
# the JSON book argv[1] ({number: balance in USD}).
BILLING = """\
import json, sys
book = json.load(open(sys.argv[1]))
balance = book.get(sys.argv[2])
accounts = [{"account": "1001", "balance": balance, "currency": "USD"}] if balance else []
print(json.dumps({"accounts": accounts}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, timeout_s: float, what: str, step_s: float = 0.02):
    """Poll an observable condition (a file's content, a process) until a deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = condition()
        if result:
            return result
        assert time.monotonic() < deadline, f"{what}: not within {timeout_s} s"
        time.sleep(step_s)


def asterisk_files(folder: Path, prefix: Path, ami_port: int, http_port: int) -> dict[str, str]:
    """Every config file, by name, for an Asterisk living in ``folder``."""
    dirs = {name: folder / name for name in ("etc", "run", "log", "db", "spool", "lib")}
    directories = "\n".join(f"ast{name}dir => {path}" for name, path in dirs.items()
                            if name not in ("etc", "db", "lib"))
    # astdatadir stays the installed one: Stasis refuses to start without its XML docs.
    return {
        "asterisk.conf": f"""[directories]
astetcdir => {dirs['etc']}
astdbdir => {dirs['db']}
astvarlibdir => {dirs['lib']}
astmoddir => {prefix}/lib/asterisk/modules
astsbindir => {prefix}/sbin
astkeydir => {dirs['lib']}
astagidir => {dirs['lib']}
astdatadir => {prefix}/var/lib/asterisk
{directories}
[options]
documentation_language = en_US
""",
        "modules.conf": """[modules]
autoload = yes
noload => res_timing_pthread.so
load => res_timing_timerfd.so
""",
        "logger.conf": """[general]
dateformat = %F %T.%3q
[logfiles]
messages.log => notice,warning,error,debug
""",
        "manager.conf": f"""[general]
enabled = yes
bindaddr = 127.0.0.1
port = {ami_port}
[{LAB_USER}]
secret = {LAB_SECRET}
deny = 0.0.0.0/0.0.0.0
permit = 127.0.0.1/255.255.255.255
read = all
write = all
[{SERVE_USER}]
secret = {SERVE_SECRET}
deny = 0.0.0.0/0.0.0.0
permit = 127.0.0.1/255.255.255.255
read = {EVENTS}
write =
""",
        "extconfig.conf": f"""[settings]
musiconhold => curl,http://127.0.0.1:{http_port}/moh
""",
        "musiconhold.conf": f"""[general]
cachertclasses = no
[default]
mode = files
directory = {folder / 'moh-default'}
""",
        "queues.conf": f"""[general]
persistentmembers = no
[support]
joinempty = yes
leavewhenempty = no
announce-frequency = 0
announce-position = no
periodic-announce-frequency = 0
[restarts]
joinempty = yes
leavewhenempty = no
announce-frequency = 0
announce-position = no
periodic-announce = {NO_SUCH_SOUND}
periodic-announce-frequency = 4
""",
        "extensions.conf": """[callers]
exten => caller,1,Set(CALLERID(num)=${NUM})
 same => n,Answer()
 same => n,Set(CHANNEL(musicclass)=progmoh-${UNIQUEID})
 same => n,Queue(${QUEUE})
 same => n,Hangup()
""",
    }


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
    """One Asterisk process from a generated config folder, stopped by PID."""

    def __init__(self, prefix: Path, folder: Path):
        self.prefix, self.folder = prefix, folder
        self.binary = prefix / "sbin" / "asterisk"
        self.ami_port, self.http_port = free_port(), free_port()
        self.conf = folder / "etc" / "asterisk.conf"
        self.process = None
        self._write_config()

    def _write_config(self) -> None:
        for name in ("etc", "run", "log", "db", "spool", "lib", "moh-default", "rec"):
            (self.folder / name).mkdir(parents=True, exist_ok=True)
        for name, text in asterisk_files(self.folder, self.prefix, self.ami_port,
                                         self.http_port).items():
            (self.folder / "etc" / name).write_text(text)
        write_wav(self.folder / "moh-default" / "default.wav", default_class_audio())

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


class Caller:
    """One queue caller: a Local channel pair originated over AMI, recorded from ``;1``.

    ``events`` is the session that only listens (stamped arrival times);
    ``actions`` sends Originate, PlayDTMF (which blocks for the tone) and Hangup.
    """

    _serial = iter(range(100000, 999999))

    def __init__(self, events: AmiSession, actions: AmiSession, recording: Path, number: str,
                 queue: str = "support"):
        self.events, self.actions, self.number = events, actions, number
        self.recording, self.queue = recording, queue
        epoch = int(time.time())
        self.record_id = f"{epoch}.{next(self._serial)}"      # the ;1 half, recording
        self.call_id = f"{epoch}.{next(self._serial)}"        # the ;2 half, in the queue
        self.keys: list[tuple[str, float]] = []               # (digit, arrival) on ;2
        self.moh_start_at = self.hangup_at = 0.0
        self.channel = ""

    def originate(self) -> None:
        self.mark = len(self.events.messages)
        reply = self.actions.action(
            "Originate", Channel="Local/caller@callers/n", Application="Record",
            Data=f"{self.recording},0,0,qkx", Async="true", ChannelId=self.record_id,
            OtherChannelId=self.call_id, Variable=[f"NUM={self.number}", f"QUEUE={self.queue}"])
        assert reply.get("Response") == "Success", f"Originate refused: {reply}"

    def wait_music(self, timeout_s: float = 10.0) -> None:
        """Until Asterisk starts this caller's music on hold."""
        start = self.events.wait(lambda m: m.get("Event") == "MusicOnHoldStart"
                                 and m.get("Uniqueid") == self.call_id, timeout_s,
                                 f"MusicOnHoldStart of {self.call_id}", self.mark)
        self.moh_start_at = start["at"]
        new = self.events.wait(lambda m: m.get("Event") == "Newchannel"
                               and m.get("Uniqueid") == self.record_id, 1.0,
                               f"Newchannel of {self.record_id}", self.mark)
        self.channel = new["Channel"]

    def send_key(self, digit: str) -> tuple[str, int]:
        """Start a key's tone without waiting (PlayDTMF blocks for its duration)."""
        mark = len(self.events.messages)
        return self.actions.send("PlayDTMF", Channel=self.channel, Digit=digit, Duration=120), mark

    def key_arrived(self, digit: str, mark: int, timeout_s: float = 5.0) -> float:
        """When the key reached the queued half; its place in the recording, in seconds."""
        begin = self.events.wait(lambda m: m.get("Event") == "DTMFBegin" and m.get("Digit") == digit
                                 and m.get("Uniqueid") == self.call_id
                                 and m.get("Direction") == "Received", timeout_s,
                                 f"DTMFBegin {digit} on {self.call_id}", mark)
        self.keys.append((digit, begin["at"]))
        return self.since_start(begin["at"])

    def press(self, digit: str) -> float:
        action_id, mark = self.send_key(digit)
        at = self.key_arrived(digit, mark)
        self.actions.wait(lambda m: m.get("ActionID") == action_id, 5.0, f"PlayDTMF {digit} done")
        return at

    def since_start(self, at: float) -> float:
        return round(at - self.moh_start_at, 3)

    def hold_until(self, call_s: float) -> None:
        """Pace the scenario: let the caller listen until ``call_s`` into the music."""
        left = self.moh_start_at + call_s - time.monotonic()
        if left > 0:
            time.sleep(left)

    def hang_up(self, timeout_s: float = 10.0) -> None:
        mark = len(self.events.messages)
        self.actions.send("Hangup", Channel=self.channel, Cause=16)
        gone = self.events.wait(lambda m: m.get("Event") == "Hangup"
                                and m.get("Uniqueid") == self.record_id, timeout_s,
                                f"Hangup of {self.record_id}", mark)
        stop = self.events.events("MusicOnHoldStop", Uniqueid=self.call_id)
        self.hangup_at = stop[-1]["at"] if stop else gone["at"]

    def held_s(self) -> float:
        """Seconds from the first MusicOnHoldStart to the end of the call's music."""
        return round(self.hangup_at - self.moh_start_at, 3)
