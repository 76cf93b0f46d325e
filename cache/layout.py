"""Where things live inside a cache folder.  Standard library only: the
player uses it on its way to the first audio, so paths are joined here
without ``os`` (a millisecond and 0.2 MB of every player's start).

    ROOT/CURRENT                    name of the current generation (one line)
    ROOT/generations/<gen>.json     one manifest per generation
    ROOT/generations/<gen>.idx      the players' index of it (cache/player_index.py), for
                                    the default program; <gen>.<program>.idx for another
    ROOT/objects/<h[:2]>/<h>.sln    content-addressed 8 kHz s16le mono PCM
    ROOT/objects/<h[:2]>/<h>.crc32-4096   its block checksums (cache/blocks.py)
    ROOT/tmp/                       temp files, renamed into place when complete
    ROOT/lock                       the writer lock (fcntl.flock)
"""

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from pathlib import PurePath

CURRENT = "CURRENT"
GENERATIONS = "generations"
OBJECTS = "objects"
TMP = "tmp"
LOCK = "lock"
OBJECT_SUFFIX = ".sln"
DEFAULT_PROGRAM = "default"     # the program of a cache's plain index (player/programs.py)


def object_path(root: "str | PurePath", digest: str) -> str:
    return f"{root}/{OBJECTS}/{digest[:2]}/{digest}{OBJECT_SUFFIX}"


def manifest_path(root: "str | PurePath", generation: str) -> str:
    return f"{root}/{GENERATIONS}/{generation}.json"


def index_path(root: "str | PurePath", generation: str,
               program: str = DEFAULT_PROGRAM) -> str:
    """The players' index of one program (a name player/programs.py has checked)."""
    if program == DEFAULT_PROGRAM:
        return f"{root}/{GENERATIONS}/{generation}.idx"
    return f"{root}/{GENERATIONS}/{generation}.{program}.idx"


def current_generation(root: "str | PurePath") -> str | None:
    """The current generation's name, or None when nothing is published yet."""
    try:
        with open(f"{root}/{CURRENT}", "rb") as handle:    # no text codec to import
            return handle.read().decode("ascii").strip() or None
    except FileNotFoundError:
        return None
