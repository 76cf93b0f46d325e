"""`progmoh serve` when 500 lookups arrive at once, twice its connection cap: every one whose
request has arrived is answered with its row, none with an empty reply (which res_config_curl
reads as "no such class"); and a connection that sent its whole request is never the one
evicted to make room."""

import re
import selectors
import socket
import time

from tests.support.limited_serve import START_TIMEOUT_S, Serve
from tests.support.service_support import write_config

AT_ONCE = 500
DEADLINE_S = 20.0


def request(uid: str) -> bytes:
    body = f"name=progmoh-{uid}".encode()
    return (b"POST /moh/single HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\n%s" % (len(body), body))


def whole_row(data: bytes) -> bool:
    head, sep, body = data.partition(b"\r\n\r\n")
    length = re.search(rb"Content-Length: (\d+)", head)
    return bool(sep and length and len(body) >= int(length.group(1))
                and b"application=" in body)


def lookups_at_once(port: int, count: int) -> dict[str, bytes]:
    """Each connection's whole answer (b"" for one closed without a row), by call id."""
    selector, answers = selectors.DefaultSelector(), {}
    for i in range(count):
        sock = socket.socket()
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
        selector.register(sock, selectors.EVENT_WRITE, [f"1795960000.{i + 1}", b""])
    deadline = time.monotonic() + DEADLINE_S
    while len(answers) < count and time.monotonic() < deadline:
        for key, mask in selector.select(0.1):
            sock, (uid, data) = key.fileobj, key.data
            if mask & selectors.EVENT_WRITE:
                sock.sendall(request(uid))
                selector.modify(sock, selectors.EVENT_READ, key.data)
                continue
            try:
                chunk = sock.recv(65536)
            except ConnectionError:
                chunk = b""
            key.data[1] = data = data + chunk
            if whole_row(data) or not chunk:
                answers[uid] = data if whole_row(data) else b""
                selector.unregister(sock)
                sock.close()
    return answers


def test_every_lookup_of_a_burst_twice_the_cap_is_answered_with_its_row(tmp_path):
    serve = Serve(write_config(tmp_path, ami_port=1))
    try:
        assert serve.port_known.wait(START_TIMEOUT_S), b"".join(serve.lines)
        answers = lookups_at_once(serve.port, AT_ONCE)
    finally:
        serve.stop()
    empty = [uid for uid, data in answers.items() if not data]
    assert len(answers) == AT_ONCE and not empty, f"{len(empty)} of {len(answers)} got no row"
    assert all(f"progmoh-{uid}".encode() in data for uid, data in answers.items())
