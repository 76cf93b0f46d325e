"""The installed player's finder: progmoh's compiled modules straight from their bytecode,
anything it cannot vouch for left to Python's own import."""

import compileall
import importlib.util
import os

import pytest

from progmoh.player.play.lean_import import Finder


@pytest.fixture
def site(tmp_path):
    package = tmp_path / "progmoh" / "demo"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("KIND = 'package'\n")
    (package / "mod.py").write_text("VALUE = 41 + 1\n")
    (tmp_path / "progmoh" / "raw.py").write_text("VALUE = 0\n")         # never compiled
    assert compileall.compile_dir(str(package), quiet=1)
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
    assert module.__cached__ == importlib.util.cache_from_source(module.__file__)


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
    source.write_text("VALUE = 41 + 2\n")                           # same size, newer
    stat = source.stat()
    os.utime(source, (stat.st_atime, stat.st_mtime + 5))
    assert finder.find_spec("progmoh.demo.mod") is None             # stale bytecode


def test_foreign_or_damaged_bytecode_is_left_to_python(site):
    finder = Finder(str(site))
    cached = importlib.util.cache_from_source(str(site / "progmoh" / "demo" / "mod.py"))
    data = open(cached, "rb").read()
    open(cached, "wb").write(b"\0\0\0\0" + data[4:])                # another Python's magic
    assert finder.find_spec("progmoh.demo.mod") is None
    open(cached, "wb").write(data[:16] + b"\xff\xff")               # cut short
    assert finder.find_spec("progmoh.demo.mod") is None
