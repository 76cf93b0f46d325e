"""The players' index gives the very catalog the manifest gives, and is written by a publish."""

import os

import pytest

import cache_factory
import player_cache
from progmoh.cache import layout
from progmoh.cache.manifest import Limits
from progmoh.cache.player_index import index_text
from progmoh.cache.store import Store
from progmoh.player.play import catalog as catalog_module

LIMITED = (("a-first", "first", Limits()), ("m-evening", "middle", Limits(
    dayparts=(("18:00", "23:00"),), daypart_names=("evening",), weekdays=(0, 4),
    dates=(("2026-12-01", "2026-12-24"),))), ("z-last", "last", Limits()))


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
                  catalog.tracks, catalog.advice, catalog.items, catalog.prompts))


@pytest.mark.parametrize("items", [player_cache.DEFAULT_ITEMS, LIMITED])
def test_the_index_and_the_manifest_give_the_same_catalog(tmp_path, items):
    with_index, without = tmp_path / "a", tmp_path / "b"
    player_cache.build(with_index, items=items)
    player_cache.build(without, items=items, index=False)
    assert os.path.exists(layout.index_path(str(with_index), "g1"))
    assert not os.path.exists(layout.index_path(str(without), "g1"))
    assert tables(catalog_module.load(str(with_index))) == tables(catalog_module.load(str(without)))


def test_a_broken_index_falls_back_to_the_manifest(tmp_path):
    player_cache.build(tmp_path)
    good = tables(catalog_module.load(str(tmp_path)))
    with open(layout.index_path(str(tmp_path), "g1"), "a", encoding="utf-8") as handle:
        handle.write("x\tnot a kind\n")
    assert tables(catalog_module.load(str(tmp_path))) == good


def test_names_with_tabs_get_no_index(tmp_path):
    built = player_cache.build(tmp_path, classes=("calm\tjazz",), index=False)
    assert index_text(built.manifest) is None
    assert catalog_module.load(str(tmp_path)).tracks["calm\tjazz"]


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
