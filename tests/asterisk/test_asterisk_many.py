"""A real Asterisk: ten callers join together, each with its own balance, all press 2."""

import pytest

from tests.support import heard
from tests.support.queue_lab import MATCH

pytestmark = pytest.mark.asterisk

OTHERS_BELOW = 0.7   # another caller's amount clip scores 0.4-0.5 at best ("-teen")
CALLERS = 10


def test_ten_callers_each_hear_their_own_balance_and_no_one_elses(lab):
    numbers = {f"155500{10 + n}": str(11 + n) for n in range(CALLERS)}    # 11..20 USD
    lab.start(numbers)
    callers = [lab.caller(number) for number in numbers]
    for caller in callers:
        caller.dial()
    for caller in callers:
        caller.wait_music()
        lab.wait_player(caller)
    callers[-1].hold_until(1.0)
    sent = [(caller, *caller.send_key("2")) for caller in callers]
    keys = {caller.number: caller.key_arrived("2", mark) for caller, _, mark in sent}
    for caller, action_id, _ in sent:
        caller.key_done(action_id)
    sentence_s = lab.sentence_s(["balance_is", "n20", "cur_USD_n"])
    for caller in callers:
        caller.hold_until(keys[caller.number] + sentence_s + 1.0)
        caller.hang_up()

    amounts = {number: lab.clip(f"prompt:en/n{balance}") for number, balance in numbers.items()}
    seen, latency = {}, {}
    for caller in callers:
        recording = lab.recording(caller)
        latency[caller.number] = lab.clip_after(
            caller, recording, "prompt:en/balance_is", keys[caller.number],
            f"caller {caller.number}'s key 2")
        found = {number: heard.best(recording, clip) for number, clip in amounts.items()}
        own = found[caller.number]
        others = {n: f for n, f in found.items() if n != caller.number}
        seen[caller.number] = (own[0], max(score for score, _ in others.values()))
        assert own[0] >= MATCH and seen[caller.number][1] < OTHERS_BELOW, (
            f"caller {caller.number} (balance {numbers[caller.number]}) heard its amount with "
            f"score {own}; the other callers' amounts (score, s): {others}; it heard "
            f"{lab.heard_summary(recording)}\n{lab.player_log(caller)}")
    lost = lab.check_everywhere(single_calls=False)
    print(f"(own amount, best other amount) scores: {seen}; keys at {keys}; key to 'balance is' "
          f"(s) {latency}; lost at the start {lost}")
