"""A small blocking AMI client for the real-Asterisk tests: actions and timed events.

A reader thread parses every message off the socket and stamps it with the
monotonic time it arrived, so a test can say when a caller's music started
or a key arrived without sleeping.  Every wait has a deadline and fails
with what did arrive, so a failure names what Asterisk said instead.
"""

import itertools
import socket
import threading
import time


class AmiSession:
    def __init__(self, port: int, username: str, secret: str, timeout_s: float = 10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout_s)
        self.messages: list[dict] = []
        self.closed = False
        self._ids = itertools.count(1)
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        reply = self.action("Login", Username=username, Secret=secret)
        assert reply.get("Response") == "Success", f"AMI login as {username!r} refused: {reply}"

    def _read(self) -> None:
        buffer = b""
        self.sock.settimeout(None)
        try:
            while chunk := self.sock.recv(65536):
                buffer += chunk
                *blocks, buffer = buffer.split(b"\r\n\r\n")
                self._store([parse(block, time.monotonic()) for block in blocks])
        except OSError:
            pass
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def _store(self, messages: list[dict]) -> None:
        with self._changed:
            self.messages.extend(m for m in messages if m)
            self._changed.notify_all()

    def send(self, name: str, **fields) -> str:
        """Send an action without waiting; returns its ActionID."""
        action_id = f"t{next(self._ids)}"
        lines = [f"Action: {name}", f"ActionID: {action_id}"]
        for key, value in fields.items():
            values = value if isinstance(value, list) else [value]
            lines += [f"{key}: {item}" for item in values]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return action_id

    def action(self, name: str, timeout_s: float = 10.0, **fields) -> dict:
        action_id = self.send(name, **fields)
        return self.wait(lambda m: m.get("ActionID") == action_id and "Response" in m, timeout_s,
                         f"the answer to {name}")

    def wait(self, match, timeout_s: float, what: str, start: int = 0) -> dict:
        """The first message from index ``start`` on that ``match`` accepts."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                found = next((m for m in self.messages[start:] if match(m)), None)
                left = deadline - time.monotonic()
                if found is not None:
                    return found
                assert left > 0 and not self.closed, (
                    f"no AMI message {what} within {timeout_s} s; the last ones: "
                    f"{[summary(m) for m in self.messages[-12:]]}")
                self._changed.wait(left)

    def events(self, name: str, **fields) -> list[dict]:
        with self._changed:
            return [m for m in self.messages if m.get("Event") == name
                    and all(m.get(k) == v for k, v in fields.items())]

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._reader.join(5)


def parse(block: bytes, at: float) -> dict:
    message = {"at": at}
    for line in block.decode(errors="replace").split("\r\n"):
        key, sep, value = line.partition(": ")
        if sep:
            message.setdefault(key, value)
    return message if len(message) > 1 else {}


def summary(message: dict) -> str:
    head = message.get("Event") or message.get("Response", "?")
    return f"{head} {message.get('Channel', '')} {message.get('Message', '')}".strip()
