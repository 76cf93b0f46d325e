"""The player's command line: ``serve`` writes it, the player reads it back.

Asterisk execs a custom class's ``application`` with argv split on single
spaces, no shell and no quoting, at most 255 bytes (docs/asterisk.md,
"What the application gets").  ``build`` writes that line for the realtime
answer (player/serve/realtime.py), ``parse`` reads it in the player
(cli/play_fast.py), and ``progmoh play --help`` (cli/play_cmd.py) is made
from the same table, ``OPTIONS``.  tests/play/test_command_line.py holds build
and parse together.

The player loads this before its first audio: nothing imported but the
lead's default and range (player/play/defaults.py, itself import-free), so no
``re``, ``os`` or ``dataclasses``; ``__slots__`` for records.
"""

from progmoh.player.play.defaults import LEAD_MS, LEAD_MS_MAX, LEAD_MS_MIN
from progmoh.player.programs import DEFAULT_PROGRAM, valid_program

MAX_BYTES = 255                 # Asterisk copies the application into char[256]: bytes,
                                # so a non-ASCII class or path counts as its UTF-8
MAX_CLASS_CHARS = 64            # a longer class name is left to the player's welcome
TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any

UNIQUEID_HEAD_DIGITS = 20       # Asterisk's uniqueid: <seconds>.<sequence>, ASCII digits
UNIQUEID_TAIL_DIGITS = 12


class Option:
    """One option of the line: its flag, the name ``parse`` gives its value, the value
    when it is absent, and how ``--help`` and the usage line show it."""

    __slots__ = ("flag", "dest", "default", "metavar", "help")

    def __init__(self, flag: str, dest: str, default: object, metavar: str, help: str) -> None:
        self.flag, self.dest, self.default = flag, dest, default
        self.metavar, self.help = metavar, help


UNIQUEID = Option("--uniqueid", "uniqueid", "", "ID",
                  "The call's Asterisk unique id (digits.digits); anything else gets "
                  "music and advice only.")
CACHE = Option("--cache", "cache_dir", None, "DIR", "The rendered cache.")
SOCKET = Option("--socket", "socket_path", None, "PATH",
                "progmoh serve's player socket; without it, music and advice only.")
LOG = Option("--log", "log_target", "", "FILE|syslog",
             "Where event lines go (default: stderr; never stdout).")
LEAD = Option("--lead-ms", "lead_ms", LEAD_MS, "N", "How far ahead of real time audio is written.")
CLASS = Option("--class", "music_class", "", "NAME",
               "The music class to start with (the caller's remembered choice, put here "
               "by serve); one the cache does not have means the default class.")
AT = Option("--at", "place", "", "PLACE",
            "Where a restarted call's caller is in that class "
            "(TRACK:OFFSET:ADVICE_SAMPLES:ITEM, put here by serve).")
PROGRAM = Option("--program", "program", DEFAULT_PROGRAM, "NAME",
                 "The call's program (put here by serve from the class name); one the cache "
                 "has not rendered means the default program.")
OPTIONS = (UNIQUEID, CACHE, SOCKET, PROGRAM, LOG, LEAD, CLASS, AT)
REQUIRED = (UNIQUEID,)                  # what the player cannot do without
ALWAYS_WRITTEN = (UNIQUEID, CACHE, SOCKET)      # what ``build`` never leaves out
_BY_FLAG = {option.flag: option for option in OPTIONS}


def synopsis(unbracketed: "tuple[Option, ...]" = REQUIRED) -> str:
    """``progmoh play --uniqueid ID [--cache DIR] ...``, the options in the table's order."""
    words = []
    for option in OPTIONS:
        word = "%s %s" % (option.flag, option.metavar)
        words.append(word if option in unbracketed else "[" + word + "]")
    return "progmoh play " + " ".join(words)


def valid_uniqueid(text: object) -> bool:
    """Asterisk's ``<digits>.<digits>`` (ASCII, 1-20 and 1-12 of them); anything else
    gets music and advice only in the player, and no row or data from ``serve``."""
    if not isinstance(text, str):
        return False
    head, dot, tail = text.partition(".")
    return bool(dot and len(head) <= UNIQUEID_HEAD_DIGITS and len(tail) <= UNIQUEID_TAIL_DIGITS
                and head.isascii() and tail.isascii() and head.isdigit() and tail.isdigit())


def named_call(argv: "Sequence[str]") -> str | None:
    """The call id a process's argv names as ``build`` writes it (``--uniqueid ID``, once);
    None when it names none or several, or glues one on (``--uniqueid=ID``, which ``parse``
    would take over an earlier one)."""
    flag = UNIQUEID.flag
    named = [argv[i + 1] for i, item in enumerate(argv[:-1]) if item == flag]
    if len(named) != 1 or any(item.startswith(flag + "=") for item in argv):
        return None
    return named[0]


def parse(argv: "Iterable[str]") -> "tuple[dict[str, Any], list[str]]":
    """(options by ``Option.dest``, problems found) of the player's argv; never raises.

    A missing ``--cache`` stays None: its default is the CLI's (cli/paths.py, which
    needs ``os``), filled in by the caller only when it is missing."""
    options: dict[str, Any] = {option.dest: option.default for option in OPTIONS}
    problems: list[str] = []
    args = iter(argv)
    for arg in args:
        flag, eq, value = arg.partition("=")
        if flag not in _BY_FLAG:
            problems.append("unknown argument %r" % arg)
            continue
        if not eq:
            given = next(args, None)
            if given is None:
                problems.append("%s needs a value" % flag)
                continue
            value = given
        options[_BY_FLAG[flag].dest] = value
    options[LEAD.dest] = _lead_ms(options[LEAD.dest], problems)
    if not valid_program(options[PROGRAM.dest]):
        problems.append("%s %r is no program name; using %s"
                        % (PROGRAM.flag, str(options[PROGRAM.dest])[:40], DEFAULT_PROGRAM))
        options[PROGRAM.dest] = DEFAULT_PROGRAM
    if not options[UNIQUEID.dest]:
        problems.append("%s is missing" % UNIQUEID.flag)
    return options, problems


def _lead_ms(value: str | int, problems: list[str]) -> int:
    try:
        lead_ms = int(value)
    except ValueError:
        lead_ms = -1
    if not LEAD_MS_MIN <= lead_ms <= LEAD_MS_MAX:
        problems.append("%s must be %d..%d, not %r; using %d"
                        % (LEAD.flag, LEAD_MS_MIN, LEAD_MS_MAX, value, LEAD_MS))
        return LEAD_MS
    return lead_ms


def build(command: "Iterable[str]", uniqueid: str, cache_dir: object, socket_path: object,
          lead_ms: int, log_target: str = "", music_class: str = "",
          place: str = "", program: str = DEFAULT_PROGRAM) -> str | None:
    """The line that starts ``command`` (the player's argv before its options) for this
    call, optional parts dropped until its UTF-8 fits ``MAX_BYTES``; None when it cannot.

    Asterisk splits the line on every space, so a required part containing one
    makes the line unusable, and an optional one is left out.  The optional parts
    go in order of worth: the lead, the caller's class, where in it a restarted
    call's caller is (only with the class), the log.  A program other than the
    default is required: without it the caller would hear another queue's hold."""
    required = list(command) + [UNIQUEID.flag, uniqueid, CACHE.flag, str(cache_dir),
                                SOCKET.flag, str(socket_path)]
    if program != DEFAULT_PROGRAM:
        if not valid_program(program):
            return None
        required += [PROGRAM.flag, program]
    if unsplittable(required):
        return None
    optional = _optional_parts(lead_ms, log_target, music_class, place)
    while True:
        line = " ".join(required + [part for pair in optional for part in pair])
        if len(line.encode("utf-8", "surrogateescape")) <= MAX_BYTES:
            return line
        if not optional:
            return None
        optional.pop()


def _optional_parts(lead_ms: int, log_target: str, music_class: str,
                    place: str) -> list[tuple[str, str]]:
    """The optional (flag, value) pairs worth writing, the most worth first."""
    optional = [(LEAD.flag, str(lead_ms))]
    if class_argument_ok(music_class):
        optional.append((CLASS.flag, music_class))
        if place and not any(c.isspace() for c in place):
            optional.append((AT.flag, place))
    if log_target and not unsplittable([log_target]):
        optional.append((LOG.flag, log_target))
    return optional


def class_argument_ok(music_class: object) -> bool:
    """A class name that survives Asterisk's split on spaces as one argument and never
    looks like an option."""
    return (isinstance(music_class, str) and 0 < len(music_class) <= MAX_CLASS_CHARS
            and music_class.isprintable() and not any(c.isspace() for c in music_class)
            and not music_class.startswith("-"))


def unsplittable(parts: "Iterable[str]") -> list[str]:
    """The parts Asterisk would split apart: it splits the application on every space."""
    return [part for part in parts if " " in part]
