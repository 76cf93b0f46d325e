"""serve's log lines: each message on one printable line, whatever names it carries.

Track, advice, class and queue names come from file names and Asterisk, and a
caller's data from AMI; a line break or NUL in one must not split a line or
forge another.  So every message is escaped as ``cache ls`` shows names
(cache/printable.py); a traceback, added after the message, keeps its lines.
"""

import copy
import logging

from progmoh.cache.printable import escaped


class EscapingFormatter(logging.Formatter):
    def formatMessage(self, record: logging.LogRecord) -> str:
        shown = copy.copy(record)
        shown.message = escaped(record.message)
        return super().formatMessage(shown)
