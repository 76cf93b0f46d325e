"""A real Asterisk: one queue caller's keys 2, 3 and 4, found in what the caller heard.

Times are seconds since the caller's first MusicOnHoldStart, on the clock
of the AMI events; a clip "begins within 0.3 s of the key" when its best
match in the recording starts at most 0.3 s after the key's DTMFBegin (and
at most the tolerated start loss before it).
"""

import pytest

from tests.support.asterisk_fixtures import MUSIC_MATCH

pytestmark = pytest.mark.asterisk

NUMBER = "15550001"


def test_balance_next_class_and_position_follow_their_keys(lab):
    """Key 3 comes before the first advice (due at the 5 s slot) so the music is plain."""
    lab.start({NUMBER: "15"})
    first, other = lab.classes()
    caller = lab.call(NUMBER)
    caller.hold_until(0.8)
    key2 = caller.press("2")
    caller.hold_until(key2 + lab.sentence_s(["balance_is", "n15", "cur_USD_n"]) + 1.4)
    key3 = caller.press("3")
    caller.hold_until(key3 + 2.5)
    key4 = caller.press("4")
    caller.hold_until(key4 + lab.sentence_s(["position_1"]) + 1.0)
    caller.hang_up()
    recording = lab.recording(caller)

    balance_s = lab.clip_after(caller, recording, "prompt:en/balance_is", key2, "key 2")
    opening_s = lab.sentence_s(["balance_is"])
    lab.clip_after(caller, recording, "prompt:en/n15", key2 + balance_s, "the amount after "
                   "'balance is'", within_s=opening_s + 0.5)
    before = lab.heard_track(recording, lab.first_track(first), key3 - 0.6, 0.5)
    after = lab.heard_track(recording, lab.first_track(other), key3 + 1.2)
    assert before[0] >= MUSIC_MATCH and after[0] >= MUSIC_MATCH and after[1] < 2.5, (
        f"key 3 at {key3} s: just before it {lab.first_track(first)} scored {before}, 1.2 s "
        f"after it {lab.first_track(other)} scored {after} (score, position s)\n"
        f"{lab.player_log(caller)}")
    position_s = lab.clip_after(caller, recording, "prompt:en/position_1", key4, "key 4")
    lost = lab.check_everywhere()
    print(f"balance {balance_s} s, position {position_s} s after the key; music before/after "
          f"key 3 (score, position s) {before}/{after}; lost at the start {lost}")


def test_a_returning_caller_hears_the_class_chosen_last_time(lab):
    lab.start({NUMBER: "15"})
    first, other = lab.classes()
    before = lab.call(NUMBER)
    before.hold_until(0.8)
    before.press("3")
    before.hold_until(2.5)
    before.hang_up()
    again = lab.call(NUMBER, player=False)
    again.hold_until(2.5)
    again.hang_up()
    recording = lab.recording(again)
    chosen, default = lab.first_track(other), lab.first_track(first)
    windows = [(start / 4, lab.heard_track(recording, chosen, start / 4, 0.5)[0],
                lab.heard_track(recording, default, start / 4, 0.5)[0]) for start in range(9)]
    playing = [at for at, score, rival in windows if score >= MUSIC_MATCH and score > rival]
    remembered = playing[0] if playing else None
    assert remembered == 0.0 and playing == [
        at for at, _, _ in windows if at >= remembered], (
        f"the second call of {NUMBER} should play {chosen} (chosen in the first call) from "
        f"its first sample on; (start s, its score, {default}'s score) of half seconds: {windows}\n"
        f"{lab.player_log(again)}")
    lost = lab.check_everywhere()
    print(f"remembered class from {remembered} s; half seconds {windows}; lost {lost}")
