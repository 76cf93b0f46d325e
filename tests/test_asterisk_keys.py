"""A real Asterisk: one queue caller's keys 2, 3, 4 and 5, found in what the caller heard.

The caller is a SIP phone (baresip, RFC 4733 keys); the key test runs once more
with a Local channel pair, the one path SIP cannot take: the queued channel is
a Local ``;2`` whose keys cross from its other half, as in dialplans that queue
through Local channels.  Times are seconds since the caller's first
MusicOnHoldStart, on the clock of the AMI events; a clip "begins within 0.3 s
of the key" when its best match in the recording starts at most 0.3 s after
the key's DTMFBegin (and at most the tolerated start loss before it).
"""

import pytest

from queue_lab import MUSIC_MATCH

pytestmark = pytest.mark.asterisk

NUMBER = "15550001"


@pytest.mark.parametrize("kind", ["sip", "local"])
def test_balance_next_class_position_and_wait_follow_their_keys(lab, kind):
    """Key 3 comes before the first advice (due at the 5 s slot) so the music is plain;
    an agent answered one call before, so the queue has a hold time for key 5."""
    lab.start({NUMBER: "15"})
    first, other = lab.classes()
    held_s = lab.answered_call()
    caller = lab.call(NUMBER, kind=kind)
    caller.hold_until(0.8)
    key2 = caller.press("2")
    caller.hold_until(key2 + lab.sentence_s(["balance_is", "n15", "cur_USD_n"]) + 1.4)
    key3 = caller.press("3")
    caller.hold_until(key3 + 2.5)
    key4 = caller.press("4")
    caller.hold_until(key4 + lab.sentence_s(["position_1"]) + 1.0)
    key5 = caller.press("5")
    caller.hold_until(key5 + lab.sentence_s(["wait_under_minute"]) + 1.0)
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
    wait_s = lab.clip_after(caller, recording, "prompt:en/wait_under_minute", key5,
                            f"key 5 (the answered call held {held_s} s)")
    lost = lab.check_everywhere()
    print(f"{kind}: balance {balance_s} s, position {position_s} s, wait {wait_s} s after the key; "
          f"music before/after key 3 (score, position s) {before}/{after}; lost at the start {lost}")


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
