"""verify and gc on synthetic generations, with explicit clocks."""

import os

import pytest

from progmoh.cache.errors import CacheError
from progmoh.cache.store import Store
from tests.support.cache_factory import EPOCH, hours, pcm, publish

GRACE_S = 6 * 3600.0


def at(offset_hours: float) -> float:
    return (EPOCH + hours(offset_hours)).timestamp()


def test_verify_passes_a_sound_cache(tmp_path):
    published = publish(tmp_path)
    report = Store(tmp_path).verify()
    assert report.ok
    assert report.checked == 4
    assert report.generations == (published.generation,)
    assert report.bytes == sum(s.samples * 2 for s in published.segments)


def test_verify_catches_flipped_byte_truncation_and_loss(tmp_path):
    published = publish(tmp_path)
    store = Store(tmp_path)
    flipped, truncated, lost, fine = (s.object for s in published.segments)
    data = bytearray(store.read(flipped))
    data[17] ^= 0x01
    store.path(flipped).write_bytes(bytes(data))
    store.path(truncated).write_bytes(store.read(truncated)[:-2])
    store.path(lost).unlink()
    report = Store(tmp_path).verify()
    problems = {bad.digest: bad.problem for bad in report.bad}
    assert set(problems) == {flipped, truncated, lost}
    assert problems[flipped].startswith("content does not match its name")
    assert problems[truncated] == "length 1602 bytes, expected 1604"
    assert problems[lost] == "missing"
    assert all(bad.path == str(store.path(bad.digest)) for bad in report.bad)
    assert not report.ok


def test_verify_checks_every_generation_not_only_current(tmp_path):
    old = publish(tmp_path, seed=1, created=EPOCH)
    publish(tmp_path, seed=2, created=EPOCH + hours(1))
    store = Store(tmp_path)
    store.path(old.segments[0].object).unlink()
    assert [b.digest for b in store.verify().bad] == [old.segments[0].object]


def test_gc_keeps_current_young_and_recently_superseded(tmp_path):
    ancient = publish(tmp_path, seed=1, created=EPOCH)
    superseded = publish(tmp_path, seed=2, created=EPOCH + hours(1))
    young = publish(tmp_path, seed=3, created=EPOCH + hours(20))
    current = publish(tmp_path, seed=4, created=EPOCH + hours(21))
    report = Store(tmp_path).gc(GRACE_S, now=at(24), dry_run=False)
    assert report.removed_generations == (ancient.generation,)
    # superseded was created 23 h ago, but stopped being current only 4 h ago
    assert set(report.kept_generations) == {superseded.generation, young.generation,
                                            current.generation}
    assert set(report.removed_objects) == {s.object for s in ancient.segments}
    assert report.freed_bytes > sum(s.samples * 2 for s in ancient.segments)
    store = Store(tmp_path)
    assert [g.name for g in store.generations()] == [current.generation, young.generation,
                                                    superseded.generation]
    assert store.verify().ok


def test_gc_keeps_an_old_current_generation(tmp_path):
    only = publish(tmp_path, created=EPOCH)
    report = Store(tmp_path).gc(GRACE_S, now=at(1000), dry_run=False)
    assert report.kept_generations == (only.generation,)
    assert report.removed_objects == ()
    assert Store(tmp_path).verify().ok


def test_gc_keeps_objects_shared_with_a_kept_generation(tmp_path):
    shared = pcm(99, 300)
    old = publish(tmp_path, seed=1, created=EPOCH, extra=(shared,))
    publish(tmp_path, seed=2, created=EPOCH + hours(1))
    new = publish(tmp_path, seed=3, created=EPOCH + hours(30), extra=(shared,))
    report = Store(tmp_path).gc(GRACE_S, now=at(40), dry_run=False)
    assert old.generation in report.removed_generations
    shared_digest = new.segments[-1].object
    assert shared_digest == old.segments[-1].object
    assert shared_digest not in report.removed_objects
    assert Store(tmp_path).read(shared_digest) == shared
    assert Store(tmp_path).verify().ok


def test_gc_removes_unreferenced_objects_and_stale_tmp_files(tmp_path):
    publish(tmp_path, created=EPOCH)
    with Store(tmp_path).writer() as writer:
        orphan = writer.put(pcm(50, 100))
    stale = tmp_path / "tmp" / "crashed.part"
    fresh = tmp_path / "tmp" / "busy.part"
    stale.write_bytes(b"x" * 10)
    fresh.write_bytes(b"y" * 10)
    os.utime(stale, (at(0), at(0)))
    os.utime(fresh, (at(23), at(23)))
    report = Store(tmp_path).gc(GRACE_S, now=at(24), dry_run=False)
    assert report.removed_objects == (orphan,)
    assert report.removed_tmp == ("crashed.part",)
    assert not stale.exists() and fresh.exists()
    assert not Store(tmp_path).has(orphan)


def test_gc_dry_run_reports_the_same_and_removes_nothing(tmp_path):
    publish(tmp_path, seed=1, created=EPOCH)
    publish(tmp_path, seed=2, created=EPOCH + hours(1))
    publish(tmp_path, seed=3, created=EPOCH + hours(2))
    before = sorted(p for p in tmp_path.rglob("*"))
    dry = Store(tmp_path).gc(GRACE_S, now=at(30), dry_run=True)
    assert sorted(p for p in tmp_path.rglob("*")) == before
    real = Store(tmp_path).gc(GRACE_S, now=at(30), dry_run=False)
    assert dry.dry_run and not real.dry_run
    assert (dry.removed_generations, dry.removed_objects, dry.freed_bytes) == (
        real.removed_generations, real.removed_objects, real.freed_bytes)
    assert len(real.removed_generations) == 2


def test_gc_refuses_while_a_writer_holds_the_lock(tmp_path):
    publish(tmp_path)
    with Store(tmp_path).writer():
        with pytest.raises(CacheError, match="locked"):
            Store(tmp_path).gc(GRACE_S, now=at(100), dry_run=False)
        assert Store(tmp_path).gc(GRACE_S, now=at(100), dry_run=True).removed_generations == ()


def test_verify_catches_missing_and_wrong_block_checksums(tmp_path):
    from progmoh.cache import blocks
    published = publish(tmp_path)
    store = Store(tmp_path)
    lost, wrong = (s.object for s in published.segments[:2])
    os.unlink(blocks.sums_path(str(store.path(lost))))
    with open(blocks.sums_path(str(store.path(wrong))), "r+b") as handle:
        handle.write(b"\0\0\0\0")
    problems = {bad.digest: bad.problem for bad in Store(tmp_path).verify().bad}
    assert problems == {lost: "block checksums missing",
                        wrong: "block checksums do not match its content"}


def test_gc_removes_the_checksums_of_the_objects_it_removes(tmp_path):
    from progmoh.cache import blocks
    publish(tmp_path, created=EPOCH)
    with Store(tmp_path).writer() as writer:
        orphan = writer.put(pcm(51, 100))
    sums = blocks.sums_path(str(Store(tmp_path).path(orphan)))
    assert os.path.exists(sums)
    report = Store(tmp_path).gc(GRACE_S, now=at(24), dry_run=False)
    assert report.removed_objects == (orphan,)
    assert not os.path.exists(sums)
    assert Store(tmp_path).verify().ok
