"""JSON through the interpreter's C accelerator ``_json`` alone.

``import json`` pulls in ``re``, ``enum``, ``functools`` and ``collections``:
about 6 ms and 1.6 MB of a player whose whole start must fit in about 12 ms
and 1.5 MB over a bare interpreter (``bench/player_bench.py --installed``).
The C scanner and encoder used here are the ones ``json`` itself uses, so
the text read and written is the same; where ``_json`` is missing, ``json``
does the work.  Malformed input still raises a ``ValueError``.
"""

TYPE_CHECKING = False             # typing itself costs the player's start (no import)
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType
    from typing import Any, NoReturn

_json: "ModuleType | None"
try:
    import _json
except ImportError:         # pragma: no cover  (CPython always has it)
    _json = None

_CONSTANTS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}
_WHITESPACE = " \t\n\r"


class _Context:
    """The attributes ``_json.make_scanner`` reads from a ``json.JSONDecoder``."""

    __slots__ = ("strict", "object_hook", "object_pairs_hook", "parse_float", "parse_int",
                 "parse_constant", "memo")

    def __init__(self) -> None:
        self.strict, self.object_hook, self.object_pairs_hook = True, None, None
        self.parse_float, self.parse_int, self.parse_constant = float, int, _CONSTANTS.__getitem__
        self.memo: dict[str, object] = {}


class Scanner:
    """``raw_decode(text, pos) -> (value, end)``."""

    __slots__ = ("_scan",)

    def __init__(self) -> None:
        self._scan: "Callable[[str, int], tuple[Any, int]]"
        if _json is None:
            import json
            self._scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # typeshed lacks it
        else:
            self._scan = _json.make_scanner(_Context())

    def raw_decode(self, text: str, pos: int = 0) -> "tuple[Any, int]":
        try:
            return self._scan(text, pos)
        except StopIteration as stop:
            raise ValueError("no JSON value at character %d" % stop.value) from None


_PLAIN = Scanner()


def loads(text: str | bytes | bytearray) -> "Any":
    """One JSON document (str or UTF-8 bytes), surrounding whitespace allowed."""
    if isinstance(text, (bytes, bytearray)):
        text = text.decode("utf-8")
    start = len(text) - len(text.lstrip(_WHITESPACE))
    value, end = _PLAIN.raw_decode(text, start)
    if text[end:].strip(_WHITESPACE):
        raise ValueError("extra data at character %d" % end)
    return value


def _unencodable(value: object) -> "NoReturn":
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)


def dumps_compact(value: object) -> str:
    """``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``."""
    if _json is None:
        import json
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    encode = _json.make_encoder({}, _unencodable, _json.encode_basestring, None, ":", ",",
                                False, False, True)
    return "".join(encode(value, 0))
