"""``progmoh play``: argv parsed by hand, straight into the player.

Asterisk runs this for every call and its first audio must come within
milliseconds on a few megabytes, so no click, argparse or config file
here.  Bad arguments are reported on stderr and the player still plays
(music and advice only): if it exited, Asterisk would respawn it in a
tight loop while the caller hears silence.
"""

import posix
import sys

from progmoh.player.play.defaults import LEAD_MS, LEAD_MS_MAX, LEAD_MS_MIN

USAGE = ("usage: progmoh play --uniqueid ID [--cache DIR] [--socket PATH] "
         "[--log FILE|syslog] [--lead-ms N] [--class NAME] [--at PLACE]")
_OPTIONS = {"--uniqueid": "uniqueid", "--cache": "cache_dir", "--socket": "socket_path",
            "--log": "log_target", "--lead-ms": "lead_ms", "--class": "music_class",
            "--at": "place"}


def parse(argv):
    """(options for player.engine.play, problems found); never raises."""
    options = {"uniqueid": "", "cache_dir": None, "socket_path": None,
               "log_target": "", "lead_ms": LEAD_MS, "music_class": "", "place": ""}
    problems = []
    args = list(argv)
    while args:
        arg = args.pop(0)
        name, eq, value = arg.partition("=")
        if name not in _OPTIONS:
            problems.append("unknown argument %r" % arg)
            continue
        if not eq:
            if not args:
                problems.append("%s needs a value" % name)
                continue
            value = args.pop(0)
        options[_OPTIONS[name]] = value
    options["lead_ms"] = _lead_ms(options["lead_ms"], problems)
    if options["cache_dir"] is None:
        options["cache_dir"] = _default_cache()
    if not options["uniqueid"]:
        problems.append("--uniqueid is missing")
    return options, problems


def _default_cache():
    """Only when ``--cache`` is missing (serve always passes it): ``cli.paths``
    imports ``os``, a millisecond and 0.2 MB of every start."""
    from progmoh.cli.paths import default_cache
    return default_cache()


def _lead_ms(value, problems):
    try:
        lead_ms = int(value)
    except ValueError:
        lead_ms = -1
    if not LEAD_MS_MIN <= lead_ms <= LEAD_MS_MAX:
        problems.append("--lead-ms must be %d..%d, not %r; using %d"
                        % (LEAD_MS_MIN, LEAD_MS_MAX, value, LEAD_MS))
        return LEAD_MS
    return lead_ms


def main(argv):
    options, problems = parse(argv)
    for problem in problems:
        posix.write(2, ("progmoh play: %s\n%s\n" % (problem, USAGE)).encode())
    return run(options)


def run(options):
    from progmoh.player.play.engine import play
    return play(**options)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
