"""Benchmark the segment store: what a render pays to write, what a player
pays to read a manifest at call start, and what verify and gc cost.

    .venv/bin/python bench/cache_store.py [--segments 500,5000]

Prints figures; asserts nothing.  Runs in a temporary folder (on the same
file system as /tmp), which it removes.
"""

import argparse
import functools
import json
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import repo_path  # noqa: F401 (puts the checkout's root on sys.path, for tests.support)

from progmoh.cache import layout
from progmoh.cache.audio_format import SAMPLE_RATE_HZ
from progmoh.cache.store import Store
from tests.support.cache_factory import EPOCH, advice, manifest, music, pcm

BUDGET_BYTES = 240e6         # audio written per run, to spare the disk


def object_seconds(count: int) -> int:
    return int(max(1, min(30, BUDGET_BYTES / (3 * count * SAMPLE_RATE_HZ * 2))))


def timed(function, repeat: int = 1) -> float:
    """Median seconds of ``repeat`` calls."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def build(root: Path, count: int, generations: int) -> tuple[float, float, int]:
    """Publish ``generations`` generations of ``count`` segments; (put s, publish s, bytes)."""
    base = pcm(1, object_seconds(count) * SAMPLE_RATE_HZ)
    put_s = publish_s = 0.0
    written = 0
    for generation in range(generations):
        blobs = [_variant(base, generation * count + i) for i in range(count)]
        segments = [music(b, track=f"t{i:05d}", index=i) if i % 10 == 0
                    else advice(b, track=f"t{i // 10:05d}", slot=i % 10, item=f"a{i}")
                    for i, b in enumerate(blobs)]
        made = manifest(segments, created=EPOCH + timedelta(hours=generation))
        with Store(root).writer() as writer:
            start = time.perf_counter()
            for blob in blobs:
                writer.put(blob)
            put_s += time.perf_counter() - start
            publish_s += timed(functools.partial(writer.publish, made))
        written += sum(len(b) for b in blobs)
    return put_s, publish_s / generations, written


def _variant(base: bytes, n: int) -> bytes:
    return n.to_bytes(4, "little") + base[4:]


def player_read(root: Path) -> None:
    """What a player does at call start: CURRENT, then the manifest as plain JSON."""
    name = layout.current_generation(root)
    with open(layout.manifest_path(root, name), encoding="utf-8") as handle:
        json.load(handle)


def run(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        put_s, publish_s, written = build(root, count, generations=3)
        store = Store(root)
        manifest_bytes = (root / "generations" / f"{store.current_name()}.json").stat().st_size
        print(f"\n{count} segments per generation, 3 generations, "
              f"{object_seconds(count)} s objects ({written / 1e6:.0f} MB written)")
        print(f"  put:               {put_s / (3 * count) * 1e3:7.2f} ms per object, "
              f"{written / put_s / 1e6:6.0f} MB/s (fsync each)")
        print(f"  publish:           {publish_s * 1e3:7.2f} ms "
              f"(manifest {manifest_bytes / 1e3:.0f} kB)")
        print(f"  player read:       {timed(lambda: player_read(root), 30) * 1e3:7.2f} ms "
              f"(CURRENT + json.load)")
        print(f"  Store.current():   {timed(store.current, 10) * 1e3:7.2f} ms (dataclasses)")
        verify_s = timed(store.verify)
        print(f"  verify:            {verify_s:7.2f} s, {written / verify_s / 1e6:6.0f} MB/s")
        now = (EPOCH + timedelta(hours=100)).timestamp()
        print(f"  gc --dry-run:      {timed(lambda: store.gc(6 * 3600, now, True)) * 1e3:7.1f} ms")
        gc_s = timed(lambda: store.gc(6 * 3600, now, False))
        print(f"  gc (removes 1 of 3 generations): {gc_s * 1e3:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", default="500,5000",
                        help="comma-separated segment counts per generation")
    for count in parser.parse_args().segments.split(","):
        run(int(count))


if __name__ == "__main__":
    main()
