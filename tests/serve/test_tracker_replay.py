"""Replay every recorded AMI session through framer, parser and tracker.

The recorded bytes are fed as Asterisk delivered them (timing.tsv) and
re-split at many random points; the derived per-caller history must equal
what each recording's .md says a correct client derives.
"""

import pytest

from progmoh.player.serve.ami.framing import Framer
from progmoh.player.serve.ami.message import parse
from progmoh.player.serve.tracker import Tracker
from tests.support import ami_recordings as rec

SEEDS = range(25)


def derive(chunks: list[bytes], subscribed: bool = True) -> dict[str, rec.Expected]:
    """Run the tracker over the chunks; return the history per queued caller."""
    framer, tracker, history = Framer(), Tracker(), {}
    number = 0
    list_entries: list = []
    for chunk in chunks:
        for block in framer.feed(chunk):
            number += 1
            message = parse(block)
            changes = tracker.handle(message)
            if message.event == "QueueEntry":
                list_entries.append(message)
            if message.event == "QueueStatusComplete" and subscribed:
                changes += tracker.resync(list_entries)
                list_entries = []
            rec.record_changes(history, tracker, changes, number)
    assert framer.banner == "Asterisk Call Manager/13.0.0"
    return rec.queued(history)


def expected(name: str) -> dict[str, rec.Expected]:
    return {caller.uniqueid: caller for caller in rec.expected_callers(name)}


def subscribed(name: str) -> bool:
    return b"Events: off" not in rec.sent_bytes(name)


@pytest.mark.parametrize("name", rec.SESSIONS)
def test_recorded_chunking_derives_what_the_md_says(name):
    assert derive(rec.recorded_chunks(name), subscribed(name)) == expected(name)


@pytest.mark.parametrize("name", rec.SESSIONS)
def test_random_chunking_derives_the_same(name):
    data = rec.recv_bytes(name)
    for seed in SEEDS:
        chunks = rec.random_chunks(data, seed, max_len=1 + seed * 40)
        assert derive(chunks, subscribed(name)) == expected(name), f"seed {seed}"


def test_byte_by_byte_derives_the_same():
    data = rec.recv_bytes("three-callers-positions")
    assert derive([data[i:i + 1] for i in range(len(data))]) == expected("three-callers-positions")


def test_sessions_with_callers_are_not_vacuous():
    with_callers = [name for name in rec.SESSIONS if expected(name)]
    assert len(with_callers) == 7
    assert sum(len(expected(name)) for name in with_callers) == 11
