"""Placeholder until its issue lands: `progmoh serve`."""

import click


@click.command(name="serve")
def command():
    """Not built yet."""
    raise click.ClickException("'progmoh serve' is not built yet")
