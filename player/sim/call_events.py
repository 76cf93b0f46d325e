"""A simulated call's timeline sorted into what a picture of the call shows.

The timeline (player/sim/simulate.py) mixes the player's log, serve's log and
the AMI emulator's events.  What the caller hears or does gets a kind and a
short label (music tracks, advice items, inserts with their sentence, keys,
queue moves, class switches); everything else is kind "other", drawn small
and unlabelled.  Labels never carry a caller number.
"""

import re
from dataclasses import dataclass

KINDS = ("music", "advice", "advice_end", "insert", "insert_end", "key", "queue", "class", "other")

_RULES = (
    (re.compile(r"class (\S+), music (\S+)"), "class", lambda m: f"class {m[1]}: {_track(m[2])}"),
    (re.compile(r"music (\S+)$"), "music", lambda m: _track(m[1])),
    (re.compile(r"advice (\S+) start"), "advice", lambda m: f"advice {m[1]}"),
    (re.compile(r"advice (\S+) (end|cut)"), "advice_end", lambda m: f"advice {m[1]} {m[2]}"),
    (re.compile(r"insert (.+?) \[(.*)\]: \d+ clips"), "insert", lambda m: f"{m[1]}: {m[2]}"),
    (re.compile(r"insert end$"), "insert_end", lambda m: ""),
    (re.compile(r"key (\S+) pressed"), "key", lambda m: f"key {m[1]}"),
    (re.compile(r"AMI QueueCallerJoin: .* at position (\d+)"), "queue",
     lambda m: f"joins queue at {m[1]}"),
    (re.compile(r"AMI QueueCallerLeave: .* from position (\d+), (\d+) left"), "queue",
     lambda m: f"position {m[1]} leaves ({m[2]} waiting)"),
)
MAX_LABEL_CHARS = 44


@dataclass(frozen=True)
class CallEvent:
    at_s: float
    kind: str            # one of KINDS
    label: str           # "" for "other" and "insert_end"
    text: str            # the timeline's own line


def classify(timeline) -> list[CallEvent]:
    """One CallEvent per (seconds, text) of the timeline, in the same order."""
    return [_event(at_s, text) for at_s, text in timeline]


def _event(at_s: float, text: str) -> CallEvent:
    for pattern, kind, label in _RULES:
        match = pattern.search(text)
        if match:
            return CallEvent(at_s, kind, _short(label(match)), text)
    return CallEvent(at_s, "other", "", text)


def _track(label: str) -> str:
    """``music:calm/00-track`` -> ``calm/00-track``."""
    return label.split(":", 1)[-1]


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[:MAX_LABEL_CHARS - 1] + "…"
