"""A real Asterisk: one queue caller's keys 2, 3, 4 and 5, found in what the caller heard.

The caller is a SIP phone (baresip, RFC 4733 keys); a Local channel pair goes
through the same keys beside it, the one path SIP cannot take: the queued
channel is a Local ``;2`` whose keys cross from its other half, as in
dialplans that queue through Local channels.  Times are seconds since the caller's first
MusicOnHoldStart, on the clock of the AMI events; a clip "begins within 0.3 s
of the key" when its best match in the recording starts at most 0.3 s after
the key's DTMFBegin (and at most the tolerated start loss before it).
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.queue_lab import MUSIC_MATCH

pytestmark = pytest.mark.asterisk

NUMBER = "15550001"
LOCAL_NUMBER = "15550002"


def press_keys(lab, caller, amount: str) -> dict[str, float]:
    """Keys 2, 3, 4 and 5 at their times; returns each key's time on the caller's clock."""
    caller.hold_until(0.8)
    keys = {"2": caller.press("2")}
    caller.hold_until(keys["2"] + lab.sentence_s(["balance_is", f"n{amount}", "cur_USD_n"]) + 1.4)
    keys["3"] = caller.press("3")
    caller.hold_until(keys["3"] + 2.5)
    keys["4"] = caller.press("4")
    caller.hold_until(keys["4"] + lab.sentence_s(["position_2"]) + 1.0)
    keys["5"] = caller.press("5")
    caller.hold_until(keys["5"] + lab.sentence_s(["wait_under_minute"]) + 1.0)
    caller.hang_up()
    return keys


def test_balance_next_class_position_and_wait_follow_their_keys(lab):
    """A SIP phone and a Local channel, each on its own clock, at the same time: key 3
    comes before the first advice (due at the 5 s slot) so the music is plain; an agent
    answered one call before, so the queue has a hold time for key 5."""
    lab.start({NUMBER: "15", LOCAL_NUMBER: "16"})
    first, other = lab.classes()
    held_s = lab.answered_call()
    callers = {"sip": (lab.call(NUMBER), "15", 1),
               "local": (lab.call(LOCAL_NUMBER, kind="local"), "16", 2)}
    with ThreadPoolExecutor(len(callers)) as pool:
        running = {kind: pool.submit(press_keys, lab, caller, amount)
                   for kind, (caller, amount, _) in callers.items()}
        pressed = {kind: future.result() for kind, future in running.items()}
    said = {}
    for kind, (caller, amount, position) in callers.items():
        said[kind] = check_keys(lab, caller, pressed[kind], amount, position, (first, other),
                                held_s)
    lost = lab.check_everywhere()
    print(f"key to its answer (s) {said}; lost at the start {lost}")


def check_keys(lab, caller, keys, amount, position, classes, held_s) -> dict[str, float]:
    first, other = classes
    recording = lab.recording(caller)
    what = f"{caller.kind} caller {caller.number}"
    balance_s = lab.clip_after(caller, recording, "prompt:en/balance_is", keys["2"],
                               f"{what}: key 2")
    opening_s = lab.sentence_s(["balance_is"])
    lab.clip_after(caller, recording, f"prompt:en/n{amount}", keys["2"] + balance_s,
                   f"{what}: the amount after 'balance is'", within_s=opening_s + 0.5)
    before = lab.heard_track(recording, lab.first_track(first), keys["3"] - 0.6, 0.5)
    after = lab.heard_track(recording, lab.first_track(other), keys["3"] + 1.2)
    assert before[0] >= MUSIC_MATCH and after[0] >= MUSIC_MATCH and after[1] < 2.5, (
        f"{what}: key 3 at {keys['3']} s: just before it {lab.first_track(first)} scored "
        f"{before}, 1.2 s after it {lab.first_track(other)} scored {after} (score, position s): "
        f"it heard {lab.heard_summary(recording)}\n{lab.player_log(caller)}")
    position_s = lab.clip_after(caller, recording, f"prompt:en/position_{position}", keys["4"],
                                f"{what}: key 4")
    wait_s = lab.clip_after(caller, recording, "prompt:en/wait_under_minute", keys["5"],
                            f"{what}: key 5 (the answered call held {held_s} s)")
    return {"balance": balance_s, "position": position_s, "wait": wait_s}


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
