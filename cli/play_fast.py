"""``progmoh play``: argv parsed by hand, straight into the player.

Asterisk runs this for every call and its first audio must come within
milliseconds on a few megabytes, so no click, argparse or config file
here.  Bad arguments are reported on stderr and the player still plays
(music and advice only): if it exited, Asterisk would respawn it in a
tight loop while the caller hears silence.  The options and their
parsing are player/command_line.py's, which ``serve`` writes them with.
"""

import posix
import sys

from progmoh.player import command_line

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from typing import Any


def parse(argv: list[str]) -> "tuple[dict[str, Any], list[str]]":
    """(options for player.engine.play, problems found); never raises."""
    options, problems = command_line.parse(argv)
    if options["cache_dir"] is None:
        options["cache_dir"] = _default_cache()
    return options, problems


def _default_cache() -> str:
    """Only when ``--cache`` is missing (serve always passes it): ``cli.paths``
    imports ``os``, a millisecond and 0.2 MB of every start."""
    from progmoh.cli.paths import default_cache
    return default_cache()


def main(argv: list[str]) -> int:
    options, problems = parse(argv)
    if problems:
        usage = "usage: " + command_line.synopsis()
        for problem in problems:
            posix.write(2, ("progmoh play: %s\n%s\n" % (problem, usage)).encode())
    return run(options)


def run(options: "dict[str, Any]") -> int:
    from progmoh.player.play.engine import play
    return play(**options)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
