"""What the store's inspections return: frozen records a CLI can print or dump as JSON."""

from dataclasses import dataclass


@dataclass(frozen=True)
class GenerationInfo:
    name: str
    created: str                 # ISO 8601 UTC, from the manifest
    segments: int
    bytes: int                   # PCM bytes of the distinct objects it references
    is_current: bool


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
