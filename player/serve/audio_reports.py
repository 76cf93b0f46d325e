"""Players' own reports of their audio, added up per call (``state`` messages, player/protocol.py).

A player counts its problems from its own start, and Asterisk restarts the
player within a call, so each report is taken as a delta against the last
report of the same process: a new process starts again from zero.
Malformed reports are ignored; the call's state in the same message is not.
"""

import logging
from typing import Any

from progmoh.player import protocol
from progmoh.player.serve.actions import Link
from progmoh.player.serve.calls import CallRecord, NowPlaying

log = logging.getLogger("progmoh.serve.players")

MAX_COUNT = 10 ** 9
MAX_NAME_CHARS = 200


def take(record: CallRecord, link: Link, message: dict[str, Any]) -> dict[str, int]:
    """Add the new problems of ``link``'s report to ``record.audio``; those new counts."""
    if record.audio_link is not link:
        record.audio_link, record.audio_seen = link, {}
    added: dict[str, int] = {}
    for problem, count in _counts(message.get("audio")).items():
        new = count - record.audio_seen.get(problem, 0)
        if new > 0:
            record.audio[problem] = record.audio.get(problem, 0) + new
            added[problem] = new
        record.audio_seen[problem] = count
    playing = _playing(message.get("now"))
    if playing is not None:
        record.playing = playing
    return added


def _counts(data: object) -> dict[str, int]:
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(
            type(data.get(p, 0)) is int and 0 <= data.get(p, 0) < MAX_COUNT
            for p in protocol.AUDIO_PROBLEMS):
        log.warning("player state with malformed audio counts ignored")
        return {}
    return {p: data.get(p, 0) for p in protocol.AUDIO_PROBLEMS}


def _playing(data: object) -> NowPlaying | None:
    if not isinstance(data, dict):
        return None
    kind, name = data.get("kind"), data.get("name")
    if kind not in protocol.NOW_KINDS or not isinstance(name, str):
        return None
    return NowPlaying(kind, name[:MAX_NAME_CHARS])
