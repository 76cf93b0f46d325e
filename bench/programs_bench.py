"""Programs' render figures on this machine: run on demand.

    .venv/bin/python bench/programs_bench.py

The demo library's music (music/classes) rendered, in English only, as one
program and as three programs that share that music and each have their own
advice (three short .txt items, one per group): the storage under objects/
and the render time, cold (an empty cache) and warm (nothing changed), and
what three separate caches of the same programs would store.
"""

import argparse
import dataclasses
import os
import tempfile
from pathlib import Path

from render_bench import timed

from progmoh.cache import layout
from progmoh.cache.audio_format import SAMPLE_BYTES
from progmoh.cache.store import Store
from progmoh.cli.config import load
from progmoh.cli.render_cmd import render_programs
from progmoh.renderer.render import render
from progmoh.renderer.settings import RenderProgram

ADVICE = {
    "default": ("Thank you for holding.", "Press two to hear your balance.",
                "Many answers are on our website."),
    "sales": ("Welcome to the sales team.", "Ask us about this month's offers.",
              "Thank you for choosing us."),
    "support": ("Please have your account number ready.",
                "Press four to hear your place in the queue.", "We will be with you shortly."),
}


def advice_folder(folder: Path, texts: tuple[str, ...]) -> Path:
    """One .txt item in each of first/, middle/ and last/."""
    for group, text in zip(("first", "middle", "last"), texts, strict=True):
        (folder / group).mkdir(parents=True)
        (folder / group / f"{group}-item.txt").write_text(text + "\n", encoding="utf-8")
    return folder


def programs(config, folder: Path, names: tuple[str, ...]) -> list[RenderProgram]:
    default = render_programs(config)[0]
    return [RenderProgram(name, dataclasses.replace(
                default.library, advice_dir=advice_folder(folder / name, ADVICE[name])),
                default.program) for name in names]


def objects_bytes(root: Path) -> int:
    """Every file under objects/: the PCM and its block checksums."""
    return sum(p.stat().st_size for p in (root / layout.OBJECTS).rglob("*") if p.is_file())


def pcm_bytes(segments) -> int:
    """Bytes of the distinct objects of ``segments``."""
    return sum({s.object: s.samples * SAMPLE_BYTES for s in segments}.values())


def separate_bytes(manifest) -> int:
    """PCM bytes if each program had a cache of its own (nothing shared between them)."""
    return sum(pcm_bytes(manifest.segments_of(name)) for name in manifest.program_names())


def bench(config, settings, folder: Path, names: tuple[str, ...]) -> None:
    root = folder / "cache"
    chosen = programs(config, folder, names)
    cold_s, cold = timed(lambda: render(chosen, settings, root))
    warm_s, warm = timed(lambda: render(chosen, settings, root))
    assert not cold.problems and not warm.published, (cold.problems, warm)
    manifest = Store(root).current()
    kinds = {kind: pcm_bytes(s for s in manifest.segments if s.kind == kind) / 1e6
             for kind in ("music", "advice", "prompt")}
    print(f"{len(names)} program(s) ({', '.join(names)}): cold {cold_s:6.2f} s, warm "
          f"{warm_s:5.3f} s; {cold.segments} segments; objects/ {objects_bytes(root) / 1e6:5.1f}"
          f" MB (PCM: music {kinds['music']:.1f}, advice {kinds['advice']:.1f}, prompts "
          f"{kinds['prompt']:.1f} MB); separate caches would hold "
          f"{separate_bytes(manifest) / 1e6:.1f} MB of PCM")


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()  # --help only
    config = load(None)
    settings = dataclasses.replace(config.render, languages=("en",))
    print(f"progmoh programs render benchmark ({os.cpu_count()} cores; demo music "
          f"{config.library.music_dir}, languages {', '.join(settings.languages)})")
    for names in (("default",), ("default", "sales", "support")):
        with tempfile.TemporaryDirectory(prefix="progmoh-bench-") as folder:
            bench(config, settings, Path(folder), names)


if __name__ == "__main__":
    main()
