"""What one render carries between its steps."""

from concurrent.futures import Executor
from dataclasses import dataclass, field

from progmoh.cache.manifest import Segment
from progmoh.cache.store import Store, Writer
from progmoh.renderer.progress import Progress
from progmoh.renderer.settings import RenderSettings


@dataclass
class Run:
    store: Store
    writer: Writer
    settings: RenderSettings
    previous: dict[str, Segment]        # reusable segments by render key
    pool: Executor
    progress: Progress
    problems: list[str] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)   # segment ids made by this run

    def reusable(self, render_key: str) -> Segment | None:
        return self.previous.get(render_key)

    def store_pcm(self, segment_id: str, pcm: bytes) -> str:
        self.rendered.append(segment_id)
        return self.writer.put(pcm)
