"""What ``serve`` is now, frozen: the calls on hold and serve's health.

``progmoh status`` (status.py) and the gauges of ``/metrics`` (metrics.py)
read this copy, never the live records, so a report is one consistent
moment and nothing that reads it can change a call.
"""

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from progmoh.player.serve.accuracy import RecentAccuracy
from progmoh.player.serve.cache_state import CacheState
from progmoh.player.serve.calls import CallRecord


@dataclass(frozen=True)
class CallView:
    """One call on hold, as the reports show it (status.py masks the number)."""
    uniqueid: str
    number: str
    program: str                              # what its last lookup named (calls.py)
    queue: str
    position: int
    waited_s: float                           # since serve first heard of the call
    music_class: str                          # "" before its player said
    playing_kind: str
    playing_name: str
    keys: tuple[str, ...]
    player: bool                              # a player is connected
    audio_problems: Mapping[str, int]         # read-only: problem -> count


@dataclass(frozen=True)
class Health:
    ami_enabled: bool
    ami_connected: bool
    ami_last_event_age_s: float | None        # None before the first event
    billing_backend: str
    last_billing: str                         # the last lookup's outcome, "" before one
    last_store: str                           # "read found", "write ok", ...; "" before one
    cache: CacheState
    players_connected: int
    programs: tuple[str, ...] = ()            # the configured programs, the default first
    waits: tuple[RecentAccuracy, ...] = ()    # each queue's recent wait accuracy (accuracy.py)


@dataclass(frozen=True)
class CallbackView:
    """One pending callback of this serve's Asterisk (status.py masks the number)."""
    number: str
    queue: str
    place: int                                # its placeholder's position; 0 not in the queue
    attempts: int
    state: str                                # callback_store.py: waiting, placed, dialling


@dataclass(frozen=True)
class Snapshot:
    calls: tuple[CallView, ...]               # the calls on hold, in the order serve met them
    health: Health
    callbacks: tuple[CallbackView, ...] = ()  # pending, the earliest caller first


def call_view(record: CallRecord, now_s: float) -> CallView:
    playing = record.playing
    return CallView(
        uniqueid=record.uniqueid, number=record.number, program=record.program,
        queue=record.queue,
        position=record.position,
        waited_s=now_s - record.first_seen_s if record.first_seen_s else 0.0,
        music_class=record.state.music_class if record.state else "",
        playing_kind=playing.kind if playing else "", playing_name=playing.name if playing else "",
        keys=record.keys, player=record.link is not None,
        audio_problems=MappingProxyType(dict(record.audio)))
