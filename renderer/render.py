"""One render: every program's library + settings -> a new cache generation.

Runs under the cache's writer lock from the first object to the publish.
Every segment whose render key is in the current generation (and whose
object is still there), or that another program of this render already
made, is reused as is; only the rest is decoded, synthesized or mixed
(renderer/program_parts.py).  Inputs that cannot be used become problem
lines; the rest is published anyway, every program in one generation.
When nothing changed at all, no new generation is written, so a cron job
every few minutes costs a directory walk and some hashing; a current
generation without the players' index of every program (rendered before
every publish wrote them) is published again, objects reused, so that
players can read it.
"""

import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from progmoh.cache.layout import DEFAULT_PROGRAM
from progmoh.cache.manifest import Manifest, ProgramRecord, Segment
from progmoh.cache.store import Store, new_generation_name
from progmoh.player.programs import MAX_PROGRAM_CHARS, valid_program
from progmoh.renderer.errors import RenderError
from progmoh.renderer.program_parts import ProgramPart, program_parts
from progmoh.renderer.progress import Progress
from progmoh.renderer.prompts import default_number_words
from progmoh.renderer.run import Run
from progmoh.renderer.settings import RenderProgram, RenderSettings


@dataclass(frozen=True)
class RenderResult:
    generation: str | None      # the current generation after this render
    published: bool             # False when nothing changed since the current one
    segments: int
    rendered: tuple[str, ...]   # ids of the segments made (not reused) by this run
    problems: tuple[str, ...]
    programs: tuple[str, ...] = ()  # the programs of that generation, the default first


def render(programs: list[RenderProgram], settings: RenderSettings, cache_root: Path,
           progress=None, number_words=None, now=None) -> RenderResult:
    """Render what changed of every program and publish them together; ``progress(done,
    total)`` is called as work is done."""
    _check_names(programs)
    store = Store(cache_root)
    with store.writer() as writer, ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        current = store.current()
        run = Run(store, writer, settings, current, _reusable(store, current), pool,
                  Progress(progress))
        parts = program_parts(run, programs, number_words or default_number_words())
        return _publish(run, _manifest(run, parts, now or datetime.now(timezone.utc)))


def _check_names(programs: list[RenderProgram]) -> None:
    """Each name once, and a name player/programs.py accepts: it becomes an index's file name."""
    names = [p.name for p in programs]
    for name in names:
        if not valid_program(name):
            raise RenderError(f"program name {name[:40]!r} must be a-z, 0-9 and _, at most "
                              f"{MAX_PROGRAM_CHARS}, starting with a letter")
        if names.count(name) > 1:
            raise RenderError(f"program {name!r} is given twice")


def _reusable(store: Store, current: Manifest | None) -> dict[str, Segment]:
    if current is None:
        return {}
    return {s.render_key: s for s in current.segments if s.render_key and store.has(s.object)}


def _manifest(run: Run, parts: list[ProgramPart], now: datetime) -> Manifest:
    """The default program in the top-level fields, every other one in ``programs``."""
    records = {part.record.name: part.record for part in parts}
    default = records.pop(DEFAULT_PROGRAM, ProgramRecord(DEFAULT_PROGRAM, "", (), {}))
    return Manifest(
        generation=new_generation_name(now), created=now.isoformat(timespec="seconds"),
        default_class=default.default_class, classes=default.classes, program=default.program,
        segments=tuple(s for part in parts for s in part.segments),
        problems=tuple(dict.fromkeys(run.problems)), programs=tuple(records.values()))


def _publish(run: Run, manifest: Manifest) -> RenderResult:
    current = run.current
    unchanged = current is not None and run.store.has_player_indexes(current) and (
        dataclasses.replace(manifest, generation=current.generation, created=current.created)
        == current)
    if not unchanged:
        run.writer.publish(manifest)
    generation = current.generation if unchanged and current else manifest.generation
    return RenderResult(generation=generation, published=not unchanged,
                        segments=len(manifest.segments), rendered=tuple(run.rendered),
                        problems=manifest.problems, programs=manifest.program_names())
