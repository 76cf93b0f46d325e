"""The one isolation fixture (tests/conftest.py): a user's HOME, PROGMOH_CONFIG and XDG
folders, set where pytest starts, reach neither the collection nor a test."""

import os
import subprocess
import sys

from tests.support.checkout import REPO, TESTS

PROBE = TESTS / "support" / "isolation_probe.py"


def test_the_users_environment_does_not_reach_a_test(tmp_path):
    user_home = tmp_path / "user"
    (user_home / ".config").mkdir(parents=True)
    config = user_home / "progmoh.toml"
    config.write_text('[cache]\ndir = "the-users-cache"\n')
    env = dict(os.environ, HOME=str(user_home), PROGMOH_CONFIG=str(config),
               XDG_CONFIG_HOME=str(user_home / ".config"), PROBE_USER_HOME=str(user_home))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           f"--basetemp={tmp_path / 'basetemp'}", str(PROBE)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    assert sorted(p.name for p in user_home.iterdir()) == [".config", "progmoh.toml"]
    assert list((user_home / ".config").iterdir()) == []
