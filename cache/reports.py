"""What the store's inspections return: frozen records a CLI can print or dump as JSON."""

from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class ProgramSegments:
    """How many segments of each kind one program has in a generation."""
    name: str
    music: int
    advice: int
    prompt: int

    @classmethod
    def of(cls, name: str, segments) -> "ProgramSegments":
        kinds = Counter(s.kind for s in segments)
        return cls(name, music=kinds["music"], advice=kinds["advice"], prompt=kinds["prompt"])


@dataclass(frozen=True)
class GenerationInfo:
    name: str
    created: str                 # ISO 8601 UTC, from the manifest
    segments: int
    bytes: int                   # PCM bytes of the distinct objects it references
    is_current: bool
    programs: tuple[ProgramSegments, ...] = ()     # the default program first


@dataclass(frozen=True)
class BadObject:
    digest: str
    path: str
    problem: str                 # "missing", "length ...", "hash ..."


@dataclass(frozen=True)
class VerifyReport:
    generations: tuple[str, ...]
    checked: int                 # distinct objects re-hashed
    bytes: int
    bad: tuple[BadObject, ...]

    @property
    def ok(self) -> bool:
        return not self.bad


@dataclass(frozen=True)
class GcReport:
    dry_run: bool
    kept_generations: tuple[str, ...]
    removed_generations: tuple[str, ...]
    removed_objects: tuple[str, ...]
    removed_tmp: tuple[str, ...]
    freed_bytes: int
