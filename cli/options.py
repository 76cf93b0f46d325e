"""Options shared by every command."""

import click

from progmoh.cli.config import Config, config_path, load

config_option = click.option(
    "--config", "config_file", metavar="FILE", envvar=None,
    help="Configuration file (default: $PROGMOH_CONFIG, else an install's "
         "ETCDIR/progmoh.toml, else the demo defaults).")


def load_config(config_file: str | None) -> Config:
    return load(config_path(config_file))
