"""Every marker declared in setup.cfg is used by some test (``--strict-markers``
already refuses the undeclared ones)."""

import configparser

from tests.support.checkout import REPO, TESTS


def declared_markers() -> list[str]:
    config = configparser.ConfigParser(interpolation=None)
    config.read(REPO / "setup.cfg")
    lines = config.get("tool:pytest", "markers", fallback="").strip().splitlines()
    return [line.split(":")[0].strip() for line in lines if line.strip()]


def test_every_declared_marker_is_used():
    sources = "\n".join(path.read_text() for path in sorted(TESTS.rglob("*.py")))
    unused = [name for name in declared_markers() if f"mark.{name}" not in sources]
    assert declared_markers() and unused == [], f"declared in setup.cfg, used by no test: {unused}"
