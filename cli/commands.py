"""The click command tree; each command lives in its own module."""

import click

from progmoh.cache.errors import ProgmohError


class ProgmohGroup(click.Group):
    """Turns the project's one error base (cache/errors.py: every package's errors and
    the configuration's derive from it) into ``Error: ...`` on one line and exit 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ProgmohError as error:
            raise click.ClickException(str(error)) from None


@click.group(cls=ProgmohGroup)
@click.version_option(package_name="progmoh")
def progmoh():
    """Programmable, per-caller music on hold for Asterisk queues."""


def _register():
    from progmoh.cli import (
        asterisk_cmd,
        cache_cmd,
        config_cmd,
        play_cmd,
        render_cmd,
        serve_cmd,
        simulate_cmd,
        status_cmd,
    )
    for module in (cache_cmd, config_cmd, render_cmd, play_cmd, serve_cmd, status_cmd,
                   asterisk_cmd, simulate_cmd):
        progmoh.add_command(module.command)


_register()
