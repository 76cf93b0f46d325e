"""Every progmoh command and subcommand explains itself in --help."""

import click
import pytest
from click.testing import CliRunner

from progmoh.cli.commands import progmoh
from progmoh.cli.main import main


def walk(command: click.Command, path: tuple[str, ...] = ()):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from walk(sub, path + (name,))


COMMANDS = list(walk(progmoh))


def test_the_tree_has_the_commands_of_the_design():
    top = {path[0] for path, _ in COMMANDS if len(path) == 1}
    assert {"cache", "config", "render", "play", "serve"} <= top
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"cache ls", "cache show", "cache verify", "cache gc", "cache export",
            "config check"} <= names


COMMAND_IDS = [" ".join(p) or "progmoh" for p, _ in COMMANDS]


@pytest.mark.parametrize("path, command", COMMANDS, ids=COMMAND_IDS)
def test_command_has_help_text(path, command):
    assert (command.help or "").strip(), f"progmoh {' '.join(path)} has no help text"
    result = CliRunner().invoke(progmoh, [*path, "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    opening = " ".join(command.help.split()[:6])
    assert opening in " ".join(result.stdout.split())
    assert result.stdout.startswith(f"Usage: progmoh {' '.join(path)}".rstrip())


@pytest.mark.parametrize("path, command", COMMANDS, ids=COMMAND_IDS)
def test_every_option_has_help_text(path, command):
    bare = [param.opts[0] for param in command.params
            if isinstance(param, click.Option) and not param.hidden and not param.help]
    assert bare == [], f"progmoh {' '.join(path)}: options without help: {bare}"


def test_console_entry_sends_play_help_to_click(capsys):
    with pytest.raises(SystemExit) as done:
        main(["play", "--help"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("Usage: progmoh play")
