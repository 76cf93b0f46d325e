"""``progmoh config check``: validate and show the effective configuration."""

import json
import sys

import click

from progmoh.cli.config import config_path, default_base, load, loose_permissions, masked
from progmoh.cli.options import config_option
from progmoh.cli.path_checks import path_problems
from progmoh.cli.service_access import cache_findings, socket_findings
from progmoh.cli.toml_text import toml_lines


@click.group(name="config")
def command():
    """Inspect the configuration."""


@command.command(name="check")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of TOML.")
def check(config_file, as_json):
    """Validate the configuration and print it, as TOML, with secrets masked.

    Exit status 1 when a configured folder or the player's executable is
    missing or unusable (each named on stderr)."""
    path = config_path(config_file)
    config = load(path)
    warning = loose_permissions(path, config.values)
    if warning:
        click.echo(f"Warning: {warning}", err=True)
    problems = path_problems(config)
    for problem in problems:
        click.echo(f"Error: {problem}", err=True)
    shown = masked(config.values)
    if as_json:
        click.echo(json.dumps(shown, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        _print_toml(path, config, shown, problems)
    if problems:
        sys.exit(1)


def _print_toml(path, config, shown: dict, problems: list[str]) -> None:
    base = path.resolve().parent if path else default_base()
    verdict = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}" if problems else "OK"
    click.echo(f"# {path or 'built-in demo defaults'}: {verdict}")
    click.echo(f"# relative paths are resolved against {base}")
    _service_user(config)
    for line in toml_lines(shown):
        click.echo(line)


def _service_user(config) -> None:
    """In an install: whether the players' user can read the cache and reach the socket."""
    user, unreadable = cache_findings(config)
    if user is None:
        return
    unreachable = socket_findings(config)
    for problem in unreadable:
        click.echo(f"Warning: {problem}; players run as {user} would play silence", err=True)
    for problem in unreachable:
        click.echo(f"Warning: {problem}; players run as {user} would play music and "
                   f"advice only, nothing personal", err=True)
    if not unreadable and not unreachable:
        click.echo(f"# service user {user}: can read {config.cache.root} and reach "
                   f"{config.serve.socket_path}")

