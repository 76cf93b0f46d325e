"""The HTTP billing backend against a real local HTTP server."""

import asyncio
import base64
import logging
import ssl
import subprocess
import time
from dataclasses import replace

import pytest

from progmoh.player.protocol import Account
from progmoh.player.serve.billing import BalanceBook
from progmoh.player.serve.billing_errors import BillingUnavailable
from progmoh.player.serve.billing_http import HttpBilling
from progmoh.player.serve.settings import BillingFields, BillingSettings, RewriteRule
from tests.support.billing_server import Answer, BillingServer, balance, json_answer

FIELDS = BillingFields(accounts="accounts", account="account", balance="balance",
                       currency="currency", locked="locked")
PASSWORD, TOKEN = "pa55-w0rd:secret", "t0ken-SECRET"


def settings_for(url: str, **overrides) -> BillingSettings:
    values = dict(backend="http", url=url, auth="none", username="", password=PASSWORD,
                  token=TOKEN, command=(), timeout_s=2.0, verify_tls=True, max_age_s=60.0,
                  max_body_bytes=65536, rewrite=(), fields=FIELDS)
    return BillingSettings(**dict(values, **overrides))


@pytest.fixture
def server():
    with BillingServer() as running:
        yield running


@pytest.fixture
def settings(server):
    return settings_for(server.origin + "/balance/{number}")


def test_one_account(server, settings):
    server.answers["/balance/79161234567"] = json_answer(
        {"accounts": [{"account": "100200", "balance": "1520.50", "currency": "RUB"}]})
    result = balance(settings, "79161234567")
    assert result.status == "ok"
    assert result.accounts == (Account("100200", "1520.50", "RUB", False),)


def test_no_accounts_means_not_registered(server, settings):
    server.answers["/balance/1"] = json_answer({"accounts": []})
    result = balance(settings, "1")
    assert (result.status, result.accounts) == ("not_registered", ())


def test_several_accounts_keep_their_order_and_exact_amounts(server, settings):
    server.answers["/balance/1"] = json_answer({"accounts": [
        {"account": "A1", "balance": "-12.5", "currency": "usd"},
        {"account": 77, "balance": 0, "currency": "EUR"},
        {"account": "A3", "balance": "999999999999999.99", "currency": "RUB"}]})
    result = balance(settings, "1")
    assert [(a.account, a.balance, a.currency) for a in result.accounts] == [
        ("A1", "-12.5", "USD"), ("77", "0", "EUR"), ("A3", "999999999999999.99", "RUB")]


def test_json_numbers_keep_their_decimal_text(server, settings):
    server.answers["/balance/1"] = Answer(
        body=b'{"accounts": [{"account": "1", "balance": 0.10, "currency": "RUB"},'
             b' {"account": "2", "balance": 1234567890.123456789, "currency": "RUB"}]}')
    assert [a.balance for a in balance(settings, "1").accounts] == ["0.10", "1234567890.123456789"]


@pytest.mark.parametrize("amount", [b"1e100000", b'"1e100000"', b"1e308", b'"-1000000000000000"',
                                    b'"1e-100000"', b'"Infinity"', b'"' + b"9" * 60000 + b'"'])
def test_huge_non_finite_or_absurd_amounts_are_unavailable_in_one_short_line(
        server, settings, amount, caplog):
    server.answers["/balance/1"] = Answer(
        body=b'{"accounts": [{"account": "1", "balance": ' + amount + b', "currency": "RUB"}]}')
    assert balance(settings, "1").status == "unavailable"
    line, = [record.getMessage() for record in caplog.records if "balance" in record.getMessage()]
    assert len(line) < 200


def test_locked_account(server, settings):
    server.answers["/balance/1"] = json_answer({"accounts": [
        {"account": "1", "balance": "-300.00", "currency": "RUB", "locked": True},
        {"account": "2", "balance": "5", "currency": "RUB", "locked": False}]})
    assert [a.locked for a in balance(settings, "1").accounts] == [True, False]


def test_bare_list_and_mapped_field_names(server):
    server.answers["/b/1"] = json_answer([{"id": "9", "sum": "3.30", "cur": "KZT",
                                           "blocked": "yes"}])
    fields = BillingFields(accounts="data", account="id", balance="sum", currency="cur",
                           locked="blocked")
    result = balance(settings_for(server.origin + "/b/{number}", fields=fields), "1")
    assert result.accounts == (Account("9", "3.30", "KZT", True),)


@pytest.mark.parametrize("body", [
    b"not json", b'{"accounts": 5}', b'{"other": []}', b'"text"',
    b'{"accounts": [{"account": "1", "currency": "RUB"}]}',
    b'{"accounts": [{"account": "1", "balance": "12,50"}]}',
    b'{"accounts": [{"account": "1", "balance": "NaN"}]}',
    b'{"accounts": [{"account": "1", "balance": true}]}',
    b'{"accounts": ["x"]}',
])
def test_answers_that_do_not_fit_are_unavailable(server, settings, body):
    server.answers["/balance/1"] = Answer(body=body)
    assert balance(settings, "1").status == "unavailable"


def test_http_500_is_unavailable(server, settings, caplog):
    server.answers["/balance/1"] = Answer(status=500, body=b'{"accounts": []}')
    assert balance(settings, "1").status == "unavailable"
    assert "HTTP 500" in caplog.text


def test_slower_than_the_timeout_is_unavailable_in_time(server):
    server.answers["/balance/1"] = json_answer({"accounts": []}, hold=True)
    started = time.monotonic()
    result = balance(settings_for(server.origin + "/balance/{number}", timeout_s=0.3), "1")
    assert result.status == "unavailable"
    assert time.monotonic() - started < 2.0


def test_trickling_answer_frees_its_thread_at_the_timeout(server):
    """Bytes arriving just faster than the socket timeout must not hold a thread for ever."""
    server.answers["/balance/1"] = Answer(body=b" " * 1000 + b"[]", trickle_s=0.05)
    backend = HttpBilling(settings_for(server.origin + "/balance/{number}", timeout_s=0.3))
    started = time.monotonic()
    with pytest.raises(BillingUnavailable, match="no complete answer within 0.3 s"):
        asyncio.run(backend.fetch("1"))
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("with_length", [True, False])
def test_huge_body_is_unavailable(server, settings, with_length, caplog):
    body = b'{"accounts": [' + b'{"account": "1", "balance": "1"},' * 40000 + b'{}]}'
    server.answers["/balance/1"] = Answer(body=body, length=with_length)
    assert balance(settings, "1").status == "unavailable"
    assert "over 65536" in caplog.text


def test_redirect_to_another_host_is_not_followed(server, caplog):
    with BillingServer() as other:
        other_url = other.origin.replace("127.0.0.1", "localhost")
        other.answers["/stolen"] = json_answer({"accounts": [{"account": "1", "balance": "1"}]})
        server.answers["/balance/1"] = Answer(status=302,
                                              headers={"Location": other_url + "/stolen"})
        result = balance(settings_for(server.origin + "/balance/{number}", auth="bearer"), "1")
        assert result.status == "unavailable"
        assert other.requests == []
    assert "another host" in caplog.text


def test_redirect_on_the_same_host_is_followed(server):
    server.answers["/old/1"] = Answer(status=301, headers={"Location": "/new/1"})
    server.answers["/new/1"] = json_answer({"accounts": [{"account": "5", "balance": "2"}]})
    result = balance(settings_for(server.origin + "/old/{number}"), "1")
    assert result.accounts == (Account("5", "2", "", False),)
    assert server.paths == ["/old/1", "/new/1"]


def test_basic_auth_header_reaches_the_server(server, settings):
    server.answers["/balance/1"] = json_answer({"accounts": []})
    balance(replace(settings, auth="basic", username="progmoh"), "1")
    expected = base64.b64encode(f"progmoh:{PASSWORD}".encode()).decode()
    assert server.requests[0][1]["Authorization"] == f"Basic {expected}"


def test_bearer_auth_header_reaches_the_server(server, settings):
    server.answers["/balance/1"] = json_answer({"accounts": []})
    balance(replace(settings, auth="bearer"), "1")
    assert server.requests[0][1]["Authorization"] == f"Bearer {TOKEN}"


def test_no_auth_sends_no_header(server, settings):
    server.answers["/balance/1"] = json_answer({"accounts": []})
    balance(settings, "1")
    assert "Authorization" not in server.requests[0][1]


def test_caller_number_is_url_encoded(server):
    server.answers["/q"] = json_answer({"accounts": []})
    settings = settings_for(server.origin + "/q?number={number}&x=1")
    assert balance(settings, "a&b=c/d e+f?#").status == "not_registered"
    assert server.paths == ["/q?number=a%26b%3Dc%2Fd%20e%2Bf%3F%23&x=1"]


def test_rewrite_rules_change_the_number_asked(server, settings):
    server.answers["/balance/89161234567"] = json_answer({"accounts": []})
    rules = (RewriteRule(r"\+7(\d{10})", r"8\1"), RewriteRule(r"\+(\d+)", r"00\1"))
    result = balance(replace(settings, rewrite=rules), "+79161234567")
    assert result.status == "not_registered"
    assert server.paths == ["/balance/89161234567"]


def test_credentials_never_logged(server, caplog):
    server.answers["/balance/1"] = Answer(status=500)
    urls = [server.origin + "/balance/{number}?key=QUERYKEY",
            server.origin.replace("://", "://user:urlpass@") + "/balance/{number}?key=QUERYKEY",
            "http://user:urlpass@[::1/{number}?key=QUERYKEY"]
    with caplog.at_level(logging.DEBUG):
        for url in urls:
            for auth in ("basic", "bearer"):
                assert balance(settings_for(url, auth=auth, username="u"), "1").status == \
                    "unavailable"
    assert len(server.requests) == 2
    assert "HTTP 500" in caplog.text and "usable URL" in caplog.text
    for secret in (PASSWORD, TOKEN, "urlpass", "QUERYKEY"):
        assert secret not in caplog.text


def test_tls_verification_is_on(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with BillingServer(tls_context=context) as tls_server:
        tls_server.answers["/balance/1"] = json_answer({"accounts": []})
        settings = settings_for(tls_server.origin + "/balance/{number}")
        assert balance(settings, "1").status == "unavailable"
        assert tls_server.requests == []
        assert balance(replace(settings, verify_tls=False), "1").status == "not_registered"


def test_backend_none_is_unavailable():
    assert balance(settings_for("", backend="none"), "1").status == "unavailable"


def test_dripping_headers_never_tie_up_the_workers(server):
    """40 lookups whose answer head drips in byte by byte, then a healthy one on the same book."""
    for n in range(40):
        server.answers[f"/balance/{n}"] = json_answer({"accounts": []}, drip_head_s=0.05)
    server.answers["/balance/healthy"] = json_answer(
        {"accounts": [{"account": "1", "balance": "2"}]})
    settings = settings_for(server.origin + "/balance/{number}", timeout_s=0.5)

    async def main():
        book = BalanceBook(settings)
        try:
            started = time.monotonic()
            flood = await asyncio.gather(*(book.get(str(n)) for n in range(40)))
            flood_s = time.monotonic() - started
            return flood, flood_s, await book.get("healthy"), started
        finally:
            await book.close()

    flood, flood_s, healthy, started = asyncio.run(main())
    assert {result.status for result in flood} == {"unavailable"} and flood_s < 1.5
    assert healthy.status == "ok"
    dripped = len(server.requests) - 1
    deadline = time.monotonic() + 5.0
    while len(server.dropped) < dripped and time.monotonic() < deadline:
        time.sleep(0.01)
    assert dripped > 0 and len(server.dropped) == dripped
    assert max(server.dropped) - started < 0.5 + 0.5       # hung up at the deadline, not later
