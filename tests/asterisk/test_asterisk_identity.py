"""A real Asterisk: who a SIP caller is, and what a hostile identity cannot do.

The number comes from the From header's user part (with a display name, with
a ``+``) or, on an endpoint that trusts it (``trust_id_inbound``), from the
P-Asserted-Identity behind an anonymous From.  An anonymous caller, including
one whose PAI an untrusted endpoint ignores, hears music and "unavailable" on
key 2: serve asks billing nothing and remembers nothing for it, although the
billing book has an "anonymous" entry that would answer.  Hostile From values
are untrusted input: such callers hear music, nobody else's data, and serve
and Asterisk keep running for the caller who comes after them.
"""

import time

import pytest

from tests.support import heard
from tests.support.queue_lab import MATCH, MUSIC_MATCH

pytestmark = pytest.mark.asterisk

OTHERS_BELOW = 0.7   # another caller's amount clip scores 0.4-0.5 at best ("-teen")
BOOK = {"15551239001": "11", "+15551239002": "12", "+15551239003": "13", "+15551239004": "14",
        "anonymous": "15", "15551230010": "16"}


def phones(lab):
    """(expected answer to key 2, caller) by name; the trunks' From is anonymous."""
    return {
        "display name": ("n11", lab.caller("15551239001",
                                           aor='"Alice Example" <sip:15551239001@127.0.0.1>')),
        "plus": ("n12", lab.caller("+15551239002")),
        "trusted PAI": ("n13", lab.trunk("+15551239003", trusted=True)),
        "untrusted PAI": ("unavailable", lab.trunk("+15551239004", trusted=False)),
        "anonymous": ("unavailable", lab.caller(
            "anonymous", aor='"Anonymous" <sip:anonymous@anonymous.invalid>')),
    }


def start_all(lab, callers) -> None:
    for caller in callers:
        caller.dial()
    for caller in callers:
        caller.wait_music()
        lab.wait_player(caller)


def amount_scores(lab, recording) -> dict[str, float]:
    return {key: heard.best(recording, lab.clip(f"prompt:en/n{key}"))[0]
            for key in sorted(set(BOOK.values()))}


def test_the_number_comes_from_from_or_a_trusted_pai_and_anonymous_is_nobody(lab):
    lab.start(BOOK)
    callers = phones(lab)
    start_all(lab, [caller for _, caller in callers.values()])
    keys = {name: caller.press("2") for name, (_, caller) in callers.items()}
    sentence_s = lab.sentence_s(["balance_is", "n11", "cur_USD_n"]) + 1.4
    for name in ("display name", "untrusted PAI", "anonymous"):
        callers[name][1].hold_until(keys[name] + sentence_s)
        callers[name][1].press("3")
    for _, caller in callers.values():
        caller.hold_until(keys["anonymous"] + sentence_s + 1.5)
        caller.hang_up()

    for name in ("trusted PAI", "untrusted PAI"):
        caller = callers[name][1]
        assert "anonymous@anonymous.invalid" in (caller.variable("SIP_FROM") or "") and \
            caller.number in (caller.variable("SIP_PAI") or ""), (
                f"{name}: the trunk should withhold its From and assert the number: From "
                f"{caller.variable('SIP_FROM')!r}, "
                f"P-Asserted-Identity {caller.variable('SIP_PAI')!r}")
    latency = {}
    for name, (answer, caller) in callers.items():
        recording = lab.recording(caller)
        first = "balance_is" if answer.startswith("n") else answer
        latency[name] = lab.clip_after(caller, recording, f"prompt:en/{first}", keys[name],
                                       f"{name}: key 2")
        scores = amount_scores(lab, recording)
        own = answer.removeprefix("n")
        wrong = {key: score for key, score in scores.items()
                 if key != own and score >= OTHERS_BELOW}
        assert not wrong and (own not in scores or scores[own] >= MATCH), (
            f"{name} caller should hear {answer} and no other amount; amount scores {scores}: "
            f"it heard {lab.heard_summary(recording)}\n{lab.player_log(caller)}")
    asked, kept = lab.serve.lookups(), lab.serve.remembered()
    assert "anonymous" not in asked and "+15551239004" not in asked and "" not in asked, (
        f"serve asked billing about {asked}")
    assert set(kept) == {"15551239001"}, f"serve remembered classes for {kept}"
    lost = lab.check_everywhere(single_calls=False)
    print(f"key 2 to its answer (s) {latency}; billing asked for {asked}; remembered {kept}; "
          f"lost at the start {lost}")


HOSTILE = {
    "long number": "<sip:" + "9" * 200 + "@127.0.0.1>",
    "long name": '"' + "L" * 300 + '" <sip:15551239101@127.0.0.1>',
    "quoted": '"Bob \\"the\\" O\'Hara; DROP TABLE queue_music;--" <sip:15551239102@127.0.0.1>',
    "unicode": '"Ünïcødé 電話 🎵" <sip:%E2%98%8E15551239103@127.0.0.1>',
    # Asterisk unescapes the user part: CR LF CR LF would end an AMI event early.
    "control": ('"ctl\x01\x1b[31m" '
                '<sip:1555%0D%0A%0D%0AEvent:%20DTMFBegin%0D%0ADigit:%202@127.0.0.1>'),
    "bell and delete": "<sip:1555%07%08%7F@127.0.0.1>",
}


def test_hostile_from_values_hear_music_and_nobody_elses_data(lab):
    lab.sections["ami"]["resync_s"] = 5.0     # the least: QueueStatus answers list them too
    lab.start(BOOK)
    first, _ = lab.classes()
    track = lab.clip(lab.first_track(first))
    hostile = {name: lab.caller(name, aor=aor) for name, aor in HOSTILE.items()}
    start_all(lab, list(hostile.values()))
    for caller in hostile.values():        # their keys may never reach AMI whole: no waiting
        caller.send_key("2")
    pressed_at = hostile["control"].since_start(time.monotonic())
    victim = lab.call("15551230010")
    victim_key = victim.press("2")
    victim.hold_until(victim_key + lab.sentence_s(["balance_is", "n16", "cur_USD_n"]) + 1.0)
    for caller in [*hostile.values(), victim]:
        caller.hang_up()

    for name, caller in hostile.items():
        recording = lab.recording(caller)
        music = heard.where_in(track, heard.excerpt(recording, 0.0, 0.5))
        scores = amount_scores(lab, recording)
        assert music[0] >= MUSIC_MATCH and max(scores.values()) < OTHERS_BELOW, (
            f"{name} caller (key 2 at about {pressed_at} s) should hear music and no amount; its "
            f"first 0.5 s in {lab.first_track(first)} (score, s) {music}, amount scores {scores}: "
            f"it heard {lab.heard_summary(recording)}\n{lab.player_log(caller)}")
    lab.clip_after(victim, lab.recording(victim), "prompt:en/n16", victim_key, "the caller after "
                   "them: key 2", within_s=lab.sentence_s(["balance_is"]) + 0.8)
    assert lab.serve.process.poll() is None and "Traceback" not in lab.serve.log_text(), (
        lab.serve.log_text()[-3000:])
    assert lab.asterisk.process.poll() is None, lab.asterisk.tail()
    lost = lab.check_everywhere(single_calls=False)
    print(f"billing asked for {[n[:40] for n in lab.serve.lookups()]}; lost at the start {lost}")
