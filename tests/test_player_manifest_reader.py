"""The windowed manifest reader gives what json.loads gives, at any window size."""

import io
import json

import pytest

import player_cache
from progmoh.cache import layout
from progmoh.player.play import catalog, manifest_reader


@pytest.fixture(scope="module")
def manifest_text(tmp_path_factory):
    root = tmp_path_factory.mktemp("cache")
    player_cache.build(root, languages=("ru",), max_position=2)
    return open(layout.manifest_path(str(root), "g1"), encoding="utf-8").read()


@pytest.mark.parametrize("margin", [0, 100, 8192])
@pytest.mark.parametrize("chunk", [1, 7, 64, 1000, 65536])
def test_same_as_json_loads_at_any_window(manifest_text, chunk, margin, monkeypatch):
    monkeypatch.setattr(manifest_reader, "CHUNK_CHARS", chunk)
    monkeypatch.setattr(manifest_reader, "MARGIN_CHARS", margin)   # 0: values cut by the window
    assert manifest_reader.read(io.StringIO(manifest_text), None) == json.loads(manifest_text)


def test_numbers_split_across_windows(monkeypatch):
    monkeypatch.setattr(manifest_reader, "CHUNK_CHARS", 3)
    monkeypatch.setattr(manifest_reader, "MARGIN_CHARS", 0)
    text = '{"format": 123456, "segments": [{"samples": 98765}, {"samples": 1}], "z": -1.5e3}'
    assert manifest_reader.read(io.StringIO(text), None) == json.loads(text)


def test_hook_sees_each_segment(manifest_text):
    kinds = []
    data = manifest_reader.read(io.StringIO(manifest_text),
                                lambda d: kinds.append(d.get("kind")) or d)
    assert len(data["segments"]) == len(json.loads(manifest_text)["segments"])
    assert kinds.count("prompt") == len([s for s in data["segments"] if s["kind"] == "prompt"])


@pytest.mark.parametrize("text", ['{"segments": [{"a": 1}', '{"format": 1', '[1, 2]', ''])
def test_broken_manifests_raise(text):
    with pytest.raises(ValueError):
        manifest_reader.read(io.StringIO(text), None)


def test_a_broken_manifest_is_a_catalog_error(tmp_path):
    player_cache.build(tmp_path, index=False)   # the manifest alone is read
    path = layout.manifest_path(str(tmp_path), "g1")
    text = open(path).read()
    open(path, "w").write(text[:len(text) // 2])
    with pytest.raises(catalog.CatalogError, match="unusable"):
        catalog.load(str(tmp_path))
