"""Framing of every recorded AMI stream (listener and trigger sessions), byte-exact."""

import re

import pytest

from progmoh.player.serve.ami.framing import Framer, FramingError
from progmoh.player.serve.ami.message import format_action, parse
from tests.support import ami_recordings as rec

ALL_RECV = sorted(rec.AMI_DIR.glob("*.recv")) + sorted((rec.AMI_DIR / "trigger").glob("*.recv"))


def frame(chunks) -> tuple[str, list[bytes]]:
    framer, blocks = Framer(), []
    for chunk in chunks:
        blocks += framer.feed(chunk)
    return framer.banner, blocks


def recorded_chunks(path):
    data = path.read_bytes()
    timing = path.with_name(path.name.replace(".recv", ".timing.tsv"))
    rows = [line.split("\t") for line in timing.read_text().splitlines()[1:]]
    return [data[int(o):int(o) + int(n)] for _, d, o, n in rows if d == "recv"]


@pytest.mark.parametrize("path", ALL_RECV, ids=lambda p: p.name)
def test_every_split_gives_the_same_messages_and_rebuilds_the_exact_bytes(path):
    data = path.read_bytes()
    banner, blocks = frame(recorded_chunks(path))
    assert b"".join(recorded_chunks(path)) == data
    for seed in range(10):
        assert frame(rec.random_chunks(data, seed, 1 + 97 * seed)) == (banner, blocks)
    rebuilt = banner.encode() + b"\r\n" + b"".join(block + b"\r\n" for block in blocks)
    assert rebuilt == data


@pytest.mark.parametrize("name", rec.SESSIONS)
def test_message_counts_match_the_md(name):
    text = (rec.AMI_DIR / f"{rec.MD_OF.get(name, name)}.md").read_text()
    section = text.split(f"### `{name}.recv`", 1)[1]
    count = int(re.search(r"(\d+) messages after the banner", section).group(1))
    assert len(frame([rec.recv_bytes(name)])[1]) == count


def test_repeated_headers_and_header_orders_survive():
    _, blocks = frame([rec.recv_bytes("asterisk-restart-reconnect")])
    booted = [parse(b) for b in blocks if b.startswith(b"Event: FullyBooted")]
    assert [h for h, _ in booted[0].headers][:3] == ["Event", "Privilege", "Status"]
    _, blocks = frame([rec.recv_bytes("one-caller-dtmf")])
    originate = parse(blocks[26])
    assert originate.event == "OriginateResponse" and originate.response == "Success"


def test_a_peer_that_is_not_asterisk_is_refused():
    with pytest.raises(FramingError, match="not an Asterisk manager"):
        Framer().feed(b"SSH-2.0-OpenSSH_9.2\r\n")


def test_actions_are_written_like_the_recorded_ones():
    login = format_action("Login", "lst-1", (("Username", "lab"), ("Secret", "labsecret")))
    assert login == rec.sent_bytes("login-ok-and-fullybooted").split(b"\r\n\r\n")[0] + b"\r\n\r\n"
    with pytest.raises(ValueError):
        format_action("Getvar", "x", (("Variable", "A\r\nAction: Originate"),))
