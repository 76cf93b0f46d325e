"""The installed player's own import of progmoh's modules, straight from their bytecode.

Python's general import machinery (path finders, directory caches,
namespace packages, per-module checks written in Python) costs about
70 microseconds a module before the module's own code runs; the player
loads some twenty modules on its way to the first audio, so that was a
millisecond and a half of a start that must fit in about 12 ms
(docs/architecture.md, "Configuration"; ``bench/player_bench.py --installed``).

``make install`` compiles every module (scripts/install.py) into a tree the
players only read, so a module's bytecode is at a known place: this finder
reads it there and checks it against its source's size and modification
time, as Python does.  It reads the docstring-free bytecode (``.opt-2.pyc``,
which the install writes beside the plain one): the docstrings are for the
reader, and unmarshalling them was a sixth of the bytes a player loads before
its first audio.  The player's code holds no ``assert`` for -OO to drop.
Anything else (no bytecode, a stale or foreign one, a module outside
progmoh) is left to Python's own machinery, so the worst
case is the ordinary import.  The entry script loads this module's own
bytecode by hand (it cannot be imported by itself) and calls ``install``.

Standard library built-ins only: ``marshal``, ``posix``, ``sys``.
"""

import marshal
import posix
import sys

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from importlib.machinery import ModuleSpec
    from types import CodeType, ModuleType

PACKAGE = "progmoh"
OPTIMIZED = ".opt-2.pyc"        # compile(optimize=2): no docstrings (and no asserts)
_HEADER_BYTES = 16              # magic, flags, source mtime, source size (PEP 552)


class Finder:
    """A ``sys.meta_path`` finder and loader for progmoh's compiled modules under ``site``."""

    __slots__ = ("site", "tag", "magic", "spec")

    def __init__(self, site: str) -> None:
        self.site, self.tag = site, sys.implementation.cache_tag
        external = sys.modules["_frozen_importlib_external"]
        self.magic: bytes = external.MAGIC_NUMBER
        # ModuleSpec, which takes any loader by its methods (importlib.abc would cost the start)
        self.spec: Callable[..., ModuleSpec] = sys.modules["_frozen_importlib"].ModuleSpec

    def find_spec(self, name: str, path: "Sequence[str] | None" = None,
                  target: "ModuleType | None" = None) -> "ModuleSpec | None":
        if name != PACKAGE and not name.startswith(PACKAGE + "."):
            return None
        if name == PACKAGE:         # a namespace package: no code of its own
            return self._spec(name, None, self.site + "/" + PACKAGE, None)
        head, _, tail = name.rpartition(".")
        folder = self.site + "/" + head.replace(".", "/")
        code = self._code(folder + "/" + tail + ".py", folder + "/__pycache__/" + tail)
        if code is not None:
            return self._spec(name, code, None, folder + "/" + tail + ".py")
        package = folder + "/" + tail
        code = self._code(package + "/__init__.py", package + "/__pycache__/__init__")
        if code is not None:
            return self._spec(name, code, package, package + "/__init__.py")
        return None

    def _code(self, source: str, cached: str) -> "CodeType | None":
        """The module's code object, or None when its bytecode is missing or not current."""
        try:
            with open(cached + "." + self.tag + OPTIMIZED, "rb") as handle:
                data = handle.read()
            stat = posix.stat(source)
        except OSError:
            return None
        if (len(data) < _HEADER_BYTES or data[:4] != self.magic
                or data[4:8] != b"\0\0\0\0"      # hash-based bytecode: Python's own checks
                or int.from_bytes(data[8:12], "little") != int(stat.st_mtime) & 0xFFFFFFFF
                or int.from_bytes(data[12:16], "little") != stat.st_size & 0xFFFFFFFF):
            return None
        try:
            code: CodeType = marshal.loads(memoryview(data)[_HEADER_BYTES:])
            return code
        except (EOFError, ValueError, TypeError):
            return None

    def _spec(self, name: str, code: "CodeType | None", package: str | None,
              origin: str | None) -> "ModuleSpec":
        spec = self.spec(name, self, origin=origin, is_package=package is not None)
        if package is not None:
            spec.submodule_search_locations = [package]
        if origin is not None:
            spec.has_location = True
            spec.cached = self._cached(origin)
        spec.loader_state = code
        return spec

    def _cached(self, origin: str) -> str:
        folder, _, base = origin.rpartition("/")
        return "%s/__pycache__/%s.%s%s" % (folder, base[:-3], self.tag, OPTIMIZED)

    def create_module(self, spec: "ModuleSpec") -> None:
        return None                 # the default module object

    def exec_module(self, module: "ModuleType") -> None:
        spec = module.__spec__
        code = spec.loader_state if spec is not None else None
        if code is not None:
            exec(code, module.__dict__)


def install(site: str) -> None:
    """Put the finder first, for progmoh's modules under ``site`` (site-packages)."""
    sys.meta_path.insert(0, Finder(site))
