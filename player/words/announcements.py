"""The built-in announcements (balance, queue position, estimated wait) as templates
of the same engine a program's keys use, so there is one way to say things.

What stays here is only the choice of template: which case of a billing
answer, whether a position has a whole-sentence clip, whether a wait is under
a minute.  Each returns the keys to play, in the order the player has always
played them (tests/test_words_compose.py pins them).
"""

from progmoh.player.words.readings import rules
from progmoh.player.words.render import render
from progmoh.player.words.template import parse
from progmoh.player.words.vocabulary import position_key

ACCOUNT = parse("balance_is {balance:money:@currency}")
LOCKED_ACCOUNT = parse("suspended balance_is {balance:money:@currency}")
ACCOUNT_NUMBER = parse("account_number_is {account:digits}")
POSITION = parse("position_prefix {position:number} position_suffix")
WAIT = parse("wait_prefix {minutes:minutes}")
# "about 3 to 5 minutes"; Russian says "примерно три-пять минут" (``wait_to`` unsaid there),
# the unit agreeing with the last number, the first feminine as minutes are.
WAIT_RANGE = parse("wait_prefix {min_minutes:number:f} wait_to {max_minutes:minutes}")


def balance_keys(language: str, status: object, accounts: object) -> list[str]:
    """The whole balance announcement for a ``balance`` message.

    One account: its balance.  Several: "you have several accounts", then
    each account's number and balance, "next account" between them (an
    account number without digits is left out, its balance still said).  An
    account the billing system reports as locked adds "suspended".  Anything
    malformed is answered politely with "unavailable".
    """
    rules(language)
    accounts = accounts or ()
    if not isinstance(accounts, (list, tuple)):
        return ["unavailable"]
    accounts = list(accounts)
    if status == "not_registered" or (status == "ok" and not accounts):
        return ["not_registered"]
    if status != "ok":
        return ["unavailable"]
    each = [_account_keys(language, account, len(accounts) > 1) for account in accounts]
    said = [spoken for spoken in each if spoken is not None]
    if len(said) < len(each):                   # a balance that cannot be said
        return ["unavailable"]
    if len(said) == 1:
        return said[0]
    keys = ["several_accounts"]
    for index, account in enumerate(said):
        keys += (["next_account"] if index else []) + account
    return keys


def _account_keys(language: str, account: object, numbered: bool) -> list[str] | None:
    """One account's keys, or None when its balance cannot be said."""
    fields = _account_fields(account)
    balance = render(LOCKED_ACCOUNT if fields["locked"] else ACCOUNT, language, fields)
    if balance.refused:
        return None
    number = render(ACCOUNT_NUMBER, language, fields) if numbered else None
    return (number.keys if number and not number.refused else []) + balance.keys


def _account_fields(account: object) -> dict[str, object]:
    """A protocol Account or the same fields in a dict; what is absent is empty."""
    defaults = (("account", ""), ("balance", ""), ("currency", ""), ("locked", False))
    if isinstance(account, dict):
        return {name: account.get(name, default) for name, default in defaults}
    return {name: getattr(account, name, default) for name, default in defaults}


def position_keys(language: str, position: int, max_position: int) -> list[str]:
    """A queue position: one whole sentence up to ``max_position``, else spliced."""
    if position < 1:
        return []
    if position <= max_position:
        return [position_key(position)]
    said = render(POSITION, language, {"position": position})
    return [] if said.refused else said.keys


def wait_keys(language: str, minutes: int | None,
              max_minutes: int | None = None) -> list[str]:
    """An estimated wait in whole minutes: "about N minutes", 0 "less than a minute", or
    with ``max_minutes`` over a non-zero ``minutes`` the range "about N to M minutes".

    A negative, missing or unsayable estimate says nothing: silence is better
    than a wrong number.
    """
    rules(language)
    if minutes is None or minutes < 0:
        return []
    if minutes == 0:
        return ["wait_under_minute"]
    if max_minutes is not None and max_minutes > minutes:
        said = render(WAIT_RANGE, language, {"min_minutes": minutes, "max_minutes": max_minutes})
    else:
        said = render(WAIT, language, {"minutes": minutes})
    return [] if said.refused else said.keys
