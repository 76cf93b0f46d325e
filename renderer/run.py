"""What one render carries between its steps, for every program it renders.

A render makes each piece of work once, whichever programs need it: a
segment made for one program is remembered by its render key (``made``), so
the next program with the same track, the same advice over it or the same
prompt reuses it as it reuses a segment of the current generation.  Each
program's segments are made through ``of_program``, a view of the same run
that gives them that program's name and ids.
"""

import dataclasses
from concurrent.futures import Executor
from dataclasses import dataclass, field

from progmoh.cache.layout import DEFAULT_PROGRAM
from progmoh.cache.manifest import Manifest, Segment, segment_id
from progmoh.cache.store import Store, Writer
from progmoh.renderer.progress import Progress
from progmoh.renderer.settings import RenderSettings


@dataclass
class Run:
    store: Store
    writer: Writer
    settings: RenderSettings
    current: Manifest | None            # the current generation, before this render
    previous: dict[str, Segment]        # its reusable segments by render key
    pool: Executor
    progress: Progress
    program: str = DEFAULT_PROGRAM      # whose segments this view makes
    made: dict[str, Segment] = field(default_factory=dict)   # this run's, by render key
    problems: list[str] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)   # segment ids made by this run

    def of_program(self, name: str) -> "Run":
        """This run making ``name``'s segments: everything but the name is shared."""
        return dataclasses.replace(self, program=name)

    def reusable(self, render_key: str) -> Segment | None:
        return self.previous.get(render_key) or self.made.get(render_key)

    def remember(self, segment: Segment) -> Segment:
        """``segment``, kept for any later program with the same render key."""
        self.made.setdefault(segment.render_key, segment)
        return segment

    def segment_id(self, kind: str, **parts) -> str:
        return segment_id(kind, program=self.program, **parts)

    def store_pcm(self, segment_id: str, pcm: bytes) -> str:
        self.rendered.append(segment_id)
        return self.writer.put(pcm)
