"""``progmoh play --help``: the per-call player as click documents it.

Asterisk's own invocations never come here: ``cli.main`` sends ``progmoh
play ...`` to ``cli.play_fast`` before click is imported.  This command
exists for ``--help`` and the docs, and runs the very same function.
"""

import click

from progmoh.cli.paths import default_cache
from progmoh.cli.play_fast import run
from progmoh.player.play.defaults import LEAD_MS, LEAD_MS_MAX, LEAD_MS_MIN


@click.command(name="play")
@click.option("--uniqueid", required=True, metavar="ID",
              help="The call's Asterisk unique id (digits.digits); anything else gets "
                   "music and advice only.")
@click.option("--cache", "cache_dir", default=default_cache(), show_default=True, metavar="DIR",
              help="The rendered cache.")
@click.option("--socket", "socket_path", default=None, metavar="PATH",
              help="progmoh serve's player socket; without it, music and advice only.")
@click.option("--log", "log_target", default="", metavar="FILE|syslog",
              help="Where event lines go (default: stderr; never stdout).")
@click.option("--lead-ms", type=click.IntRange(LEAD_MS_MIN, LEAD_MS_MAX), default=LEAD_MS,
              show_default=True, help="How far ahead of real time audio is written.")
@click.option("--class", "music_class", default="", metavar="NAME",
              help="The music class to start with (the caller's remembered choice, put here "
                   "by serve); one the cache does not have means the default class.")
@click.option("--at", "place", default="", metavar="PLACE",
              help="Where a restarted call's caller is in that class "
                   "(TRACK:OFFSET:ADVICE_SAMPLES:ITEM, put here by serve).")
def command(uniqueid, cache_dir, socket_path, log_target, lead_ms, music_class, place):
    """Stream one call's music on hold to stdout (8 kHz s16le mono), as Asterisk's
    custom music-on-hold application.  Asterisk starts it per call; see
    `progmoh asterisk-config`."""
    run({"uniqueid": uniqueid, "cache_dir": cache_dir, "socket_path": socket_path,
         "log_target": log_target, "lead_ms": lead_ms, "music_class": music_class,
         "place": place})
