"""Placeholder until its issue lands: `progmoh cache`."""

import click


@click.command(name="cache")
def command():
    """Not built yet."""
    raise click.ClickException("'progmoh cache' is not built yet")
