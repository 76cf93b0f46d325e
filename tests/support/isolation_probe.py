"""What a test, and the collection before it, see of the machine.

tests/test_isolation.py runs this file in a pytest of its own, with a HOME, a
PROGMOH_CONFIG and an XDG_CONFIG_HOME of a made-up user, and names that user's
home in PROBE_USER_HOME.  The suite itself never collects it (no ``test_`` name).
"""

import os
from pathlib import Path

from progmoh.cli.config import config_path

NAMES = ("HOME", "PROGMOH_CONFIG", "XDG_CONFIG_HOME")
AT_COLLECTION = {name: os.environ.get(name) for name in NAMES}


def test_the_machine_reaches_neither_the_collection_nor_a_test(home):
    user_home = os.environ["PROBE_USER_HOME"]
    for seen in (AT_COLLECTION, {name: os.environ.get(name) for name in NAMES}):
        assert seen["PROGMOH_CONFIG"] is None and seen["XDG_CONFIG_HOME"] is None, seen
        assert seen["HOME"] and not seen["HOME"].startswith(user_home), seen
    assert config_path(None) is None
    assert Path.home() == home and list(home.iterdir()) == []
    (Path.home() / ".progmohrc").write_text("the test's own HOME\n")
