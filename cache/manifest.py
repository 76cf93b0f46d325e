"""The manifest: one JSON document per render generation.

This is the contract between the renderer (writes it), the player (reads it
once per call, standard library only) and ``progmoh cache`` (inspects it).

Segment kinds:
- ``music``: one whole track of a music class, ``track_index`` giving its
  place in the class's playlist (alphabetical by source name).
- ``advice``: an advice item pre-mixed over the track's own music starting
  at ``slot_sample``; it replaces samples ``[slot_sample, slot_sample +
  samples)`` of that track, so a player splices track -> advice -> track at
  those sample offsets.  Starts and ends at full music level.
- ``prompt``: a clip of speech alone (``language`` and prompt ``key``), used
  by the player to build balance and position announcements.
"""

import json
from dataclasses import asdict, dataclass, field

FORMAT = 1                   # audio: cache/audio_format.py


@dataclass(frozen=True)
class Limits:
    """When an advice item may play; an empty tuple means no limit.

    ``dayparts`` are ("HH:MM", "HH:MM") windows in local time (end before
    start wraps past midnight), ``weekdays`` are 0=Monday..6=Sunday,
    ``dates`` are inclusive ("YYYY-MM-DD", "YYYY-MM-DD") ranges.
    """
    dayparts: tuple[tuple[str, str], ...] = ()
    daypart_names: tuple[str, ...] = ()
    weekdays: tuple[int, ...] = ()
    dates: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Segment:
    id: str                  # stable, human-readable, unique in a generation
    kind: str                # "music" | "advice" | "prompt"
    object: str              # hex sha256 of the PCM bytes = object name
    samples: int             # length in samples (bytes / SAMPLE_BYTES)
    music_class: str = ""
    track: str = ""          # track name (source file stem)
    track_index: int = -1
    slot: int = -1           # advice: slot number within the track
    slot_sample: int = -1    # advice: where in the track the segment starts
    advice: str = ""         # advice item name
    group: str = ""          # "first" | "middle" | "last"
    limits: Limits = field(default_factory=Limits)
    language: str = ""       # prompt
    key: str = ""            # prompt vocabulary key
    sources: tuple[str, ...] = ()   # source file paths
    render_key: str = ""     # hash of inputs + settings, for incremental renders


@dataclass(frozen=True)
class Manifest:
    generation: str
    created: str             # ISO 8601 UTC
    default_class: str
    classes: tuple[str, ...]
    program: dict            # player.settings.ProgramSettings fields
    segments: tuple[Segment, ...]
    problems: tuple[str, ...] = ()   # inputs skipped by this render, one line each
    format: int = FORMAT


def segment_id(kind: str, **parts) -> str:
    """``music:calm/01-dawn``, ``advice:calm/01-dawn@2:welcome``, ``prompt:ru/n_1_m``."""
    if kind == "music":
        return f"music:{parts['music_class']}/{parts['track']}"
    if kind == "advice":
        return f"advice:{parts['music_class']}/{parts['track']}@{parts['slot']}:{parts['advice']}"
    return f"prompt:{parts['language']}/{parts['key']}"


def dumps(manifest: Manifest) -> str:
    return json.dumps(asdict(manifest), ensure_ascii=False, indent=1, sort_keys=True)


def loads(text: str) -> Manifest:
    data = json.loads(text)
    if data.get("format") != FORMAT:
        raise ValueError(f"unsupported manifest format {data.get('format')!r}")
    segments = tuple(_segment(s) for s in data["segments"])
    return Manifest(
        generation=data["generation"], created=data["created"],
        default_class=data["default_class"], classes=tuple(data["classes"]),
        program=dict(data["program"]), segments=segments,
        problems=tuple(data.get("problems", ())), format=data["format"])


def _segment(s: dict) -> Segment:
    limits = s.get("limits") or {}
    lim = Limits(
        dayparts=tuple(tuple(w) for w in limits.get("dayparts", ())),
        daypart_names=tuple(limits.get("daypart_names", ())),
        weekdays=tuple(limits.get("weekdays", ())),
        dates=tuple(tuple(d) for d in limits.get("dates", ())))
    return Segment(**dict(s, limits=lim, sources=tuple(s.get("sources", ()))))
