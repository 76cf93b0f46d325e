"""What the library folders hold (the README, "Your library").

Music: each subfolder of ``music_dir`` is a class; each file in it a track
named by its stem, in alphabetical order.  Advice: ``advice_dir/first``,
``advice_dir/middle`` and ``advice_dir/last``; each item is an audio file or
a ``.txt`` spoken by Festival, named by its stem, optionally limited by a
sidecar (see ``renderer.limits``).  ``advice_dir/<language>/first`` (and
middle, last), for each of ``render.languages``, hold advice for callers of
that language only; such an item is named ``<language>/<stem>`` and its text
is spoken in that language.  A caller hears their language's folder of a
group when it has items, else the shared one.  Hidden files are ignored; everything
else that is not usable becomes a problem line, never a silent omission.
"""

from dataclasses import dataclass
from pathlib import Path

from progmoh.cache.manifest import Limits
from progmoh.renderer.errors import InputProblem, RenderError
from progmoh.renderer.limits import SUFFIX, read_limits, sidecar
from progmoh.renderer.settings import LibrarySettings

GROUPS = ("first", "middle", "last")
TEXT_SUFFIX = ".txt"


@dataclass(frozen=True)
class Track:
    music_class: str
    name: str
    path: Path


@dataclass(frozen=True)
class AdviceItem:
    name: str
    group: str
    path: Path
    limits: Limits
    language: str = ""          # "": shared advice, for callers of every language

    @property
    def is_text(self) -> bool:
        return self.path.suffix.lower() == TEXT_SUFFIX


@dataclass(frozen=True)
class Library:
    classes: tuple[str, ...]
    tracks: tuple[Track, ...]
    advice: tuple[AdviceItem, ...]
    problems: tuple[str, ...]


def scan(settings: LibrarySettings, key: str = "library") -> Library:
    """A folder the render user may not read is skipped and named (``_files``); one it
    cannot even look into, such as the music folder itself, stops the render, named.
    ``key`` is the configuration table the settings come from, which the lines name."""
    problems: list[str] = []
    try:
        classes, tracks = _music(settings.music_dir, problems, key)
        advice = _advice(settings, problems, key)
    except OSError as error:
        raise RenderError(f"{key}: {error.filename}: cannot read: {error.strerror}") from None
    return Library(tuple(classes), tuple(tracks), tuple(advice), tuple(problems))


def _visible(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def _music(music_dir: Path, problems: list[str], key: str) -> tuple[list[str], list[Track]]:
    if not music_dir.is_dir():
        raise RenderError(f"{key}.music_dir: {music_dir}: no such folder")
    classes: list[str] = []
    tracks: list[Track] = []
    for entry in _visible(music_dir):
        if not entry.is_dir():
            problems.append(f"{entry}: not inside a class folder (each subfolder of "
                            f"{music_dir} is a music class), skipped")
            continue
        classes.append(entry.name)
        tracks.extend(Track(entry.name, path.stem, path) for path in
                      _unique_stems(_files(entry, problems), problems))
    return classes, tracks


def _files(folder: Path, problems: list[str]) -> list[Path]:
    files = []
    try:
        for path in _visible(folder):
            if path.is_file():
                files.append(path)
            else:
                problems.append(f"{path}: a folder inside {folder.name}/ is not read, skipped")
    except OSError as error:
        problems.append(f"{folder}: cannot read: {error.strerror}, skipped")
        return []
    return files


def _unique_stems(paths: list[Path], problems: list[str]) -> list[Path]:
    seen: dict[str, Path] = {}
    for path in paths:
        if path.stem in seen:
            problems.append(f"{path}: same name as {seen[path.stem].name}, skipped")
        else:
            seen[path.stem] = path
    return list(seen.values())


def _advice_folders(settings: LibrarySettings):
    """(language, group, folder): the shared groups, then each language's own."""
    for language in ("",) + tuple(settings.languages):
        for group in GROUPS:
            folder = settings.advice_dir / language / group
            if folder.is_dir():
                yield language, group, folder


def _advice(settings: LibrarySettings, problems: list[str], key: str) -> list[AdviceItem]:
    items: dict[str, AdviceItem] = {}
    if not settings.advice_dir.is_dir():
        problems.append(f"{key}.advice_dir: {settings.advice_dir}: no such folder, "
                        f"so no advice is rendered")
        return []
    for language, group, folder in _advice_folders(settings):
        paths = [p for p in _files(folder, problems) if not p.name.endswith(SUFFIX)]
        for path in _unique_stems(paths, problems):
            _add_item(items, path, group, language, settings, problems)
    _orphan_sidecars(settings, problems)
    _strays(settings, problems)
    return list(items.values())


def _strays(settings: LibrarySettings, problems: list[str]) -> None:
    """Anything in advice_dir that is neither a group nor a rendered language's folder."""
    if not settings.advice_dir.is_dir():
        return
    known = set(GROUPS) | set(settings.languages)
    for entry in _visible(settings.advice_dir):
        if entry.name not in known:
            problems.append(f"{entry}: not first/, middle/, last/ or a folder of one of "
                            f"render.languages ({', '.join(settings.languages) or 'none'}), "
                            f"skipped")


def _add_item(items, path: Path, group: str, language: str, settings,
              problems: list[str]) -> None:
    name = f"{language}/{path.stem}" if language else path.stem
    if name in items:
        problems.append(f"{path}: advice name {path.stem!r} is also used in "
                        f"{items[name].group}/, skipped")
        return
    try:
        limits = read_limits(sidecar(path), settings.dayparts)
    except InputProblem as problem:
        problems.append(f"{problem}; {path.name} skipped")
        return
    items[name] = AdviceItem(name, group, path, limits, language)


def _orphan_sidecars(settings: LibrarySettings, problems: list[str]) -> None:
    """A sidecar whose item is gone limits nothing: say so rather than ignore it."""
    for _, _, folder in _advice_folders(settings):
        stems = {p.stem for p in folder.iterdir() if not p.name.endswith(SUFFIX)}
        for path in folder.glob("*" + SUFFIX):
            if path.name[:-len(SUFFIX)] not in stems:
                problems.append(f"{path}: no advice item {path.name[:-len(SUFFIX)]!r} "
                                f"beside it, ignored")
