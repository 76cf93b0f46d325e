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

Programs (a queue's or tenant's own hold, player/programs.py): one generation
holds every program.  Each segment names its ``program``; a segment without
one (a manifest written before programs) is the default program's.  The
top-level ``default_class``, ``classes`` and ``program`` are the default
program's, and ``programs`` holds a ``ProgramRecord`` of the same facts for
each other program.  Segment ids are unique across programs and stable: the
default program's are as they always were (``music:calm/01-dawn``), and
another program's are ``<program>/`` followed by the id the default program
would give it (``sales/music:calm/01-dawn``).  A default id never has a ``/``
before its first ``:`` and a program name holds neither, so the two never meet.
Programs with the same sources share objects (the store is content-addressed).
"""

import json
from dataclasses import asdict, dataclass, field

from progmoh.cache import blocks
from progmoh.cache.layout import DEFAULT_PROGRAM

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
    language: str = ""       # prompt; advice of one language's own folder ("" = shared)
    key: str = ""            # prompt vocabulary key
    sources: tuple[str, ...] = ()   # source file paths
    render_key: str = ""     # hash of inputs + settings, for incremental renders
    program: str = DEFAULT_PROGRAM  # the program whose hold it is part of


@dataclass(frozen=True)
class ProgramRecord:
    """A program's own facts beside its segments: what the top-level fields of the
    manifest say of the default program."""
    name: str
    default_class: str
    classes: tuple[str, ...]
    program: dict            # player.settings.ProgramSettings fields


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
    # every object has block checksums of this scheme (cache/blocks.py); "" in
    # manifests written before there were any: their objects play unchecked
    block_check: str = blocks.SCHEME
    programs: tuple[ProgramRecord, ...] = ()    # every program but the default one

    def program_names(self) -> tuple[str, ...]:
        """The default program first, then the others in the order they were rendered."""
        return (DEFAULT_PROGRAM, *(record.name for record in self.programs))

    def record(self, program: str) -> ProgramRecord:
        """``program``'s facts (KeyError when the generation has no such program)."""
        if program == DEFAULT_PROGRAM:
            return ProgramRecord(DEFAULT_PROGRAM, self.default_class, self.classes, self.program)
        for record in self.programs:
            if record.name == program:
                return record
        raise KeyError(program)

    def segments_of(self, program: str) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.program == program)


def segment_id(kind: str, program: str = DEFAULT_PROGRAM, **parts) -> str:
    """``music:calm/01-dawn``, ``advice:calm/01-dawn@2:welcome``, ``prompt:ru/n_1_m``;
    ``sales/music:calm/01-dawn`` for the program ``sales``."""
    if kind == "music":
        plain = f"music:{parts['music_class']}/{parts['track']}"
    elif kind == "advice":
        plain = f"advice:{parts['music_class']}/{parts['track']}@{parts['slot']}:{parts['advice']}"
    else:
        plain = f"prompt:{parts['language']}/{parts['key']}"
    return plain if program == DEFAULT_PROGRAM else f"{program}/{plain}"


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
        problems=tuple(data.get("problems", ())), format=data["format"],
        block_check=data.get("block_check", ""),
        programs=tuple(_record(r) for r in data.get("programs", ())))


def _record(r: dict) -> ProgramRecord:
    return ProgramRecord(name=r["name"], default_class=r["default_class"],
                         classes=tuple(r["classes"]), program=dict(r["program"]))


def _segment(s: dict) -> Segment:
    limits = s.get("limits") or {}
    lim = Limits(
        dayparts=tuple(tuple(w) for w in limits.get("dayparts", ())),
        daypart_names=tuple(limits.get("daypart_names", ())),
        weekdays=tuple(limits.get("weekdays", ())),
        dates=tuple(tuple(d) for d in limits.get("dates", ())))
    return Segment(**dict(s, limits=lim, sources=tuple(s.get("sources", ()))))
