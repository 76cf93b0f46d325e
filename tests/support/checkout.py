"""Where the checkout's own files are, for the tests that read them: one definition."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"
DATA = TESTS / "data"                   # recorded sessions (data/ami), byte-exact
SERVICES = TESTS / "services"           # the scripts that start MariaDB and build Asterisk
