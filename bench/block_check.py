"""What block checksums cost a player: CPU per audio minute of reading one
track through the player's reader, with and without checks.

The player reads a wake-up's worth (200 ms) at a time; with a manifest that
promises checksums each 4096-sample block is read whole and its CRC-32
checked once (cache/blocks.py).  The best of several runs is reported, so
other load on the machine inflates neither figure.

    .venv/bin/python bench/block_check.py [--repeats 7]
"""

import argparse
import tempfile
import time

import repo_path  # noqa: F401 (puts the checkout's root on sys.path, for tests.support)

from progmoh.cache import blocks
from progmoh.cache.audio_format import SAMPLE_RATE_HZ
from progmoh.player.play import catalog
from tests.support import player_cache

WAKE_SAMPLES = SAMPLE_RATE_HZ // 5
MINUTE_SAMPLES = 60 * SAMPLE_RATE_HZ
CALLS_PER_RUN = 20


def cpu_s_per_minute(root: str, repeats: int) -> float:
    cat = catalog.load(root)
    segment = cat.tracks["calm"][0]
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        for _ in range(CALLS_PER_RUN):
            reader = cat.reader(segment).open()
            for pos_samples in range(0, MINUTE_SAMPLES, WAKE_SAMPLES):
                reader.read(pos_samples, WAKE_SAMPLES)
            reader.close()
        best = min(best, (time.process_time() - started) / CALLS_PER_RUN)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    for check in ("", blocks.SCHEME):
        with tempfile.TemporaryDirectory() as root:
            player_cache.build(root, classes=("calm",), tracks_per_class=1, track_s=60.0,
                               slot_every_s=100.0, items=(), languages=(), block_check=check)
            cost = cpu_s_per_minute(root, args.repeats)
        print(f"{check or 'unchecked':<12} reading one track: {cost:.5f} CPU-s per audio minute")


if __name__ == "__main__":
    main()
