"""Reading a generation's player index (cache/player_index.py) into a Catalog.

One split per line and no JSON parser but for the one-line header: the
index is what lets a player reach its first audio within a few milliseconds
of the interpreter's own start.  Anything wrong with it raises ValueError
(or KeyError/IndexError), and the caller reads the manifest instead.
"""

from progmoh.player.lean_json import loads

MAGIC = "progmoh-player-index 1"


def read(path, catalog, segment):
    """Fill ``catalog`` from the index at ``path`` (FileNotFoundError when there is none);
    ``segment`` makes each entry (catalog.Segment)."""
    shared = {}
    share = shared.setdefault
    with open(path, "rb") as handle:            # a line at a time: a large index is megabytes
        if handle.readline().decode("utf-8").rstrip("\n") != MAGIC:
            raise ValueError("%s is not a player index" % path)
        header = loads(handle.readline().decode("utf-8"))
        for line in handle:
            line = line.decode("utf-8").rstrip("\n")
            if line:
                _add(catalog, line.split("\t"), share, segment)
    for item, (group, limits, language) in header["items"].items():
        catalog.items[item] = (group or "middle", limits or {})
        catalog.item_language[item] = language or ""
    catalog.finish(header)
    return catalog


def _add(catalog, f, share, segment):
    kind = f[0]
    if kind == "a":
        slots = catalog.advice.setdefault((share(f[1], f[1]), int(f[2])), {})
        slot, samples = int(f[3]), int(f[6])
        entry = segment(bytes.fromhex(f[5]), share(samples, samples), "")
        slots.setdefault(share(slot, slot), {})[share(f[4], f[4])] = entry
    elif kind == "m":
        catalog._music.append((f[1], int(f[2]), segment(bytes.fromhex(f[3]), int(f[4]), f[5])))
    elif kind == "p":
        catalog.prompts[(f[1], f[2])] = segment(bytes.fromhex(f[3]), int(f[4]), f[5])
    else:
        raise ValueError("unknown line kind %r" % kind)
