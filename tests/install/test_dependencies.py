"""No declared dependency goes unused: each one setup.cfg names (install_requires and
every extra) is imported by the code, its tests or its benches."""

import ast
import configparser
import re

from tests.support.checkout import REPO, TESTS

FOLDERS = ("cli", "cache", "renderer", "player", "tests", "bench")
# A distribution's import name, where the two differ (audioop-lts is audioop itself on 3.13+).
IMPORT_NAMES = {"pyyaml": "yaml", "audioop-lts": "audioop"}
# Not imported but run: tests/install/test_layout.py builds the wheel with pip --no-build-isolation,
# which needs the build backend pyproject.toml names.
BUILD_BACKEND = {"setuptools", "wheel"}
# Not imported but run: the Makefile's `make lint` (ruff, mypy, and the stubs mypy reads
# for pymysql, which the product imports).
LINTERS = {"ruff", "mypy", "types-pymysql"}


def declared() -> set[str]:
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    lines = config["options"]["install_requires"].splitlines()
    for extra in config["options.extras_require"].values():
        lines += extra.splitlines()
    return {re.match(r"[A-Za-z0-9_.-]+", line).group().lower() for line in lines if line.strip()}


def imported() -> set[str]:
    names = set()
    for folder in FOLDERS:
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.add(node.module.split(".")[0])
    return names


def test_every_declared_dependency_is_imported():
    runtime = declared() - BUILD_BACKEND - LINTERS
    assert {"click", "pydub", "pymysql", "apscheduler", "prometheus_client", "pytest",
            "numpy", "pyyaml", "matplotlib"} <= runtime
    unused = {name for name in runtime if IMPORT_NAMES.get(name, name) not in imported()}
    assert unused == set()


def test_the_linters_are_what_make_lint_runs():
    assert LINTERS <= declared()
    makefile = (REPO / "Makefile").read_text()
    assert "$(BIN)/ruff check" in makefile and "$(BIN)/mypy" in makefile
    assert "pymysql" in imported()


def test_the_build_backend_is_what_the_wheel_test_runs():
    assert BUILD_BACKEND <= declared()
    assert "--no-build-isolation" in (TESTS / "install" / "test_layout.py").read_text()
    assert all(name in (REPO / "pyproject.toml").read_text() for name in BUILD_BACKEND)
