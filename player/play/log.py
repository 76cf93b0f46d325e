"""One line per notable event, with the call id, to a file, syslog or stderr.

Not ``logging`` (2.4 MB): lines are appended with one ``os.write`` each, so
the signal handler can log its last line safely and concurrent players do
not interleave inside a line.  A message with a character that is not
printable (a track or advice name holding a line break) is escaped as
``cache ls`` shows names, so it stays one line.
"""

import posix
import time

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from types import ModuleType

_FLAGS = posix.O_WRONLY | posix.O_APPEND | posix.O_CREAT | posix.O_CLOEXEC


class Log:
    def __init__(self, target: str, call_label: str) -> None:
        self.call = call_label
        self.fd, self.problem = 2, ""
        self.syslog: "ModuleType | None" = None
        if target == "syslog":
            import syslog
            syslog.openlog("progmoh-play", syslog.LOG_PID, syslog.LOG_DAEMON)
            self.syslog = syslog
        elif target:
            self.fd = self._open(target)

    def _open(self, path: str) -> int:
        """``posix``, not ``os`` (a millisecond and 0.2 MB): ``os`` is loaded
        only when the log's folder must be made."""
        try:
            try:
                return posix.open(path, _FLAGS, 0o640)
            except FileNotFoundError:
                import os
                os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
                return posix.open(path, _FLAGS, 0o640)
        except OSError as error:
            self.problem = "log file %s unusable (%s); logging to stderr" % (path, error.strerror)
            return 2

    def __call__(self, message: str) -> None:
        if not message.isprintable():           # a name with a line break, a NUL, ...
            from progmoh.cache.printable import escaped
            message = escaped(message)
        if self.syslog is not None:
            self.syslog.syslog(self.syslog.LOG_INFO, "call=%s %s" % (self.call, message))
            return
        now = time.time()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(now))
        line = "%s.%03d progmoh-play[%d] call=%s %s\n" % (
            stamp, int(now * 1000) % 1000, posix.getpid(), self.call, message)
        try:
            posix.write(self.fd, line.encode("utf-8", "replace"))
        except OSError:
            pass
