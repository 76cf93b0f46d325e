"""Inserts and crossfades: timing to the sample, ramps without clicks, advice cut
and played later; and the session's handling of control messages."""

import itertools
import time
from array import array

from progmoh.cache.audio_format import SAMPLE_RATE_HZ as RATE
from progmoh.player import wire
from progmoh.player.play import catalog as catalog_module
from progmoh.player.play.mixer import Mixer
from progmoh.player.play.program import Program
from progmoh.player.play.session import Session
from tests.support import player_cache

NOON = time.struct_time((2026, 11, 23, 12, 0, 0, 0, 327, 0))
RAMP = 400                  # player_cache: insert_ramp_ms 50
CROSSFADE = 800             # crossfade_ms 100


def program_of(cat, log=None):
    return Program(cat, log or (lambda m: None), lambda: NOON, lambda items: sorted(items))


def setup(tmp_path, **program):
    player_cache.build(tmp_path, program=dict({"first_advice_s": 100.0}, **program))
    cat = catalog_module.load(str(tmp_path))
    events = []
    mixer_program = program_of(cat, events.append)
    return cat, Mixer(mixer_program, cat, events.append, -20.0, 50, 100), program_of(cat), events


def samples(data):
    return array("h", data)


def max_jump(values):
    return max(abs(b - a) for a, b in itertools.pairwise(values))


def test_insert_ramps_down_plays_clips_and_ramps_up(tmp_path):
    cat, mixer, bed_program, events = setup(tmp_path)
    assert mixer.read(1000) == bed_program.read(1000)
    clips = [cat.prompts[("en", "balance_is")], cat.prompts[("en", "n5")]]
    clip_pcm = b"".join(open(cat.path(clip), "rb").read() for clip in clips)
    clip_samples = len(clip_pcm) // 2
    mixer.insert(clips, "test")
    total = RAMP + clip_samples + RAMP + 1000
    out, bed = samples(mixer.read(total)), samples(bed_program.read(total))
    step = (0.1 - 1.0) / RAMP
    for i in range(RAMP):                                  # ramp starts at the very next sample
        assert abs(out[i] - int(bed[i] * (1.0 + step * (i + 1)))) <= 1
    voice = samples(clip_pcm)
    for i in range(clip_samples):                          # clips over the ducked bed
        j = RAMP + i
        assert abs(out[j] - (int(bed[j] * 0.1) + voice[i])) <= 1
    after = RAMP + clip_samples + RAMP
    assert out[after:] == bed[after:]                      # back to the bed exactly
    assert not mixer.inserting and not mixer.program.hold
    assert max_jump(out[:RAMP]) <= max_jump(bed[:RAMP]) + 40
    assert max_jump(out[after - RAMP:after + 10]) <= max_jump(bed[after - RAMP:after + 10]) + 40
    assert any("insert test: 2 clips" in m for m in events)


def test_insert_timing_does_not_depend_on_read_sizes(tmp_path):
    cat, mixer, _, _ = setup(tmp_path)
    _, other, _, _ = setup(tmp_path / "b")
    clips = [cat.prompts[("en", "n7")]]
    mixer.insert(clips, "x")
    other.insert([other.program.catalog.prompts[("en", "n7")]], "x")
    whole = mixer.read(3000)
    pieces = b"".join(other.read(n) for n in (1, 319, 320, 77, 1283, 1000))
    assert samples(whole) == samples(pieces) or max(
        abs(a - b) for a, b in zip(samples(whole), samples(pieces), strict=True)) <= 1


def test_an_advice_in_progress_is_cut_and_played_later(tmp_path):
    cat, mixer, _, events = setup(tmp_path, first_advice_s=1.0, advice_gap_s=2.0)
    mixer.read(int(2.5 * RATE))
    assert mixer.program.advice is not None
    mixer.insert([cat.prompts[("en", "n1")]], "position")
    assert mixer.program.advice is None and mixer.program.schedule.played == []
    out = samples(mixer.read(RAMP + 1))
    assert max_jump(out) < 4000                            # faded, not switched
    mixer.read(20 * RATE)
    assert mixer.program.schedule.played[0] == "a-first"
    assert any("a-first cut (plays later)" in m for m in events)


def test_slots_missed_during_an_insert_are_not_waited_for(tmp_path):
    cat, mixer, _, events = setup(tmp_path, first_advice_s=1.0, advice_gap_s=2.0)
    mixer.read(int(1.9 * RATE))                            # the 2 s slot is chosen
    assert mixer.program.schedule.slot.slot_sample == 16000
    mixer.insert([cat.prompts[("en", "n1")]] * 60, "long")   # holds past the 2 and 4 s slots
    mixer.read(int(3 * RATE))
    assert not mixer.inserting and mixer.program.offset_samples > 32000
    out = samples(mixer.read(12 * RATE))
    assert not any("silence" in m for m in events)
    assert max(abs(v) for v in out[-RATE:]) > 1000
    assert mixer.program.schedule.played[:1] == ["a-first"]


def test_the_mixer_reports_to_the_program_only_when_something_happens(tmp_path):
    """The program's hold, changed flag and skip count are its own; the mixer's reports
    set them (an insert, its end, a missing clip), never a steady wake-up."""
    cat, mixer, _, _ = setup(tmp_path)
    program, reports = mixer.program, []
    apply = program.apply
    program.apply = lambda report: reports.append(report) or apply(report)
    program.reported()
    mixer.read(8000)
    assert reports == [] and not program.changed and not program.hold
    clip = cat.prompts[("en", "n1")]
    gone = catalog_module.Segment(b"\0" * 32, clip.samples, "prompt:en/gone")
    mixer.insert([gone, clip], "with a missing clip")
    assert program.hold and program.changed and len(reports) == 1
    program.reported()
    mixer.read(RAMP + clip.samples + RAMP)
    assert [(r.held, r.changed, r.skipped) for r in reports] == [
        (True, True, 0), (True, False, 1), (False, True, 0)]
    assert not program.hold and program.changed and program.skipped == 1
    program.reported()
    mixer.read(8000)
    assert len(reports) == 3 and not program.changed


def test_a_second_insert_during_the_ramp_up_ducks_again(tmp_path):
    cat, mixer, _, _ = setup(tmp_path)
    clip = cat.prompts[("en", "n1")]
    mixer.insert([clip], "one")
    mixer.read(RAMP + clip.samples + RAMP // 2)                 # half way back up
    mixer.insert([clip], "two")
    assert mixer.gain_step < 0 and mixer.voice_wait_samples == RAMP
    mixer.read(RAMP + clip.samples + RAMP)
    assert not mixer.inserting and mixer.gain == 1.0


def test_class_switch_crossfades(tmp_path):
    cat, mixer, _, _ = setup(tmp_path)
    built_new = player_cache.build(tmp_path / "copy")
    old = samples(mixer.read(1000))
    mixer.fade_from(mixer.program.switch_class("jazz"))
    out = samples(mixer.read(CROSSFADE + 1000))
    new = samples(built_new.tracks[("jazz", 0)][:(CROSSFADE + 1000) * 2])
    assert out[CROSSFADE:] == new[CROSSFADE:]
    assert max_jump([old[-1]] + list(out[:CROSSFADE])) < 2500


def test_a_late_remembered_class_dips_and_never_mixes_the_two(tmp_path):
    """Welcome after the first audio: the default fades out, then the chosen class fades in."""
    session, mixer, _, _ = session_of(tmp_path)
    calm = player_cache.build(tmp_path / "copy")
    before = samples(mixer.read(800))
    session.handle({"type": "welcome", "language": "en", "music_class": "jazz", "state": None})
    out = samples(mixer.read(RAMP + 800))
    old = samples(calm.tracks[("calm", 0)][1600:1600 + RAMP])
    new = samples(calm.tracks[("jazz", 0)][:(RAMP + 800) * 2])
    half = RAMP // 2
    # the old class, going down
    assert all(abs(o) <= abs(c) + 1 for o, c in zip(out[:half], old[:half], strict=True))
    assert all(abs(o) <= abs(n) + 1 for o, n in zip(out[half:RAMP], new[half:RAMP], strict=True))
    assert out[half - 1] == 0 and out[RAMP:] == new[RAMP:]
    assert max_jump([before[-1]] + list(out[:RAMP])) < 2500


def test_the_command_line_class_is_the_first_sample(tmp_path):
    player_cache.build(tmp_path, program={"first_advice_s": 100.0})
    cat = catalog_module.load(str(tmp_path))
    built = player_cache.build(tmp_path / "copy")
    program = Program(cat, lambda m: None, lambda: NOON, sorted, "jazz")
    assert program.music_class == "jazz"
    assert program.read(800) == built.tracks[("jazz", 0)][:1600]
    assert Program(cat, lambda m: None, lambda: NOON, sorted, "nosuch").music_class == "calm"


class FakeLink:
    def __init__(self):
        self.sent, self.closed, self.welcomed = [], [], 0

    def send(self, line, droppable=False):
        self.sent.append(wire.decode(line))

    def close(self, reason, retry=True):
        self.closed.append((reason, retry))


def session_of(tmp_path):
    cat, mixer, _, events = setup(tmp_path)
    link = FakeLink()
    return Session(cat, mixer.program, mixer, link, events.append), mixer, link, events


def test_session_balance_and_position_insert_at_once(tmp_path):
    session, mixer, _, events = session_of(tmp_path)
    session.handle({"type": "welcome", "language": "ru", "music_class": "", "state": None})
    balance = {"type": "balance", "status": "ok",
               "accounts": [{"account": "1", "balance": "21.00", "currency": "RUB"}]}
    assert session.handle(balance) is True
    assert mixer.inserting and [c.label for c in mixer.clips] == [
        "prompt:ru/balance_is", "prompt:ru/n20", "prompt:ru/n1_m", "prompt:ru/cur_RUB_1"]
    assert session.handle({"type": "position", "position": 3}) is True
    assert mixer.clips[-1].label == "prompt:ru/position_3"
    assert any("insert position 3 [position_3]" in m for m in events)


def test_session_wait_is_an_insert_in_the_callers_words(tmp_path):
    session, mixer, _, events = session_of(tmp_path)
    session.handle({"type": "welcome", "language": "ru", "music_class": "", "state": None})
    assert session.handle({"type": "wait", "minutes": 22}) is True
    assert [c.label for c in mixer.clips] == ["prompt:ru/wait_prefix", "prompt:ru/n20",
                                            "prompt:ru/n2_f", "prompt:ru/minute_2"]
    assert session.handle({"type": "wait", "minutes": 0}) is True
    assert mixer.clips[-1].label == "prompt:ru/wait_under_minute"
    assert session.handle({"type": "wait", "minutes": "x"}) is False      # logged, ignored
    assert any("insert wait 22 min" in m for m in events)


def test_session_speaks_the_language_a_message_names(tmp_path):
    session, mixer, _, _ = session_of(tmp_path)
    session.handle({"type": "welcome", "language": "en", "music_class": "", "state": None})
    assert session.handle({"type": "wait", "minutes": 1, "language": "ru"}) is True
    assert session.handle({"type": "position", "position": 2}) is True     # the welcome's
    assert [c.label for c in mixer.clips] == ["prompt:ru/wait_prefix", "prompt:ru/n1_f",
                                            "prompt:ru/minute_1", "prompt:en/position_2"]


def test_session_next_class_reports_the_choice(tmp_path):
    session, mixer, link, _ = session_of(tmp_path)
    assert session.handle({"type": "next_class"}) is True
    assert mixer.program.music_class == "jazz"
    assert link.sent == [{"v": 1, "type": "class_changed", "music_class": "jazz"}]


def test_session_welcome_adopts_state_and_remembered_class(tmp_path):
    session, mixer, _, _ = session_of(tmp_path)
    state = {"music_class": "jazz", "track_index": 1, "offset_samples": 12345,
             "advice_played": ["a-first"], "middle_order": ["m2", "m1", "m3"],
             "call_samples": 99999, "next_advice_at": 120000}
    session.handle({"type": "welcome", "language": "en", "music_class": "jazz", "state": state})
    p = mixer.program
    placed = (p.music_class, p.track_index, p.offset_samples, p.schedule.played,
              p.schedule.middle_order)
    assert placed == ("jazz", 1, 12345, ["a-first"], ["m2", "m1", "m3"])
    session2, mixer2, _, _ = session_of(tmp_path / "b")
    mixer2.read(800)
    session2.handle({"type": "welcome", "language": "en", "music_class": "jazz", "state": None})
    assert mixer2.program.music_class == "jazz" and mixer2.tail is not None


def test_session_welcome_with_a_bad_state_field_keeps_the_rest_and_says_so(tmp_path):
    session, mixer, _, events = session_of(tmp_path)
    state = {"music_class": "jazz", "track_index": "one", "offset_samples": 12345,
             "advice_played": ["a-first"], "middle_order": [], "call_samples": 99999,
             "next_advice_at": 120000}
    session.handle({"type": "welcome", "language": "en", "music_class": "", "state": state})
    p = mixer.program
    placed = (p.music_class, p.track_index, p.offset_samples, p.schedule.played)
    assert placed == ("jazz", 0, 12345, ["a-first"])
    assert any("welcome: state field 'track_index': 'one' is not a count >= 0; using 0" in m
               for m in events)


def test_session_denied_and_bad_messages(tmp_path):
    session, mixer, link, events = session_of(tmp_path)
    assert session.handle({"type": "position", "position": "x"}) is False
    assert session.handle({"type": "launch"}) is False
    assert session.handle({"type": "denied", "reason": "not your call"}) is False
    assert link.closed == [("denied by serve: not your call; music and advice only", False)]
    assert not mixer.inserting
    assert any("unknown message 'launch'" in m for m in events)
