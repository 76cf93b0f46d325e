"""A call's program and how its name travels: one owner for the rule.

A program (docs/architecture.md, "Programs") is one queue's or tenant's hold:
its music, advice, keys and announcements.  The dialplan chooses it in the
class name it gives the call, so the program is known when Asterisk asks
serve for the class, before AMI may have said which queue the call is in:

    progmoh-<uniqueid>              the program "default" (today's lines)
    progmoh-<program>-<uniqueid>    any other program

serve (player/serve/realtime.py) reads the name back with ``parse_class_name``
and writes the program on the player's command line (``--program``,
player/command_line.py); cli/config.py holds ``[programs.<name>]`` to
``valid_program``.  The player loads this on its way to the first audio: no
``re``, nothing imported but the layout's name of the default program.
"""

from progmoh.cache.layout import DEFAULT_PROGRAM

__all__ = ["CLASS_PREFIX", "DEFAULT_PROGRAM", "MAX_PROGRAM_CHARS", "ClassName", "class_name",
           "parse_class_name", "valid_program"]

CLASS_PREFIX = "progmoh-"           # a call's own class
MAX_PROGRAM_CHARS = 32
_FIRST = "abcdefghijklmnopqrstuvwxyz"
_REST = _FIRST + "0123456789_"


class ClassName:
    """What a per-call class name carries: the program (maybe unknown to serve) and the
    text after it, which the caller checks is a unique id."""

    __slots__ = ("program", "uniqueid")

    def __init__(self, program: str, uniqueid: str) -> None:
        self.program, self.uniqueid = program, uniqueid

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, ClassName)
                and (self.program, self.uniqueid) == (other.program, other.uniqueid))

    def __repr__(self) -> str:
        return "ClassName(%r, %r)" % (self.program, self.uniqueid)


def valid_program(name: object) -> bool:
    """a-z first, then a-z, 0-9 and _, at most MAX_PROGRAM_CHARS: never a "-" (the class
    name's separator), a space (Asterisk splits the player's line on it) or a "/"."""
    return (isinstance(name, str) and 0 < len(name) <= MAX_PROGRAM_CHARS
            and name[0] in _FIRST and all(c in _REST for c in name))


def class_name(program: str, uniqueid: str) -> str:
    """The class the dialplan sets for a call of ``program``."""
    if program == DEFAULT_PROGRAM:
        return CLASS_PREFIX + uniqueid
    return "%s%s-%s" % (CLASS_PREFIX, program, uniqueid)


def parse_class_name(name: str) -> ClassName | None:
    """The program and unique id part of a per-call class name; None for any other name
    (including a program part that is no program name at all)."""
    if not name.startswith(CLASS_PREFIX):
        return None
    rest = name[len(CLASS_PREFIX):]
    program, dash, uniqueid = rest.rpartition("-")
    if not dash:
        return ClassName(DEFAULT_PROGRAM, rest)
    if not valid_program(program):
        return None
    return ClassName(program, uniqueid)
