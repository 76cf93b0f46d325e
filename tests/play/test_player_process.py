"""The real `progmoh play` under the faithful Asterisk reader: real processes,
real pipes, real signals, a real Unix socket (the stand-in control plane)."""

import fcntl
import os
import select
import signal
import sys
import time
from array import array

import pytest

from progmoh.cache.audio_format import FRAME_BYTES, SAMPLE_BYTES, SAMPLE_RATE_HZ
from progmoh.player import wire
from progmoh.player.sim import asterisk_reader as ar
from progmoh.player.sim.standin import ServeStandIn
from tests.support import player_cache

PROGMOH = os.path.join(os.path.dirname(sys.executable), "progmoh")
F_SETPIPE_SZ = 1031
CALL = "1795709779.380"



@pytest.fixture
def cache(short_dir):
    return player_cache.build(short_dir / "c", program={"first_advice_s": 100.0})


def app(cache, short_dir, uniqueid=CALL, socket=None, lead_ms=200):
    line = "%s play --uniqueid %s --cache %s --log %s --lead-ms %d" % (
        PROGMOH, uniqueid, cache.root, short_dir / "p.log", lead_ms)
    return line + (" --socket %s" % socket if socket else "")


def heard_for(line, seconds, **options):
    """A call read for ``seconds`` of audio: the reading starts at the first audio, so
    a busy machine's slow start (held to its own bound) does not shorten what is heard."""
    return ar.play(line, seconds, from_first_audio=True, **options)


def log_of(short_dir):
    path = short_dir / "p.log"
    return path.read_text() if path.exists() else ""


def wait_until(condition, timeout_s=3.0):
    """Poll a condition of another process (no event to await across processes)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in %.1f s" % timeout_s
        select.select([], [], [], 0.005)


def test_a_call_hears_whole_frames_of_the_program(cache, short_dir):
    channel = heard_for(app(cache, short_dir), 2.0, wav_path=short_dir / "call.wav")
    heard = channel.heard()
    assert channel.short_reads == 0 and channel.empty_ticks == 0
    assert len(heard) == channel.frames_read * FRAME_BYTES >= 48 * FRAME_BYTES
    assert heard == cache.tracks[("calm", 0)][:len(heard)]
    assert channel.first_audio_ms() < 500
    assert channel.stopped_by == "SIGHUP" and channel.exit_ms() < 100
    assert channel.proc.returncode == 0
    assert (short_dir / "call.wav").stat().st_size == 44 + len(heard)
    assert "stopped by signal 1" in log_of(short_dir)


def test_the_class_on_the_command_line_is_heard_from_the_first_sample(cache, short_dir):
    channel = heard_for(app(cache, short_dir) + " --class jazz", 1.0, wav_path=short_dir / "j.wav")
    heard = channel.heard()
    assert len(heard) >= 20 * FRAME_BYTES and heard == cache.tracks[("jazz", 0)][:len(heard)]


def test_a_class_the_cache_lacks_plays_the_default_and_says_so(cache, short_dir):
    channel = heard_for(app(cache, short_dir) + " --class gone", 1.0, wav_path=short_dir / "g.wav")
    heard = channel.heard()
    assert len(heard) >= 20 * FRAME_BYTES and heard == cache.tracks[("calm", 0)][:len(heard)]
    assert "--class 'gone' is not a class of this cache: calm instead" in log_of(short_dir)


def test_sigterm_ends_it_within_100_ms(cache, short_dir):
    channel = ar.Channel(app(cache, short_dir)).start()
    ar.await_first_audio([channel])
    sent = time.monotonic()
    os.killpg(channel.proc.pid, signal.SIGTERM)
    channel.proc.wait(timeout=1)
    assert time.monotonic() - sent < 0.1
    channel.proc.stdout.close()


def test_sighup_ends_it_while_blocked_on_a_full_pipe(cache, short_dir):
    channel = ar.Channel(app(cache, short_dir)).start()
    fcntl.fcntl(channel.fd, F_SETPIPE_SZ, 4096)        # fills after ~0.1 s instead of 4 s
    wchan = "/proc/%d/wchan" % channel.proc.pid
    wait_until(lambda: "pipe" in open(wchan).read())   # blocked inside write()
    channel.stop()
    assert channel.stopped_by == "SIGHUP" and channel.exit_ms() < 100


def test_a_closed_pipe_is_a_normal_end(cache, short_dir):
    channel = ar.Channel(app(cache, short_dir)).start()
    ar.await_first_audio([channel])
    channel.proc.stdout.close()
    assert channel.proc.wait(timeout=1) == 0
    assert "pipe closed: end" in log_of(short_dir)


def test_reading_resumes_at_real_time_after_a_stall(cache, short_dir):
    channel = ar.Channel(app(cache, short_dir)).start()
    fcntl.fcntl(channel.fd, F_SETPIPE_SZ, 16384)
    wchan = "/proc/%d/wchan" % channel.proc.pid
    wait_until(lambda: "pipe" in open(wchan).read())   # Asterisk stopped reading: pipe full
    ar.run([channel], 2.0)                             # it reads again
    queued = int.from_bytes(fcntl.ioctl(channel.fd, 0x541B, b"\0\0\0\0"), sys.byteorder)
    channel.stop()
    assert "write blocked (pipe full): schedule reset" in log_of(short_dir)
    lead_bytes = 200 * SAMPLE_RATE_HZ // 1000 * SAMPLE_BYTES     # app()'s --lead-ms 200
    assert queued <= lead_bytes + 3 * FRAME_BYTES           # back to the lead, no lasting lag
    assert channel.short_reads == 0


def test_a_bad_uniqueid_still_plays_music(cache, short_dir):
    channel = heard_for(app(cache, short_dir, uniqueid="abc;rm"), 0.5)
    assert channel.frames_read >= 10 and channel.short_reads == 0
    assert "music and advice only" in log_of(short_dir)
    assert "call='abc;rm'" in log_of(short_dir)


def test_a_corrupt_object_is_skipped_and_audio_goes_on(cache, short_dir):
    with open(cache.object_of("music:calm/00-track"), "r+b") as handle:
        handle.truncate(100)
    channel = heard_for(app(cache, short_dir), 1.0, wav_path=short_dir / "call.wav")
    assert channel.short_reads == 0 and channel.frames_read >= 20
    assert channel.heard() == cache.tracks[("calm", 1)][:len(channel.heard())]
    assert "skipped: music:calm/00-track" in log_of(short_dir)


# What a damaged stretch sounded like: a full-scale square.
FULL_SCALE = b"\xff\x7f\x00\x80" * 1500


def test_an_object_damaged_in_place_is_never_heard(cache, short_dir):
    """Same size, bytes flipped at 1.5 s: the caller hears the track up to the
    wake-up that reaches the damaged 4096-sample block (8192-12287), then the
    next track; never the noise."""
    with open(cache.object_of("music:calm/00-track"), "r+b") as handle:
        handle.seek(12000 * 2)
        handle.write(FULL_SCALE)
    channel = heard_for(app(cache, short_dir), 2.0, wav_path=short_dir / "call.wav")
    heard = channel.heard()
    assert channel.short_reads == 0 and len(heard) >= 40 * FRAME_BYTES
    assert max(abs(s) for s in array("h", heard)) <= player_cache.AMPLITUDE
    first = cache.tracks[("calm", 0)]
    clean = next(i for i in range(0, len(heard), 2) if heard[i:i + 2] != first[i:i + 2])
    assert (8192 - 2000) * 2 <= clean <= 8192 * 2
    assert heard[clean:] == cache.tracks[("calm", 1)][:len(heard) - clean]
    assert log_of(short_dir).count("damaged") == 1


def test_an_old_manifest_without_checksums_still_plays(short_dir):
    old = player_cache.build(short_dir / "c", program={"first_advice_s": 100.0}, block_check="")
    for path in (short_dir / "c" / "objects").glob("*/*.crc32-4096"):
        path.unlink()
    channel = heard_for(app(old, short_dir), 1.0, wav_path=short_dir / "call.wav")
    heard = channel.heard()
    assert channel.short_reads == 0 and len(heard) >= 20 * FRAME_BYTES
    assert heard == old.tracks[("calm", 0)][:len(heard)]


def test_no_cache_plays_silence_and_does_not_exit(short_dir):
    line = "%s play --uniqueid %s --cache %s --log %s" % (
        PROGMOH, CALL, short_dir / "nothing", short_dir / "p.log")
    channel = heard_for(line, 0.5, wav_path=short_dir / "call.wav")
    assert channel.frames_read >= 10 and set(channel.heard()) == {0}
    assert channel.stopped_by == "SIGHUP"


def test_a_cache_without_its_index_plays_silence_says_so_once_and_never_exits(short_dir):
    """A generation rendered before every publish wrote the index: nothing the player
    can read, so silence until Asterisk stops it (exiting would be respawned in a loop)."""
    old = player_cache.build(short_dir / "c", program={"first_advice_s": 100.0}, index=False)
    channel = heard_for(app(old, short_dir), 1.0, wav_path=short_dir / "call.wav")
    assert channel.frames_read >= 20 and channel.short_reads == 0
    assert set(channel.heard()) == {0}
    assert channel.stopped_by == "SIGHUP" and channel.proc.returncode == 0
    log = log_of(short_dir)
    assert log.count("no player index") == 1 and "run `progmoh render` once" in log
    assert "silence until the call ends" in log


def test_a_damaged_index_plays_what_it_can_and_says_so_once(cache, short_dir):
    path = short_dir / "c" / "generations" / "g1.idx"
    lines = path.read_bytes().split(b"\n")
    first = next(n for n, line in enumerate(lines) if line.startswith(b"m\tcalm\t0\t"))
    lines[first] = lines[first].replace(b"\t0\t", b"\t0\tzz", 1)      # its object: not hex
    path.write_bytes(b"\n".join(lines))
    channel = heard_for(app(cache, short_dir), 1.0, wav_path=short_dir / "call.wav")
    heard = channel.heard()
    assert channel.short_reads == 0 and len(heard) >= 20 * FRAME_BYTES
    assert heard == cache.tracks[("calm", 1)][:len(heard)]             # the track it could read
    log = log_of(short_dir)
    assert log.count("player index") == 1
    assert "1 line(s) unusable, left out (first: line %d: " % (first + 1) in log
    assert channel.stopped_by == "SIGHUP"


def test_serve_unreachable_music_goes_on(cache, short_dir):
    channel = heard_for(app(cache, short_dir, socket=short_dir / "n"), 0.5)
    assert channel.frames_read >= 10 and channel.short_reads == 0
    assert "cannot reach control socket" in log_of(short_dir)


def test_a_restarted_player_continues_the_call(cache, short_dir):
    sock = str(short_dir / "s")
    with ServeStandIn(sock) as serve:
        first = heard_for(app(cache, short_dir, socket=sock), 2.0)
        assert first.short_reads == 0
        offset = serve.states[CALL]["offset_samples"]
        assert offset >= SAMPLE_RATE_HZ
        second = heard_for(app(cache, short_dir, socket=sock), 1.0, wav_path=short_dir / "b.wav")
    tail = second.heard()[-4000:]                      # the last quarter second
    position = cache.tracks[("calm", 0)].find(tail) // 2
    assert position >= offset                          # continued, not started over
    assert "continued: class calm track 0" in log_of(short_dir)


BATCH_SAMPLES = 6 * 160         # one write (pacer.MAX_WRITE_FRAMES frames)


def last_state(serve, channel):
    """The state the player sent as it was stopped (after ``stopped_at``)."""
    entry = serve.wait_for(lambda e: e[1] == "in" and e[3]["type"] == "state"
                           and e[0] >= channel.stopped_at, timeout_s=3.0)
    return entry[3]["state"]


def restarted(cache, short_dir, sock, state, seconds):
    """The call's next player, given what serve would put on its command line."""
    line = app(cache, short_dir, socket=sock) + " --class %s --at %s" % (
        state["music_class"], wire.place_argument(state))
    return heard_for(line, seconds, wav_path=short_dir / "b.wav")


def test_a_stopped_player_tells_serve_the_place_its_caller_heard(cache, short_dir):
    """SIGHUP: one last state with what the caller heard (not what was written, ~200 ms
    more); the next player starts there with its first sample: nothing heard twice."""
    sock = str(short_dir / "s")
    with ServeStandIn(sock) as serve:
        first = heard_for(app(cache, short_dir, socket=sock), 1.5, wav_path=short_dir / "a.wav")
        heard = len(first.heard()) // 2
        state = last_state(serve, first)
        offset = state["offset_samples"]
        assert 0 <= heard - offset <= BATCH_SAMPLES, (heard, state)   # a write in progress
        second = restarted(cache, short_dir, sock, state, 1.0)
    track = cache.tracks[("calm", 0)]
    assert second.heard() == track[offset * 2:offset * 2 + len(second.heard())]
    log = log_of(short_dir)
    assert "stopped by signal 1; last state: track 0 at %d, advice '' at 0" % offset in log
    assert "continued from the start: 0 advice played" in log


def test_a_restart_in_the_middle_of_an_advice_goes_on_inside_it(short_dir):
    """a-first (3 s) plays from 2 s of calm track 0; stopped at about 3.5 s, the next
    player goes on inside the same segment, and the advice is played once."""
    built = player_cache.build(short_dir / "c", track_s=8.0, advice_s=3.0)
    expected = (built.tracks[("calm", 0)][:16000 * 2] + built.advice[("calm", 0, 16000, "a-first")]
                + built.tracks[("calm", 0)][40000 * 2:])
    sock = str(short_dir / "s")
    with ServeStandIn(sock) as serve:
        first = heard_for(app(built, short_dir, socket=sock), 3.5, wav_path=short_dir / "a.wav")
        state = last_state(serve, first)
        assert state["advice_item"] == "a-first" and state["advice_played"] == []
        assert state["offset_samples"] - state["advice_samples"] == 16000
        second = restarted(built, short_dir, sock, state, 2.5)
        played = serve.wait_for(lambda e: e[3]["type"] == "state"
                                and e[3]["state"]["advice_played"], timeout_s=3.0)
    offset, heard = state["offset_samples"], second.heard()
    assert heard == expected[offset * 2:offset * 2 + len(heard)]
    assert played[3]["state"]["advice_played"] == ["a-first"]
    log = log_of(short_dir)
    assert log.count("advice a-first start") == 1 and "advice a-first goes on at" in log


def test_keys_reach_the_player_through_the_socket(cache, short_dir):
    sock = str(short_dir / "s")
    with ServeStandIn(sock, language="ru") as serve:
        channel = ar.Channel(app(cache, short_dir, socket=sock)).start()
        serve.wait_for(lambda e: e[1] == "in" and e[3]["type"] == "hello")
        serve.wait_for(lambda e: e[1] == "in" and e[3]["type"] == "state")
        serve.send(CALL, "balance", status="ok",
                   accounts=[{"account": "1", "balance": "5", "currency": "RUB"}])
        serve.send(CALL, "next_class")
        changed = serve.wait_for(lambda e: e[3]["type"] == "class_changed")
        ar.run([channel], 0.6)
        channel.stop()
    assert changed[3]["music_class"] == "jazz" and serve.choices[CALL] == "jazz"
    log = log_of(short_dir)
    assert "insert balance [balance_is n5 cur_RUB_5]: 3 clips" in log
    assert "class jazz" in log
    assert channel.short_reads == 0


def test_a_denied_player_plays_music_only(cache, short_dir):
    sock = str(short_dir / "s")
    with ServeStandIn(sock) as serve:
        serve.deny.add(CALL)
        channel = heard_for(app(cache, short_dir, socket=sock), 0.5)
    assert channel.frames_read >= 10
    assert "denied by serve: not this call's player" in log_of(short_dir)
