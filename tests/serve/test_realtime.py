"""The res_config_curl backend, fed the exact request bytes Asterisk sent."""

import asyncio
import logging
from pathlib import Path

import pytest

from progmoh.player.serve.realtime import (
    MAX_BODY_BYTES,
    MAX_HEAD_BYTES,
    RealtimeServer,
    application_line,
)
from tests.support import ami_recordings as rec
from tests.support.realtime_support import decoded_row, serve_settings

EMPTY_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n"


def http(name: str) -> bytes:
    return (rec.AMI_DIR / f"realtime-{name}.http").read_bytes()


async def exchange(requests: list[bytes], settings=None, answers: int | None = None) -> bytes:
    """Send the request bytes in the given chunks on one connection; read the answers."""
    server = RealtimeServer(settings or serve_settings())
    await server.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        for chunk in requests:
            writer.write(chunk)
            await writer.drain()
        if answers is None:
            writer.write_eof()
            return await asyncio.wait_for(reader.read(), 5)
        return await asyncio.wait_for(_read_answers(reader, answers), 5)
    finally:
        writer.close()
        await server.close()


async def _read_answers(reader, count: int) -> bytes:
    data = b""
    for _ in range(count):
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        data += head + await reader.readexactly(length)
    return data


def split_answers(data: bytes) -> list[tuple[bytes, bytes]]:
    answers = []
    while data:
        head, data = data.split(b"\r\n\r\n", 1)
        length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        answers.append((head + b"\r\n\r\n", data[:length]))
        data = data[length:]
    return answers


def test_notfound_and_default_get_exactly_the_recorded_empty_answers():
    answer = asyncio.run(exchange([http("notfound")]))
    assert answer == (rec.AMI_DIR / "realtime-notfound.response.http").read_bytes()


def test_single_gets_a_row_starting_the_player_for_that_call():
    (head, body), = split_answers(asyncio.run(exchange([http("single")])))
    recorded = (rec.AMI_DIR / "realtime-single.response.http").read_bytes()
    recorded_head = recorded.split(b"\r\n\r\n")[0]
    assert head == recorded_head.replace(b"131", str(len(body)).encode()) + b"\r\n\r\n"
    assert b"+" not in body and b" " not in body and b"\n" not in body
    row = decoded_row(body)
    assert list(row) == ["name", "mode", "application"]
    assert row["name"] == "progmoh-1795710278.1" and row["mode"] == "custom"
    assert row["application"].split(" ") == [
        "/opt/progmoh/bin/progmoh", "play", "--uniqueid", "1795710278.1",
        "--cache", "/var/cache/progmoh", "--socket", "/run/progmoh/serve.sock",
        "--lead-ms", "200", "--log", "/var/log/progmoh/play.log"]


def test_keepalive_stream_of_five_lookups_is_answered_five_times_on_one_connection():
    stream = http("keepalive-stream")
    bytewise = [stream[i:i + 1] for i in range(len(stream))]
    for chunks in ([stream], rec.random_chunks(stream, 7, 60), bytewise):
        answers = split_answers(asyncio.run(exchange(chunks, answers=5)))
        assert len(answers) == 5
        assert {decoded_row(body)["name"] for _, body in answers} == {"progmoh-1795710341.34"}
        assert len({body for _, body in answers}) == 1      # the same name, the same answer


def test_a_name_that_is_not_ours_gets_an_empty_body():
    for name in (b"progmohplus-x1", b"progmoh-1.2.3", b"progmoh-abc.1", b"default",
                 b"progmoh-1795710278.1%0A", b"progmoh-1795710278.1&name=progmoh-2.2",
                 "progmoh-\uff11.\uff11".encode(), b"progmoh-%EF%BC%91.%EF%BC%91",
                 "progmoh-\u0661.\u0661".encode(),     # full-width and Arabic-Indic digits
                 b"progmoh-" + b"1" * 21 + b".1", b"progmoh-1." + b"1" * 13,  # over the bound
                 b"progmoh-.1", b"progmoh-1.", b"progmoh-"):
        body = b"name=" + name
        request = (b"POST /moh/single HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n"
                   b"Content-Type: application/x-www-form-urlencoded\r\n\r\n" % len(body)) + body
        assert asyncio.run(exchange([request])) == EMPTY_ANSWER, name


def test_the_longest_call_id_gets_its_row():
    uniqueid = "9" * 20 + "." + "9" * 12
    body = b"name=progmoh-" + uniqueid.encode()
    request = b"POST /moh/single HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    (_, answer), = split_answers(asyncio.run(exchange([request], answers=1)))
    row = decoded_row(answer)
    assert row["name"] == "progmoh-" + uniqueid
    assert row["application"].split(" ")[2:4] == ["--uniqueid", uniqueid]


def test_other_verbs_paths_and_methods_get_an_empty_body():
    body = b"name=progmoh-1795710278.1"
    for line in (b"POST /moh/multi HTTP/1.1", b"POST /moh/static HTTP/1.1",
                 b"POST /moh/require HTTP/1.1", b"POST /other/single HTTP/1.1",
                 b"GET /moh/single HTTP/1.1", b"POST /moh/single/x HTTP/1.1"):
        request = line + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body
        assert asyncio.run(exchange([request])) == EMPTY_ANSWER, line


def test_garbage_gets_400_and_a_closed_connection():
    answer = asyncio.run(exchange([b"HELLO\r\n\r\n"]))
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n") and b"Connection: close" in answer


def test_http10_without_keepalive_is_closed_after_the_answer():
    request = b"POST /moh/single HTTP/1.0\r\nContent-Length: 12\r\n\r\nname=default"
    answer = asyncio.run(exchange([request], answers=None))
    assert answer == EMPTY_ANSWER.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")


def test_optional_parts_are_dropped_before_the_line_gets_too_long(caplog):
    long_dir = Path("/" + "c" * 130)
    line = application_line(serve_settings(cache_dir=long_dir), "1795710278.1")
    assert "--log" not in line and "--lead-ms" in line and len(line) <= 255
    line = application_line(serve_settings(cache_dir=Path("/" + "c" * 150)), "1795710278.1")
    assert "--lead-ms" not in line and len(line) <= 255
    too_long = serve_settings(cache_dir=Path("/" + "c" * 260))
    assert application_line(too_long, "1795710278.1") is None
    caplog.set_level(logging.ERROR)
    assert asyncio.run(exchange([http("single")], settings=too_long)) == EMPTY_ANSWER
    assert "over 255 bytes" in caplog.text


def test_paths_with_spaces_are_never_split_by_asterisk():
    spaced = serve_settings(cache_dir=Path("/var/cache/pro gmoh"))
    assert application_line(spaced, "1795710278.1") is None
    assert asyncio.run(exchange([http("single")], settings=spaced)) == EMPTY_ANSWER
    line = application_line(serve_settings(player_log="/var/log/my logs/play.log"), "1795710278.1")
    assert line.endswith("--lead-ms 200") and "--log" not in line


LOOKUP = (b"POST /moh/single HTTP/1.1\r\nHost: x\r\nContent-Length: 25\r\n\r\n"
          b"name=progmoh-1795710278.1")


async def _started(**options) -> RealtimeServer:
    server = RealtimeServer(serve_settings(), **options)
    await server.start()
    return server


def test_past_the_cap_the_longest_waiting_connection_makes_room():
    async def scenario():
        server = await _started(max_connections=2)
        try:
            first = await asyncio.open_connection("127.0.0.1", server.port)
            first[1].write(b"POST /moh/single HTTP/1.1\r\n")          # a head that never ends
            await first[1].drain()
            second = await asyncio.open_connection("127.0.0.1", server.port)
            await asyncio.wait_for(_until(lambda: server._listener.connections == 2), 5)
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(LOOKUP)
            answer = await asyncio.wait_for(_read_answers(reader, 1), 5)
            evicted = await asyncio.wait_for(first[0].read(), 5)
            for stream_writer in (first[1], second[1], writer):
                stream_writer.close()
            return answer, evicted, server._listener.connections
        finally:
            await server.close()

    answer, evicted, connections = asyncio.run(scenario())
    assert b"application=" in answer and evicted == b"" and connections <= 2


async def _until(condition):
    while not condition():
        await asyncio.sleep(0.01)


def test_a_slow_head_and_an_idle_keepalive_connection_are_closed_in_time():
    async def scenario():
        server = await _started(head_timeout_s=0.2, idle_timeout_s=0.4)
        loop = asyncio.get_running_loop()
        try:
            slow_reader, slow_writer = await asyncio.open_connection("127.0.0.1", server.port)
            slow_writer.write(b"POST /moh/single HTTP/1.1\r\n")
            started = loop.time()
            slow_end = await asyncio.wait_for(slow_reader.read(), 5)
            slow_s = loop.time() - started
            idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", server.port)
            idle_writer.write(LOOKUP)
            await _read_answers(idle_reader, 1)
            started = loop.time()
            idle_end = await asyncio.wait_for(idle_reader.read(), 5)
            idle_s = loop.time() - started
            slow_writer.close()
            idle_writer.close()
            return slow_end, slow_s, idle_end, idle_s
        finally:
            await server.close()

    slow_end, slow_s, idle_end, idle_s = asyncio.run(scenario())
    assert slow_end == b"" and 0.2 <= slow_s < 1.0
    assert idle_end == b"" and 0.4 <= idle_s < 1.2


def test_bad_requests_are_logged_once_a_minute(caplog):
    async def scenario():
        server = await _started()
        try:
            for _ in range(5):
                reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
                writer.write(b"HELLO\r\n\r\n")
                await asyncio.wait_for(reader.read(), 5)
                writer.close()
        finally:
            await server.close()

    asyncio.run(scenario())
    assert len([r for r in caplog.records if "bad request line" in r.getMessage()]) == 1


def test_the_remembered_class_goes_before_the_log_and_only_as_one_argument():
    line = application_line(serve_settings(player_log="/l/p.log"), "1795710278.1", "jazz")
    assert line.endswith(" --lead-ms 200 --class jazz --log /l/p.log")
    for unusable in ("two words", "-x", "a" * 65, "tab\there", ""):
        assert "--class" not in application_line(serve_settings(), "1795710278.1", unusable)
    long_dir = Path("/" + "c" * 120)
    line = application_line(serve_settings(cache_dir=long_dir, player_log="/l/" + "p" * 60),
                            "1795710278.1", "jazz")
    assert "--class jazz" in line and "--log" not in line and len(line) <= 255


def test_a_restarted_call_s_place_goes_with_its_class_before_the_log():
    line = application_line(serve_settings(player_log="/l/p.log"), "1795710278.1", "jazz",
                            "1:8000:0:")
    assert line.endswith(" --class jazz --at 1:8000:0: --log /l/p.log")
    assert "--at" not in application_line(serve_settings(), "1795710278.1", "", "1:8000:0:")
    assert "--at" not in application_line(serve_settings(), "1795710278.1", "jazz", "1:2:3:a b")


# -- the HTTP parser's refusals: one 400, the connection closed, the reason logged -----
BAD_REQUEST = (b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n"
               b"Connection: close\r\n\r\n")
LOOKUP_HEAD = b"POST /moh/single HTTP/1.1\r\nHost: x\r\n"
BODY = b"name=progmoh-1795710278.1"
BODY_REFUSED = f"body over {MAX_BODY_BYTES} bytes or negative"   # a kind, not the value sent


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
    (LOOKUP_HEAD + b"Content-Length 25\r\n\r\n" + BODY, "bad header line"),
    (LOOKUP_HEAD + b"Transfer-Encoding: chunked\r\n\r\n19\r\n" + BODY + b"\r\n0\r\n\r\n",
     "chunked request bodies are not supported"),
    (LOOKUP_HEAD + b"Content-Length: 25x\r\n\r\n" + BODY, "bad Content-Length"),
    (LOOKUP_HEAD + b"Content-Length: -1\r\n\r\n" + BODY, BODY_REFUSED),
    (LOOKUP_HEAD + b"Content-Length: %d\r\n\r\n" % (MAX_BODY_BYTES + 1)
     + b"x" * (MAX_BODY_BYTES + 1), BODY_REFUSED),
    (LOOKUP_HEAD + b"Content-Length: 25\r\n\r\n" + BODY[:5], "body cut short"),
    (LOOKUP_HEAD + b"Content-Len", "request cut short"),
    (LOOKUP_HEAD + b"X-Padding: " + b"x" * MAX_HEAD_BYTES + b"\r\n\r\n",
     f"request head over {MAX_HEAD_BYTES} bytes"),
], ids=["header-line", "chunked", "length-not-a-number", "length-negative", "body-too-big",
        "body-cut-short", "head-cut-short", "head-too-big"])
def test_a_request_it_cannot_read_gets_one_400_and_the_reason_is_logged(request_bytes, reason,
                                                                        caplog):
    caplog.set_level(logging.WARNING, "progmoh.serve.realtime")
    answer, counted = asyncio.run(refused(request_bytes))
    assert answer == BAD_REQUEST
    assert counted == ["malformed"]
    assert f"realtime: {reason} from 127.0.0.1" in caplog.text
    for garbage in ("Content-Length 25", "25x", "-1 bytes", "X-Padding"):   # never echoed
        assert garbage not in caplog.text


def test_the_largest_body_allowed_is_still_read():
    """The bound is on the size, not on a lookup near it: MAX_BODY_BYTES exactly is read."""
    body = BODY + b"&x=" + b"y" * (MAX_BODY_BYTES - len(BODY) - 3)
    request = (LOOKUP_HEAD.replace(b"HTTP/1.1", b"HTTP/1.0")
               + b"Content-Length: %d\r\n\r\n" % len(body))
    answer, counted = asyncio.run(refused(request + body))
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and counted == ["answered"]
