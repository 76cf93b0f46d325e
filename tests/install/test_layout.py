"""The house rules of the layout: one installed namespace, and imports that run one way.

docs/architecture.md ("Where the code lives") says why: the per-call player
(`player/play/`) must start on the standard library alone, the control plane
(`player/serve/`) never depends on what only imitates Asterisk
(`player/sim/`), and the renderer and the cache know nothing of either.
"""

import ast
import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.support.checkout import REPO

TOP_FOLDERS = ("cli", "cache", "renderer", "player")
# What the per-call player may import from the project besides player/play/ itself:
# the shared wire format (and its JSON), its command line, words, the cache's layout,
# block checksums, the audio format, the lines of the players' index, the one escape
# of names for a log line and the project's one error base (all standard library only).
PLAY_MAY_IMPORT = ("progmoh.player.play", "progmoh.player.wire", "progmoh.player.lean_json",
                   "progmoh.player.command_line", "progmoh.player.programs",
                   "progmoh.player.words", "progmoh.cache.layout", "progmoh.cache.blocks",
                   "progmoh.cache.audio_format", "progmoh.cache.index_lines",
                   "progmoh.cache.printable", "progmoh.cache.errors")


def _modules(folder: str):
    for path in sorted((REPO / folder).rglob("*.py")):
        yield path, ast.parse(path.read_text(), filename=str(path))


def _imports(tree: ast.AST):
    """Every dotted name an import statement reaches (`from X import y` reaches X.y)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _is_under(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _violations(folder: str, allowed) -> list[str]:
    return [f"{path.relative_to(REPO)} imports {name}"
            for path, tree in _modules(folder)
            for name in _imports(tree) if not allowed(name)]


def test_play_imports_only_the_standard_library_and_its_own_shared_parts():
    stdlib = sys.stdlib_module_names | {"audioop"}
    forbidden_stdlib = {"asyncio", "logging"}

    def allowed(name: str) -> bool:
        top = name.split(".")[0]
        if top == "progmoh":
            return _is_under(name, PLAY_MAY_IMPORT)
        return top in stdlib and top not in forbidden_stdlib

    assert _violations("player/play", allowed) == []


def test_serve_never_imports_the_simulators_or_click():
    assert _violations("player/serve", lambda name: not _is_under(
        name, ("progmoh.player.sim", "progmoh.cli", "click"))) == []


def test_renderer_and_cache_import_neither_plane():
    planes = ("progmoh.player.play", "progmoh.player.serve", "progmoh.player.sim",
              "progmoh.cli", "click")
    for folder in ("renderer", "cache"):
        assert _violations(folder, lambda name: not _is_under(name, planes)) == []


def test_only_cli_imports_click():
    for folder in ("cache", "renderer", "player"):
        assert _violations(folder, lambda name: not _is_under(name, ("click",))) == []


def test_only_the_call_picture_imports_matplotlib_and_only_serve_prometheus_client():
    """matplotlib is an optional extra (progmoh[plot]); prometheus_client is serve's alone."""
    for library, home in (("matplotlib", "player/sim/picture.py"),
                          ("prometheus_client", "player/serve/")):
        users = {str(path.relative_to(REPO)) for folder in TOP_FOLDERS
                 for path, tree in _modules(folder)
                 if any(_is_under(name, (library,)) for name in _imports(tree))}
        assert users and all(user.startswith(home) for user in users), (library, users)


def test_no_code_uses_the_old_top_level_names():
    old = ("cli", "cache", "renderer", "player")
    for folder in (*TOP_FOLDERS, "tests", "bench"):
        assert _violations(folder, lambda name: not _is_under(name, old)) == []


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """A wheel built from a copy of the checkout (the checkout itself is left untouched)."""
    src = tmp_path_factory.mktemp("src")
    for name in (*TOP_FOLDERS, "setup.cfg", "pyproject.toml", "README.md"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, src / name)
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "-q", "-w", str(out), str(src)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    [path] = out.glob("progmoh-*.whl")
    return zipfile.ZipFile(path)


def test_the_wheel_holds_only_the_progmoh_namespace(wheel):
    tops = {name.split("/")[0] for name in wheel.namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"progmoh"}
    entry_points = next(n for n in wheel.namelist() if n.endswith("entry_points.txt"))
    assert "progmoh = progmoh.cli.main:main" in wheel.read(entry_points).decode()


def test_the_wheel_holds_every_package_of_the_tree(wheel):
    expected = {"progmoh/" + str(init.relative_to(REPO))
                for folder in TOP_FOLDERS for init in (REPO / folder).rglob("__init__.py")}
    assert expected - set(wheel.namelist()) == set()


def _logger_names(tree: ast.AST):
    """The argument of every ``logging.getLogger(...)`` call, as source text."""
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "getLogger" and node.args):
            yield ast.unparse(node.args[0])


def test_loggers_are_named_progmoh_dot_part():
    """One naming scheme, ``progmoh.<part>``, so one logging config reaches them all."""
    odd = [f"{path.relative_to(REPO)}: getLogger({name})"
           for folder in TOP_FOLDERS for path, tree in _modules(folder)
           for name in _logger_names(tree)
           if not (name.startswith(("'progmoh.", '"progmoh.')) or name == "name")]
    assert odd == []        # ("name": sim/simulate_serve.py walks its SERVE_LOGGERS, checked here)
    from progmoh.player.sim.simulate_serve import SERVE_LOGGERS
    assert all(n == "progmoh" or n.startswith("progmoh.") for n in SERVE_LOGGERS)
