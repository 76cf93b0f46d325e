"""A real Asterisk: one queue caller's keys 2, 3 and 4, found in what the caller heard.

Times are seconds since the caller's first MusicOnHoldStart, on the clock
of the AMI events; a clip "begins within 1 s of the key" when its best
match in the recording starts at most 1 s after the key's DTMFBegin (and
at most the tolerated start loss before it).
"""

import pytest

import heard

pytestmark = pytest.mark.asterisk

NUMBER = "15550001"
MATCH = 0.9          # an exported clip where it plays scores about 0.99
MUSIC_MATCH = 0.98   # music is copied sample for sample; other places of a track score <= 0.95
WITHIN_S = 1.0
EARLY_S = 0.3        # the recording may start up to this much late


def clip_after(lab, caller, recording, segment_id: str, key_s: float, what: str,
               within_s: float = WITHIN_S) -> float:
    """Where ``segment_id`` begins after the key; asserts it began within ``within_s``."""
    clip = lab.clip(segment_id)
    after = heard.excerpt(recording, key_s - EARLY_S, 8.0)
    score, at = heard.best(after, clip)
    begins = round(at - EARLY_S, 3)
    assert score >= MATCH and begins <= within_s, (
        f"{what}: key at {key_s} s; best match of {segment_id} scores {score} at {begins} s "
        f"after the key (needs >= {MATCH} within {within_s} s)\n{lab.player_log(caller)}")
    return begins


def heard_track(lab, recording, track: str, start_s: float) -> tuple[float, float]:
    """(score, position in ``track``) of one second of the recording from ``start_s``."""
    return heard.where_in(lab.clip(track), heard.excerpt(recording, start_s, 1.0))


def test_balance_next_class_and_position_follow_their_keys(lab):
    lab.start({NUMBER: "15"})
    first, other = lab.classes()
    caller = lab.caller(NUMBER)
    caller.originate()
    caller.wait_music()
    lab.wait_player(caller)
    caller.hold_until(1.5)
    key2 = caller.press("2")
    caller.hold_until(key2 + 3.5)
    key3 = caller.press("3")
    caller.hold_until(key3 + 2.5)
    key4 = caller.press("4")
    caller.hold_until(key4 + 2.5)
    caller.hang_up()
    recording = lab.recording(caller)

    balance_s = clip_after(lab, caller, recording, "prompt:en/balance_is", key2, "key 2")
    opening_s = len(lab.clip("prompt:en/balance_is")) / heard.RATE
    clip_after(lab, caller, recording, "prompt:en/n15", key2 + balance_s, "the amount after "
               "'balance is'", within_s=opening_s + 0.5)
    before = heard_track(lab, recording, lab.first_track(first), key3 - 1.2)
    after = heard_track(lab, recording, lab.first_track(other), key3 + 1.2)
    assert before[0] >= MUSIC_MATCH and after[0] >= MUSIC_MATCH and after[1] < 2.5, (
        f"key 3 at {key3} s: before it {lab.first_track(first)} scored {before}, 1.2 s after it "
        f"{lab.first_track(other)} scored {after} (score, position s)\n{lab.player_log(caller)}")
    position_s = clip_after(lab, caller, recording, "prompt:en/position_1", key4, "key 4")
    lab.check_everywhere()
    print(f"balance {balance_s} s, position {position_s} s after the key; "
          f"music before/after key 3 {before}/{after}")
