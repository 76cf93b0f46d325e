"""The store in one process: publishing, reading, errors that name files."""

import os
import pathlib
import re
from datetime import datetime, timezone

import pytest

from progmoh.cache import layout
from progmoh.cache.errors import CacheError
from progmoh.cache.store import Store, new_generation_name
from tests.support.cache_factory import EPOCH, digest_of, hours, manifest, music, pcm, publish


def test_empty_store_has_nothing_published(tmp_path):
    store = Store(tmp_path / "absent")
    assert store.current() is None
    assert store.generations() == []
    assert not (tmp_path / "absent").exists()


def test_put_names_object_by_sha256_and_is_idempotent(tmp_path):
    data = pcm(1, 400)
    with Store(tmp_path).writer() as writer:
        first = writer.put(data)
        second = writer.put(data)
    assert first == second == digest_of(data)
    path = tmp_path / "objects" / first[:2] / f"{first}.sln"
    assert path.read_bytes() == data
    assert Store(tmp_path).path(first) == path
    assert os.listdir(tmp_path / "tmp") == []


def test_put_replaces_a_truncated_object(tmp_path):
    data = pcm(1, 400)
    with Store(tmp_path).writer() as writer:
        digest = writer.put(data)
        Store(tmp_path).path(digest).write_bytes(data[:100])
        writer.put(data)
    assert Store(tmp_path).read(digest) == data


def test_put_replaces_a_damaged_object_of_the_same_length(tmp_path):
    data = pcm(2, 400)
    with Store(tmp_path).writer() as writer:
        digest = writer.put(data)
        path = Store(tmp_path).path(digest)
        path.write_bytes(b"\0" + data[1:])
        assert writer.put(data) == digest
    assert path.read_bytes() == data


def test_writer_can_collect_under_its_own_lock(tmp_path):
    oldest = publish(tmp_path, seed=1, created=EPOCH)
    replaced = publish(tmp_path, seed=2, created=EPOCH + hours(1))
    newest = publish(tmp_path, seed=3, created=EPOCH + hours(30))
    with Store(tmp_path).writer() as writer:
        report = writer.gc(6 * 3600, now=(EPOCH + hours(31)).timestamp())
    assert report.removed_generations == (oldest.generation,)
    assert [g.name for g in Store(tmp_path).generations()] == [newest.generation,
                                                              replaced.generation]


def test_put_refuses_half_samples(tmp_path):
    with Store(tmp_path).writer() as writer, pytest.raises(CacheError, match="801 bytes"):
        writer.put(b"\0" * 801)


def test_publish_switches_current_and_lists_newest_first(tmp_path):
    old = publish(tmp_path, seed=1, created=EPOCH)
    new = publish(tmp_path, seed=2, created=EPOCH + hours(1))
    store = Store(tmp_path)
    assert store.current() == new
    assert store.manifest(old.generation) == old
    assert (tmp_path / "CURRENT").read_text() == new.generation + "\n"
    infos = store.generations()
    assert [i.name for i in infos] == [new.generation, old.generation]
    assert [i.is_current for i in infos] == [True, False]
    assert infos[0].segments == 4
    assert infos[0].bytes == sum(s.samples * 2 for s in new.segments)


def test_publish_refuses_a_manifest_whose_object_is_missing(tmp_path):
    published = publish(tmp_path, seed=1)
    orphan = manifest([music(pcm(9, 100))], created=EPOCH + hours(1))
    with Store(tmp_path).writer() as writer, pytest.raises(CacheError) as error:
        writer.publish(orphan)
    assert "missing" in str(error.value) and "music:calm/01-dawn" in str(error.value)
    assert Store(tmp_path).current_name() == published.generation
    assert not (tmp_path / "generations" / f"{orphan.generation}.json").exists()


def test_publish_refuses_an_object_of_the_wrong_length(tmp_path):
    data = pcm(3, 100)
    wrong = manifest([music(data)])
    wrong = manifest([type(wrong.segments[0])(**{**wrong.segments[0].__dict__, "samples": 99})])
    with Store(tmp_path).writer() as writer:
        writer.put(data)
        with pytest.raises(CacheError, match="is 200 bytes, expected 198 bytes"):
            writer.publish(wrong)


def test_publish_refuses_an_existing_generation(tmp_path):
    published = publish(tmp_path, seed=1)
    with Store(tmp_path).writer() as writer, pytest.raises(CacheError, match="already exists"):
        writer.publish(published)


def test_writer_is_dead_after_its_block(tmp_path):
    with Store(tmp_path).writer() as writer:
        pass
    with pytest.raises(CacheError, match="after its lock was released"):
        writer.put(pcm(1, 10))


def test_second_writer_in_same_process_is_refused(tmp_path):
    with Store(tmp_path).writer():
        with pytest.raises(CacheError) as error:
            with Store(tmp_path).writer():
                pass
    assert str(tmp_path / "lock") in str(error.value)
    assert "another render" in str(error.value)


def test_missing_and_corrupt_manifests_name_the_file(tmp_path):
    store = Store(tmp_path)
    with pytest.raises(CacheError, match=re.escape(str(tmp_path / "generations" / "nope.json"))):
        store.manifest("nope")
    (tmp_path / "generations").mkdir()
    broken = tmp_path / "generations" / "broken.json"
    broken.write_text('{"format": 1, "generation": "bro')
    with pytest.raises(CacheError, match=re.escape(f"{broken}: corrupt manifest")):
        store.manifest("broken")
    broken.write_text("[1, 2]")
    with pytest.raises(CacheError, match="corrupt manifest"):
        store.manifest("broken")


def test_manifest_under_another_name_is_corrupt(tmp_path):
    published = publish(tmp_path)
    path = tmp_path / "generations" / f"{published.generation}.json"
    os.rename(path, tmp_path / "generations" / "other.json")
    with pytest.raises(CacheError, match="it names generation"):
        Store(tmp_path).manifest("other")


def test_current_pointing_nowhere_is_an_error(tmp_path):
    publish(tmp_path)
    (tmp_path / layout.CURRENT).write_text("gone\n")
    with pytest.raises(CacheError, match="no such generation 'gone'"):
        Store(tmp_path).current()


def test_path_traversal_is_refused(tmp_path):
    store = Store(tmp_path)
    with pytest.raises(CacheError, match="not a sha256 object name"):
        store.path("../../etc/passwd")
    with pytest.raises(CacheError, match="not a valid generation name"):
        store.manifest("../CURRENT")


def test_read_of_missing_object_names_it(tmp_path):
    digest = digest_of(b"nothing")
    with pytest.raises(CacheError, match=f"{digest}.sln: object missing"):
        Store(tmp_path).read(digest)
    assert not Store(tmp_path).has(digest)


def test_generation_names_sort_by_time_and_differ_within_a_second():
    early = new_generation_name(datetime(2026, 11, 26, 17, 45, tzinfo=timezone.utc))
    late = new_generation_name(datetime(2026, 11, 26, 18, 45, 0, tzinfo=timezone.utc))
    assert re.fullmatch(r"20261126T174500Z-[0-9a-f]{6}", early)
    assert early < late
    same = {new_generation_name(EPOCH) for _ in range(20)}
    assert len(same) == 20


def test_a_failed_write_is_a_cache_error_and_leaves_no_temp_file(tmp_path):
    data = pcm(1, 100)
    store = Store(tmp_path)
    blocker = store.path(digest_of(data))
    (blocker / "in-the-way").mkdir(parents=True)      # rename onto a non-empty folder fails
    with store.writer() as writer, pytest.raises(CacheError) as error:
        writer.put(data)
    assert str(error.value).startswith(f"{blocker}: cannot write: ")
    assert os.listdir(tmp_path / "tmp") == []


def test_a_cache_folder_that_is_a_file_is_a_cache_error(tmp_path):
    (tmp_path / "cache").write_text("not a folder")
    with pytest.raises(CacheError, match="cannot create cache folder"):
        with Store(tmp_path / "cache").writer():
            pass


def sums_of(store: Store, digest: str):
    from progmoh.cache import blocks
    return pathlib.Path(blocks.sums_path(str(store.path(digest))))


def test_put_writes_block_checksums_beside_the_object(tmp_path):
    from progmoh.cache import blocks
    data = pcm(3, 5000)                  # two blocks: 4096 samples and 904
    with Store(tmp_path).writer() as writer:
        digest = writer.put(data)
        sums_of(Store(tmp_path), digest).write_bytes(b"\0" * 8)    # damaged: put mends it
        writer.put(data)
    table = sums_of(Store(tmp_path), digest).read_bytes()
    assert table == blocks.sums(data) and len(table) == 8
    assert blocks.intact(data[:8192], 0, table) and blocks.intact(data[8192:], 1, table)
    assert not blocks.intact(b"\1" + data[1:8192], 0, table)


def test_publish_adds_checksums_an_older_object_lacks_and_says_so(tmp_path):
    published = publish(tmp_path, seed=4)
    store = Store(tmp_path)
    assert store.current().block_check == "crc32-4096"
    old = published.segments[0].object
    sums_of(store, old).unlink()
    with store.writer() as writer:
        writer.publish(manifest(published.segments, created=EPOCH + hours(1)))
    assert sums_of(store, old).exists()


def test_publish_refuses_an_object_that_no_longer_matches_its_name(tmp_path):
    published = publish(tmp_path, seed=5)
    store = Store(tmp_path)
    old = published.segments[0].object
    sums_of(store, old).unlink()
    store.path(old).write_bytes(b"\1" + store.read(old)[1:])
    with pytest.raises(CacheError, match="does not match its name"):
        with store.writer() as writer:
            writer.publish(manifest(published.segments, created=EPOCH + hours(1)))
    assert not sums_of(store, old).exists()


def test_an_old_manifest_without_block_check_still_loads(tmp_path):
    published = publish(tmp_path, seed=6)
    path = tmp_path / "generations" / f"{published.generation}.json"
    path.write_text(path.read_text().replace('"block_check": "crc32-4096",', ""))
    assert Store(tmp_path).current().block_check == ""
