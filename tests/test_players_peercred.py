"""A player's proof fails safe when serve cannot see its parent: an Asterisk executable
serve may not read, a parent already gone, a status without a parent are all refusals,
each saying why."""

import os
import subprocess
import sys

from test_players_socket import ASTERISKS, CALL, MY_EXE, _fake_proc

from progmoh.player.serve.peercred import UNREADABLE_EXE, denial_reason, resolved

# serve's check of one process, run by a serve that may not read its parent's
# executable: root without capabilities (setpriv) against this test, which has them all,
# as a serve run as another user than Asterisk's meets it on a real server.
CHECK = ("import sys; from progmoh.player.serve.peercred import denial_reason, resolved; "
         "print(denial_reason(int(sys.argv[1]), sys.argv[2], resolved((sys.argv[3],))))")
WITHOUT_CAPABILITIES = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--"]


def test_a_parent_whose_executable_serve_may_not_read_is_refused_and_says_what_to_do():
    assert os.geteuid() == 0, "the suite runs as root (make test)"
    player = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()",
                               "--uniqueid", CALL], stdin=subprocess.PIPE)
    try:
        checked = subprocess.run([*WITHOUT_CAPABILITIES, sys.executable, "-c", CHECK,
                                  str(player.pid), CALL, MY_EXE],
                                 capture_output=True, text=True, timeout=30)
    finally:
        player.communicate(b"", timeout=30)
    assert checked.stdout.strip() == UNREADABLE_EXE.format(pid=os.getpid()), checked.stderr


def test_a_parent_gone_before_its_executable_is_read_is_refused(tmp_path):
    proc = _fake_proc(tmp_path, "/usr/sbin/asterisk")
    (proc / "10" / "exe").unlink()                       # the parent exited meanwhile
    assert denial_reason(20, CALL, resolved(ASTERISKS), proc) == "parent process not found"


def test_a_status_without_a_parent_is_a_process_not_found(tmp_path):
    proc = _fake_proc(tmp_path, "/usr/sbin/asterisk")
    (proc / "20" / "status").write_text("Name:\tprogmoh\n")
    assert denial_reason(20, CALL, resolved(ASTERISKS), proc) == "process not found"
