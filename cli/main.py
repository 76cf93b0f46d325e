"""Console entry point.

``progmoh play`` is Asterisk's music-on-hold application and must reach its
first audio within milliseconds on the standard library alone, so it is
dispatched here before click (or anything else) is imported.
"""

import sys


def main(argv: list[str] | None = None) -> int | None:
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["play"] and "--help" not in args:
        from progmoh.cli.play_fast import main as play
        return play(args[1:])
    from progmoh.cli.commands import progmoh
    return progmoh.main(args=args, prog_name="progmoh")
