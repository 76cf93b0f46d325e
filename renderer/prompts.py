"""The prompt clips to render: every vocabulary key of every language, and a program's own.

The key list comes from ``player.words.vocabulary.prompt_texts``, the same
place the call-time composer draws from, so a key the composer can produce
is a key rendered here.  A recorded file ``<prompts_dir>/<language>/<key>.<ext>``
(any audio format) overrides Festival for that key.
"""

from dataclasses import dataclass
from pathlib import Path

from progmoh.player.words.vocabulary import prompt_texts
from progmoh.renderer.condition import Conditioning
from progmoh.renderer.errors import InputProblem
from progmoh.renderer.festival import speakable
from progmoh.renderer.keys import audio_key, file_digest, silence_key, speech_key
from progmoh.renderer.speech import PAUSE_MS, SpeechJob


@dataclass(frozen=True)
class Prompt:
    language: str
    key: str
    job: SpeechJob


def default_number_words():
    from progmoh.player.words.compose import number_words
    return number_words


def prompts(prompts_dir: Path, languages, voice_of, max_position: int, number_words,
            c: Conditioning, problems: list[str], own_texts=lambda language: {}) -> list[Prompt]:
    """Every prompt of every language: the vocabulary's, then the program's own texts
    (``own_texts(language)``, its [texts.<language>]), which add keys or say one otherwise."""
    found = []
    for language in languages:
        recorded = _recorded(prompts_dir / language)
        texts = prompt_texts(language, max_position, number_words)
        texts.update(own_texts(language))
        problems.extend(f"{path}: no prompt key {key!r} in the {language!r} vocabulary, ignored"
                        for key, path in sorted(recorded.items()) if key not in texts)
        for key, text in sorted(texts.items()):
            job = _job(language, key, text, recorded.get(key), voice_of(language), c, problems)
            if job:
                found.append(Prompt(language, key, job))
    return found


def _recorded(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.startswith(".")}


def _job(language, key, text, recorded: Path | None, voice: str, c, problems) -> SpeechJob | None:
    label = f"prompt {language}/{key}"
    if recorded:
        try:
            return SpeechJob(audio_key(file_digest(recorded), c), str(recorded), path=recorded)
        except InputProblem as problem:
            problems.append(f"{problem}, skipped")
            return None
    if not speakable(text):
        return SpeechJob(silence_key(PAUSE_MS), label, silence_ms=PAUSE_MS)
    return SpeechJob(speech_key(text, voice, c), f"{label} ({text!r})", text=text, voice=voice)
