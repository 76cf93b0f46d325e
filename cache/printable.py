"""Text from outside (file names, caller data, what a program printed) made safe for one line.

A line break, escape sequence or NUL in a name must not split a log line or
reach a terminal, so each non-printable character is written as Python writes
it in a string (``\\n``, ``\\x1b``, ``\\x00``) and a backslash is doubled, which
reads back unambiguously.  ``progmoh cache ls`` shows names so, and so does
every log line of serve and the player.  Standard library only, and no ``re``:
the player loads it only for a line that needs it.
"""


def escaped(text: str) -> str:
    """``text`` on one printable line."""
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(c if c.isprintable() and c != "\\"
                   else c.encode("unicode_escape").decode("ascii") for c in text)
