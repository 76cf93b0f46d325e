"""The whisper an agent hears when a callback's placeholder reaches them ("callback, the
customer has waited 12 minutes"), made from the cache's own prompt clips.

The dialplan of ``progmoh asterisk-config`` plays ``<serve.spool_dir>/<id>``
(an ``.sln`` file: 8 kHz signed 16-bit mono, the cache's own format) before
it dials the customer, so serve writes it when AMI says an agent took the
placeholder.  A missing prompt leaves it out; no clip at all writes nothing,
and Asterisk's Playback of a missing file goes on to the dial.
"""

import os
from pathlib import Path

from progmoh.cache.store import Store

WHISPER_SUFFIX = ".sln"


def whisper_pcm(store: Store, program: str, language: str, keys: list[str]) -> bytes:
    """The prompt clips of ``keys`` of ``program`` in ``language``, one after another."""
    manifest = store.current()
    if manifest is None:
        return b""
    clips = {s.key: s for s in manifest.segments_of(program)
             if s.kind == "prompt" and s.language == language}
    return b"".join(store.read(clips[key].object) for key in keys if key in clips)


def write_whisper(spool_dir: Path, callback_id: str, pcm: bytes) -> Path | None:
    """``<spool_dir>/<callback_id>.sln``, written whole (a rename) and readable by Asterisk."""
    if not pcm:
        return None
    spool_dir.mkdir(parents=True, exist_ok=True)
    path = spool_dir / f"{callback_id}{WHISPER_SUFFIX}"
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "wb") as handle:
        handle.write(pcm)
    os.chmod(partial, 0o644)
    os.replace(partial, path)
    return path


def whisper_base(spool_dir: Path, callback_id: str) -> str:
    """What the dialplan's Playback() takes: the path without its extension."""
    return str(spool_dir / callback_id)


def remove_whisper(spool_dir: Path, callback_id: str) -> None:
    try:
        os.unlink(spool_dir / f"{callback_id}{WHISPER_SUFFIX}")
    except FileNotFoundError:
        pass
