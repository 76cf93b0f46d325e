"""A real Asterisk: keys sent the three ways phones send them each reach their own call.

Three SIP callers wait together, each with its own balance: a baresip phone
sending RFC 4733 events, a baresip phone whose microphone plays the key's
tones (inband, to an endpoint with ``dtmf_mode = inband``), and a trunk from a
second Asterisk whose chan_pjsip sends the key as SIP INFO when it comes up
(so the PBX sees only a ``DTMFEnd``, the INFO's arrival).  Each must hear its
own amount, nobody else's, starting within 0.3 s of the key's first signal at
the PBX; for INFO the report also gives the time from the key going down at
the sending Asterisk (the INFO comes ``KEY_MS`` later).
"""

import pytest

from tests.support import heard
from tests.support.queue_lab import MATCH
from tests.support.sip_callers import KEY_MS
from tests.support.sip_phone import TONE_S

pytestmark = pytest.mark.asterisk

OTHERS_BELOW = 0.7   # another caller's amount clip scores 0.4-0.5 at best ("-teen")
INBAND_AT_S = 1.5    # the tone in the inband phone's microphone: 1.5 s into its audio
BALANCES = {"rfc4733": ("15551230001", "11"), "inband": ("15551230002", "12"),
            "info": ("+15551230003", "13")}
EVENTS = {"rfc4733": ["DTMFBegin", "DTMFEnd"], "inband": ["DTMFBegin", "DTMFEnd"],
          "info": ["DTMFEnd"]}


def test_rfc4733_inband_and_sip_info_keys_each_answer_their_own_caller(lab):
    lab.start(dict(BALANCES.values()))
    callers = {"rfc4733": lab.caller(BALANCES["rfc4733"][0]),
               "inband": lab.caller(BALANCES["inband"][0], keys=(("2", INBAND_AT_S),)),
               "info": lab.trunk(BALANCES["info"][0])}
    for caller in callers.values():
        caller.dial()
    for caller in callers.values():
        caller.wait_music()
        lab.wait_player(caller)
    inband_mark = callers["inband"].mark
    callers["rfc4733"].hold_until(1.0)
    keys = {mode: callers[mode].press("2") for mode in ("rfc4733", "info")}
    keys["inband"] = callers["inband"].key_arrived("2", inband_mark, timeout_s=INBAND_AT_S + 3)
    sentence_s = lab.sentence_s(["balance_is", "n13", "cur_USD_n"])
    for mode, caller in callers.items():
        caller.hold_until(keys[mode] + sentence_s + 1.0)
        caller.hang_up()

    amounts = {mode: lab.clip(f"prompt:en/n{balance}") for mode, (_, balance) in BALANCES.items()}
    latency, scores = {}, {}
    for mode, caller in callers.items():
        recording = lab.recording(caller)
        assert caller.key_events() == EVENTS[mode], (
            f"{mode}: the PBX saw {caller.key_events()} for key 2, expected {EVENTS[mode]}")
        latency[mode] = lab.clip_after(caller, recording, "prompt:en/balance_is", keys[mode],
                                       f"{mode} key 2")
        found = {other: heard.best(recording, clip)[0] for other, clip in amounts.items()}
        scores[mode] = found
        assert found[mode] >= MATCH and max(
            score for other, score in found.items() if other != mode) < OTHERS_BELOW, (
            f"{mode} caller {caller.number} should hear its own amount only; amount scores "
            f"by caller {found}: it heard {lab.heard_summary(recording)}\n{lab.player_log(caller)}")
    lost = lab.check_everywhere(single_calls=False)
    info = callers["info"]
    sender_s = round(latency["info"] + info.since_start(info.keys[0][1])
                     - info.since_start(info.sent_at[0]), 3)
    print(f"key's first signal at the PBX to 'balance is' (s) by mode {latency}; SIP INFO from "
          f"the key going down at the sender ({KEY_MS} ms key) {sender_s}; inband tone {TONE_S} s; "
          f"amount scores {scores}; lost at the start {lost}")
