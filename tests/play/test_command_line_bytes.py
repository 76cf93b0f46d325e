"""Asterisk copies the player's command line into ``char[256]``: the limit is 255 bytes, so a
non-ASCII path or class name counts as its UTF-8, never as its characters."""

from progmoh.player import command_line as cl

COMMAND = ["/opt/progmoh/bin/progmoh", "play"]
UNIQUEID = "1795709779.380"
SOCKET = "/run/progmoh/serve.sock"


def line_for(cache: str, music_class: str = "") -> str | None:
    return cl.build(COMMAND, UNIQUEID, cache, SOCKET, 200, "", music_class)


def required_bytes(cache: str) -> int:
    return len(" ".join(COMMAND + ["--uniqueid", UNIQUEID, "--cache", cache, "--socket",
                                   SOCKET]).encode())


def test_a_non_ascii_cache_path_at_the_limit_fits_in_bytes_and_one_past_it_does_not():
    fixed = required_bytes("/")
    at_limit = "/" + "ж" * ((cl.MAX_BYTES - fixed) // 2)     # two bytes each
    assert required_bytes(at_limit) in (cl.MAX_BYTES - 1, cl.MAX_BYTES)
    fits = line_for(at_limit)
    assert fits is not None and len(fits.encode()) <= cl.MAX_BYTES
    over = at_limit + "жж"                                    # still under 255 characters
    assert len(" ".join(COMMAND) + over) < cl.MAX_BYTES < required_bytes(over)
    assert line_for(over) is None


def test_a_non_ascii_class_is_dropped_when_its_bytes_would_not_fit():
    with_class = " --lead-ms 200 --class джазджаз"              # 8 characters, 16 bytes
    cache = "/" + "c" * (250 - len(with_class) - required_bytes("/"))
    counted_in_characters = required_bytes(cache) + len(with_class)
    assert counted_in_characters == 250 and counted_in_characters + 8 > cl.MAX_BYTES
    line = line_for(cache, "джазджаз")
    assert line is not None and len(line.encode()) <= cl.MAX_BYTES
    assert "--class" not in line.split(" ") and "--lead-ms" in line.split(" ")
