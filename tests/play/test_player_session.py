"""What the player says for a balance or say message: something, always, never silence;
what it cannot play is logged and ignored, never the end of the call's audio."""

import pytest

from progmoh.player.play.session import Session


class Catalog:
    def __init__(self):
        self.prompts = {("en", key): f"clip:{key}" for key in
                        ("unavailable", "balance_is", "n5", "cur_RUB_n", "not_registered",
                         "next_payment", "due", "month_12", "ord_15")}


class Mixer:
    def __init__(self):
        self.inserts = []

    def insert(self, segments, what):
        self.inserts.append(what)


def said(message, kind="balance") -> tuple[list, list]:
    mixer, log = Mixer(), []
    session = Session(Catalog(), None, mixer, None, log.append)
    session.handle(dict(message, type=kind))
    return mixer.inserts, log


def test_a_good_balance_is_said():
    inserts, _ = said({"status": "ok", "accounts": [{"account": "1", "balance": "5",
                                                     "currency": "RUB"}]})
    assert inserts == ["balance [balance_is n5 cur_RUB_n]"]


@pytest.mark.parametrize("accounts", [
    5, [5], [{"balance": "1" + "0" * 100000}], [{"balance": "1e308"}],
    [{"balance": "1000000000000000"}], {"balance": "5"}, [None], "text",
])
def test_a_balance_that_cannot_be_said_reads_unavailable(accounts):
    inserts, _ = said({"status": "ok", "accounts": accounts})
    assert inserts == ["balance [unavailable]"]


def test_a_say_message_plays_its_keys_and_logs_the_clips_it_lacks():
    inserts, log = said({"keys": ["next_payment", "n5", "due", "month_12", "ord_15", "ord_99"],
                         "language": "en", "what": "key 6"}, "say")
    assert inserts == ["key 6 [next_payment n5 due month_12 ord_15 ord_99]"]
    assert log == ["prompt clips missing for en: ord_99"]


@pytest.mark.parametrize("keys", [[], "next_payment", ["n5"] * 129, [5], ["a\nb"], ["x" * 65],
                                  None])
def test_a_say_message_that_is_no_short_list_of_keys_is_ignored(keys):
    inserts, log = said({"keys": keys, "language": "en", "what": "key 6"}, "say")
    assert inserts == [] and len(log) == 1 and "bad say message ignored" in log[0]
