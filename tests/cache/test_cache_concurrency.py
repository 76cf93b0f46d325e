"""The store under a writer and readers in separate processes.

Readers read the way the player does (layout.py, json, raw files; no lock).
The writer waits until some reader has fully read each generation before it
publishes the next, so readers overlap every publish and gc without any
sleep; gc runs with a grace that removes generations three publishes old.
"""

import hashlib
import json
import multiprocessing
import os
import signal

import pytest

from progmoh.cache import layout
from progmoh.cache.errors import CacheError
from progmoh.cache.store import Store
from tests.support.cache_factory import EPOCH, hours, publish

CTX = multiprocessing.get_context("fork")
GENERATIONS = 30
READERS = 3
WAIT_S = 20


def _writer(root, seen, done):
    try:
        for index in range(1, GENERATIONS):
            made = publish(root, seed=index, created=EPOCH + hours(index), samples=400 + index)
            Store(root).gc(1.5 * 3600, now=(EPOCH + hours(index + 0.1)).timestamp(),
                           dry_run=False)
            while seen.get(timeout=WAIT_S) != made.generation:
                pass
    finally:
        done.set()


def _read_once(root):
    """('ok', generation) | ('collected', generation) | ('bad', why)."""
    name = layout.current_generation(root)
    manifest_path = layout.manifest_path(root, name)
    try:
        with open(manifest_path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return "collected", name
    try:
        segments = json.loads(text)["segments"]
    except (ValueError, KeyError) as error:
        return "bad", f"{name}: half-written manifest: {error}"
    for segment in segments:
        try:
            with open(layout.object_path(root, segment["object"]), "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            if os.path.exists(manifest_path):
                return "bad", f"{name}: object {segment['object']} gone, manifest still there"
            return "collected", name
        if (len(data) != segment["samples"] * 2
                or hashlib.sha256(data).hexdigest() != segment["object"]):
            return "bad", f"{name}: object {segment['object']} incomplete ({len(data)} bytes)"
    return "ok", name


def _reader(root, seen, done, results):
    counts = {"ok": 0, "collected": 0}
    bad, names = [], set()
    while not done.is_set():
        outcome, detail = _read_once(root)
        if outcome == "bad":
            bad.append(detail)
            continue
        counts[outcome] += 1
        if outcome == "ok" and detail not in names:
            names.add(detail)
            seen.put(detail)      # once per generation: a full pipe would block our exit
    results.put((counts, bad, names))


def test_readers_always_see_complete_generations_while_writer_publishes_and_collects(tmp_path):
    root = str(tmp_path)
    publish(tmp_path, seed=0, created=EPOCH)
    seen, done, results = CTX.Queue(), CTX.Event(), CTX.Queue()
    readers = [CTX.Process(target=_reader, args=(root, seen, done, results))
               for _ in range(READERS)]
    writer = CTX.Process(target=_writer, args=(root, seen, done))
    for process in readers + [writer]:
        process.start()
    try:
        outcomes = [results.get(timeout=WAIT_S * 3) for _ in readers]
        for process in readers + [writer]:
            process.join(timeout=WAIT_S)
    finally:
        for process in readers + [writer]:
            if process.is_alive():
                process.kill()
    assert [p.exitcode for p in readers + [writer]] == [0] * (READERS + 1)
    assert [bad for _, bad, _ in outcomes] == [[]] * READERS
    assert len(set().union(*(names for _, _, names in outcomes))) == GENERATIONS
    store = Store(tmp_path)
    assert len(store.generations()) == 3      # current, one young, one superseded within grace
    assert store.verify().ok


def _hold_writer(root, holding, release):
    with Store(root).writer():
        holding.set()
        release.wait(WAIT_S)


def test_second_writer_in_another_process_gets_the_lock_error(tmp_path):
    holding, release = CTX.Event(), CTX.Event()
    holder = CTX.Process(target=_hold_writer, args=(str(tmp_path), holding, release))
    holder.start()
    try:
        assert holding.wait(WAIT_S)
        with pytest.raises(CacheError) as error:
            with Store(tmp_path).writer():
                pass
        assert str(error.value) == (f"{tmp_path / 'lock'}: the cache is locked: another render "
                                    f"(or gc) is running")
    finally:
        release.set()
        holder.join(WAIT_S)
    assert holder.exitcode == 0
    with Store(tmp_path).writer() as writer:
        assert len(writer.put(b"\0\0")) == 64


def test_a_killed_writer_leaves_no_stale_lock(tmp_path):
    holding, release = CTX.Event(), CTX.Event()
    holder = CTX.Process(target=_hold_writer, args=(str(tmp_path), holding, release))
    holder.start()
    assert holding.wait(WAIT_S)
    os.kill(holder.pid, signal.SIGKILL)
    holder.join(WAIT_S)
    assert holder.exitcode == -signal.SIGKILL
    publish(tmp_path)
    assert Store(tmp_path).verify().ok

