"""The installed player's finder: progmoh's compiled modules straight from their bytecode,
anything it cannot vouch for left to Python's own import."""

import ast
import compileall
import importlib.util
import os
from pathlib import Path

import pytest

from progmoh.player.play.lean_import import Finder


@pytest.fixture
def site(tmp_path):
    package = tmp_path / "progmoh" / "demo"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("KIND = 'package'\n")
    (package / "mod.py").write_text('"""Read by people, never by the player."""\nVALUE = 41 + 1\n')
    (tmp_path / "progmoh" / "raw.py").write_text("VALUE = 0\n")         # never compiled
    assert compileall.compile_dir(str(package), quiet=1, optimize=[0, 2])   # as make install
    return tmp_path


def load(spec):
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_compiled_module_loads_from_its_bytecode(site):
    finder = Finder(str(site))
    spec = finder.find_spec("progmoh.demo.mod")
    assert spec.loader is finder and not spec.submodule_search_locations
    module = load(spec)
    assert module.VALUE == 42
    assert module.__file__ == f"{site}/progmoh/demo/mod.py"
    assert module.__cached__ == importlib.util.cache_from_source(module.__file__, optimization=2)


def test_a_package_and_the_namespace_above_it(site):
    finder = Finder(str(site))
    package = finder.find_spec("progmoh.demo")
    assert package.submodule_search_locations == [f"{site}/progmoh/demo"]
    assert load(package).KIND == "package"
    top = finder.find_spec("progmoh")
    assert top.submodule_search_locations == [f"{site}/progmoh"] and top.origin is None


def test_what_it_cannot_vouch_for_is_left_to_python(site):
    finder = Finder(str(site))
    assert finder.find_spec("progmoh.raw") is None                  # no bytecode
    assert finder.find_spec("progmoh.demo.missing") is None
    assert finder.find_spec("json") is None                         # not progmoh
    assert finder.find_spec("progmohx.demo") is None
    source = site / "progmoh" / "demo" / "mod.py"
    source.write_text(source.read_text().replace("41 + 1", "41 + 2"))   # same size, newer
    stat = source.stat()
    os.utime(source, (stat.st_atime, stat.st_mtime + 5))
    assert finder.find_spec("progmoh.demo.mod") is None             # stale bytecode


def test_foreign_or_damaged_bytecode_is_left_to_python(site):
    finder = Finder(str(site))
    cached = importlib.util.cache_from_source(str(site / "progmoh" / "demo" / "mod.py"),
                                              optimization=2)
    data = open(cached, "rb").read()
    open(cached, "wb").write(b"\0\0\0\0" + data[4:])                # another Python's magic
    assert finder.find_spec("progmoh.demo.mod") is None
    open(cached, "wb").write(data[:16] + b"\xff\xff")               # cut short
    assert finder.find_spec("progmoh.demo.mod") is None


def test_it_loads_the_docstring_free_bytecode_and_leaves_plain_bytecode_to_python(site):
    finder = Finder(str(site))
    assert load(finder.find_spec("progmoh.demo.mod")).__doc__ is None
    optimized = importlib.util.cache_from_source(str(site / "progmoh" / "demo" / "mod.py"),
                                                 optimization=2)
    os.unlink(optimized)                        # only the plain .pyc is left
    assert finder.find_spec("progmoh.demo.mod") is None


def test_the_players_code_holds_nothing_that_docstring_free_bytecode_would_drop():
    """The finder loads ``optimize=2`` bytecode, which also drops asserts and
    ``__debug__`` blocks: the player's modules must hold none."""
    root = Path(__file__).resolve().parents[2]
    files = [*root.glob("player/play/*.py"), *root.glob("player/words/*.py"),
             *(root / name for name in ("cli/play_fast.py", "player/command_line.py",
                                        "player/wire.py", "player/lean_json.py"))]
    found = [f"{path.relative_to(root)}:{node.lineno}" for path in files
             for node in ast.walk(ast.parse(path.read_text()))
             if isinstance(node, ast.Assert)
             or (isinstance(node, ast.Name) and node.id == "__debug__")]
    assert len(files) > 20 and found == []
