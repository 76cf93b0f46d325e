"""The real-time loop with a real control socket and a fake clock: an insert
is written at once, state is reported, a dead serve costs nothing."""

import time
from array import array

from progmoh.cache.audio_format import FRAME_SAMPLES
from progmoh.player.play import catalog as catalog_module
from progmoh.player.play.engine import Loop
from progmoh.player.play.link import Link
from progmoh.player.play.mixer import Mixer
from progmoh.player.play.pacer import Pacer
from progmoh.player.play.program import Program
from progmoh.player.play.session import Session
from progmoh.player.sim.standin import ServeStandIn
from tests.support import player_cache
from tests.support.fake_clock import FakeClock

CALL = "1795709779.380"
NOON = time.struct_time((2026, 11, 23, 12, 0, 0, 0, 327, 0))


class RecordingOutput:
    def __init__(self):
        self.writes = []

    def write(self, data):
        self.writes.append(data)
        return False

    def queued_samples(self):
        return None



def make_loop(folder, clock, socket_path):
    player_cache.build(folder / "c", program={"first_advice_s": 100.0})
    cat = catalog_module.load(str(folder / "c"))
    events = []
    program = Program(cat, events.append, lambda: NOON, sorted)
    mixer = Mixer(program, cat, events.append, -20.0, 50, 100)
    bed = Program(cat, lambda m: None, lambda: NOON, sorted)
    link = Link(str(socket_path), CALL, events.append, clock)
    loop = Loop(program, mixer, Pacer(clock, 200), RecordingOutput(), events.append, clock,
                link, Session(cat, program, mixer, link, events.append))
    return loop, bed, events


def test_an_insert_is_written_at_once_and_state_is_reported(short_dir):
    clock = FakeClock()
    with ServeStandIn(str(short_dir / "s"), language="en") as serve:
        loop, bed, _ = make_loop(short_dir, clock, short_dir / "s")
        loop.write(False)                                # first audio, then connect
        loop.link.tick()
        serve.wait_for(lambda e: e[3]["type"] == "hello")
        loop.control()                                   # the welcome
        loop.report()
        report = serve.wait_for(lambda e: e[3]["type"] == "state")[3]
        state = report["state"]
        assert state["music_class"] == "calm" and state["call_samples"] == 1600
        assert report["audio"] == {"blocked_writes": 0, "schedule_resets": 0,
                                   "skipped_objects": 0, "internal_errors": 0}
        assert report["now"] == {"kind": "music", "name": "music:calm/00-track"}
        assert loop.write(False) is None and len(loop.output.writes) == 1   # nothing due yet
        serve.send(CALL, "position", position=2)
        force = loop.control()                           # the message is already waiting
        loop.write(force)
    assert force is True
    frame = array("h", loop.output.writes[1])
    assert len(frame) == FRAME_SAMPLES                    # one frame now, ahead of schedule
    plain = array("h", bed.read(1600 + FRAME_SAMPLES)[3200:])
    assert frame[0] != plain[0] or frame[1] != plain[1]   # ducking from the first sample
    assert all(abs(a) <= abs(b) + 1 for a, b in zip(frame, plain, strict=True))


def test_without_serve_the_loop_only_plays(short_dir):
    clock = FakeClock()
    loop, _, events = make_loop(short_dir, clock, short_dir / "nobody")
    for _ in range(20):
        loop.write(False)
        loop.link.tick()
        loop.report()
        clock.now_s += 0.12
    assert loop.link.sock is None
    assert sum(len(w) for w in loop.output.writes) // 2 == loop.pacer.written_samples
    assert sum("cannot reach control socket" in m for m in events) == 1   # said once


def test_state_is_where_the_caller_is_and_the_last_words_say_it_once_more(short_dir):
    """What is still in the pipe was not heard: the periodic state and the one sent
    from the signal handler (last_words, one non-blocking send) both leave it out."""
    clock = FakeClock()
    with ServeStandIn(str(short_dir / "s"), language="en") as serve:
        loop, _, _ = make_loop(short_dir, clock, short_dir / "s")
        loop.write(False)                                # 1600 samples written
        loop.link.tick()
        assert loop.last_words() == ""                   # not welcomed: nothing to say yet
        serve.wait_for(lambda e: e[3]["type"] == "hello")
        loop.control()                                   # the welcome
        loop.output.queued_samples = lambda: 1000        # the pipe still holds 1000
        loop.report()
        periodic = serve.wait_for(lambda e: e[3]["type"] == "state")[3]["state"]
        loop.output.queued_samples = lambda: 400
        said = loop.last_words()
        last = serve.wait_for(lambda e: e[3]["type"] == "state"
                              and e[3]["state"]["offset_samples"] != 600)[3]["state"]
    assert (periodic["offset_samples"], periodic["call_samples"]) == (600, 600)
    assert (last["offset_samples"], last["call_samples"]) == (1200, 1200)
    assert said == "; last state: track 0 at 1200, advice '' at 0"
