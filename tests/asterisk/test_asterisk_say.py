"""A say key on a real Asterisk: key 6 says a template with an amount and a date over
billing's answer (tests/support/asterisk_lab.py's billing adds the next payment), and
each caller hears it in the language of their channel, with the date in that language's
grammar (the Russian day in the genitive, "пятнадцатого декабря").

Two Local callers at once in the support queue, one with the channel language "ru"
(set in the dialplan, as an admin sets it per trunk or per DID).  What each hears is
found in its own recording by cross-correlation with the cache's prompt clips."""

import pytest

from tests.support import heard
from tests.support.asterisk_fixtures import DATE_TEXTS
from tests.support.queue_lab import EARLY_S, MATCH

pytestmark = pytest.mark.asterisk

ENGLISH_NUMBER, RUSSIAN_NUMBER = "15550201", "15550202"
TEMPLATE = "next_payment {due:money} due {due_date:date:gen}"
OTHER_BELOW = 0.8           # the other language's clip scores far lower
KEY_S = 1.5
SENTENCE_S = 12.0           # the whole sentence, with room: about 8 s in either language
DATE_CLIPS = {"en": ("month_12", "ord_15"), "ru": ("ord_15_gen", "month_12")}


def found_after(lab, caller, recording, segment_id: str, key_s: float) -> tuple[float, float]:
    """(score, seconds after the key) of the best match of ``segment_id`` after the key."""
    lost_s = max(0.0, caller.held_s() - len(recording) / heard.RATE)
    after = heard.excerpt(recording, key_s - lost_s - EARLY_S, SENTENCE_S)
    score, at = heard.best(after, lab.clip(segment_id))
    return score, round(at - EARLY_S, 3)


def test_a_date_template_is_heard_in_each_callers_language(lab):
    lab.sections.update({"say.6": {"lookup": "billing", "template": TEMPLATE},
                         **{f"texts.{lang}": texts for lang, texts in DATE_TEXTS.items()}})
    lab.start({ENGLISH_NUMBER: "15", RUSSIAN_NUMBER: "16"})
    callers = {"en": lab.call(ENGLISH_NUMBER, kind="local"),
               "ru": lab.call(RUSSIAN_NUMBER, kind="local", language="ru")}
    keys = {}
    for language, caller in callers.items():
        caller.hold_until(KEY_S)
        keys[language] = caller.press("6")
    for caller in callers.values():
        caller.hold_until(max(keys.values()) + SENTENCE_S)
        caller.hang_up()
    for language, other in (("en", "ru"), ("ru", "en")):
        caller, key_s = callers[language], keys[language]
        recording = lab.recording(caller)
        begins = lab.clip_after(caller, recording, f"prompt:{language}/next_payment", key_s,
                                f"key 6 in {language}")
        date = [found_after(lab, caller, recording, f"prompt:{language}/{clip}", key_s)
                for clip in DATE_CLIPS[language]]
        foreign = found_after(lab, caller, recording, f"prompt:{other}/next_payment", key_s)
        assert all(score >= MATCH and at > begins + 1.0 for score, at in date) \
            and date[0][1] < date[1][1] and foreign[0] < OTHER_BELOW, (
            f"key 6 in {language}: the sentence begins {begins} s after the key; the date's "
            f"{DATE_CLIPS[language]} (score, s after the key) {date}; the {other} sentence "
            f"scores {foreign[0]}; heard {lab.heard_summary(recording)}\n"
            f"{lab.player_log(caller)}")
    assert "says \"unavailable\"" not in lab.serve.log_text()
    lab.check_everywhere()
