"""The realtime backend's HTTP parser refuses what it cannot read safely: one 400, the
connection closed, the reason in the log and the lookup counted as malformed."""

import asyncio
import logging

import pytest
from test_realtime import serve_settings

from progmoh.player.serve.realtime import MAX_BODY_BYTES, MAX_HEAD_BYTES, RealtimeServer

BAD_REQUEST = (b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n"
               b"Connection: close\r\n\r\n")
LOOKUP = b"POST /moh/single HTTP/1.1\r\nHost: x\r\n"
BODY = b"name=progmoh-1795710278.1"


async def refused(request: bytes) -> tuple[bytes, list[str]]:
    """Everything the server answers to ``request`` (then our end of input), and what it
    counted."""
    counted = []
    server = RealtimeServer(serve_settings(), on_lookup=counted.append)
    await server.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(request)
        writer.write_eof()
        return await asyncio.wait_for(reader.read(), 5), counted
    finally:
        writer.close()
        await server.close()


@pytest.mark.parametrize("request_bytes, reason", [
    (LOOKUP + b"Content-Length 25\r\n\r\n" + BODY, "bad header line 'Content-Length 25'"),
    (LOOKUP + b"Transfer-Encoding: chunked\r\n\r\n19\r\n" + BODY + b"\r\n0\r\n\r\n",
     "chunked request bodies are not supported"),
    (LOOKUP + b"Content-Length: 25x\r\n\r\n" + BODY, "bad Content-Length"),
    (LOOKUP + b"Content-Length: -1\r\n\r\n" + BODY, "body of -1 bytes"),
    (LOOKUP + b"Content-Length: %d\r\n\r\n" % (MAX_BODY_BYTES + 1) + b"x" * (MAX_BODY_BYTES + 1),
     f"body of {MAX_BODY_BYTES + 1} bytes"),
    (LOOKUP + b"Content-Length: 25\r\n\r\n" + BODY[:5], "body cut short"),
    (LOOKUP + b"Content-Len", "request cut short"),
    (LOOKUP + b"X-Padding: " + b"x" * MAX_HEAD_BYTES + b"\r\n\r\n",
     f"request head over {MAX_HEAD_BYTES} bytes"),
], ids=["header-line", "chunked", "length-not-a-number", "length-negative", "body-too-big",
        "body-cut-short", "head-cut-short", "head-too-big"])
def test_a_request_it_cannot_read_gets_one_400_and_the_reason_is_logged(request_bytes, reason,
                                                                        caplog):
    caplog.set_level(logging.WARNING, "progmoh.serve.realtime")
    answer, counted = asyncio.run(refused(request_bytes))
    assert answer == BAD_REQUEST
    assert counted == ["malformed"]
    assert f"realtime: {reason}" in caplog.text


def test_the_largest_body_allowed_is_still_read():
    """The bound is on the size, not on a lookup near it: MAX_BODY_BYTES exactly is read."""
    body = BODY + b"&x=" + b"y" * (MAX_BODY_BYTES - len(BODY) - 3)
    request = LOOKUP.replace(b"HTTP/1.1", b"HTTP/1.0") + b"Content-Length: %d\r\n\r\n" % len(body)
    answer, counted = asyncio.run(refused(request + body))
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and counted == ["answered"]
