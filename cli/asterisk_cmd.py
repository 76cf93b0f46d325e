"""`progmoh asterisk-config`: the Asterisk and systemd snippets, filled from the config."""

import click

from progmoh.cli import paths
from progmoh.cli.options import config_option, load_config


@click.command(name="asterisk-config")
@config_option
def command(config_file):
    """Print commented snippets for extconfig.conf, musiconhold.conf, modules.conf,
    extensions.conf, queues.conf, manager.conf and the systemd units, with a dialplan
    context and a queue for each program."""
    from progmoh.player.serve.asterisk_config import snippets
    config = load_config(config_file)
    programs = config.program_configs()
    click.echo(snippets(config.serve, config.ami, config.source,
                        paths.service_user() or "asterisk", tuple(programs),
                        any(p.keys.callback for p in programs.values())),
               nl=False)
