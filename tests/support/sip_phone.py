"""A real SIP phone for the Asterisk tests: Debian's baresip, driven through its control socket.

One baresip process per caller: its sndfile module names a call's dumps by the
second only, so two calls of one process could share a file.  The phone says
what its microphone file holds (silence, or DTMF tones at set times: inband
keys) and records what it decodes from Asterisk into ``dump-*-dec.wav``,
exactly the audio a caller hears, from the first RTP packet on.  Packets that
never came are missing from that file, not zeros, as in a Local channel's
recording.  Its jitter buffer is off, so the file ends when the call does.
Commands go to ctrl_tcp as netstrings of JSON; keys sent with ``sndcode`` are
RFC 4733 events (baresip 1.0.0 sends no other kind).  docs/asterisk.md, "A real
Asterisk for the tests", says how it was set up and what was measured.
"""

import json
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import numpy as np

from tests.support.asterisk_lab import free_port, free_udp_port, wait_until, write_wav

BARESIP = shutil.which("baresip") or "/usr/bin/baresip"
MODULES = Path("/usr/lib/baresip/modules")
RATE = 8000
TONES_HZ = {"1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "4": (770, 1209),
            "5": (770, 1336), "6": (770, 1477), "7": (852, 1209), "8": (852, 1336),
            "9": (852, 1477), "*": (941, 1209), "0": (941, 1336), "#": (941, 1477)}
TONE_S = 0.15            # a key held 150 ms, each of its two tones at -9 dBm0
TONE_LEVEL = 5000


def dtmf_tone(digit: str, seconds: float = TONE_S) -> np.ndarray:
    low, high = TONES_HZ[digit]
    t = np.arange(int(seconds * RATE)) / RATE
    return TONE_LEVEL * (np.sin(2 * np.pi * low * t) + np.sin(2 * np.pi * high * t))


def microphone(length_s: float, keys: tuple[tuple[str, float], ...] = ()) -> np.ndarray:
    """What the phone says: silence, and each (digit, second) as its DTMF tone pair."""
    audio = np.zeros(int(length_s * RATE))
    for digit, at_s in keys:
        tone = dtmf_tone(digit)
        start = int(at_s * RATE)
        audio[start:start + len(tone)] = tone
    return audio


def free_sip_port() -> int:
    """A port free for SIP over UDP and TCP, with the next one free for SIP over TLS:
    baresip binds all three, TLS on the port after ``sip_listen``'s."""
    while True:
        port = free_udp_port()
        with socket.socket() as tls:
            try:
                tls.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port


def netstring(data: bytes) -> bytes:
    return str(len(data)).encode() + b":" + data + b","


def split_netstrings(buffer: bytes) -> tuple[list[bytes], bytes]:
    """The complete netstrings at the start of ``buffer``, and what is left of it."""
    found = []
    while b":" in buffer:
        length, rest = buffer.split(b":", 1)
        size = int(length)
        if len(rest) < size + 1:
            break
        found.append(rest[:size])
        buffer = rest[size + 1:]
    return found, buffer


class Baresip:
    """One phone: its folder holds config, accounts, the microphone file and the dumps."""

    def __init__(self, folder: Path, aor: str, mic: np.ndarray, bind: str = "127.0.0.1"):
        self.folder, self.aor = folder, aor
        self.sip_port = free_sip_port()
        self.ctrl_port = next(port for port in iter(free_port, None)
                              if port not in (self.sip_port, self.sip_port + 1))
        self.messages: list[dict] = []
        self._changed = threading.Condition()
        self._tokens = iter(range(1, 1 << 30))
        folder.mkdir(parents=True, exist_ok=True)
        write_wav(folder / "mic.wav", mic)
        (folder / "config").write_text(self._config(bind))
        (folder / "accounts").write_bytes(f"{aor};regint=0;audio_codecs=PCMU\n".encode())
        self.process = self.sock = None

    def _config(self, bind: str) -> str:
        modules = "".join(f"module {name}\n"
                          for name in ("g711.so", "aufile.so", "aubridge.so", "sndfile.so"))
        apps = "".join(f"module_app {name}\n"
                       for name in ("account.so", "menu.so", "ctrl_tcp.so"))
        return (f"poll_method epoll\nsip_listen {bind}:{self.sip_port}\n"
                f"audio_source aufile,{self.folder / 'mic.wav'}\naudio_player aubridge,nowhere\n"
                f"jitter_buffer_delay 0-0\nnet_interface {bind}\nmodule_path {MODULES}\n"
                f"{modules}{apps}"
                f"ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}\nsnd_path {self.folder}\n")

    def start(self) -> "Baresip":
        self.output = open(self.folder / "baresip.out", "wb")
        self.process = subprocess.Popen([BARESIP, "-f", str(self.folder)], stdin=subprocess.DEVNULL,
                                        stdout=self.output, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self.sock = wait_until(self._connect, 10, f"baresip's control socket\n{self.tail()}")
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def _connect(self):
        assert self.process.poll() is None, f"baresip exited: {self.tail()}"
        try:
            return socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=1)
        except OSError:
            return None

    def _read(self) -> None:
        buffer = b""
        self.sock.settimeout(None)
        try:
            while chunk := self.sock.recv(65536):
                found, buffer = split_netstrings(buffer + chunk)
                with self._changed:
                    self.messages += [dict(json.loads(item), at=time.monotonic()) for item in found]
                    self._changed.notify_all()
        except OSError:
            pass

    def command(self, name: str, params: str = "", timeout_s: float = 5.0) -> dict:
        token = f"t{next(self._tokens)}"
        body = json.dumps({"command": name, "params": params, "token": token}).encode()
        self.sock.sendall(netstring(body))
        answer = self.wait(lambda m: m.get("response") and m.get("token") == token, timeout_s,
                           f"baresip's answer to {name} {params}")
        assert answer.get("ok"), f"baresip refused {name} {params}: {answer}\n{self.tail()}"
        return answer

    def wait(self, match, timeout_s: float, what: str, start: int = 0) -> dict:
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                found = next((m for m in self.messages[start:] if match(m)), None)
                if found is not None:
                    return found
                left = deadline - time.monotonic()
                assert left > 0, (f"{what}: not within {timeout_s} s; baresip said "
                                  f"{[m.get('type') or m.get('token') for m in self.messages]}")
                self._changed.wait(left)

    def event(self, kind: str, timeout_s: float = 10.0, start: int = 0) -> dict:
        return self.wait(lambda m: m.get("event") and m.get("type") == kind, timeout_s,
                         f"baresip event {kind}", start)

    def dial(self, uri: str) -> None:
        self.command("dial", uri)

    def key(self, digit: str) -> None:
        """Press a key: baresip sends it as RFC 4733 events."""
        self.command("sndcode", digit)

    def hang_up(self) -> float:
        """Ends the call; returns when baresip closed it (its recording ends there)."""
        mark = len(self.messages)
        self.command("hangup")
        return self.event("CALL_CLOSED", 10.0, mark)["at"]

    def decoded(self) -> Path:
        found = sorted(self.folder.glob("dump-*-dec.wav"))
        assert len(found) == 1, f"baresip in {self.folder} made {found}, not one decoded dump"
        return found[0]

    def tail(self, lines: int = 15) -> str:
        path = self.folder / "baresip.out"
        text = path.read_text(errors="replace") if path.exists() else ""
        kept = [line for line in text.splitlines() if line.strip() and "audio=" not in line]
        return "\n".join(kept[-lines:])

    def stop(self) -> None:
        if self.sock is not None:
            self.sock.close()
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.output.close()
