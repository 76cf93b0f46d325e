"""Speech synthesis with Festival, many texts per process.

Each Festival start costs about 0.2 s and 320 MB (Russian 0.5 s, 514 MB), so
one process speaks a whole batch: a Scheme script on stdin selects the voice
and saves one RIFF file per text.  argv is fixed (no shell); texts only ever
appear inside escaped Scheme string literals.  Texts go in as UTF-8, which
is what the Russian voice (msu_ru_nsh_clunits, a UTF-8 lexicon) needs;
KOI8-R text gives "no rule matches" and no audio.  Festival crashes on a
text without any word in it, so such texts never reach it.
"""

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from progmoh.renderer.errors import RenderError

FESTIVAL_ARGV = ("festival", "--pipe")
_WORDY = re.compile(r"\w")


class FestivalError(RenderError):
    """The whole batch failed (unknown voice, timeout, Festival missing)."""


@dataclass(frozen=True)
class Spoken:
    """One text of a batch: its WAV file, or why there is none."""
    text: str
    wav: Path | None
    error: str = ""


def speakable(text: str) -> bool:
    return bool(_WORDY.search(text))


def scheme_string(text: str) -> str:
    flat = " ".join(text.split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def script(voice: str, texts: list[str], folder: Path) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_]+", voice):
        raise FestivalError(f"render.voices: {voice!r} is not a Festival voice name")
    lines = [f"(voice_{voice})"]
    for index, text in enumerate(texts):
        target = scheme_string(str(folder / f"{index}.wav"))
        lines.append(f"(utt.save.wave (utt.synth (Utterance Text {scheme_string(text)})) "
                     f"{target} 'riff)")
    return "\n".join(lines) + "\n"


def synthesize(voice: str, texts: list[str], folder: Path, timeout_s: float) -> list[Spoken]:
    """Speak every text with ``voice_<voice>`` into ``folder``; one process for all."""
    for text in texts:
        if not speakable(text):
            raise ValueError(f"nothing to speak in {text!r}")
    stderr, returncode = _run(voice, script(voice, texts, folder), timeout_s)
    if "SIOD ERROR" in stderr:
        raise FestivalError(f"festival (voice_{voice}) failed: {_tail(stderr)}")
    return [_spoken(text, folder / f"{i}.wav", returncode, stderr) for i, text in enumerate(texts)]


def _run(voice: str, program: str, timeout_s: float) -> tuple[str, int]:
    try:
        done = subprocess.run(FESTIVAL_ARGV, input=program.encode("utf-8"),
                              capture_output=True, timeout=timeout_s)
    except FileNotFoundError:
        raise FestivalError("festival is not installed (apt-get install festival)") from None
    except subprocess.TimeoutExpired:
        raise FestivalError(f"festival (voice_{voice}) took longer than "
                            f"render.tts_timeout_s = {timeout_s:g} s") from None
    return done.stderr.decode("utf-8", "replace"), done.returncode


def _spoken(text: str, wav: Path, returncode: int, stderr: str) -> Spoken:
    if wav.is_file() and wav.stat().st_size > 44:
        return Spoken(text, wav)
    return Spoken(text, None, f"festival spoke nothing (exit {returncode}): {_tail(stderr)}")


def _tail(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return " | ".join(lines[-3:]) if lines else "no message on stderr"
