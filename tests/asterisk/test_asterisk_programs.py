"""A real Asterisk with two queues of two programs: support (the default program) and sales
(its own advice, no balance key; tests/support/asterisk_conf.py and asterisk_lab.py).

Two SIP callers at once, one per queue: each hears its own program's first advice and not
the other's, and key 2 speaks a balance in support and nothing in sales.  A support
caller redirected to the sales queue hears sales' advice after its music restarts.
Advice is found in the phone's own recording by cross-correlation with the cache's
segments (the one played depends on the track and slot, so every slot of the caller's
class is tried)."""

import pytest

from tests.support import heard
from tests.support.queue_lab import MATCH

pytestmark = pytest.mark.asterisk

SUPPORT_NUMBER, SALES_NUMBER = "15550101", "15550102"
SUPPORT_FIRST, SALES_FIRST = "01-welcome", "01-welcome-sales"
OTHERS_BELOW = 0.8          # the other program's advice over the same music scores far lower
KEY_S = 1.0
ADVICE_HEARD_BY_S = 16.0    # first advice due 4 s in, at the 5 s slot, about 8 s of speech


def advice_clips(lab, program: str, item: str) -> list:
    """Every segment of ``item`` in ``program`` over the class callers start in."""
    first, _ = lab.classes()
    return [lab.clip(s.id) for s in lab.store.current().segments
            if s.kind == "advice" and s.program == program and s.advice == item
            and s.music_class == first]


def best_of(recording, clips) -> float:
    return max((heard.best(recording, clip)[0] for clip in clips), default=0.0)


def balance_after(lab, caller, recording, key_s: float) -> float:
    """How well "Your balance is" matches the 4 s after the key (on the recording's clock)."""
    lost_s = max(0.0, caller.held_s() - len(recording) / heard.RATE)
    after = heard.excerpt(recording, key_s - lost_s, 4.0)
    return heard.best(after, lab.clip("prompt:en/balance_is"))[0]


def test_each_queue_hears_its_own_program_and_its_own_keys(lab):
    lab.start({SUPPORT_NUMBER: "15", SALES_NUMBER: "16"})
    support = lab.call(SUPPORT_NUMBER)
    sales = lab.call(SALES_NUMBER, queue="sales")
    keys = {}
    for caller in (support, sales):
        caller.hold_until(KEY_S)
        keys[caller.number] = caller.press("2")
    for caller in (support, sales):
        caller.hold_until(ADVICE_HEARD_BY_S)
        caller.hang_up()
    clips = {program: advice_clips(lab, program, item)
             for program, item in (("default", SUPPORT_FIRST), ("sales", SALES_FIRST))}
    assert clips["default"] and clips["sales"], "the demo cache lacks one program's advice"
    for caller, own, other in ((support, "default", "sales"), (sales, "sales", "default")):
        recording = lab.recording(caller)
        scores = (best_of(recording, clips[own]), best_of(recording, clips[other]))
        assert scores[0] >= MATCH and scores[1] < OTHERS_BELOW, (
            f"{caller.number} in the {own} program: its own first advice scores {scores[0]}, "
            f"the {other} program's {scores[1]}; heard {lab.heard_summary(recording)}\n"
            f"{lab.player_log(caller)}")
    said = balance_after(lab, support, lab.recording(support), keys[support.number])
    unsaid = balance_after(lab, sales, lab.recording(sales), keys[sales.number])
    assert said >= MATCH and unsaid < OTHERS_BELOW, (
        f"key 2: 'balance is' scores {said} in support (has the key) and {unsaid} in sales "
        f"(has none)\n{lab.player_log(sales)}")
    lab.check_everywhere()


def test_a_call_moved_to_the_sales_queue_hears_sales_advice_after_its_music_restarts(lab):
    lab.start({SUPPORT_NUMBER: "15"})
    caller = lab.call(SUPPORT_NUMBER)
    caller.hold_until(ADVICE_HEARD_BY_S)
    moved_s = ADVICE_HEARD_BY_S
    lab.events.action("Redirect", Channel=caller.channel, Context="transfer", Exten="sales",
                      Priority="1")
    lab.wait_player(caller, welcomes=2, timeout_s=10.0)
    caller.hold_until(moved_s + ADVICE_HEARD_BY_S)
    caller.hang_up()
    recording = lab.recording(caller)
    lost_s = max(0.0, caller.held_s() - len(recording) / heard.RATE)
    before = heard.excerpt(recording, 0.0, moved_s - lost_s)
    after = heard.excerpt(recording, moved_s - lost_s, ADVICE_HEARD_BY_S)
    support_clips = advice_clips(lab, "default", SUPPORT_FIRST)
    sales_clips = advice_clips(lab, "sales", SALES_FIRST)
    found = {"support before": best_of(before, support_clips),
             "sales after": best_of(after, sales_clips),
             "support after": best_of(after, support_clips)}
    assert (found["support before"] >= MATCH and found["sales after"] >= MATCH
            and found["support after"] < OTHERS_BELOW), (
        f"moved at {moved_s} s: advice scores {found}; heard "
        f"{lab.heard_summary(recording)}\n{lab.player_log(caller)}")
    lab.check_everywhere()
