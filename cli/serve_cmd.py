"""`progmoh serve`: the control plane Asterisk talks to (realtime classes, AMI, players)."""

import logging
import logging.handlers
import sys

import click

from progmoh.cli.config import loose_permissions
from progmoh.cli.options import config_option, load_config
from progmoh.cli.path_checks import executable_problem

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@click.command(name="serve")
@config_option
@click.option("--verbose", is_flag=True, help="Log debugging detail too.")
def command(config_file, verbose):
    """Run the control plane until SIGTERM or SIGINT.

    Answers Asterisk's realtime music-on-hold lookups, follows calls on AMI
    and tells each call's player what only that call may hear.
    """
    from progmoh.player.serve.service import run
    config = load_config(config_file)
    problem = (loose_permissions(config.source, config.values)
               or executable_problem(config.serve.executable))
    if problem:
        raise click.ClickException(f"refusing to start: {problem}")
    handler = _setup_logging(config.serve.log, logging.DEBUG if verbose else logging.INFO)
    click.get_current_context().call_on_close(lambda: _remove_logging(handler))
    run(config.control_plane)


def _setup_logging(target: str, level: int) -> logging.Handler:
    from progmoh.player.serve.log_lines import EscapingFormatter
    handler: logging.Handler
    if target == "syslog":
        handler = logging.handlers.SysLogHandler(address="/dev/log")
        handler.setFormatter(EscapingFormatter("progmoh-serve: %(levelname)s %(name)s: "
                                               "%(message)s"))
    elif target:
        handler = logging.handlers.WatchedFileHandler(target)
        handler.setFormatter(EscapingFormatter(LOG_FORMAT))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(EscapingFormatter(LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def _remove_logging(handler: logging.Handler) -> None:
    logging.getLogger().removeHandler(handler)
    handler.close()
