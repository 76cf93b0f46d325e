"""Lookups against a real local HTTP server: answers decoded exactly and bounded, one book
per source, billing's answer shared by key 2 and a say template over it."""

import asyncio
import decimal

from progmoh.player.serve.billing import BalanceBook
from progmoh.player.serve.lookups import (
    BILLING,
    MAX_FIELDS,
    LookupBook,
    LookupBooks,
    plain_fields,
)
from progmoh.player.serve.settings import (
    BillingFields,
    BillingSettings,
    LookupSettings,
    RewriteRule,
)
from tests.support.billing_server import Answer, BillingServer, json_answer
from tests.support.fake_clock import FakeClock

NUMBER = "+79161234567"          # rewritten to 89161234567
RUSSIAN = (RewriteRule(r"\+7(\d{10})", r"8\1"),)


def settings_for(url: str, **overrides) -> BillingSettings:
    return BillingSettings(**dict(dict(backend="http", url=url, rewrite=RUSSIAN,
                                       fields=BillingFields()), **overrides))


def lookup_settings(url: str, **overrides) -> LookupSettings:
    return settings_for(url, **overrides).source()


def fetch(book: LookupBook, number: str = NUMBER):
    async def main():
        try:
            return await book.get(number)
        finally:
            await book.close()
    return asyncio.run(main())


def test_an_answer_is_its_json_with_exact_numbers_and_fields_a_template_reads():
    with BillingServer() as server:
        server.answers["/crm/89161234567"] = Answer(
            body=b'{"count": 3, "due": 12.50, "ratio": 0.1, "huge": 1e999, "status": "open", '
                 b'"nested": {"a": 1}}')
        answer = fetch(LookupBook("crm", lookup_settings(server.origin + "/crm/{number}")))
    assert answer.data["due"] == decimal.Decimal("12.50")          # never a float
    fields = plain_fields(answer.data)
    assert fields["count"] == 3 and fields["due"] == "12.50" and fields["ratio"] == "0.1"
    assert fields["huge"] == "1E+999"                               # text no number type takes
    assert fields["status"] == "open" and fields["nested"] == {"a": 1}


def test_nan_infinity_non_json_and_oversized_answers_are_no_answer():
    bodies = {"/nan/89161234567": b'{"due": NaN}', "/inf/89161234567": b'{"due": -Infinity}',
              "/text/89161234567": b"balance: 5",
              "/big/89161234567": b'{"a": "' + b"x" * 200 + b'"}'}
    with BillingServer() as server:
        for path, body in bodies.items():
            server.answers[path] = Answer(body=body)
        reasons = {}
        for path in bodies:
            url = server.origin + path.replace("89161234567", "{number}")
            answer = fetch(LookupBook("crm", lookup_settings(url, max_body_bytes=100)))
            assert answer.data is None, path
            reasons[path] = answer.reason
    assert "not JSON" in reasons["/nan/89161234567"] and "not JSON" in reasons["/text/89161234567"]
    assert "over 100" in reasons["/big/89161234567"]


def test_an_answer_with_too_many_fields_or_not_an_object_has_no_fields():
    assert "over" in plain_fields({f"f{i}": i for i in range(MAX_FIELDS + 1)})
    assert plain_fields([1, 2]) == "the answer is not a JSON object"


def test_no_answer_is_not_kept_and_an_answer_is_kept_for_max_age():
    async def scenario(server, clock):
        book = LookupBook("crm", lookup_settings(server.origin + "/crm/{number}", max_age_s=60),
                          clock)
        missing = await book.get(NUMBER)
        server.answers["/crm/89161234567"] = json_answer({"count": 1})
        first = await book.get(NUMBER)           # asked again: nothing was kept
        again = await book.get(NUMBER)
        clock.advance(60)
        later = await book.get(NUMBER)
        await book.close()
        return missing, first, again, later

    with BillingServer() as server:
        missing, first, again, later = asyncio.run(scenario(server, FakeClock(100.0)))
        assert len(server.paths) == 3
    assert missing.data is None and "HTTP 404" in missing.reason
    assert first is again and later.data == {"count": 1}


def test_billing_and_a_lookup_of_the_same_source_share_one_book_and_one_fetch():
    async def scenario(server):
        books = LookupBooks(FakeClock(100.0))
        billing = settings_for(server.origin + "/b/{number}")
        balances = BalanceBook(billing, book=books.book(BILLING, billing))
        same = books.book("accounts", lookup_settings(server.origin + "/b/{number}"))
        other = books.book("crm", lookup_settings(server.origin + "/crm/{number}"))
        balance = await balances.get(NUMBER)
        answer = await same.get(NUMBER)
        await books.close()
        return balances, same, other, balance, answer

    with BillingServer() as server:
        server.answers["/b/89161234567"] = json_answer(
            {"accounts": [{"account": "1", "balance": "10.00", "currency": "RUB"}],
             "due_date": "2026-12-15"})
        balances, same, other, balance, answer = asyncio.run(scenario(server))
        assert server.paths == ["/b/89161234567"]
    assert balances.book is same and other is not same
    assert balance.accounts[0].balance == "10.00" and answer.data["due_date"] == "2026-12-15"
