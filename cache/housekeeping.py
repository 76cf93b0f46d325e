"""Verification and garbage collection over a store's files."""

import hashlib
import os
from pathlib import Path

from progmoh.cache import blocks, layout
from progmoh.cache.audio_format import SAMPLE_BYTES
from progmoh.cache.errors import CacheError
from progmoh.cache.gc import Candidate, created_seconds, kept_generations
from progmoh.cache.reports import BadObject, GcReport, VerifyReport

_CHUNK_BYTES = 1 << 20


def verify(store) -> VerifyReport:
    names = store.generation_names()
    expected, bad, checked = _expected_sizes(store, names)
    for digest in sorted(expected):
        problem = _object_problem(store.path(digest), digest, expected[digest],
                                  digest in checked)
        if problem and digest not in {b.digest for b in bad}:
            bad.append(BadObject(digest, str(store.path(digest)), problem))
    return VerifyReport(generations=tuple(names), checked=len(expected),
                        bytes=sum(expected.values()), bad=tuple(bad))


def _expected_sizes(store, names):
    """Each referenced object's length in bytes; segments that disagree make it bad.
    Also the objects some generation promises block checksums for."""
    expected, bad, checked = {}, [], set()
    for name in names:
        manifest = store.manifest(name)
        if manifest.block_check == blocks.SCHEME:
            checked.update(s.object for s in manifest.segments)
        for segment in manifest.segments:
            size = segment.samples * SAMPLE_BYTES
            if expected.setdefault(segment.object, size) != size:
                bad.append(BadObject(segment.object, str(store.path(segment.object)),
                                     f"segments disagree on its length ({expected[segment.object]}"
                                     f" and {size} bytes)"))
    return expected, bad, checked


def _object_problem(path: Path, digest: str, size: int, checked: bool) -> str:
    hasher, length, sums = hashlib.sha256(), 0, []
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK_BYTES):      # whole blocks: 1 MiB = 128 of them
                hasher.update(chunk)
                length += len(chunk)
                sums.append(blocks.sums(chunk))
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        return f"unreadable: {error.strerror}"
    if length != size:
        return f"length {length} bytes, expected {size}"
    if hasher.hexdigest() != digest:
        return f"content does not match its name (sha256 {hasher.hexdigest()})"
    return _sums_problem(Path(blocks.sums_path(str(path))), b"".join(sums)) if checked else ""


def _sums_problem(path: Path, sums: bytes) -> str:
    try:
        found = path.read_bytes()
    except FileNotFoundError:
        return "block checksums missing"
    except OSError as error:
        return f"block checksums unreadable: {error.strerror}"
    return "" if found == sums else "block checksums do not match its content"


def collect(store, grace_s: float, now: float, dry_run: bool) -> GcReport:
    manifests = {name: store.manifest(name) for name in store.generation_names()}
    kept = kept_generations([_candidate(store, m) for m in manifests.values()],
                            store.current_name(), grace_s, now)
    referenced = {s.object for name in kept for s in manifests[name].segments}
    gone_generations = sorted(set(manifests) - kept)
    gone_objects = [p for p in object_files(store.root) if p.stem not in referenced]
    gone_sums = [p for p in object_files(store.root, "." + blocks.SCHEME)
                 if p.stem not in referenced]
    gone_tmp = [p for p in _files(store.root / layout.TMP) if _mtime(p) < now - grace_s]
    generation_paths = [Path(layout.index_path(store.root, n, program)) for n in gone_generations
                        for program in manifests[n].program_names()]
    generation_paths += [Path(layout.manifest_path(store.root, n)) for n in gone_generations]
    freed = 0
    for path in generation_paths + gone_objects + gone_sums + gone_tmp:
        freed += _remove(path, dry_run)
    return GcReport(dry_run=dry_run, kept_generations=tuple(sorted(kept, reverse=True)),
                    removed_generations=tuple(gone_generations),
                    removed_objects=tuple(sorted(p.stem for p in gone_objects)),
                    removed_tmp=tuple(sorted(p.name for p in gone_tmp)), freed_bytes=freed)


def _candidate(store, manifest) -> Candidate:
    try:
        return Candidate(manifest.generation, created_seconds(manifest.created))
    except (TypeError, ValueError):
        path = layout.manifest_path(store.root, manifest.generation)
        raise CacheError(f"{path}: corrupt manifest: 'created' is not an ISO 8601 time: "
                         f"{manifest.created!r}") from None


def object_files(root: Path, suffix: str = layout.OBJECT_SUFFIX) -> list[Path]:
    """The objects (or, by ``suffix``, their block checksums) on disk."""
    found = []
    for folder in _dirs(root / layout.OBJECTS):
        found += [p for p in _files(folder) if p.name.endswith(suffix)]
    return found


def _dirs(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir())
    except FileNotFoundError:
        return []


def _files(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_file())
    except FileNotFoundError:
        return []


def size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return float("inf")


def _remove(path: Path, dry_run: bool) -> int:
    """Bytes freed (or that would be); a file already gone frees nothing."""
    try:
        size = path.stat().st_size
        if not dry_run:
            os.unlink(path)
        return size
    except FileNotFoundError:
        return 0
    except OSError as error:
        raise CacheError(f"{path}: cannot remove: {error.strerror}") from None
