"""Renderer figures on this machine: run on demand.

    .venv/bin/python bench/render_bench.py

Cold render and no-op render of the demo library (into a temporary cache),
the trim of Festival's silence on the speech clips that cold render trimmed
(the demo's prompts and spoken advice), ducking-mix throughput, music
conditioning throughput, and cache bytes per hour of music per advice item.
"""

import argparse
import os
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from progmoh.cache.audio_format import SAMPLE_BYTES, SAMPLE_RATE_HZ
from progmoh.cache.store import Store
from progmoh.cli.config import load
from progmoh.cli.render_cmd import render_programs
from progmoh.renderer import condition
from progmoh.renderer.condition import Conditioning, condition_file
from progmoh.renderer.mix import Ducking, duck_mix
from progmoh.renderer.render import render

MIX_SEGMENT_S = 15.0
MIX_REPEATS = 200
TRIM_REPEATS = 5


def timed(function):
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


@contextmanager
def recorded_trims():
    """The clips the renderer hands to ``trim_silence`` while this is open (the
    conditioning calls it through its module, so the recorder sees every one)."""
    clips, trim = [], condition.trim_silence

    def recording(pcm: bytes, width: int) -> bytes:
        clips.append((pcm, width))
        return trim(pcm, width)
    condition.trim_silence = recording
    try:
        yield clips
    finally:
        condition.trim_silence = trim


def bench_renders(config, root: Path) -> list:
    """The cold and no-op renders; the speech clips the cold one trimmed."""
    def run():
        return render(render_programs(config), config.render, root)
    with recorded_trims() as clips:
        cold_s, cold = timed(run)
    noop_s, noop = timed(run)
    noop2_s, _ = timed(run)
    print(f"cold render of the demo library:   {cold_s:6.2f} s  "
          f"({len(cold.rendered)} segments, {len(cold.problems)} problems)")
    print(f"no-op render:                      {noop_s:6.3f} s  "
          f"(rendered {len(noop.rendered)}, published {noop.published}; "
          f"again {noop2_s:.3f} s; target < 1 s)")
    return clips


def bench_trim(clips: list) -> None:
    runs = [timed(lambda: [condition.trim_silence(pcm, width) for pcm, width in clips])[0]
            for _ in range(TRIM_REPEATS)]
    speech_s = sum(len(pcm) // width for pcm, width in clips) / SAMPLE_RATE_HZ
    print(f"trim of the speech clips' silence: {statistics.median(runs) * 1000:6.1f} ms  "
          f"({len(clips)} clips, {speech_s:.0f} s before trimming; median of {TRIM_REPEATS})")


def bench_mix(config, root: Path) -> None:
    store = Store(root)
    music = next(s for s in store.current().segments if s.kind == "music")
    track = store.read(music.object)
    ducking = Ducking(config.render.duck_db, config.render.duck_fade_ms)
    voice_samples = int(MIX_SEGMENT_S * SAMPLE_RATE_HZ) - ducking.segment_samples(0)
    voice = track[:voice_samples * SAMPLE_BYTES]
    bed = track[:ducking.segment_samples(voice_samples) * SAMPLE_BYTES]
    elapsed, _ = timed(lambda: [duck_mix(bed, voice, ducking) for _ in range(MIX_REPEATS)])
    per_segment = elapsed / MIX_REPEATS
    print(f"ducking mix of a {MIX_SEGMENT_S:.0f} s segment:     {per_segment * 1000:6.2f} ms  "
          f"= {MIX_SEGMENT_S / per_segment:,.0f}x real time (target >= 2000x)")


def bench_conditioning(config) -> None:
    tracks = sorted(p for p in config.library.music_dir.rglob("*") if p.is_file())
    c = Conditioning(config.render.music_dbfs, config.render.band_low_hz,
                     config.render.band_high_hz)
    elapsed, pcms = timed(lambda: [condition_file(p, c) for p in tracks])
    audio_s = sum(len(p) for p in pcms) / SAMPLE_BYTES / SAMPLE_RATE_HZ
    print(f"music conditioning (one ffmpeg):   {audio_s / elapsed:6.0f}x real time "
          f"({len(tracks)} tracks, {audio_s:.0f} s of music in {elapsed:.2f} s)")


def bench_cache_size(root: Path, spacing_s: float) -> None:
    manifest = Store(root).current()
    music_s = sum(s.samples for s in manifest.segments if s.kind == "music") / SAMPLE_RATE_HZ
    advice = [s for s in manifest.segments if s.kind == "advice"]
    items = len({s.advice for s in advice})
    advice_bytes = sum(s.samples for s in advice) * SAMPLE_BYTES
    music_bytes = music_s * SAMPLE_RATE_HZ * SAMPLE_BYTES
    per_hour_item = advice_bytes / items / (music_s / 3600)
    print(f"cache: music {music_bytes / 1e6:.1f} MB for {music_s:.0f} s; advice "
          f"{advice_bytes / 1e6:.1f} MB for {items} items in {len(advice)} segments")
    mean_bytes = advice_bytes / len(advice)
    print(f"cache bytes per hour of music per advice item: {per_hour_item / 1e6:.1f} MB in the "
          f"demo (short tracks, few slots fit); {3600 / spacing_s * mean_bytes / 1e6:.1f} MB "
          f"for long tracks ({3600 / spacing_s:.0f} slots/h x {mean_bytes / 1e3:.0f} kB mean "
          f"segment); music itself: {SAMPLE_RATE_HZ * SAMPLE_BYTES * 3600 / 1e6:.1f} MB per hour")


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()  # --help only
    config = load(None)
    with tempfile.TemporaryDirectory(prefix="progmoh-bench-") as folder:
        root = Path(folder) / "cache"
        print(f"progmoh render benchmark ({os.cpu_count()} cores)")
        bench_trim(bench_renders(config, root))
        bench_mix(config, root)
        bench_conditioning(config)
        bench_cache_size(root, config.render.slot_spacing_s)


if __name__ == "__main__":
    main()
