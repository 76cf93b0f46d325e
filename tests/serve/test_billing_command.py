"""The command billing backend with real scripts: no shell, JSON on stdout, timeout."""

import asyncio
import json
import os
import sys
import time
from dataclasses import replace

import pytest

from progmoh.player.protocol import Account
from progmoh.player.serve.billing import BalanceBook
from progmoh.player.serve.peercred import is_running
from progmoh.player.serve.settings import BillingFields, BillingSettings, RewriteRule
from tests.support.billing_server import balance

FIELDS = BillingFields(accounts="accounts", account="account", balance="balance",
                       currency="currency", locked="locked")

ECHO_SCRIPT = """
import json, sys, pathlib
pathlib.Path(sys.argv[1]).write_text(json.dumps(sys.argv[2:]))
print(json.dumps({"accounts": [{"account": "42", "balance": "-7.25", "currency": "RUB",
                                "locked": True}]}))
"""


def settings_for(command, **overrides) -> BillingSettings:
    values = dict(backend="command", url="", auth="none", username="", password="",
                  token="", command=tuple(command), timeout_s=2.0, verify_tls=True,
                  max_age_s=60.0, max_body_bytes=65536, rewrite=(), fields=FIELDS)
    return BillingSettings(**dict(values, **overrides))


def script(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("number", [
    "+79161234567",
    "1; touch PWNED",
    "$(touch PWNED)",
    "`touch PWNED`",
    "\"quoted\" 'single' && touch PWNED | cat",
    "with spaces and\ttab",
])
def test_number_reaches_the_program_as_one_argument(tmp_path, monkeypatch, number):
    monkeypatch.chdir(tmp_path)
    seen = tmp_path / "argv.json"
    command = [sys.executable, script(tmp_path, "echo.py", ECHO_SCRIPT), str(seen),
               "--caller={number}", "{number}"]
    result = balance(settings_for(command), number)
    assert result.status == "ok"
    assert result.accounts == (Account("42", "-7.25", "RUB", True),)
    assert json.loads(seen.read_text()) == [f"--caller={number}", number]
    assert not (tmp_path / "PWNED").exists()


def test_empty_answer_list_means_not_registered(tmp_path):
    command = [sys.executable, "-c", "print('[]')"]
    assert balance(settings_for(command), "1").status == "not_registered"


def test_program_too_slow_is_killed(tmp_path):
    pid_file = tmp_path / "pid"
    slow = script(tmp_path, "slow.py", "import os, sys, time\n"
                  "open(sys.argv[1], 'w').write(str(os.getpid()))\n"
                  "sys.stdout.flush()\n"
                  "time.sleep(60)\n")
    started = time.monotonic()
    result = balance(settings_for([sys.executable, slow, str(pid_file)], timeout_s=0.5), "1")
    assert result.status == "unavailable"
    assert time.monotonic() - started < 3.0
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


def test_failing_program_logs_its_stderr(tmp_path, caplog):
    command = [sys.executable, "-c", "import sys; sys.stderr.write('billing db is down\\n'); "
               "sys.exit(3)"]
    assert balance(settings_for(command), "1").status == "unavailable"
    assert "exit status 3" in caplog.text
    assert "billing db is down" in caplog.text


def test_invalid_json_is_unavailable(tmp_path):
    command = [sys.executable, "-c", "print('balance: 12')"]
    assert balance(settings_for(command), "1").status == "unavailable"


def test_huge_output_is_unavailable(tmp_path, caplog):
    command = [sys.executable, "-c", "import sys; sys.stdout.write('[' + ' ' * 200000 + ']')"]
    assert balance(settings_for(command, max_body_bytes=1000), "1").status == "unavailable"
    assert "over 1000 bytes" in caplog.text


def test_missing_program_is_unavailable(tmp_path, caplog):
    command = [str(tmp_path / "no-such-program"), "{number}"]
    assert balance(settings_for(command), "1").status == "unavailable"
    assert "cannot run" in caplog.text


def test_empty_command_is_unavailable():
    assert balance(settings_for([]), "1").status == "unavailable"


def test_rewritten_number_is_passed(tmp_path):
    seen = tmp_path / "argv.json"
    command = [sys.executable, script(tmp_path, "echo.py", ECHO_SCRIPT), str(seen), "{number}"]
    settings = replace(settings_for(command), rewrite=(RewriteRule(r"\+7(\d{10})", r"8\1"),))
    balance(settings, "+79161234567")
    assert json.loads(seen.read_text()) == ["89161234567"]


# Prints the answer, but leaves a child in the background that holds its stdout open.
LEAVES_A_CHILD = """
import json, subprocess, sys
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
open(sys.argv[1], "w").write(str(child.pid))
print(json.dumps([{"account": "9", "balance": "5", "currency": "USD"}]), flush=True)
"""


def test_background_child_holding_stdout_neither_spoils_the_answer_nor_survives(tmp_path):
    pid_file = tmp_path / "child.pid"
    command = [sys.executable, script(tmp_path, "leaves.py", LEAVES_A_CHILD), str(pid_file)]
    started = time.monotonic()
    result = balance(settings_for(command, timeout_s=5.0), "1")
    assert result.status == "ok" and result.accounts == (Account("9", "5", "USD"),)
    assert time.monotonic() - started < 4.0
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5.0
    while is_running(child) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not is_running(child)


def test_stderr_is_logged_as_a_short_first_line_with_every_secret_masked(tmp_path, caplog):
    noisy = ("import sys\n"
             "sys.stderr.write('login as hunter2pw with tok-SEKRET and amisecret refused '"
             " + 'x' * 3000 + '\\nsecond line says more\\n')\n"
             "sys.exit(4)\n")
    settings = settings_for([sys.executable, script(tmp_path, "noisy.py", noisy)],
                            password="hunter2pw", token="tok-SEKRET")

    async def ask():
        book = BalanceBook(settings, secrets=("amisecret",))
        try:
            return await book.get("1")
        finally:
            await book.close()

    assert asyncio.run(ask()).status == "unavailable"
    line, = [record.message for record in caplog.records if "exit status 4" in record.message]
    assert "login as *** with *** and *** refused" in line
    for secret in ("hunter2pw", "tok-SEKRET", "amisecret", "second line"):
        assert secret not in caplog.text
    assert len(line) < 300
