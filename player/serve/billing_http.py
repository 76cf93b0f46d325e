"""The HTTP(S) billing backend: one GET per caller number, JSON back.

urllib runs in a worker thread of the backend's own pool, so the event loop
never waits on the network and a slow billing server cannot starve anything
else.  One deadline covers connect, headers and body: socket timeouts alone
do not, since a server dripping a byte now and then resets them.  When the
deadline passes every socket the fetch opened is shut down, so its worker
returns at once; a lookup still queued for a worker is cancelled.  Redirects
are followed only to the same scheme, host and port, and proxy variables in
the environment are ignored: credentials must never travel to a host the
administrator did not name.
"""

import asyncio
import base64
import concurrent.futures
import http.client
import os
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from progmoh.player.serve.billing_errors import BillingUnavailable
from progmoh.player.serve.settings import LookupSettings

MAX_REDIRECTS = 3
READ_BYTES = 16384
WORKERS = 8


class Deadline:
    """One fetch's deadline; ``expire`` shuts down every socket the fetch opened."""

    def __init__(self, seconds: float, clock=time.monotonic) -> None:
        self.seconds, self._clock = seconds, clock
        self._at = clock() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._expired = False

    def remaining_s(self) -> float:
        left = self._at - self._clock()
        if left <= 0 or self._expired:
            raise BillingUnavailable(f"no complete answer within {self.seconds} s")
        return left

    def track(self, sock: socket.socket) -> None:
        """Keep a duplicate of the socket: shutting that down also ends a TLS wrapper's reads."""
        with self._lock:
            self._sockets.append(socket.socket(fileno=os.dup(sock.fileno())))
            if self._expired:
                self._shut_all()

    def expire(self) -> None:
        with self._lock:
            self._expired = True
            self._shut_all()

    def _shut_all(self) -> None:
        for sock in self._sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self._sockets.clear()


def _tracked(deadline: Deadline, connection_class):
    """A connection class whose sockets connect within, and are ended by, ``deadline``."""
    class Tracked(connection_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = self._connect_tracked

        def connect(self):
            self.timeout = deadline.remaining_s()
            super().connect()

        def _connect_tracked(self, address, timeout, source_address=None):
            sock = socket.create_connection(address, timeout, source_address)
            deadline.track(sock)
            return sock
    return Tracked


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if _origin(newurl) != _origin(req.full_url):
            raise BillingUnavailable(f"HTTP {code} redirect to another host refused")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), parts.hostname, parts.port


def describe(settings: LookupSettings) -> str:
    """Where requests go, for log lines: scheme, host and port only, never credentials."""
    try:
        parts = urllib.parse.urlsplit(settings.url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(unusable billing.url)"
    return f"{parts.scheme}://{parts.hostname}{port}"


def build_url(template: str, number: str) -> str:
    return template.replace("{number}", urllib.parse.quote(number, safe=""))


def auth_header(settings: LookupSettings) -> str | None:
    if settings.auth == "basic":
        pair = f"{settings.username}:{settings.password}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")
    if settings.auth == "bearer":
        return "Bearer " + settings.token
    return None


class HttpBilling:
    def __init__(self, settings: LookupSettings):
        self._settings = settings
        context = ssl.create_default_context()
        if not settings.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        self._context = context
        self._pool = concurrent.futures.ThreadPoolExecutor(WORKERS, "progmoh-billing")

    def __str__(self) -> str:
        return describe(self._settings)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def fetch(self, number: str) -> bytes:
        """The raw answer body; BillingUnavailable at the latest when ``timeout_s`` is up."""
        deadline = Deadline(self._settings.timeout_s)
        work = asyncio.get_running_loop().run_in_executor(
            self._pool, self._fetch_blocking, number, deadline)
        try:
            return await asyncio.wait_for(work, self._settings.timeout_s)
        except asyncio.TimeoutError:
            raise BillingUnavailable(
                f"no complete answer within {self._settings.timeout_s} s") from None
        finally:
            deadline.expire()

    def _opener(self, deadline: Deadline) -> urllib.request.OpenerDirector:
        return urllib.request.build_opener(
            urllib.request.ProxyHandler({}), _SameOriginRedirects(),
            _DeadlineHTTPHandler(deadline), _DeadlineHTTPSHandler(deadline, context=self._context))

    def _fetch_blocking(self, number: str, deadline: Deadline) -> bytes:
        try:
            request = self._request(number)
            with self._opener(deadline).open(request, timeout=deadline.remaining_s()) as response:
                return self._read_capped(response, deadline)
        except urllib.error.HTTPError as error:
            error.close()
            raise BillingUnavailable(f"HTTP {error.code}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            raise BillingUnavailable(_reason(error)) from None
        except ValueError:
            raise BillingUnavailable("billing.url does not make a usable URL") from None

    def _request(self, number: str) -> urllib.request.Request:
        request = urllib.request.Request(build_url(self._settings.url, number),
                                         headers={"Accept": "application/json"})
        header = auth_header(self._settings)
        if header:
            request.add_header("Authorization", header)
        return request

    def _read_capped(self, response, deadline: Deadline) -> bytes:
        cap = self._settings.max_body_bytes
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > cap:
            raise BillingUnavailable(f"answer of {length} bytes is over {cap}")
        body = b""
        while chunk := response.read1(READ_BYTES):
            body += chunk
            if len(body) > cap:
                raise BillingUnavailable(f"answer is over {cap} bytes")
            deadline.remaining_s()
        return body


class _DeadlineHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self._connection = _tracked(deadline, http.client.HTTPConnection)

    def http_open(self, req):
        return self.do_open(self._connection, req)


class _DeadlineHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: Deadline, context: ssl.SSLContext) -> None:
        super().__init__(context=context)
        self._connection = _tracked(deadline, http.client.HTTPSConnection)

    def https_open(self, req):
        return self.do_open(self._connection, req, context=self._context,
                            check_hostname=self._check_hostname)


def _reason(error: Exception) -> str:
    reason = getattr(error, "reason", None) or error
    return f"{type(reason).__name__}: {reason}"
