"""tests/services/asterisk.sh refuses a missing or damaged tarball by name, before building."""

import os
import subprocess
from pathlib import Path

from tests.support.checkout import SERVICES

SCRIPT = SERVICES / "asterisk.sh"


def run(tmp_path: Path, tarball: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PROGMOH_ASTERISK_TARBALL=str(tarball),
               PROGMOH_ASTERISK_CACHE=str(tmp_path / "cache"))
    return subprocess.run([str(SCRIPT)], capture_output=True, text=True, env=env, timeout=30)


def test_a_missing_tarball_is_named(tmp_path):
    done = run(tmp_path, tmp_path / "asterisk-gone.tar.gz")
    assert done.returncode != 0 and done.stdout == ""
    assert f"{tmp_path / 'asterisk-gone.tar.gz'} is missing" in done.stderr


def test_a_damaged_tarball_is_named_with_its_checksum(tmp_path):
    tarball = tmp_path / "asterisk-master-f0c1c1a.tar.gz"
    tarball.write_bytes(b"not the Asterisk source")
    done = run(tmp_path, tarball)
    assert done.returncode != 0 and done.stdout == ""
    assert f"{tarball} is damaged: sha256" in done.stderr
    assert not (tmp_path / "cache" / "a67b1d46a722352d" / "installed.ok").exists()
