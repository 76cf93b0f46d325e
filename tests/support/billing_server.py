"""A real local HTTP server for the billing tests: canned answers per path, every request
recorded."""

import asyncio
import http.server
import json
import ssl
import threading
import time
from dataclasses import dataclass, field

from progmoh.player.serve.billing import BalanceBook

HOLD_LIMIT_S = 30.0


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    hold: bool = False             # wait for BillingServer.release before answering
    length: bool = True            # send Content-Length
    trickle_s: float = 0.0         # pause between body bytes: a server that never quite stops
    drip_head_s: float = 0.0       # pause between bytes of a long status line and headers


def json_answer(value, **options) -> Answer:
    return Answer(body=json.dumps(value).encode(), headers={"Content-Type": "application/json"},
                  **options)


class BillingServer:
    """Serves ``answers[path]`` (path without query); unknown paths get 404."""

    def __init__(self, host: str = "127.0.0.1", tls_context: ssl.SSLContext | None = None):
        self.answers: dict[str, Answer] = {}
        self.requests: list[tuple[str, dict]] = []
        self.arrived = threading.Event()
        self.dropped: list[float] = []     # monotonic times a client hung up on a drip
        self.release = threading.Event()
        self._httpd = http.server.ThreadingHTTPServer((host, 0), self._handler_class())
        self._httpd.daemon_threads = True
        if tls_context is not None:
            self._httpd.socket = tls_context.wrap_socket(self._httpd.socket, server_side=True)
        scheme = "https" if tls_context else "http"
        self.origin = f"{scheme}://{host}:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_):
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    def _handler_class(self):
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append((self.path, dict(self.headers)))
                server.arrived.set()
                answer = server.answers.get(self.path.split("?")[0], Answer(status=404))
                if answer.hold:
                    server.release.wait(HOLD_LIMIT_S)
                self._send(answer)

            def _send(self, answer: Answer):
                if answer.drip_head_s:
                    self._drip(answer)
                    return
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if answer.length:
                    self.send_header("Content-Length", str(len(answer.body)))
                else:
                    self.close_connection = True
                self.end_headers()
                try:
                    self._write(answer)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    pass

            def _write(self, answer: Answer):
                if not answer.trickle_s:
                    self.wfile.write(answer.body)
                    return
                for index in range(len(answer.body)):
                    self.wfile.write(answer.body[index:index + 1])
                    self.wfile.flush()
                    if server.release.wait(answer.trickle_s):
                        return

            def _drip(self, answer: Answer):
                head = (f"HTTP/1.1 {answer.status} OK\r\nX-Padding: {'x' * 300}\r\n"
                        f"Content-Length: {len(answer.body)}\r\n\r\n").encode()
                self.close_connection = True
                try:
                    for index in range(len(head)):
                        self.wfile.write(head[index:index + 1])
                        if server.release.wait(answer.drip_head_s):
                            return
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    server.dropped.append(time.monotonic())

            def log_message(self, *args):
                pass

        return Handler


def balance(settings, number: str):
    """One BalanceBook.get on a fresh loop, as serve would do for a key 2."""
    async def main():
        book = BalanceBook(settings)
        try:
            return await book.get(number)
        finally:
            await book.close()
    return asyncio.run(main())
