"""``GET /metrics`` on a listener of its own (``serve.metrics_listen``, ``serve.metrics_port``).

Apart from the realtime listener, so a scraper never shares a connection
limit or a port with Asterisk's lookups; loopback by default.  The body is
made on the event loop, where the service's state lives, so a scrape reads
the calls consistently; the request parsing is the realtime backend's.
"""

import asyncio
import logging

from progmoh.player.serve.guarded_listener import Throttled, peer_host
from progmoh.player.serve.realtime import (
    BAD_REQUEST_LOG_EVERY_S,
    MAX_HEAD_BYTES,
    BadRequest,
    RealtimeError,
    read_request,
    response_bytes,
)

log = logging.getLogger("progmoh.serve.metrics")

READ_TIMEOUT_S = 30.0
METRICS_PATH = "/metrics"


def _response(status: str, content_type: str, body: bytes) -> bytes:
    """One answer per connection: a scraper opens a new one each time."""
    return response_bytes(status, body, keep_alive=False, content_type=content_type)


class MetricsServer:
    def __init__(self, listen: str, port: int, metrics) -> None:
        self.listen, self.port = listen, port
        self._metrics = metrics
        self._server: asyncio.AbstractServer | None = None
        self._bad_requests = Throttled(BAD_REQUEST_LOG_EVERY_S, logger=log)

    async def start(self) -> None:
        try:
            self._server = await asyncio.start_server(self._serve, self.listen, self.port,
                                                      limit=MAX_HEAD_BYTES)
        except OSError as error:
            raise RealtimeError(f"cannot listen on {self.listen}:{self.port} (serve.metrics_listen,"
                                f" serve.metrics_port): {error.strerror or error}") from None
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("metrics on http://%s:%d%s", self.listen, self.port, METRICS_PATH)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader, writer) -> None:
        try:
            request = await asyncio.wait_for(read_request(reader), READ_TIMEOUT_S)
            if request is not None:
                writer.write(self._answer(request.method, request.path))
                await writer.drain()
        except BadRequest as error:
            source = peer_host(writer)
            self._bad_requests.warn("metrics: %s from %s", error, source,
                                    key=(source, str(error)))
            writer.write(_response("400 Bad Request", "text/plain", b""))
        except (asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    def _answer(self, method: str, path: str) -> bytes:
        if path.split("?", 1)[0] != METRICS_PATH:
            return _response("404 Not Found", "text/plain", b"only /metrics here\n")
        if method not in ("GET", "HEAD"):
            return _response("405 Method Not Allowed", "text/plain", b"")
        body = self._metrics.scrape()
        return _response("200 OK", self._metrics.content_type, b"" if method == "HEAD" else body)
