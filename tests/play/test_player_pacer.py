"""Pacing against a fake clock: whole frames, the lead, the first burst, resets."""

from progmoh.cache.audio_format import FRAME_SAMPLES, SAMPLE_RATE_HZ
from progmoh.player.play.engine import Loop
from progmoh.player.play.pacer import Pacer
from tests.support.fake_clock import FakeClock

FRAME_BYTES = FRAME_SAMPLES * 2


def test_first_write_is_at_least_1600_bytes_and_the_lead():
    clock = FakeClock(100.0)
    for lead_ms, frames in ((200, 5), (100, 3), (40, 3), (500, 13)):
        pacer = Pacer(clock, lead_ms)
        first, behind = pacer.frames_due()
        assert first == frames and not behind
        assert first * FRAME_BYTES >= 1600


def test_steady_state_keeps_the_lead_without_underrun():
    clock = FakeClock(100.0)
    pacer = Pacer(clock, 200)
    pacer.wrote(pacer.frames_due()[0])
    sizes = []
    for step in range(600):                       # a minute of wake-ups with jitter
        clock.now_s += pacer.timeout() + (0.013 if step % 7 == 0 else 0.0)
        frames, behind = pacer.frames_due()
        assert not behind
        pacer.wrote(frames)
        sizes.append(frames)
        elapsed = int((clock.now_s - pacer.start_s) * SAMPLE_RATE_HZ)
        assert elapsed <= pacer.written_samples <= elapsed + 1600 + FRAME_SAMPLES
        assert pacer.written_samples - elapsed >= 1600 - FRAME_SAMPLES
    assert set(sizes) <= {3, 4}                   # a few frames per wake-up, not one
    assert pacer.resets == 0


def test_wake_up_about_every_120_ms():
    clock = FakeClock(100.0)
    pacer = Pacer(clock, 200)
    pacer.wrote(pacer.frames_due()[0])
    timeouts = []
    for _ in range(50):
        timeouts.append(pacer.timeout())
        clock.now_s += timeouts[-1]
        pacer.wrote(pacer.frames_due()[0])
    assert all(abs(t - 0.12) < 1e-6 for t in timeouts[1:]), timeouts


def test_running_late_resets_without_a_catch_up_burst():
    clock = FakeClock(100.0)
    pacer = Pacer(clock, 200)
    pacer.wrote(pacer.frames_due()[0])
    clock.now_s += 1.5                              # the process was stalled
    frames, behind = pacer.frames_due()
    assert behind and pacer.resets == 1
    assert frames == 5                            # the lead again, not 1.5 s of audio
    pacer.wrote(frames)
    clock.now_s += 0.12
    frames, behind = pacer.frames_due()
    assert not behind and frames == 3


def test_wake_interval_follows_the_lead():
    clock = FakeClock(100.0)
    assert [Pacer(clock, lead).wake_samples for lead in (40, 100, 200, 250, 400, 2000)] == [
        320, 320, 960, 1280, 1920, 1920]


def test_a_blocked_write_waits_for_the_pipe_to_drain():
    clock = FakeClock(100.0)
    pacer = Pacer(clock, 200)
    pacer.wrote(pacer.frames_due()[0])
    for _ in range(10):
        clock.now_s += 0.1
        pacer.wrote(pacer.frames_due()[0])
    clock.now_s += 3.0                              # the write blocked for 3 s
    pacer.blocked(queued_samples=32000)           # the pipe still holds 4 s
    assert pacer.frames_due() == (0, False)
    clock.now_s += 3.7                              # 0.3 s of it left: still above the lead
    assert pacer.frames_due() == (0, False)
    clock.now_s += 0.2                              # 0.1 s left: top up to the lead
    frames, behind = pacer.frames_due()
    assert not behind and frames in (2, 3)


def test_force_writes_one_frame_when_nothing_is_due():
    clock = FakeClock(100.0)
    pacer = Pacer(clock, 200)
    pacer.wrote(pacer.frames_due()[0])
    assert pacer.frames_due() == (0, False)
    assert pacer.frames_due(force=True) == (1, False)


class RecordingOutput:
    def __init__(self):
        self.writes = []

    def write(self, data):
        self.writes.append(len(data))
        return False

    def queued_samples(self):
        return None


class SilentMixer:
    def read(self, count):
        return bytes(count * 2)


class StubProgram:
    def seconds(self):
        return 0.0


def test_loop_writes_only_whole_frames_and_never_more_than_pipe_buf():
    clock = FakeClock(100.0)
    output = RecordingOutput()
    loop = Loop(StubProgram(), SilentMixer(), Pacer(clock, 1000), output, lambda m: None, clock)
    loop.write(False)
    for _ in range(30):
        clock.now_s += 0.1
        loop.write(False)
    assert output.writes[0] >= 1600
    assert all(size % FRAME_BYTES == 0 and 0 < size <= 4096 for size in output.writes)
    assert sum(output.writes) // 2 == loop.pacer.written_samples


class BrokenMixer:
    def __init__(self):
        self.resets = 0

    def read(self, count):
        raise ZeroDivisionError("a bug")

    def reset(self):
        self.resets += 1


def test_a_bug_in_mixing_costs_the_extras_not_the_audio():
    clock = FakeClock(100.0)
    output, events, mixer = RecordingOutput(), [], BrokenMixer()
    loop = Loop(StubProgram(), mixer, Pacer(clock, 200), output, events.append, clock)
    for _ in range(5):
        loop.write(False)
        clock.now_s += 0.12
    assert sum(output.writes) // 2 == loop.pacer.written_samples > 0      # audio went on (silence)
    assert mixer.resets == 3
    assert [m.split(";")[1].strip() for m in events] == [
        "inserts dropped", "inserts dropped", "silence from now on"]
