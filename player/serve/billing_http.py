"""The HTTP(S) billing backend: one GET per caller number, JSON back.

urllib runs in a worker thread so the event loop never waits on the network.
Redirects are followed only to the same scheme, host and port, and proxy
variables in the environment are ignored: credentials must never travel to
a host the administrator did not name.
"""

import asyncio
import base64
import http.client
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request

from progmoh.player.serve.billing_errors import BillingUnavailable
from progmoh.player.serve.settings import BillingSettings

MAX_REDIRECTS = 3
READ_BYTES = 16384


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if _origin(newurl) != _origin(req.full_url):
            raise BillingUnavailable(f"HTTP {code} redirect to another host refused")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), parts.hostname, parts.port


def describe(settings: BillingSettings) -> str:
    """Where requests go, for log lines: scheme, host and port only, never credentials."""
    try:
        parts = urllib.parse.urlsplit(settings.url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(unusable billing.url)"
    return f"{parts.scheme}://{parts.hostname}{port}"


def build_url(template: str, number: str) -> str:
    return template.replace("{number}", urllib.parse.quote(number, safe=""))


def auth_header(settings: BillingSettings) -> str | None:
    if settings.auth == "basic":
        pair = f"{settings.username}:{settings.password}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")
    if settings.auth == "bearer":
        return "Bearer " + settings.token
    return None


class HttpBilling:
    def __init__(self, settings: BillingSettings):
        self._settings = settings
        context = ssl.create_default_context()
        if not settings.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), _SameOriginRedirects(),
            urllib.request.HTTPSHandler(context=context))

    def __str__(self) -> str:
        return describe(self._settings)

    async def fetch(self, number: str) -> bytes:
        """The raw answer body; raises BillingUnavailable."""
        return await asyncio.to_thread(self._fetch_blocking, number)

    def _fetch_blocking(self, number: str) -> bytes:
        try:
            request = self._request(number)
            with self._opener.open(request, timeout=self._settings.timeout_s) as response:
                return self._read_capped(response)
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

    def _read_capped(self, response) -> bytes:
        cap = self._settings.max_body_bytes
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > cap:
            raise BillingUnavailable(f"answer of {length} bytes is over {cap}")
        deadline = time.monotonic() + self._settings.timeout_s
        body = b""
        while chunk := response.read1(READ_BYTES):
            body += chunk
            if len(body) > cap:
                raise BillingUnavailable(f"answer is over {cap} bytes")
            if time.monotonic() > deadline:
                raise BillingUnavailable(f"answer still arriving after {self._settings.timeout_s} s")
        return body


def _reason(error: Exception) -> str:
    reason = getattr(error, "reason", None) or error
    return f"{type(reason).__name__}: {reason}"
