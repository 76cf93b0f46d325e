"""The segment store (docs/architecture.md, "The cache contract"): content-addressed objects, one
manifest per generation, an atomically switched CURRENT pointer, and a
writer lock so that two renders never interleave.

Readers take no lock: every file they can open by name was complete before
it got that name (temp file, fsync, rename), a manifest is published only
after all its objects are in place, and CURRENT is switched only after the
manifest is.  Garbage collection takes the writer lock, so it never races a
render's objects that are written but not yet published.
"""

import fcntl
import hashlib
import os
import re
import secrets
import stat
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from progmoh.cache import blocks, housekeeping, layout, player_index
from progmoh.cache.atomic import write_atomic
from progmoh.cache.audio_format import SAMPLE_BYTES
from progmoh.cache.errors import CacheError
from progmoh.cache.manifest import Manifest, dumps, loads
from progmoh.cache.reports import GcReport, GenerationInfo, ProgramSegments, VerifyReport

DIR_MODE = 0o770
LOCK_MODE = 0o660
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_GENERATION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def new_generation_name(now: datetime) -> str:
    """Sorts by time (UTC, to the second); the suffix keeps same-second names apart."""
    stamp = now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(3)}"


class Store:
    """A cache folder.  Cheap to create; touches the disk only when asked."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @contextmanager
    def writer(self) -> Iterator["Writer"]:
        """The one writer: a render (or gc) holds it from first object to publish."""
        with self._locked():
            writer = Writer(self)
            try:
                yield writer
            finally:
                writer._closed = True

    def current_name(self) -> str | None:
        return layout.current_generation(self.root)

    def current(self) -> Manifest | None:
        name = self.current_name()
        return self.manifest(name) if name else None

    def manifest(self, generation: str) -> Manifest:
        path = Path(layout.manifest_path(self.root, _checked_generation(generation)))
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CacheError(f"{path}: no such generation {generation!r}") from None
        except OSError as error:
            raise CacheError(f"{path}: cannot read manifest: {error.strerror}") from None
        try:
            manifest = loads(text)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise CacheError(f"{path}: corrupt manifest: {error}") from None
        if manifest.generation != generation:
            raise CacheError(f"{path}: corrupt manifest: it names generation "
                             f"{manifest.generation!r}")
        return manifest

    def has_player_index(self, generation: str) -> bool:
        """True when ``generation`` has the index players read (cache/player_index.py) of
        every program it holds."""
        return self.has_player_indexes(self.manifest(generation))

    def has_player_indexes(self, manifest: Manifest) -> bool:
        """``has_player_index`` of a manifest already read."""
        generation = _checked_generation(manifest.generation)
        return all(player_index.is_current(layout.index_path(self.root, generation, program))
                   for program in manifest.program_names())

    def generation_names(self) -> list[str]:
        folder = self.root / layout.GENERATIONS
        try:
            names = os.listdir(folder)
        except FileNotFoundError:
            return []
        return sorted(n[:-5] for n in names if n.endswith(".json") and _GENERATION.match(n[:-5]))

    def generations(self) -> list[GenerationInfo]:
        """Every generation on disk, newest first."""
        current = self.current_name()
        infos = [_info(self.manifest(name), current) for name in self.generation_names()]
        return sorted(infos, key=lambda i: (i.created, i.name), reverse=True)

    def has(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def read(self, digest: str) -> bytes:
        path = self.path(digest)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise CacheError(f"{path}: object missing from the cache") from None

    def path(self, digest: str) -> Path:
        if not _DIGEST.match(digest):
            raise CacheError(f"{self.root}: {digest!r} is not a sha256 object name")
        return Path(layout.object_path(self.root, digest))

    def disk_bytes(self) -> int:
        """Bytes of every object file on disk, referenced or not."""
        return sum(housekeeping.size_of(p) for p in housekeeping.object_files(self.root))

    def verify(self) -> VerifyReport:
        """Re-hash every object any generation on disk references, and check its length."""
        return housekeeping.verify(self)

    def gc(self, grace_s: float, now: float, dry_run: bool) -> GcReport:
        """Remove generations past their grace, objects none of the rest use, stale temp files."""
        if dry_run:
            return housekeeping.collect(self, grace_s, now, dry_run=True)
        with self._locked():
            return housekeeping.collect(self, grace_s, now, dry_run=False)

    @contextmanager
    def _locked(self):
        for folder in (self.root, self.root / layout.TMP, self.root / layout.OBJECTS,
                       self.root / layout.GENERATIONS):
            _make_dir(folder)
        lock_path = self.root / layout.LOCK
        with _open_lock(lock_path) as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise CacheError(f"{lock_path}: the cache is locked: another render "
                                 f"(or gc) is running") from None
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class Writer:
    """Adds objects and publishes generations while its store's lock is held."""

    def __init__(self, store: Store):
        self.store = store
        self._closed = False

    def put(self, pcm: bytes) -> str:
        """Store ``pcm`` under its sha256; a complete object already there is kept."""
        self._check_open()
        if len(pcm) % SAMPLE_BYTES:
            raise CacheError(f"object of {len(pcm)} bytes is not whole 16-bit samples")
        digest = hashlib.sha256(pcm).hexdigest()
        path = self.store.path(digest)
        tmp = self.store.root / layout.TMP
        if not (_size(path) == len(pcm) and path.read_bytes() == pcm):
            _make_dir(path.parent)    # absent, or a damaged copy: (re)written
            _write(path, pcm, tmp)
        sums, sums_path = blocks.sums(pcm), Path(blocks.sums_path(str(path)))
        if _content(sums_path) != sums:
            _write(sums_path, sums, tmp)
        return digest

    def publish(self, manifest: Manifest) -> None:
        """Make ``manifest`` the current generation, once every object it names is in place."""
        self._check_open()
        root = self.store.root
        path = Path(layout.manifest_path(root, _checked_generation(manifest.generation)))
        if path.exists():
            raise CacheError(f"{path}: generation {manifest.generation!r} already exists")
        self._check_objects(manifest)
        tmp = root / layout.TMP
        for program in manifest.program_names():
            index = player_index.index_text(manifest, program)
            _write(Path(layout.index_path(root, manifest.generation, program)),
                   index.encode("utf-8"), tmp)
        _write(path, dumps(manifest).encode("utf-8"), tmp)
        _write(root / layout.CURRENT, (manifest.generation + "\n").encode("ascii"), tmp)

    def gc(self, grace_s: float, now: float) -> GcReport:
        """Collect garbage under this writer's lock, e.g. right after a publish."""
        self._check_open()
        return housekeeping.collect(self.store, grace_s, now, dry_run=False)

    def _check_objects(self, manifest: Manifest) -> None:
        for segment in manifest.segments:
            path = self.store.path(segment.object)
            size = _size(path)
            if size != segment.samples * SAMPLE_BYTES:
                found = "missing" if size is None else f"{size} bytes"
                raise CacheError(f"{path}: object of segment {segment.id!r} is {found}, "
                                 f"expected {segment.samples * SAMPLE_BYTES} bytes")
            if manifest.block_check == blocks.SCHEME:
                self._ensure_sums(path, segment.object, segment.samples)

    def _ensure_sums(self, path: Path, digest: str, samples: int) -> None:
        """An object stored before block checksums existed gets them, once its content
        is proven to be what its name says (never checksums of damage)."""
        sums_path = Path(blocks.sums_path(str(path)))
        if _size(sums_path) == blocks.sums_length(samples):
            return
        pcm = path.read_bytes()
        if hashlib.sha256(pcm).hexdigest() != digest:
            raise CacheError(f"{path}: object does not match its name; run `progmoh cache verify`")
        _write(sums_path, blocks.sums(pcm), self.store.root / layout.TMP)

    def _check_open(self) -> None:
        if self._closed:
            raise CacheError(f"{self.store.root}: writer used after its lock was released")


def _info(manifest: Manifest, current: str | None) -> GenerationInfo:
    sizes = {s.object: s.samples * SAMPLE_BYTES for s in manifest.segments}
    return GenerationInfo(name=manifest.generation, created=manifest.created,
                          segments=len(manifest.segments), bytes=sum(sizes.values()),
                          is_current=manifest.generation == current,
                          programs=tuple(ProgramSegments.of(name, manifest.segments_of(name))
                                         for name in manifest.program_names()))


def _checked_generation(name: str) -> str:
    if not isinstance(name, str) or not _GENERATION.match(name):
        raise CacheError(f"{name!r} is not a valid generation name")
    return name


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def _content(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _make_dir(folder: Path) -> None:
    """Group-writable, so the service user can render into folders root made
    (and the reverse); setgid is kept where the parent has it, so the group
    stays the service group all the way down."""
    if folder.is_dir():
        return
    _make_dir(folder.parent)
    try:
        folder.mkdir()
        setgid = folder.parent.stat().st_mode & stat.S_ISGID
        os.chmod(folder, DIR_MODE | setgid)
    except FileExistsError:
        pass
    except OSError as error:
        raise CacheError(f"{folder}: cannot create cache folder: {error.strerror}") from None


def _write(path: Path, data: bytes, tmp: Path) -> None:
    try:
        write_atomic(path, data, tmp)
    except OSError as error:
        raise CacheError(f"{path}: cannot write: {error.strerror}") from None


def _open_lock(path: Path):
    try:
        handle = open(path, "a+b")
        if os.fstat(handle.fileno()).st_uid == os.geteuid():
            os.fchmod(handle.fileno(), LOCK_MODE)      # whoever renders next opens it too
        return handle
    except OSError as error:
        raise CacheError(f"{path}: cannot open the cache lock: {error.strerror}") from None
