"""`progmoh serve` under a flood of half-open HTTP connections, with the 1,024 descriptors
systemd gives a service by default: Asterisk's lookups and the players' socket keep working."""

import os
import resource
import socket
import sys
import time

from progmoh.player import protocol
from tests.support.limited_serve import START_TIMEOUT_S, Serve
from tests.support.service_support import write_config

PROGMOH = os.path.join(os.path.dirname(sys.executable), "progmoh")
FLOOD = 1100
LOOKUP = (b"POST /moh/single HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n"
          b"Content-Length: 25\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n"
          b"name=progmoh-1795710278.1")
HALF_HEAD = b"POST /moh/single HTTP/1.1\r\nHost: 127.0.0.1\r\n"


def lookup_s(port) -> float:
    """Seconds for one Asterisk-style lookup on a fresh connection, answer read whole."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(LOOKUP)
        answer = b""
        while b"application=" not in answer:
            chunk = sock.recv(4096)
            assert chunk, f"connection closed after {answer!r}"
            answer += chunk
    return time.monotonic() - started


def half_open(port, count) -> list[socket.socket]:
    """Connections that send the start of a request head and then nothing."""
    flood = []
    for _ in range(count):
        sock = socket.socket()
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
        flood.append(sock)
    for sock in flood:
        try:
            sock.send(HALF_HEAD)
        except OSError:
            pass
    return flood


def players_socket_answers(path) -> dict:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(5)
        sock.connect(str(path))
        sock.sendall(protocol.wire.encode(protocol.HELLO, uniqueid="1795710278.1"))
        return protocol.decode(sock.makefile("rb").readline())


def test_half_open_flood_leaves_lookups_fast_and_the_players_socket_working(tmp_path):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert hard >= FLOOD + 200, f"this test needs {FLOOD + 200} descriptors; hard limit is {hard}"
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, FLOOD + 200), hard))
    serve = Serve(write_config(tmp_path, ami_port=1))
    flood = []
    try:
        assert serve.port_known.wait(START_TIMEOUT_S), b"".join(serve.lines)
        lookup_s(serve.port)
        flood = half_open(serve.port, FLOOD)
        first_s = lookup_s(serve.port)          # in the accept queue behind the whole flood
        slowest_s = max(lookup_s(serve.port) for _ in range(20))
        answer = players_socket_answers(tmp_path / "run" / "serve.sock")
        flood += half_open(serve.port, FLOOD // 2)
        first_again_s = lookup_s(serve.port)
        slowest_again_s = max(lookup_s(serve.port) for _ in range(20))
    finally:
        for sock in flood:
            sock.close()
        serve.stop()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    log = b"".join(serve.lines)
    assert first_s < 1.0 and first_again_s < 1.0, (first_s, first_again_s)
    assert slowest_s < 0.1 and slowest_again_s < 0.1, (slowest_s, slowest_again_s)
    assert answer["type"] == "denied"               # accepted and checked: this test is no player
    assert log.count(b"Too many open files") <= 2 and len(log) < 20_000, log[-2000:]
