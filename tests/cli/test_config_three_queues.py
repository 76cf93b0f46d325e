"""docs/three-queues.toml, the complete example of docs/architecture.md ("Programs"): it
loads, and each queue's program has the keys, lookups, language and texts it says."""

from progmoh.cli.config import load
from progmoh.player.serve.say_keys import say_rules
from progmoh.player.words.render import render
from tests.support.checkout import REPO

EXAMPLE = REPO / "docs" / "three-queues.toml"


def test_the_three_queue_example_loads_with_each_programs_own_keys():
    config = load(EXAMPLE)
    programs = {p.name: p for p in config.control_plane.programs}
    assert list(programs) == ["default", "collections", "sales"]       # the default first
    keys = {name: sorted(say_rules(p)) for name, p in programs.items()}
    assert keys == {"default": ["6", "7"], "sales": ["8"], "collections": ["6", "9"]}
    assert (programs["sales"].keys.balance, programs["collections"].keys.balance) == ("", "2")
    assert programs["collections"].language == "ru"
    assert dict(programs["sales"].lookups)["crm"].password == "crm-password"
    texts = dict(config.program_configs()["collections"].texts)
    assert texts["ru"]["next_payment"] == "Ваш следующий платёж,"       # inherited
    assert texts["en"]["unavailable"].startswith("We cannot tell you")  # its own


def test_the_examples_templates_say_what_their_comments_promise():
    programs = {p.name: p for p in load(EXAMPLE).control_plane.programs}
    default = say_rules(programs["default"])
    tickets = render(default["7"].template, "en", {"count": 2, "status": "waiting"},
                     dict(programs["default"].phrases))
    assert tickets.keys == ["tickets_open", "n2", "ticket_status", "status_waiting"]
    due = render(default["6"].template, "ru",
                 {"due": "49.90", "currency": "USD", "due_date": "2026-12-15"})
    assert due.keys[-5:] == ["n2_f", "thousand_2", "n20", "ord_6_gen", "year_gen"]
    assert due.keys[due.keys.index("due") + 1:][:2] == ["ord_15_gen", "month_12"]
    account = render(say_rules(programs["sales"])["8"].template, "en", {"account": "40817810"})
    assert account.keys[0] == "account_number_is" and "pause" in account.keys
