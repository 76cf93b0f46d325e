"""The one base class for the project's errors, in the bottom room of the tree.

It lives here, in ``cache/``, with nothing but the standard library above it,
because every package may import the cache's small modules and none may
import another package's: the renderer and the cache know nothing of the
player, the per-call player reaches its first audio on the standard library
and a few of the cache's modules only, and ``cli/`` sits above them all.  So
each layer can raise its own subclass, and the CLI catches this one base and
turns it into a single line and exit status 1 (cli/commands.py).
"""


class ProgmohError(Exception):
    """An error a user can act on; its message names the file, field or value.

    Every package's errors derive from it.  Three control-flow exceptions stay
    plain on purpose, because no user ever sees one: ``player.serve.realtime.
    BadRequest`` (a malformed HTTP request, answered with a 400 by the listener
    that read it, realtime's or the metrics endpoint's) and
    ``player.serve.players._Dropped`` (a player connection that broke the
    rules, logged and closed by the players' socket that read it) and
    ``cli.config_values.Refusal`` (a value reader's "no", which the config
    reader turns into a ConfigError naming the file and key).
    """


class CacheError(ProgmohError):
    """The segment store is missing, corrupt or locked."""
