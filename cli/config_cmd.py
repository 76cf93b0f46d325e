"""``progmoh config check``: validate and show the effective configuration."""

import json

import click

from cli.config import config_path, load, loose_permissions, masked
from cli.options import config_option


@click.group(name="config")
def command():
    """Inspect the configuration."""


@command.command(name="check")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of TOML-like text.")
def check(config_file, as_json):
    """Validate the configuration and print it with secrets masked."""
    path = config_path(config_file)
    config = load(path)
    warning = loose_permissions(path, config.values)
    if warning:
        click.echo(f"Warning: {warning}", err=True)
    shown = masked(config.values)
    if as_json:
        click.echo(json.dumps(shown, indent=2, sort_keys=True))
        return
    click.echo(f"# {path or 'built-in demo defaults'}: OK")
    for section, values in shown.items():
        click.echo(f"\n[{section}]")
        for key, value in values.items():
            click.echo(f"{key} = {json.dumps(value, ensure_ascii=False)}")
