"""tests/services/asterisk.sh refuses a missing or damaged tarball by name, before building,
and knows the versions the rest of the tree names."""

import os
import re
import subprocess
from pathlib import Path

from progmoh.player.serve.asterisk_config import TESTED_VERSIONS
from tests.support.asterisk_fixtures import DEFAULT_VERSIONS
from tests.support.checkout import REPO, SERVICES

SCRIPT = SERVICES / "asterisk.sh"
SHARED = REPO.parent / "shared" / "asterisk"


def run(tmp_path: Path, tarball: Path | None = None, *args: str,
        pjproject: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PROGMOH_ASTERISK_CACHE=str(tmp_path / "cache"))
    env.pop("PROGMOH_ASTERISK_TARBALL", None)
    if tarball is not None:
        env["PROGMOH_ASTERISK_TARBALL"] = str(tarball)
    if pjproject is not None:
        env["PROGMOH_PJPROJECT_TARBALL"] = str(pjproject)
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=30)


def nothing_built(tmp_path: Path) -> bool:
    return not list((tmp_path / "cache").rglob("installed.ok"))


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
    assert nothing_built(tmp_path)


def test_each_lts_release_has_its_own_checksum(tmp_path):
    """A 20 tarball under the 22 name is refused: each version is checked against its own."""
    tarball = tmp_path / "asterisk-22.10.1.tar.gz"
    tarball.symlink_to(SHARED / "asterisk-20.20.1.tar.gz")
    done = run(tmp_path, tarball)
    assert done.returncode != 0 and done.stdout == ""
    assert f"{tarball} is damaged: sha256" in done.stderr
    expected = "248b634d1a6c784aa3266e8cbfb8402780c04a468652992260a4aabab8023ff5"
    assert f"expected {expected}" in done.stderr


def test_an_unknown_version_is_named_with_the_known_ones(tmp_path):
    tarball = tmp_path / "asterisk-18.1.0.tar.gz"
    tarball.write_bytes(b"an old release")
    done = run(tmp_path, tarball)
    assert done.returncode != 0 and done.stdout == ""
    assert f"{tarball}: unknown Asterisk version '18.1.0'" in done.stderr
    for known in ("22.10.1", "20.20.1", "master-f0c1c1a"):
        assert known in done.stderr


def test_a_missing_or_damaged_pjproject_tarball_is_named(tmp_path):
    gone = tmp_path / "pjproject-2.17.tar.bz2"
    done = run(tmp_path, None, "20", pjproject=gone)
    assert done.returncode != 0 and done.stdout == ""
    assert f"the pjproject source tarball {gone} is missing" in done.stderr
    gone.write_bytes(b"not pjproject")
    done = run(tmp_path, None, "20", pjproject=gone)
    assert done.returncode != 0 and f"the pjproject source tarball {gone} is damaged" in done.stderr
    assert nothing_built(tmp_path)


def test_asterisk_config_names_the_versions_make_test_runs_on():
    """One list in four places (the build script, the Makefile, the fixtures, the snippets'
    header): a version added to one and not the others fails here."""
    script = SCRIPT.read_text()
    aliases = dict(re.findall(r"\[(\w+)\]=([\w.-]+)", script.split("declare -A aliases=", 1)[1]
                              .split("\n", 1)[0]))
    makefile = (REPO / "Makefile").read_text()
    default = re.search(r"^ASTERISK_VERSIONS \?= ([\w ]+?)\$", makefile, re.M).group(1).split()
    assert default == DEFAULT_VERSIONS.split()
    assert [aliases[name] for name in default] == list(TESTED_VERSIONS)
    assert all(f"[{version}]=" in script for version in TESTED_VERSIONS)
