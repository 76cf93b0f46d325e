"""Placeholder until its issue lands: `progmoh asterisk`."""

import click


@click.command(name="asterisk-config")
def command():
    """Not built yet."""
    raise click.ClickException("'progmoh asterisk' is not built yet")
