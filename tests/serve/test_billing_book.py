"""BalanceBook: one fetch in flight per number, answers kept for max_age_s (fake clock)."""

import asyncio

from progmoh.player.serve.billing import BalanceBook, rewrite_number
from progmoh.player.serve.settings import BillingFields, BillingSettings, RewriteRule
from tests.support.billing_server import BillingServer, json_answer
from tests.support.fake_clock import FakeClock

FIELDS = BillingFields(accounts="accounts", account="account", balance="balance",
                       currency="currency", locked="locked")
RUSSIAN = (RewriteRule(r"\+7(\d{10})", r"8\1"), RewriteRule(r"7(\d{10})", r"8\1"))


def settings_for(url: str, **overrides) -> BillingSettings:
    values = dict(backend="http", url=url, auth="none", username="", password="", token="",
                  command=(), timeout_s=2.0, verify_tls=True, max_age_s=60.0,
                  max_body_bytes=65536, rewrite=RUSSIAN, fields=FIELDS)
    return BillingSettings(**dict(values, **overrides))


def one_account(balance: str):
    return json_answer({"accounts": [{"account": "1", "balance": balance, "currency": "RUB"}]})


def test_rewrite_first_matching_rule_wins():
    assert rewrite_number(RUSSIAN, "+79161234567") == "89161234567"
    assert rewrite_number(RUSSIAN, "79161234567") == "89161234567"
    assert rewrite_number(RUSSIAN, "+7916123456") == "+7916123456"     # one digit short
    assert rewrite_number(RUSSIAN, "x+79161234567") == "x+79161234567"  # fullmatch only
    assert rewrite_number((), "+79161234567") == "+79161234567"
    both = (RewriteRule(r"(\d+)", r"first-\1"), RewriteRule(r"(\d+)", r"second-\1"))
    assert rewrite_number(both, "123") == "first-123"
    anchored = (RewriteRule(r"^\+7(\d{10})$", r"8\1"),)
    assert rewrite_number(anchored, "+79161234567") == "89161234567"


def test_prefetch_and_gets_share_one_fetch():
    async def scenario(server):
        book = BalanceBook(settings_for(server.origin + "/b/{number}"), FakeClock(500.0))
        book.prefetch("+79161234567")
        book.prefetch("79161234567")          # the same number once rewritten
        waiting = [asyncio.ensure_future(book.get("+79161234567")) for _ in range(3)]
        await asyncio.to_thread(server.arrived.wait, 5.0)
        server.release.set()
        results = await asyncio.gather(*waiting)
        await book.close()
        return results

    with BillingServer() as server:
        server.answers["/b/89161234567"] = one_account("10.00")
        server.answers["/b/89161234567"].hold = True
        results = asyncio.run(scenario(server))
        assert server.paths == ["/b/89161234567"]
    assert {r.accounts[0].balance for r in results} == {"10.00"}
    assert len(set(results)) == 1                 # one answer, read alike by each


def test_answer_kept_until_max_age_then_refetched():
    clock = FakeClock(500.0)

    async def scenario(server):
        book = BalanceBook(settings_for(server.origin + "/b/{number}"), clock)
        first = await book.get("+79161234567")
        server.answers["/b/89161234567"] = one_account("20.00")
        clock.now_s += 59.9
        book.prefetch("+79161234567")
        kept = await book.get("+79161234567")
        clock.now_s += 0.1
        fresh = await book.get("+79161234567")
        await book.close()
        return first, kept, fresh

    with BillingServer() as server:
        server.answers["/b/89161234567"] = one_account("10.00")
        first, kept, fresh = asyncio.run(scenario(server))
        assert len(server.requests) == 2
    assert (first.accounts[0].balance, kept.accounts[0].balance) == ("10.00", "10.00")
    assert fresh.accounts[0].balance == "20.00"
    assert (first.fetched_at, fresh.fetched_at) == (500.0, 560.0)


def test_prefetch_of_a_fresh_answer_does_nothing():
    clock = FakeClock(500.0)

    async def scenario(server):
        book = BalanceBook(settings_for(server.origin + "/b/{number}"), clock)
        await book.get("79161234567")
        book.prefetch("79161234567")
        await book.close()

    with BillingServer() as server:
        server.answers["/b/89161234567"] = one_account("1")
        asyncio.run(scenario(server))
        assert len(server.requests) == 1


def test_unavailable_answer_is_not_kept():
    clock = FakeClock(500.0)

    async def scenario(server):
        book = BalanceBook(settings_for(server.origin + "/b/{number}"), clock)
        down = await book.get("1")
        server.answers["/b/1"] = one_account("3")
        up = await book.get("1")
        await book.close()
        return down, up

    with BillingServer() as server:
        down, up = asyncio.run(scenario(server))
        assert len(server.requests) == 2
    assert (down.status, up.status) == ("unavailable", "ok")


def test_numbers_are_kept_apart():
    async def scenario(server):
        book = BalanceBook(settings_for(server.origin + "/b/{number}"), FakeClock(500.0))
        results = await asyncio.gather(book.get("111"), book.get("222"))
        await book.close()
        return results

    with BillingServer() as server:
        server.answers["/b/111"] = one_account("1.11")
        server.answers["/b/222"] = one_account("2.22")
        first, second = asyncio.run(scenario(server))
    assert (first.accounts[0].balance, second.accounts[0].balance) == ("1.11", "2.22")
