"""[say], [lookups], [phrases] and [texts], at the top (the default program) and in
[programs.<name>]: inherited entry by entry (texts key by key), checked at load so that a
caller never meets a template that cannot be said, each problem naming the program, the
key and the template; lookups' secrets masked and the file's permissions checked."""

import pytest

from progmoh.cli.config import ConfigError, load, loose_permissions, masked
from progmoh.player.serve.say_keys import say_rules
from tests.support.config_file import write

TEXTS = """
[texts.en]
next_payment = "Your next payment of"
due = "is due on"
[texts.ru]
next_payment = "Ваш следующий платёж"
due = "до"
"""
KEY_6 = """
[say.6]
lookup = "billing"
template = "next_payment {due:money} due {due_date:date}"
"""


def error_of(tmp_path, text: str) -> str:
    with pytest.raises(ConfigError) as raised:
        load(write(tmp_path, text))
    return str(raised.value)


def test_a_say_key_is_parsed_with_its_lookup_and_a_program_inherits_or_turns_it_off(tmp_path):
    config = load(write(tmp_path, TEXTS + KEY_6 + """
[programs.sales.say.6]
template = ""
[programs.support]
language = "ru"
[programs.support.texts.ru]
due = "не позднее"
"""))
    programs = config.control_plane.programs
    rules = {p.name: say_rules(p) for p in programs}
    assert rules["default"]["6"].lookup == "billing"
    assert [part.__class__.__name__ for part in rules["default"]["6"].template.parts] == [
        "Prompt", "Field", "Prompt", "Field"]
    assert rules["sales"] == {}                                  # "" turns it off
    assert rules["support"]["6"].template.text == rules["default"]["6"].template.text
    support = config.program_configs()["support"]
    assert dict(support.texts)["ru"] == {"next_payment": "Ваш следующий платёж",
                                         "due": "не позднее"}       # merged key by key
    assert dict(support.texts)["en"]["due"] == "is due on"


@pytest.mark.parametrize("text, expected", [
    (KEY_6.replace("{due:money}", "{due:cash}"),
     "'say.6': template 'next_payment {due:cash} due {due_date:date}': '{due:cash}': unknown "
     "type 'cash'"),
    (KEY_6, "'say.6' in language 'en': template 'next_payment {due:money} due {due_date:date}': "
            "unknown prompt 'next_payment'; unknown prompt 'due'"),
    (TEXTS + KEY_6.replace("due {due_date", "duly {due_date"), "unknown prompt 'duly'"),
    (TEXTS + KEY_6.replace('"billing"', '"crm"'),
     "'say.6': lookup 'crm' is not declared (billing, or a table of [lookups])"),
    (TEXTS + KEY_6.replace("[say.6]", "[say.2]"),
     "'say.2': is also 'balance' of the program's keys"),
    (TEXTS + KEY_6.replace("[say.6]", '[say."66"]'), "'say.66': '66' is not one DTMF key"),
    (TEXTS + KEY_6.replace('lookup = "billing"\n', ""), "has fields but no lookup to fill them"),
    (TEXTS + KEY_6.replace("{due:money}", "{due:money:GBP}"), "money takes RUB, USD, EUR"),
    (TEXTS + '[say.7]\nlookup = "billing"\ntemplate = "{state:phrase}"\n',
     "field 'state' has no phrase mapping 'state'"),
    (TEXTS + '[phrases.state]\nopen = "is_open"\n[say.7]\nlookup = "billing"\n'
             'template = "{state:phrase}"\n', "phrase mapping 'state' maps 'open' to unknown "
                                              "prompt 'is_open'"),
    (TEXTS + "[texts.de]\nhallo = \"Hallo\"\n", "'texts.de' is not a language of "
                                                "render.languages"),
    ('[lookups.billing]\nbackend = "http"\n', "'lookups.billing': the lookup 'billing' is the "
                                              "[billing] table"),
    ('[lookups.crm]\nbackend = "ftp"\n', "'lookups.crm.backend' must be one of none, http, "
                                         "command"),
    ('[say.6]\nlookup = "billing"\n', "'say.6' must be a table with 'template'"),
    ('[phrases.state]\nopen = 1\n', "'phrases.state.open' must be a string, not an integer (1)"),
    (TEXTS + KEY_6 + '[programs.sales.keys]\nbalance = "6"\n',
     "'programs.sales.say.6': is also 'balance' of the program's keys"),
])
def test_a_say_key_that_cannot_be_said_is_refused_naming_where(tmp_path, text, expected):
    assert expected in error_of(tmp_path, text)


def test_a_program_key_problem_names_the_program(tmp_path):
    error = error_of(tmp_path, TEXTS + """
[programs.sales.say.8]
lookup = "crm"
template = "tickets {count:number}"
[programs.sales.lookups.crm]
backend = "http"
url = "http://crm.example/{number}"
""")
    assert "'programs.sales.say.8' in language 'en': template 'tickets {count:number}': " \
           "unknown prompt 'tickets'" in error
    assert "lookup 'crm' is not declared" not in error           # sales declares it


def test_lookup_secrets_are_masked_everywhere_and_make_the_file_private(tmp_path):
    path = write(tmp_path, """
[lookups.crm]
backend = "http"
auth = "basic"
username = "progmoh"
password = "crm-password"
[programs.sales.lookups.tickets]
backend = "http"
auth = "bearer"
token = "tickets-token"
""")
    path.chmod(0o644)
    config = load(path)
    shown = repr(masked(config.values))
    assert "crm-password" not in shown and "tickets-token" not in shown
    assert masked(config.values)["lookups"]["crm"]["password"] == "****"
    assert masked(config.values)["programs"]["sales"]["lookups"]["tickets"]["token"] == "****"
    assert "chmod 600" in loose_permissions(path, config.values)
    assert "crm-password" not in repr(config.control_plane)       # secrets out of the repr
