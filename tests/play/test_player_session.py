"""What the player says for a balance message: something, always, never silence."""

import pytest

from progmoh.player.play.session import Session


class Catalog:
    def __init__(self):
        self.prompts = {("en", key): f"clip:{key}" for key in
                        ("unavailable", "balance_is", "n5", "cur_RUB_n", "not_registered")}


class Mixer:
    def __init__(self):
        self.inserts = []

    def insert(self, segments, what):
        self.inserts.append(what)


def said(message) -> tuple[list, list]:
    mixer, log = Mixer(), []
    session = Session(Catalog(), None, mixer, None, log.append)
    session.handle(dict(message, type="balance"))
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
