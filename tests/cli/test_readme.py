"""The README is the admin's manual: every command it should teach is in it,
and its two set-up commands are the ones the Makefile and CI really run."""


from progmoh.cli.commands import progmoh
from progmoh.player.serve.callback_dialplan import callback_dialplan
from tests.support.checkout import REPO

README = (REPO / "README.md").read_text()


def test_every_command_appears_in_the_readme():
    missing = [name for name in progmoh.commands if f"progmoh {name}" not in README]
    assert missing == []


def test_the_two_setup_commands_are_documented_and_real():
    assert "make demo" in README and "make test" in README
    makefile = (REPO / "Makefile").read_text()
    assert "\ndemo:" in makefile and "\ntest:" in makefile
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_the_readme_simulated_call_matches_make_demo():
    makefile = (REPO / "Makefile").read_text()
    demo_line = next(line for line in makefile.splitlines() if "simulate-call" in line)
    arguments = demo_line.split("simulate-call", 1)[1].split(None, 1)[1]
    assert arguments in README


def test_the_readme_shows_the_callback_dialplan_asterisk_config_prints():
    assert callback_dialplan() in README
