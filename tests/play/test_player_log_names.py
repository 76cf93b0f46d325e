"""A track or advice name holding a line break (or a NUL, or an escape sequence) stays on one
line of the player's log, and of serve's, escaped as ``cache ls`` shows names."""

import logging

from progmoh.cache.printable import escaped
from progmoh.player.play.log import Log
from progmoh.player.serve.log_lines import EscapingFormatter

NAME = "evil\nprogmoh-play[1] call=forged\x00\x1b[2J"


def test_the_player_writes_a_name_with_a_line_break_on_one_escaped_line(tmp_path):
    target = tmp_path / "play.log"
    log = Log(str(target), "1795710278.1")
    log(f"advice {NAME} starts")
    log("music calm/01 starts")
    lines = target.read_text().splitlines()
    assert len(lines) == 2 and lines[0].endswith("advice " + escaped(NAME) + " starts")
    assert "\x00" not in lines[0] and "\x1b" not in lines[0] and "\\n" in lines[0]


def test_serve_s_log_lines_escape_the_message_and_keep_a_traceback_s_lines():
    formatter = EscapingFormatter("%(levelname)s %(message)s")
    try:
        raise ValueError("boom")
    except ValueError as error:
        record = logging.LogRecord("progmoh.serve", logging.ERROR, __file__, 1,
                                   "call %s: track %s", ("1.2", NAME), (type(error), error,
                                                                        error.__traceback__))
    text = formatter.format(record)
    first, *rest = text.splitlines()
    assert first == "ERROR call 1.2: track " + escaped(NAME)
    assert rest[0] == "Traceback (most recent call last):" and rest[-1] == "ValueError: boom"
    assert "\n" in record.getMessage()              # other handlers get the record as it was
