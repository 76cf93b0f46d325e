"""`progmoh serve` as its own process with the 1,024 descriptors systemd gives a service by
default, for the flood and burst tests."""

import os
import re
import resource
import subprocess
import sys
import threading

PROGMOH = os.path.join(os.path.dirname(sys.executable), "progmoh")
DESCRIPTORS = 1024
START_TIMEOUT_S = 10.0


def _limit_descriptors():
    resource.setrlimit(resource.RLIMIT_NOFILE, (DESCRIPTORS, DESCRIPTORS))


class Serve:
    """`progmoh serve` limited to 1,024 descriptors; its stderr collected by a thread."""

    def __init__(self, config):
        self.process = subprocess.Popen([PROGMOH, "serve", "--config", str(config)],
                                        stderr=subprocess.PIPE, preexec_fn=_limit_descriptors)
        self.lines: list[bytes] = []
        self.port_known = threading.Event()
        self.port = 0
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self):
        for line in self.process.stderr:
            self.lines.append(line)
            found = re.search(rb"realtime backend on http://127\.0\.0\.1:(\d+)/moh", line)
            if found:
                self.port = int(found.group(1))
                self.port_known.set()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
