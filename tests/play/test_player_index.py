"""The players' index: every publish writes it, any name comes back exactly, it holds
what the manifest says, and a damaged one plays what it can (the player reads nothing else)."""

import dataclasses
import json
import os

import pytest

from progmoh.cache import index_lines, layout
from progmoh.cache.manifest import Limits
from progmoh.cache.store import Store
from progmoh.player.play import catalog as catalog_module
from progmoh.player.play.defaults import PROGRAM_DEFAULTS
from tests.support import cache_factory, player_cache

LIMITED = (("a-first", "first", Limits()), ("m-evening", "middle", Limits(
    dayparts=(("18:00", "23:00"),), daypart_names=("evening",), weekdays=(0, 4),
    dates=(("2026-12-01", "2026-12-24"),))), ("z-last", "last", Limits()))
ODD = ("calm\tjazz", "new\nline", "cr\rlf\r\n", "back\\slash \\t \\\\n \\", "\\",
       "ctl \x00\x01\x1b\x7f\x85\u2028\u2029 é ✓", "t\\\t\\")
ODD_ITEMS = tuple((name, group, Limits()) for name, group in zip(
    ("a\tfirst", "m\\middle\n", "z\r\\last\x00"), ("first", "middle", "last"), strict=True))


def plain(value):
    """Segments as tuples, all the way down, so two catalogs compare."""
    if isinstance(value, catalog_module.Segment):
        return (value.digest, value.samples, value.label)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    return value


def tables(catalog):
    return plain((catalog.generation, catalog.classes, catalog.default_class, catalog.program,
                  catalog.tracks, catalog.advice, catalog.items, catalog.item_language,
                  catalog.prompts))


def described(root):
    """The tables a player must hold, straight from the manifest (cache/manifest.py)."""
    manifest = Store(root).current()
    tracks, advice, items, languages, prompts = {}, {}, {}, {}, {}
    for s in sorted(manifest.segments, key=lambda s: (s.music_class, s.track_index)):
        entry = (bytes.fromhex(s.object), s.samples, "" if s.kind == "advice" else s.id)
        if s.kind == "music":
            tracks.setdefault(s.music_class, []).append(entry)
        elif s.kind == "prompt":
            prompts[(s.language, s.key)] = entry
        else:
            advice.setdefault((s.music_class, s.track_index), {}).setdefault(
                s.slot_sample, {})[s.advice] = entry
            limits = json.loads(json.dumps(dataclasses.asdict(s.limits)))
            items[s.advice] = (s.group, limits if any(limits.values()) else {})
            languages[s.advice] = s.language
    return (manifest.generation, tuple(sorted(manifest.classes)), manifest.default_class,
            dict(PROGRAM_DEFAULTS, **manifest.program), tracks, advice, items, languages, prompts)


def index_file(root):
    return layout.index_path(str(root), "g1")


def rewrite(root, edit):
    """The index's lines (bytes, without line ends) through ``edit``."""
    with open(index_file(root), "rb") as handle:
        lines = handle.read().split(b"\n")[:-1]
    with open(index_file(root), "wb") as handle:
        handle.write(b"".join(line + b"\n" for line in edit(lines)))


def kind_line(lines, kind):
    return next(n for n, line in enumerate(lines) if line.startswith(kind + b"\t"))


@pytest.mark.parametrize("items", [player_cache.DEFAULT_ITEMS, LIMITED])
def test_the_index_gives_the_catalog_the_manifest_describes(tmp_path, items):
    player_cache.build(tmp_path, items=items)
    catalog = catalog_module.load(str(tmp_path))
    assert tables(catalog) == described(tmp_path) and catalog.problem == ""


def test_any_name_comes_back_exactly(tmp_path):
    player_cache.build(tmp_path, classes=ODD, items=ODD_ITEMS, tracks_per_class=1,
                       default_class=ODD[0])
    catalog = catalog_module.load(str(tmp_path))
    assert tables(catalog) == described(tmp_path) and catalog.problem == ""
    assert set(catalog.tracks) == set(ODD) and set(catalog.items) == {i for i, _, _ in ODD_ITEMS}
    assert catalog.tracks["new\nline"][0].label == "music:new\nline/00-track"
    with open(index_file(tmp_path), "rb") as handle:
        lines = handle.read().split(b"\n")[:-1]
    assert len(lines) == 2 + len(Store(tmp_path).current().segments)     # no name broke a line


@pytest.mark.parametrize("field", ["", "\\", "\t", "\\\\t", "a\\tb", "\\\t\n\r\\n",
                                   "".join(map(chr, range(0, 0x21))) + "\x7f\x85\u2028"])
def test_the_escape_round_trips(field):
    written = index_lines.escape(field)
    assert not {"\t", "\n", "\r"} & set(written)
    assert index_lines.unescape(written) == field


@pytest.mark.parametrize("written", ["\\", "a\\", "\\x", "\\\\\\", "\\t\\"])
def test_a_backslash_the_escape_never_writes_is_an_error(written):
    with pytest.raises(ValueError, match="bad escape"):
        index_lines.unescape(written)


def test_a_version_1_index_is_read_as_it_was_written(tmp_path):
    """Before names were escaped: no tab or line break in any, a backslash as itself."""
    player_cache.build(tmp_path, classes=("calm", "a\\tb"))
    rewrite(tmp_path, lambda lines: [index_lines.MAGIC_V1.encode(), lines[1]] + [
        line.replace(b"a\\\\tb", b"a\\tb") for line in lines[2:]])
    catalog = catalog_module.load(str(tmp_path))
    assert tables(catalog) == described(tmp_path) and "a\\tb" in catalog.tracks


def test_a_damaged_line_is_left_out_said_once_and_the_rest_plays(tmp_path):
    player_cache.build(tmp_path)
    good = tables(catalog_module.load(str(tmp_path)))
    rewrite(tmp_path, lambda lines: lines + [b"x\tnot a kind"])
    catalog = catalog_module.load(str(tmp_path))
    assert tables(catalog) == good
    count = len(open(index_file(tmp_path), "rb").read().split(b"\n")) - 1
    assert catalog.problem == ("player index %s: 1 line(s) unusable, left out (first: line %d: "
                               "unknown line kind 'x')" % (index_file(tmp_path), count))


@pytest.mark.parametrize("damage, why", [
    (lambda f: f[:3] + [b"zz" + f[3][2:]] + f[4:], "non-hexadecimal"),
    (lambda f: f[:3] + [f[3][:-1]] + f[4:], "non-hexadecimal"),
    (lambda f: f[:4] + [b"12x"] + f[5:], "invalid literal"),
    (lambda f: f[:5], "too few fields"),
    (lambda f: f[:1] + [b"calm\\q"] + f[2:], "bad escape"),
    (lambda f: f[:1] + [b"\xff"] + f[2:], "utf-8"),
])
def test_a_damaged_music_line_costs_that_track_only(tmp_path, damage, why):
    player_cache.build(tmp_path)
    good = catalog_module.load(str(tmp_path))

    def edit(lines):
        n = kind_line(lines, b"m")
        return lines[:n] + [b"\t".join(damage(lines[n].split(b"\t")))] + lines[n + 1:]
    rewrite(tmp_path, edit)
    catalog = catalog_module.load(str(tmp_path))
    assert plain(catalog.tracks["calm"]) == plain(good.tracks["calm"][1:])
    assert plain(catalog.tracks["jazz"]) == plain(good.tracks["jazz"])
    assert plain(catalog.prompts) == plain(good.prompts)
    assert "1 line(s) unusable" in catalog.problem and why in catalog.problem


def test_an_index_cut_short_keeps_every_whole_line(tmp_path):
    player_cache.build(tmp_path)
    good = tables(catalog_module.load(str(tmp_path)))
    text = open(index_file(tmp_path), "rb").read()
    with open(index_file(tmp_path), "wb") as handle:
        handle.write(text[:-3])
    catalog = catalog_module.load(str(tmp_path))
    last = text[:-1].rsplit(b"\n", 1)[1].split(b"\t")
    assert last[0] == b"p" and (last[1].decode(), last[2].decode()) not in catalog.prompts
    assert len(catalog.prompts) == len(good[8]) - 1
    assert tables(catalog)[4:8] == good[4:8] and "cut short" in catalog.problem


@pytest.mark.parametrize("header", [
    b'{"generation": "g1", "classes": [',
    b'{"generation": "g1", "default_class": "calm", "classes": ["calm", "jazz"], '
    b'"program": {}, "block_check": "", "items": {"a-first": ["first", {"dayparts": '
    b'[["6 am", "09:00"]]}, ""]}}',
    b'{"generation": "g1", "default_class": "calm", "classes": ["calm"], '
    b'"program": {"crossfade_ms": "long"}, "block_check": "", "items": {}}',
    b'[1, 2]',
])
def test_a_damaged_header_plays_music_and_prompts_without_advice(tmp_path, header):
    """Advice is never played without its limits: it waits for a good index."""
    player_cache.build(tmp_path)
    good = catalog_module.load(str(tmp_path))
    rewrite(tmp_path, lambda lines: lines[:1] + [header] + lines[2:])
    catalog = catalog_module.load(str(tmp_path))
    assert plain(catalog.tracks) == plain(good.tracks)
    assert plain(catalog.prompts) == plain(good.prompts)
    assert catalog.advice == {} and catalog.items == {}
    assert catalog.program == PROGRAM_DEFAULTS and catalog.generation == "g1"
    assert catalog.classes == ("calm", "jazz") and catalog.start_class() == "calm"
    assert catalog.problem.startswith("player index %s: 1 line(s) unusable, left out (first: "
                                      "line 2 (the header; advice left out): "
                                      % index_file(tmp_path))


def test_a_file_that_is_no_index_and_a_missing_one_are_catalog_errors(tmp_path):
    player_cache.build(tmp_path / "a", index=False)
    with pytest.raises(catalog_module.CatalogError, match=r"no player index .*g1\.idx \(a cache "
                       r"rendered before every generation had one\): run `progmoh render`"):
        catalog_module.load(str(tmp_path / "a"))
    player_cache.build(tmp_path / "b")
    rewrite(tmp_path / "b", lambda lines: [b"{}"] + lines[1:])
    with pytest.raises(catalog_module.CatalogError, match="unusable: .* is not a player index"):
        catalog_module.load(str(tmp_path / "b"))


def test_sizes_are_read_exactly(tmp_path):
    player_cache.build(tmp_path)
    huge = 2 ** 40 + 3

    def edit(lines):
        n = kind_line(lines, b"p")
        fields = lines[n].split(b"\t")
        return lines[:n] + [b"\t".join(fields[:4] + [b"%d" % huge] + fields[5:])] + lines[n + 1:]
    rewrite(tmp_path, edit)
    catalog = catalog_module.load(str(tmp_path))
    assert sorted(p.samples for p in catalog.prompts.values())[-1] == huge
    assert catalog.problem == ""


def test_every_publish_writes_the_index_whatever_the_names(tmp_path):
    data = cache_factory.pcm(1, 800)
    with Store(tmp_path).writer() as writer:
        writer.put(data)
        writer.publish(cache_factory.manifest([cache_factory.music(data, music_class="calm\tjazz")],
                                              classes=("calm\tjazz",)))
    assert Store(tmp_path).has_player_index(Store(tmp_path).current_name())
    assert plain(catalog_module.load(str(tmp_path)).tracks) == {
        "calm\tjazz": [(bytes.fromhex(cache_factory.digest_of(data)), 800,
                        "music:calm\tjazz/01-dawn")]}


def test_publish_writes_the_index_and_gc_removes_it(tmp_path):
    first = cache_factory.publish(tmp_path, seed=1)
    index = layout.index_path(str(tmp_path), first.generation)
    assert os.path.exists(index)
    assert catalog_module.load(str(tmp_path)).generation == first.generation
    later = cache_factory.EPOCH + cache_factory.hours(100)
    cache_factory.publish(tmp_path, seed=2, created=later)
    report = Store(tmp_path).gc(grace_s=3600, now=later.timestamp() + 7200, dry_run=False)
    assert report.removed_generations == (first.generation,)
    assert not os.path.exists(index)
