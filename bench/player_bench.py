"""Benchmark of `progmoh play` under the faithful Asterisk reader.

For groups of players started together (default 1, 10, 30, 100, 300): exec ->
first audio, peak RSS (VmHWM) beside a bare `python -c pass` of the same
interpreter, CPU-seconds per minute of audio (whole life, and steady state
after the first second), short reads and empty ticks seen by a reader that
reads 640 bytes every 40 ms.  A stand-in control plane runs in its own
process so every player also sends its state once a second, as in service.
Then a large library's index (start-up time and memory), the floor (a
bare stdlib paced writer with the same lead and wake-ups) and the baseline
(one Liquidsoap per call, the original tool's way), read the same way.

    .venv/bin/python bench/player_bench.py [--groups 1:60,10:20,30:20,100:25,300:25]
        [--floor 1:30] [--liquidsoap 1:30] [--no-large] [--installed PREFIX [--user USER]]

With ``--installed PREFIX`` the players are started the way serve's
application line starts them on a `make install` layout (the venv's
interpreter with ``-I -S`` and the entry script), with
PYTHONDONTWRITEBYTECODE=1 in their environment, beside a bare ``-I -S``
interpreter; ``--user`` runs them (and the bare interpreter and the floor)
as that user, so the install tree is read-only to them.  Run as root then.
"""

import argparse
import os
import pathlib
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time

import repo_path  # noqa: F401 (puts the checkout's root on sys.path, for tests.support)

from progmoh.cache.audio_format import (
    CHANNELS,
    FRAME_BYTES,
    FRAME_SAMPLES,
    SAMPLE_BYTES,
    SAMPLE_RATE_HZ,
)
from progmoh.player.play.defaults import LEAD_MS
from progmoh.player.play.pacer import Pacer
from progmoh.player.sim import asterisk_reader as ar
from tests.support.checkout import REPO

PROGMOH = str(REPO / ".venv" / "bin" / "progmoh")
PYTHON = str(REPO / ".venv" / "bin" / "python")
PLAYER = {"line": PROGMOH + " play", "python": PYTHON, "bare_flags": [], "user": None}
LIQUIDSOAP_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "baseline",
                                 "seed_liquidsoap.liq")
ENV = {}                        # the players' environment, set up in main()
# The original per-call Liquidsoap approach, measured on this machine (bench/baseline/README.md):
# CPU and memory per call; time to first audio by callers arriving together.
LIQUIDSOAP = {"cpu_s_per_min": 0.95, "rss_mb": 180.0,
              "first_audio_ms": {1: 2000.0, 10: 10500.0, 30: 48000.0}}
TARGETS = {"first_audio_ms": 50.0, "rss_over_bare_mb": 3.0, "cpu_s_per_min": 0.04}
# Issue 9's targets for an installed player (--installed): one player's median and
# CPU to first audio, the slowest of 30 together, the p95 of 100.
INSTALLED_TARGETS = {"first_audio_ms": 12.0, "cpu_to_first_audio_ms": 10.0,
                     "rss_over_bare_mb": 1.5, "max_of_30_ms": 150.0, "p95_of_100_ms": 300.0}


def bytecode_env(work):
    """Players as deployed: bytecode compiled once and reused (pip compiles it on
    install).  PYTHONDONTWRITEBYTECODE, if set here, would make every player
    recompile every module at every start; a private cache prefix avoids
    writing into the source tree."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = os.path.join(work, "pyc")
    return env


def installed_env(prefix):
    """Players as Asterisk starts them on an install: whatever Asterisk's environment
    says about bytecode (here the worst case), the install compiled it."""
    PLAYER.update(line="%s/venv/bin/python -I -S %s/bin/progmoh-play" % (prefix, prefix),
                  python="%s/venv/bin/python" % prefix, bare_flags=["-I", "-S"])
    return dict(os.environ, PYTHONDONTWRITEBYTECODE="1")


def hand_over(work):
    """The work folder (cache, logs) to the players' user, when there is one."""
    if PLAYER["user"] is None:
        return
    os.chmod(work, 0o755)
    for folder, dirs, files in os.walk(work):
        for name in [folder] + [os.path.join(folder, n) for n in dirs + files]:
            shutil.chown(name, PLAYER["user"])


def warm_up(work, env):
    """One short call so the bytecode cache exists before anything is timed."""
    line = "%s --uniqueid 1.1 --cache %s --log %s" % (
        PLAYER["line"], os.path.join(work, "c"), os.path.join(work, "warm.log"))
    ar.play(line, 0.3, env=env, user=PLAYER["user"])
    subprocess.run([PLAYER["python"], "-c", "pass"], env=env, check=True, timeout=30,
                   **ar.as_user(PLAYER["user"]))


def bare_python_peak_kb():
    """Peak RSS (VmHWM, reset at exec, unlike wait4's ru_maxrss which would
    count this big parent's pages before the exec) of a bare interpreter."""
    code = "print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])"
    argv = [PLAYER["python"], *PLAYER["bare_flags"], "-c", code]
    peaks = [int(subprocess.run(argv, capture_output=True, text=True, env=ENV, timeout=30,
                                **ar.as_user(PLAYER["user"])).stdout) for _ in range(5)]
    return statistics.median(peaks)


def build_cache(folder):
    from tests.support import player_cache
    return player_cache.build(folder, track_s=30.0, slot_every_s=10.0, advice_s=4.0,
                              program={"first_advice_s": 5.0, "advice_gap_s": 10.0})


def proc_cpu_s(pid):
    """CPU time so far of all the process's threads, in ns precision
    (/proc/PID/task/*/schedstat), not 10 ms clock ticks."""
    total = 0
    for task in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/schedstat" % (pid, task)) as handle:
            total += int(handle.read().split()[0])
    return total / 1e9


def proc_peak_kb(pid):
    with open("/proc/%d/status" % pid) as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def player_group(count, seconds, work, lead_ms=LEAD_MS):
    log = os.path.join(work, "play-%d.log" % count)
    line = "%s --uniqueid %%s --cache %s --socket %s --log %s --lead-ms %d" % (
        PLAYER["line"], os.path.join(work, "c"), os.path.join(work, "s"), log, lead_ms)
    channels = [ar.Channel(line % ("1795709779.%d" % i), env=ENV, user=PLAYER["user"])
                for i in range(count)]
    return run_group(channels, seconds, log)


def single_starts(count, work, lead_ms=200):
    """One player at a time, ``count`` times: medians of its start, not one sample."""
    log = os.path.join(work, "single.log")
    line = "%s --uniqueid %%s --cache %s --socket %s --log %s --lead-ms %d" % (
        PLAYER["line"], os.path.join(work, "c"), os.path.join(work, "s"), log, lead_ms)
    first, cpu, peaks, shorts = [], [], [], 0
    for i in range(count):
        channel = ar.Channel(line % ("1795709780.%d" % i), env=ENV, user=PLAYER["user"])
        with ar.FirstAudioWatcher(on_first_audio=note_cpu) as watcher:
            watcher.add(channel.start())
            ar.run([channel], 0.6)
        peaks.append(proc_peak_kb(channel.proc.pid))
        channel.stop()
        first.append(channel.first_audio_ms())
        cpu.append(getattr(channel, "first_audio_cpu_ms", None))
        shorts += channel.short_reads
    return {"first_audio_ms": statistics.median(first),
            "cpu_to_first_audio_ms": _median_max(cpu)[0], "peak_rss_kb": max(peaks),
            "short_reads": shorts, "starts": count}


def report_single(result, bare_kb):
    print("== one player started alone, %d times" % result["starts"])
    print("  exec -> first audio median %.1f ms; CPU until first audio median %.1f ms; "
          "peak RSS max %.1f MB (+%.2f MB over bare); %d short reads" % (
              result["first_audio_ms"], result["cpu_to_first_audio_ms"],
              result["peak_rss_kb"] / 1024, (result["peak_rss_kb"] - bare_kb) / 1024,
              result["short_reads"]))


def liquidsoap_group(count, seconds, work):
    """The original tool's way, one Liquidsoap per call, read the same way."""
    music, voice = os.path.join(work, "music.wav"), os.path.join(work, "voice.wav")
    write_wav(music, 30.0, 220.0)
    write_wav(voice, 3.0, 880.0)
    env = dict(os.environ, LIQ_MUSIC=music, LIQ_VOICE=voice)
    line = "%s %s" % (shutil.which("liquidsoap"), LIQUIDSOAP_SCRIPT)
    channels = [ar.Channel(line, env=env, stderr=subprocess.DEVNULL) for _ in range(count)]
    return run_group(channels, seconds, None, startup_s_per_process=2.5)


PACER = Pacer(time.monotonic, LEAD_MS)   # the floor's lead and wake-ups are the player's

FLOOR_WRITER = """
import os, select, time
start, written, lead, wake = time.monotonic(), 0, %(lead)d, %(wake)d
while True:
    due = int((time.monotonic() - start) * %(rate)d) + lead
    frames = (due - written) // %(frame)d
    if frames > 0:
        os.write(1, bytes(frames * %(frame_bytes)d))
        written += frames * %(frame)d
    select.select([], [], [], max(0, start + (written - lead + wake) / %(rate)d - time.monotonic()))
""" % {"rate": SAMPLE_RATE_HZ, "frame": FRAME_SAMPLES, "frame_bytes": FRAME_BYTES,
       "lead": PACER.lead_samples, "wake": PACER.wake_samples}


def floor_group(count, seconds, work):
    """The least a stdlib paced writer can cost here: same lead, same wake-ups (PACER),
    no cache, no mixing, no socket."""
    path = os.path.join(work, "floor.py")
    with open(path, "w") as handle:
        handle.write(FLOOR_WRITER)
    channels = [ar.Channel("%s %s" % (PLAYER["python"], path), env=ENV, user=PLAYER["user"])
                for _ in range(count)]
    return run_group(channels, seconds, None)


def big_manifest(root, classes=10, tracks=20, slots=8, items=10):
    """A cache the size of a large library, its manifest and the players' index
    (objects absent: only the start-up cost of reading the index is measured)."""
    import hashlib

    from progmoh.cache import layout
    from progmoh.cache.manifest import Manifest, Segment, dumps, segment_id
    from progmoh.cache.player_index import index_text
    segments = []
    for c, t in ((c, t) for c in range(classes) for t in range(tracks)):
        music_class, track = "class%02d" % c, "%02d-a-track-name" % t
        common = dict(music_class=music_class, track=track, track_index=t, render_key="k" * 64)
        segments.append(Segment(id=segment_id("music", **common), kind="music",
                                samples=SAMPLE_RATE_HZ * 240,
                                object=hashlib.sha256(track.encode()).hexdigest(),
                                sources=("/srv/music/%s/%s.mp3" % (music_class, track),), **common))
        for slot, item in ((s, i) for s in range(slots) for i in range(items)):
            name = "item%02d" % item
            segments.append(Segment(
                id=segment_id("advice", slot=slot, advice=name, **common), kind="advice",
                object=hashlib.sha256(b"%d %d %d %d" % (c, t, slot, item)).hexdigest(),
                samples=SAMPLE_RATE_HZ * 20, slot=slot, slot_sample=240000 * (slot + 1),
                advice=name, group="middle",
                sources=("/srv/music/x.mp3", "/srv/advice/%s.txt" % name), **common))
    manifest = Manifest(generation="big", created="-", default_class="class00",
                        classes=tuple("class%02d" % c for c in range(classes)), program={},
                        segments=tuple(segments))
    os.makedirs(os.path.join(root, layout.GENERATIONS))
    with open(layout.manifest_path(root, "big"), "w") as handle:
        handle.write(dumps(manifest))
    with open(layout.index_path(root, "big"), "w") as handle:     # as a publish writes it
        handle.write(index_text(manifest))
    with open(os.path.join(root, layout.CURRENT), "w") as handle:
        handle.write("big\n")
    return len(segments), os.path.getsize(layout.index_path(root, "big"))


def manifest_scale(work, bare_kb):
    root = os.path.join(work, "big")
    count, size = big_manifest(root)
    hand_over(root)
    line = "%s --uniqueid 1.1 --cache %s --log %s" % (PLAYER["line"], root,
                                                      os.path.join(work, "big.log"))
    channel = ar.Channel(line, env=ENV, user=PLAYER["user"]).start()
    ar.run([channel], 1.0)
    peak = proc_peak_kb(channel.proc.pid)
    channel.stop()
    print("\n-- a large library: %d segments, %.1f MB index: first audio %.0f ms, peak RSS %.1f MB"
          " (+%.2f MB over bare)" % (count, size / 1e6, channel.first_audio_ms(), peak / 1024,
                                    (peak - bare_kb) / 1024))


def write_wav(path, seconds, freq):
    import array
    import math
    import wave
    with wave.open(path, "wb") as out:
        out.setnchannels(CHANNELS)
        out.setsampwidth(SAMPLE_BYTES)
        out.setframerate(SAMPLE_RATE_HZ)
        rate, amplitude = SAMPLE_RATE_HZ, 8000
        out.writeframes(array.array("h", (int(amplitude * math.sin(2 * math.pi * freq * i / rate))
                                          for i in range(int(seconds * rate)))).tobytes())


def run_group(channels, seconds, log, startup_s_per_process=0.03):
    count = len(channels)
    steady = SteadyWindow(channels)
    with ar.FirstAudioWatcher(on_first_audio=note_cpu) as watcher:
        spawners = [threading.Thread(target=spawn, args=(channels[i::SPAWNERS], watcher))
                    for i in range(SPAWNERS)]
        for spawner in spawners:                       # Asterisk spawns while it reads others
            spawner.start()
        ar.run(channels, seconds + 2.0 + count * startup_s_per_process, steady.on_tick)
        for spawner in spawners:
            spawner.join(SPAWN_TIMEOUT_S)
            assert not spawner.is_alive(), "spawning players took over %d s" % SPAWN_TIMEOUT_S
    cpu_end, steady_end = [proc_cpu_s(c.proc.pid) for c in channels], time.monotonic()
    peaks = [proc_peak_kb(c.proc.pid) for c in channels]
    for channel in channels:
        channel.stop()
    log_text = pathlib.Path(log).read_text() if log and os.path.exists(log) else ""
    result = summarize(channels, seconds, steady_end - (steady.started or steady_end), steady.cpu,
                       cpu_end, peaks, log_text)
    faults = sum(c.short_reads + c.empty_ticks for c in channels)
    result["steady_faults"] = None if steady.faults is None else faults - steady.faults
    result["steady_s"] = steady_end - (steady.started or steady_end)
    return result


SPAWNERS = 4
SPAWN_TIMEOUT_S = 120


def note_cpu(channel):
    """CPU the process used until its first audio (read as the pipe turns readable)."""
    try:
        channel.first_audio_cpu_ms = proc_cpu_s(channel.proc.pid) * 1000
    except OSError:
        channel.first_audio_cpu_ms = None


def spawn(channels, watcher):
    for channel in channels:
        watcher.add(channel.start())


class SteadyWindow:
    """CPU counted from one second after the last player's first audio."""

    def __init__(self, channels):
        self.channels, self.cpu, self.started, self.faults = channels, None, None, None

    def on_tick(self, index):
        if self.cpu is not None:
            return
        firsts = [c.first_audio_at for c in self.channels]
        if None not in firsts and time.monotonic() >= max(firsts) + 1.0:
            self.cpu = [proc_cpu_s(c.proc.pid) for c in self.channels]
            self.started = time.monotonic()
            self.faults = sum(c.short_reads + c.empty_ticks for c in self.channels)


def summarize(channels, seconds, steady_s, cpu_start, cpu_end, peaks, log_text):
    first = sorted(c.first_audio_ms() for c in channels if c.first_audio_ms() is not None)
    audio_min = [(c.frames_read * 0.04) / 60 for c in channels]
    whole = [end / max(minutes, 1e-9) for end, minutes in zip(cpu_end, audio_min, strict=True)]
    steady = ([(end - start) / (steady_s / 60)
               for start, end in zip(cpu_start, cpu_end, strict=True)]
              if cpu_start else [float("nan")])
    execs = [c.exec_at for c in channels]
    return {
        "players": len(channels), "seconds": seconds, "spawn_s": max(execs) - min(execs),
        "first_audio_ms": (first[0], statistics.median(first),
                           first[-(-len(first) * 95 // 100) - 1], first[-1]) if first else None,
        "missing_first_audio": len(channels) - len(first),
        "cpu_to_first_audio_ms": _median_max([getattr(c, "first_audio_cpu_ms", None)
                                              for c in channels]),
        "peak_rss_kb": (statistics.median(peaks), max(peaks)),
        "cpu_s_per_min_whole": (statistics.median(whole), max(whole)),
        "cpu_s_per_min_steady": (statistics.median(steady), max(steady)),
        "short_reads": sum(c.short_reads for c in channels),
        "empty_ticks": sum(c.empty_ticks for c in channels),
        "frames": sum(c.frames_read for c in channels),
        "stopped_by": sorted({c.stopped_by for c in channels}),
        "exit_ms_max": max(c.exit_ms() for c in channels),
        "resets": log_text.count("behind schedule") + log_text.count("write blocked"),
    }


def _median_max(values):
    values = [v for v in values if v is not None]
    return (statistics.median(values), max(values)) if values else (float("nan"), float("nan"))


def report(result, bare_kb, baseline=False):
    fa = result["first_audio_ms"]
    rss_med, rss_max = result["peak_rss_kb"]
    whole, steady = result["cpu_s_per_min_whole"], result["cpu_s_per_min_steady"]
    print("== %d player(s), %.0f s of audio each, all spawned within %.2f s"
          % (result["players"], result["seconds"], result["spawn_s"]))
    never = result["missing_first_audio"]
    print("  exec -> first audio ms: min %.1f  median %.1f  p95 %.1f  max %.1f%s" % (
        fa + ("  (%d never)" % never if never else "",)))
    print("  peak RSS: median %.1f MB, max %.1f MB; bare python %.1f MB -> +%.2f MB "
          "(target <= +%.0f)" % (rss_med / 1024, rss_max / 1024, bare_kb / 1024,
                                 (rss_max - bare_kb) / 1024, TARGETS["rss_over_bare_mb"]))
    print("  CPU until first audio: median %.1f ms, max %.1f ms" % result["cpu_to_first_audio_ms"])
    print("  CPU-s per audio minute: whole life median %.4f max %.4f; steady median %.4f max %.4f"
          " (target <= %.2f)" % (whole + steady + (TARGETS["cpu_s_per_min"],)))
    print("  reader: %d frames, %d short reads, %d empty ticks (%s of them in the %.0f s after the"
          " start-up storm); %d schedule resets; stopped by %s, exit <= %.1f ms" % (
              result["frames"], result["short_reads"], result["empty_ticks"],
              "-" if result["steady_faults"] is None else result["steady_faults"],
              result["steady_s"],
              result["resets"], "/".join(result["stopped_by"]), result["exit_ms_max"]))
    if baseline:
        return
    print("  vs per-call Liquidsoap: CPU %.0fx less (whole life), memory %.0fx less"
          % (LIQUIDSOAP["cpu_s_per_min"] / max(whole[0], 1e-6),
             LIQUIDSOAP["rss_mb"] * 1024 / rss_med))
    liq_first = LIQUIDSOAP["first_audio_ms"].get(result["players"])
    if liq_first:
        print("  first audio vs Liquidsoap with %d arriving together: %.0f ms (worst) vs %.0f ms, "
              "%.0fx faster" % (result["players"], fa[3], liq_first, liq_first / max(fa[3], 1e-3)))


def check_installed(ours, single, bare_kb):
    """Issue 9's targets, each with its figure and a verdict."""
    t = INSTALLED_TARGETS
    rows = []
    if single:
        rows += [("one player: exec -> first audio median ms", single["first_audio_ms"],
                  t["first_audio_ms"]),
                 ("one player: CPU until first audio median ms", single["cpu_to_first_audio_ms"],
                  t["cpu_to_first_audio_ms"])]
    if 1 in ours:
        one = ours[1]
        rows += [("one player: peak RSS over bare -I -S MB (whole call)",
                  (max(one["peak_rss_kb"][1], single["peak_rss_kb"] if single else 0)
                   - bare_kb) / 1024,
                  t["rss_over_bare_mb"])]
    if 30 in ours:
        rows.append(("30 together: slowest first audio ms", ours[30]["first_audio_ms"][3],
                     t["max_of_30_ms"]))
    if 100 in ours:
        rows.append(("100 together: p95 first audio ms", ours[100]["first_audio_ms"][2],
                     t["p95_of_100_ms"]))
    print("\n-- targets (installed layout)")
    for name, value, limit in rows:
        verdict = "ok" if value <= limit else "MISSED"
        print("  %-46s %8.2f  (target <= %g)  %s" % (name, value, limit, verdict))
    shorts = sum(r["short_reads"] for r in ours.values()) + (single["short_reads"] if single else 0)
    print("  %-46s %8d  (target 0)  %s" % ("short reads, all groups", shorts,
                                           "ok" if not shorts else "MISSED"))


def compare(ours, theirs):
    """Ratios against the Liquidsoap baseline measured in this same run."""
    for count in sorted(ours.keys() & theirs.keys()):
        a, b = ours[count], theirs[count]
        print("\nmeasured here, %d call(s): steady CPU %.0fx less, whole-life CPU %.0fx less, "
              "peak RSS %.0fx less, first audio %.0fx faster" % (
                  count, b["cpu_s_per_min_steady"][0] / a["cpu_s_per_min_steady"][0],
                  b["cpu_s_per_min_whole"][0] / a["cpu_s_per_min_whole"][0],
                  b["peak_rss_kb"][0] / a["peak_rss_kb"][0],
                  b["first_audio_ms"][3] / a["first_audio_ms"][3]))


def standin_main(path):
    from progmoh.player.sim.standin import ServeStandIn
    with ServeStandIn(path):
        os.chmod(path, 0o666)           # players may run as another user (--user)
        signal.sigwait({signal.SIGTERM, signal.SIGINT})


def groups(text):
    """``1:60,10:20`` -> [(1, 60.0), (10, 20.0)]."""
    return [(int(count), float(seconds)) for count, seconds in
            (group.split(":") for group in filter(None, text.split(",")))]


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", default="1:60,10:20,30:20,100:25,300:25", type=groups,
                        help="PLAYERS:SECONDS pairs, comma separated")
    parser.add_argument("--liquidsoap", default="1:30", metavar="GROUPS", type=groups,
                        help="the same for one Liquidsoap per call ('' to skip); slow to start")
    parser.add_argument("--floor", default="1:30", metavar="GROUPS", type=groups,
                        help="the same for a bare paced writer, the floor ('' to skip)")
    parser.add_argument("--no-large", dest="large", action="store_false",
                        help="skip the large-library index measurement")
    parser.add_argument("--lead-ms", type=int, default=LEAD_MS,
                        help="the players' lead (their wake-up interval follows from it)")
    parser.add_argument("--starts", type=int, default=30, metavar="N",
                        help="start one player alone N times for the medians of its start "
                             "(0 to skip)")
    parser.add_argument("--installed", metavar="PREFIX",
                        help="measure the players of a `make install` layout at PREFIX")
    parser.add_argument("--user", help="run the players as this user (the bench then runs as root)")
    parser.add_argument("--standin", help=argparse.SUPPRESS)
    return parser.parse_args()


def measure(args, work, bare_kb):
    ours, theirs, single = {}, {}, None
    if args.starts:
        single = single_starts(args.starts, work, args.lead_ms)
        report_single(single, bare_kb)
    for count, seconds in args.groups:
        ours[count] = player_group(count, seconds, work, args.lead_ms)
        report(ours[count], bare_kb)
    if args.large:
        manifest_scale(work, bare_kb)
    for count, seconds in args.floor:
        print("\n-- floor: a bare stdlib paced writer, same lead and wake-ups, nothing else")
        report(floor_group(count, seconds, work), bare_kb, baseline=True)
    if args.installed:
        check_installed(ours, single, bare_kb)
    if args.liquidsoap and shutil.which("liquidsoap"):
        print("\n-- baseline: one Liquidsoap per call (%s)" % LIQUIDSOAP_SCRIPT)
        for count, seconds in args.liquidsoap:
            theirs[count] = liquidsoap_group(count, seconds, work)
            report(theirs[count], bare_kb, baseline=True)
    compare(ours, theirs)


def main():
    args = arguments()
    if args.standin:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
        return standin_main(args.standin)
    work = tempfile.mkdtemp(prefix="pm-", dir="/tmp")
    serve = None
    try:
        build_cache(os.path.join(work, "c"))
        PLAYER["user"] = args.user
        ENV.update(installed_env(args.installed) if args.installed else bytecode_env(work))
        hand_over(work)
        warm_up(work, ENV)
        serve = subprocess.Popen([PYTHON, __file__, "--standin", os.path.join(work, "s")])
        bare_kb = bare_python_peak_kb()
        print("players: %s (as %s)\nbare `%s %s -c pass`: %.1f MB peak RSS; %d CPUs" % (
            PLAYER["line"], args.user or "this user", PLAYER["python"],
            " ".join(PLAYER["bare_flags"]), bare_kb / 1024, os.cpu_count()))
        measure(args, work, bare_kb)
    finally:
        if serve is not None:
            serve.terminate()
            try:
                serve.wait(timeout=10)
            except subprocess.TimeoutExpired:
                serve.kill()
                serve.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
