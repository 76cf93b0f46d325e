"""The composer, exhaustively: exact key lists in both languages, and every
key it can produce exists in the vocabulary the renderer speaks."""

import pytest

from progmoh.player.words import compose
from progmoh.player.words.vocabulary import prompt_texts

MAX_POSITION = 20
NUMBERS = (0, 1, 2, 5, 11, 12, 21, 22, 101, 1000, 1001, 2000, 2001, 5000, 21000, 1000000,
           10**9, 2 * 10**9, 5 * 10**9, 21 * 10**9, 10**9 + 1, 10**12, 2 * 10**12, 5 * 10**12)

EN_NUMBERS = {
    0: "n0", 1: "n1", 2: "n2", 5: "n5", 11: "n11", 12: "n12", 21: "n20 n1", 22: "n20 n2",
    101: "n1 hundred and n1", 1000: "n1 thousand", 1001: "n1 thousand and n1",
    2000: "n2 thousand", 2001: "n2 thousand and n1", 5000: "n5 thousand",
    21000: "n20 n1 thousand", 1000000: "n1 million",
    10**9: "n1 billion", 2 * 10**9: "n2 billion", 5 * 10**9: "n5 billion",
    21 * 10**9: "n20 n1 billion", 10**9 + 1: "n1 billion and n1", 10**12: "n1 trillion",
    2 * 10**12: "n2 trillion", 5 * 10**12: "n5 trillion",
}
RU_NUMBERS = {
    0: "n0", 1: "n1_m", 2: "n2_m", 5: "n5", 11: "n11", 12: "n12", 21: "n20 n1_m",
    22: "n20 n2_m", 101: "n100 n1_m", 1000: "n1_f thousand_1", 1001: "n1_f thousand_1 n1_m",
    2000: "n2_f thousand_2", 2001: "n2_f thousand_2 n1_m", 5000: "n5 thousand_5",
    21000: "n20 n1_f thousand_1", 1000000: "n1_m million_1",
    10**9: "n1_m billion_1", 2 * 10**9: "n2_m billion_2", 5 * 10**9: "n5 billion_5",
    21 * 10**9: "n20 n1_m billion_1", 10**9 + 1: "n1_m billion_1 n1_m", 10**12: "n1_m trillion_1",
    2 * 10**12: "n2_m trillion_2", 5 * 10**12: "n5 trillion_5",
}


def texts(language):
    return prompt_texts(language, MAX_POSITION, compose.number_words)


def assert_known(language, keys):
    missing = [k for k in keys if k not in texts(language)]
    assert not missing, f"{language}: keys not in the vocabulary: {missing}"


@pytest.mark.parametrize("n", NUMBERS)
def test_numbers_en(n):
    assert compose.number_keys("en", n) == EN_NUMBERS[n].split()
    assert_known("en", compose.number_keys("en", n))


@pytest.mark.parametrize("n", NUMBERS)
def test_numbers_ru(n):
    assert compose.number_keys("ru", n) == RU_NUMBERS[n].split()
    assert_known("ru", compose.number_keys("ru", n))


def test_feminine_agreement_and_larger_numbers():
    assert compose.number_keys("ru", 2, "f") == ["n2_f"]
    assert compose.number_keys("ru", 22000) == "n20 n2_f thousand_2".split()
    assert compose.number_keys("ru", 11000) == "n11 thousand_5".split()
    assert compose.number_keys("ru", 2000000) == "n2_m million_2".split()
    assert compose.number_keys("ru", 5_000_000) == "n5 million_5".split()
    assert compose.number_keys("en", 1_000_050) == "n1 million and n50".split()
    assert compose.number_keys("en", 115) == "n1 hundred and n15".split()


def test_billions_and_trillions_read_properly():
    assert compose.number_words("en", 10**9) == "one billion"
    assert compose.number_words("ru", 10**9) == "один миллиард"
    assert compose.number_words("ru", 3 * 10**9) == "три миллиарда"
    assert compose.number_words("ru", 11 * 10**9) == "одиннадцать миллиардов"
    assert compose.number_words("ru", 2 * 10**12 + 2000) == "два триллиона две тысячи"
    assert compose.number_words("en", 2 * 10**12 + 5 * 10**9) == "two trillion five billion"


def test_number_words():
    assert compose.number_words("en", 21) == "twenty one"
    assert compose.number_words("ru", 21) == "двадцать один"
    assert compose.number_words("ru", 2001) == "две тысячи один"
    assert compose.number_words("en", -5) == "minus five"


def test_every_number_up_to_a_few_thousand_is_known():
    for language in ("en", "ru"):
        vocabulary = texts(language)
        for n in list(range(0, 3000)) + [10**6 + 1, 999_999, 123_456_789, 10**15 - 1,
                                         123_456_789_012_345, 11 * 10**9, 14 * 10**12]:
            for gender in ("m", "f"):
                keys = compose.number_keys(language, n, gender)
                assert all(k in vocabulary for k in keys), (language, n, keys)


AMOUNTS = [
    # language, text, currency, expected
    ("ru", "-1234.05", "RUB", "minus n1_f thousand_1 n200 n30 n4 cur_RUB_2 n5 sub_RUB_5"),
    ("ru", "0", "RUB", "n0 cur_RUB_5"),
    ("ru", "1.01", "RUB", "n1_m cur_RUB_1 n1_f sub_RUB_1"),
    ("ru", "2.02", "RUB", "n2_m cur_RUB_2 n2_f sub_RUB_2"),
    ("ru", "5.05", "RUB", "n5 cur_RUB_5 n5 sub_RUB_5"),
    ("ru", "11.11", "RUB", "n11 cur_RUB_5 n11 sub_RUB_5"),
    ("ru", "21.21", "RUB", "n20 n1_m cur_RUB_1 n20 n1_f sub_RUB_1"),
    ("ru", "12", "RUB", "n12 cur_RUB_5"),
    ("ru", "22", "RUB", "n20 n2_m cur_RUB_2"),
    ("ru", "21000", "RUB", "n20 n1_f thousand_1 cur_RUB_5"),
    ("ru", "1000000", "RUB", "n1_m million_1 cur_RUB_5"),
    ("ru", "2001.02", "USD", "n2_f thousand_2 n1_m cur_USD_1 n2_m sub_USD_2"),
    ("ru", "-0.21", "EUR", "minus n20 n1_m sub_EUR_1"),
    ("ru", "101", "EUR", "n100 n1_m cur_EUR_1"),
    ("ru", "5000.5", "RUB", "n5 thousand_5 cur_RUB_5 n50 sub_RUB_5"),
    ("en", "-1234.05", "RUB", "minus n1 thousand n2 hundred and n30 n4 cur_RUB_n n5 sub_RUB_n"),
    ("en", "0", "USD", "n0 cur_USD_n"),
    ("en", "1.01", "USD", "n1 cur_USD_1 n1 sub_USD_1"),
    ("en", "2.02", "USD", "n2 cur_USD_n n2 sub_USD_n"),
    ("en", "5.05", "EUR", "n5 cur_EUR_n n5 sub_EUR_n"),
    ("en", "11.11", "EUR", "n11 cur_EUR_n n11 sub_EUR_n"),
    ("en", "21.21", "USD", "n20 n1 cur_USD_n n20 n1 sub_USD_n"),
    ("en", "-0.01", "USD", "minus n1 sub_USD_1"),
    ("en", "1000000", "RUB", "n1 million cur_RUB_n"),
    ("en", "1001", "RUB", "n1 thousand and n1 cur_RUB_n"),
    ("en", "12.5", "usd", "n12 cur_USD_n n50 sub_USD_n"),
    ("en", "0.995", "USD", "n1 cur_USD_1"),
    ("en", "-0.00", "USD", "n0 cur_USD_n"),
    ("en", "12.05", "XYZ", "n12 pause n0 n5"),
    ("en", "-7", "", "minus n7"),
    ("ru", "2.50", "", "n2_m pause n50"),
    ("ru", "1000000000", "RUB", "n1_m billion_1 cur_RUB_5"),
    ("ru", "-2000000000000.01", "RUB", "minus n2_m trillion_2 cur_RUB_5 n1_f sub_RUB_1"),
    ("en", "2500000000.10", "USD", "n2 billion n5 hundred million cur_USD_n n10 sub_USD_n"),
    ("en", "999999999999999.99", "", "n9 hundred and n90 n9 trillion n9 hundred and n90 n9 billion "
     "n9 hundred and n90 n9 million n9 hundred and n90 n9 thousand n9 hundred and n90 n9 "
     "pause n90 n9"),
]


@pytest.mark.parametrize("language,text,currency,expected", AMOUNTS)
def test_amounts(language, text, currency, expected):
    keys = compose.amount_keys(language, text, currency)
    assert keys == expected.split()
    assert_known(language, keys)


@pytest.mark.parametrize("text", ["", "-", "abc", "1.", "1e3", "1,5", "--1", "١٢", "1.2.3", None,
                                  "1000000000000000", "-1000000000000000.00",
                                  "999999999999999.995", "1" + "0" * 5000, "0" * 5000 + "1e308"])
def test_bad_amounts_raise(text):
    with pytest.raises(compose.AmountError):
        compose.amount_keys("en", text, "USD")


ACCOUNTS = [
    ("123", [["1", "2", "3"]]),
    ("1234", [["1", "2"], ["3", "4"]]),
    ("12345", [["1", "2", "3"], ["4", "5"]]),
    ("123456", [["1", "2", "3"], ["4", "5", "6"]]),
    ("1234567", [["1", "2", "3"], ["4", "5"], ["6", "7"]]),
    ("LS-12 345 678", [["1", "2", "3"], ["4", "5", "6"], ["7", "8"]]),
    ("", []),
]


@pytest.mark.parametrize("account,groups", ACCOUNTS)
def test_digit_groups(account, groups):
    assert compose.digit_groups(account) == groups


def test_account_keys_in_groups():
    assert compose.account_keys("en", "1234567") == \
        "n1 n2 n3 pause n4 n5 pause n6 n7".split()
    assert compose.account_keys("ru", "120021") == \
        "n1_m n2_m n0 pause n0 n2_m n1_m".split()
    assert_known("ru", compose.account_keys("ru", "0123456789"))
    assert_known("en", compose.account_keys("en", "0123456789"))


def acct(account, balance, currency="RUB", locked=False):
    return {"account": account, "balance": balance, "currency": currency, "locked": locked}


BALANCES = [
    ("ru", "ok", [acct("100200", "-15.30")],
     "balance_is minus n15 cur_RUB_5 n30 sub_RUB_5"),
    ("ru", "ok", [acct("100200", "1", locked=True)],
     "suspended balance_is n1_m cur_RUB_1"),
    ("ru", "ok", [acct("12345", "2.01"), acct("678", "-1000", "USD", True)],
     "several_accounts account_number_is n1_m n2_m n3 pause n4 n5 balance_is "
     "n2_m cur_RUB_2 n1_f sub_RUB_1 next_account account_number_is n6 n7 n8 "
     "suspended balance_is minus n1_f thousand_1 cur_USD_5"),
    ("en", "ok", [acct("12", "5", "USD"), acct("34", "0.01", "USD"), acct("5678", "21", "EUR")],
     "several_accounts account_number_is n1 n2 balance_is n5 cur_USD_n "
     "next_account account_number_is n3 n4 balance_is n1 sub_USD_1 "
     "next_account account_number_is n5 n6 pause n7 n8 balance_is n20 n1 cur_EUR_n"),
    ("en", "ok", [acct("1", "12.00", "GBP")], "balance_is n12"),
    ("en", "ok", [], "not_registered"),
    ("ru", "not_registered", [], "not_registered"),
    ("en", "unavailable", [], "unavailable"),
    ("ru", "weird", [acct("1", "1")], "unavailable"),
    ("en", "ok", [acct("1", "twelve")], "unavailable"),
    ("en", "ok", [acct("1", "1"), {"account": "2"}], "unavailable"),
    ("en", "ok", [acct("1", "1" + "0" * 100000)], "unavailable"),
    ("ru", "ok", [acct("1", "5"), acct("2", "1000000000000000")], "unavailable"),
    ("en", "ok", [acct("1", "1e308")], "unavailable"),
]


@pytest.mark.parametrize("language,status,accounts,expected", BALANCES)
def test_balances(language, status, accounts, expected):
    keys = compose.balance_keys(language, status, accounts)
    assert keys == expected.split()
    assert_known(language, keys)


def test_balance_accepts_protocol_accounts():
    from progmoh.player.protocol import Account
    keys = compose.balance_keys("en", "ok", [Account("1", "2", "USD")])
    assert keys == "balance_is n2 cur_USD_n".split()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_positions(language):
    for n in range(1, MAX_POSITION + 1):
        assert compose.position_keys(language, n, MAX_POSITION) == [f"position_{n}"]
    assert compose.position_keys(language, 0, MAX_POSITION) == []
    beyond = compose.position_keys(language, 21, MAX_POSITION)
    assert_known(language, beyond)
    assert beyond[:1] == ["position_prefix"]


def test_positions_beyond_the_sentences():
    assert compose.position_keys("en", 21, 20) == "position_prefix n20 n1 position_suffix".split()
    assert compose.position_keys("ru", 101, 20) == "position_prefix n100 n1_m".split()
    assert texts("ru")["position_5"] == "Ваш номер в очереди пять"
    assert texts("en")["position_1"] == "You are number one in the queue."


def test_unknown_language():
    with pytest.raises(ValueError, match="xx"):
        compose.balance_keys("xx", "ok", [])


@pytest.mark.parametrize("language, minutes, expected", [
    ("en", 0, "wait_under_minute"), ("en", 1, "wait_prefix n1 minute_1"),
    ("en", 2, "wait_prefix n2 minute_n"), ("en", 21, "wait_prefix n20 n1 minute_n"),
    ("ru", 0, "wait_under_minute"), ("ru", 1, "wait_prefix n1_f minute_1"),
    ("ru", 2, "wait_prefix n2_f minute_2"), ("ru", 4, "wait_prefix n4 minute_2"),
    ("ru", 5, "wait_prefix n5 minute_5"), ("ru", 11, "wait_prefix n11 minute_5"),
    ("ru", 12, "wait_prefix n12 minute_5"), ("ru", 21, "wait_prefix n20 n1_f minute_1"),
    ("ru", 22, "wait_prefix n20 n2_f minute_2"), ("ru", 25, "wait_prefix n20 n5 minute_5"),
])
def test_waits(language, minutes, expected):
    assert compose.wait_keys(language, minutes) == expected.split()


def test_wait_words_read_as_sentences():
    ru, en = texts("ru"), texts("en")
    spoken = " ".join(ru[k] for k in compose.wait_keys("ru", 22))
    assert spoken == "Время ожидания примерно двадцать две минуты"
    assert " ".join(en[k] for k in compose.wait_keys("en", 1)) == \
        "Your estimated wait is about one minute."
    assert compose.wait_keys("en", -1) == [] and compose.wait_keys("ru", None) == []


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_wait_up_to_two_hours_is_known(language):
    for minutes in range(0, 121):
        assert_known(language, compose.wait_keys(language, minutes))
