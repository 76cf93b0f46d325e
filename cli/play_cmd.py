"""Placeholder until its issue lands: `progmoh play`."""

import click


@click.command(name="play")
def command():
    """Not built yet."""
    raise click.ClickException("'progmoh play' is not built yet")
