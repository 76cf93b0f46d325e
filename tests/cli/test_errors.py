"""One error family: every error the project raises for a user derives from
cache/errors.py's ProgmohError, and the CLI turns that one base into one line and exit 1."""

import importlib
import inspect
import pkgutil

import click
from click.testing import CliRunner

from progmoh.cache.errors import ProgmohError
from progmoh.cli.commands import ProgmohGroup
from progmoh.cli.commands import progmoh as progmoh_cli
from progmoh.player import wire

# Control flow that never reaches a user (cache/errors.py says why each stays plain).
PLAIN = {"progmoh.player.serve.realtime.BadRequest", "progmoh.player.serve.players._Dropped",
         "progmoh.cli.config_values.Refusal"}


PACKAGES = ("progmoh.cache", "progmoh.cli", "progmoh.renderer", "progmoh.player")


def _modules():
    for top in PACKAGES:
        package = importlib.import_module(top)
        yield package
        for info in pkgutil.walk_packages(package.__path__, top + "."):
            yield importlib.import_module(info.name)


def _project_exceptions():
    for module in _modules():
        for name, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, BaseException)
                    and value.__module__ == module.__name__):
                yield f"{module.__name__}.{name}", value


def test_every_error_of_the_tree_derives_from_the_one_base():
    found = dict(_project_exceptions())
    assert {"progmoh.player.wire.ProtocolError", "progmoh.player.play.source.ObjectError",
            "progmoh.player.play.catalog.CatalogError", "progmoh.cli.config_reader.ConfigError",
            "progmoh.player.serve.ami.client.AmiError"} <= set(found)
    strays = sorted(name for name, cls in found.items()
                    if not issubclass(cls, ProgmohError) and name not in PLAIN)
    assert strays == []
    assert PLAIN <= set(found)                  # the exemptions still exist


def test_a_protocol_error_reaches_the_user_as_one_line_and_exit_1():
    @click.group(cls=ProgmohGroup)
    def tool():
        """A command tree like progmoh's."""

    @tool.command()
    def listen():
        wire.decode(b'{"v": 1, "type": "state", "state": \n')

    result = CliRunner().invoke(tool, ["listen"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: not JSON: ") and result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_a_config_error_reaches_the_user_as_one_line_and_exit_1(tmp_path):
    path = tmp_path / "progmoh.toml"
    path.write_text("[render]\nlanguagez = [\"en\"]\n")
    result = CliRunner().invoke(progmoh_cli, ["render", "--config", str(path)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}: ") and "languagez" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
