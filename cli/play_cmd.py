"""``progmoh play --help``: the per-call player as click documents it.

Asterisk's own invocations never come here: ``cli.main`` sends ``progmoh
play ...`` to ``cli.play_fast`` before click is imported.  This command
exists for ``--help`` and the docs, and runs the very same function.  Its
options are made from the table the player's own parser reads
(player/command_line.py), so the help says what the parser takes.
"""

import click

from progmoh.cli.paths import default_cache
from progmoh.cli.play_fast import run
from progmoh.player.command_line import CACHE, LEAD, OPTIONS, REQUIRED
from progmoh.player.play.defaults import LEAD_MS_MAX, LEAD_MS_MIN


def _click_option(option):
    """One option of the player's table as a click option; what only click needs (the
    cache's default path, the lead's range) is added here."""
    settings = {"metavar": option.metavar, "help": option.help}
    if option in REQUIRED:
        settings["required"] = True     # and no default, not even None: click takes it as given
    else:
        settings["default"] = option.default
    if option is CACHE:
        settings.update(default=default_cache(), show_default=True)
    if option is LEAD:
        settings.update(type=click.IntRange(LEAD_MS_MIN, LEAD_MS_MAX), show_default=True)
    return click.option(option.flag, option.dest, **settings)


def _player_options(function):
    for option in reversed(OPTIONS):
        function = _click_option(option)(function)
    return function


@click.command(name="play")
@_player_options
def command(**options):
    """Stream one call's music on hold to stdout (8 kHz s16le mono), as Asterisk's
    custom music-on-hold application.  Asterisk starts it per call; see
    `progmoh asterisk-config`."""
    run(options)
