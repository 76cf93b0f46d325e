"""Placeholder until its issue lands: `progmoh render`."""

import click


@click.command(name="render")
def command():
    """Not built yet."""
    raise click.ClickException("'progmoh render' is not built yet")
