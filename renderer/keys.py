"""Render keys: a segment is rendered again only when its key changes.

A key hashes the content of the inputs with exactly the settings that shape
that segment's audio (and ``RENDERER_VERSION``, bumped whenever the code
changes what it produces), so changing ``duck_db`` re-mixes advice but keeps
music, and changing ``music_dbfs`` re-renders music and the advice over it.
Limits, names and order are not in any key: they are manifest data only.
"""

import hashlib
import json
from dataclasses import astuple
from pathlib import Path

from progmoh.renderer.condition import Conditioning
from progmoh.renderer.errors import InputProblem
from progmoh.renderer.mix import Ducking

RENDERER_VERSION = 1
_CHUNK = 1 << 20


def _key(*parts) -> str:
    text = json.dumps([RENDERER_VERSION, *parts], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError as error:
        raise InputProblem(path, f"cannot read: {error.strerror}") from None
    return digest.hexdigest()


def audio_key(content_digest: str, conditioning: Conditioning) -> str:
    return _key("audio", content_digest, astuple(conditioning))


def speech_key(text: str, voice: str, conditioning: Conditioning) -> str:
    return _key("festival", text, voice, astuple(conditioning))


def silence_key(duration_ms: int) -> str:
    return _key("silence", duration_ms)


def advice_key(track_key: str, voice_key: str, slot_sample: int, ducking: Ducking) -> str:
    return _key("advice", track_key, voice_key, slot_sample, astuple(ducking))
