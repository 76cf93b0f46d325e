"""`progmoh serve` as a real process: refuses loose secrets, answers Asterisk, stops on SIGTERM."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from click.testing import CliRunner

from progmoh.cli.commands import progmoh
from tests.support.service_support import write_config

PROGMOH = os.path.join(os.path.dirname(sys.executable), "progmoh")


def test_refuses_a_config_holding_secrets_readable_by_others(tmp_path):
    path = write_config(tmp_path)
    path.chmod(0o644)
    result = CliRunner().invoke(progmoh, ["serve", "--config", str(path)])
    assert result.exit_code == 1
    assert "refusing to start" in result.output and "chmod 600" in result.output
    assert "labsecret" not in result.output


def test_refuses_to_start_when_its_executable_cannot_run(tmp_path):
    """Asterisk would retry a program it cannot exec in a tight loop, the caller in silence."""
    (tmp_path / "progmoh").write_text("#!/bin/sh\n")
    (tmp_path / "progmoh").chmod(0o644)
    for executable, problem in (("nowhere/progmoh", "no such file"), ("progmoh", "not executable")):
        path = write_config(tmp_path, executable=executable)
        done = subprocess.run([PROGMOH, "serve", "--config", str(path)], capture_output=True,
                              text=True, timeout=30)
        assert done.returncode == 1
        assert done.stderr == (f"Error: refusing to start: 'serve.executable' "
                               f"{tmp_path / executable}: {problem}\n")


def test_serves_realtime_lookups_until_sigterm(tmp_path):
    path = write_config(tmp_path, ami_port=1)            # nothing listens there: AMI retries
    process = subprocess.Popen([PROGMOH, "serve", "--config", str(path)],
                               stderr=subprocess.PIPE, text=True)
    try:
        port = _realtime_port(process)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/moh/single",
                                         data=b"name=progmoh-1795710278.1", method="POST")
        with urllib.request.urlopen(request, timeout=5) as answer:
            body = answer.read().decode()
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=10)
    finally:
        process.kill()
    assert body.startswith("name=progmoh-1795710278.1&mode=custom&application=%2F")
    assert process.returncode == 0
    assert "stopped" in rest and "labsecret" not in rest
    assert not (tmp_path / "run" / "serve.sock").exists()


def _realtime_port(process) -> int:
    for line in process.stderr:
        found = re.search(r"realtime backend on http://127\.0\.0\.1:(\d+)/moh", line)
        if found:
            return int(found.group(1))
    raise AssertionError("serve ended without announcing its realtime port")


def test_a_port_in_use_is_a_clear_error(tmp_path):
    path = write_config(tmp_path)
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    path.write_text(path.read_text().replace("port = 0", f"port = {port}"))
    try:
        result = CliRunner().invoke(progmoh, ["serve", "--config", str(path)])
    finally:
        busy.close()
    assert result.exit_code == 1
    assert f"Error: cannot listen on 127.0.0.1:{port} (serve.listen, serve.port)" in result.output
    assert not (tmp_path / "run" / "serve.sock").exists()


def test_logs_go_to_serve_log_when_set(tmp_path):
    path = write_config(tmp_path, ami_port=1, serve_log="serve.log")
    process = subprocess.Popen([PROGMOH, "serve", "--config", str(path)],
                               stderr=subprocess.PIPE, text=True)
    log = tmp_path / "serve.log"
    try:
        deadline = time.monotonic() + 20
        while not _started_and_tried_ami(log):
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, log.read_text() if log.exists() else "no log"
            time.sleep(0.01)     # another process's file: nothing to await
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0 and stderr == ""
    text = log.read_text()
    assert "stopped" in text and "AMI" in text and "labsecret" not in text


def _started_and_tried_ami(log):
    """Both the realtime backend and the first AMI attempt are logged (in either order)."""
    text = log.read_text() if log.exists() else ""
    return "realtime backend on" in text and "AMI" in text
