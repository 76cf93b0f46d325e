"""Where this progmoh keeps its files: an install's system folders, or a checkout's own.

``make install`` (scripts/install.py) writes ``progmoh/cli/installed.py`` beside
this module, naming the folders it was given (ETCDIR, STATEDIR, RUNDIR), the
service user and the lean player's command.  That generated file is the one
thing that makes a progmoh "installed": its configuration file is then
``ETC_DIR/progmoh.toml`` and its path defaults point into STATE_DIR and RUN_DIR
(the keys declared with an ``installed`` default), never into site-packages.  A checkout has
no such file and keeps the demo's defaults: ``music/`` and ``var/`` in the
checkout.

Standard library only and cheap: ``progmoh play`` imports it at every start.
"""

import os

try:
    from progmoh.cli import installed  # type: ignore[attr-defined]  # make install writes it
except ImportError:
    installed = None

CHECKOUT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG_NAME = "progmoh.toml"


def is_installed() -> bool:
    return installed is not None


def config_file() -> str | None:
    """The installed configuration file when it exists, else None (a checkout has none)."""
    if installed is None:
        return None
    path = os.path.join(installed.ETC_DIR, CONFIG_NAME)
    return path if os.path.exists(path) else None


def default_cache() -> str:
    """The cache ``progmoh play`` reads when no ``--cache`` is given."""
    if installed is None:
        return os.path.join(CHECKOUT_DIR, "var", "cache")
    return os.path.join(installed.STATE_DIR, "cache")


def fill(template: str) -> str:
    """An installed default: ``{state}`` and ``{run}`` replaced by this install's folders."""
    return template.format(state=installed.STATE_DIR, run=installed.RUN_DIR)


def service_user() -> str | None:
    """The user Asterisk and serve run as in this install; None in a checkout."""
    return installed.SERVICE_USER if installed is not None else None


def executable() -> str | None:
    """The install's progmoh through its stable ``PREFIX/venv`` link (not the release
    folder an upgrade removes); None in a checkout."""
    return installed.EXECUTABLE if installed is not None else None


def player_argv() -> tuple[str, ...]:
    """The lean player command of this install (interpreter, flags, entry script);
    () in a checkout."""
    return tuple(installed.PLAYER_ARGV) if installed is not None else ()
