"""Generate the demo library (CC0, made by this script; see LICENSE).

Music: slow chord progressions synthesized with ffmpeg's ``aevalsrc`` (a few
harmonics per note so they survive the 300-3400 Hz telephone band), in
several formats.  Advice: ``.txt`` items spoken at render time, and audio
items spoken here once by Festival.  Run from anywhere:

    .venv/bin/python music/generate.py
"""

import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHORD_S = 5.0

# (class, track, format options, chords as semitones above A3 = 220 Hz)
TRACKS = (
    ("calm", "01-dawn", ["-c:a", "libmp3lame", "-b:a", "24k", "-ar", "16000"], "mp3",
     [(3, 7, 10), (8, 12, 15), (5, 8, 12), (10, 14, 17)] * 4),
    ("calm", "02-harbour", ["-c:a", "libvorbis", "-q:a", "0", "-ar", "16000"], "ogg",
     [(0, 3, 7), (5, 8, 12), (7, 10, 14), (3, 7, 10)] * 3 + [(0, 3, 7)] * 2),
    ("bright", "01-meadow", ["-c:a", "aac", "-b:a", "24k", "-ar", "16000"], "m4a",
     [(3, 7, 10), (10, 14, 17), (12, 15, 19), (8, 12, 15)] * 3 + [(3, 7, 10)] * 2),
    ("bright", "02-sunrise", ["-c:a", "flac", "-ar", "8000", "-sample_fmt", "s16"], "flac",
     [(5, 9, 12), (10, 14, 17), (12, 16, 19), (5, 9, 12)] * 3),
)

TEXT_ADVICE = {
    "first/01-welcome.txt": "Thank you for calling. All our operators are busy at the moment. "
                            "Please stay on the line, and we will answer you as soon as we can.",
    "middle/balance-key.txt": "While you wait, press two to hear your balance, "
                              "or press three to change the music.",
    "middle/morning-news.txt": "Good morning! Our office opens at nine o'clock.",
    "last/stay-tuned.txt": "An operator will be with you very soon.",
}
AUDIO_ADVICE = {
    "middle/website.wav": "You can also find answers to most questions on our website.",
    "middle/winter-hours.flac": "During the winter holidays, our office closes at five p m.",
}
SIDECARS = {
    "middle/morning-news.limits.toml": 'dayparts = ["morning"]\n',
    "middle/winter-hours.limits.toml": 'weekdays = ["mon", "tue", "wed", "thu", "fri"]\n'
                                       'dates = ["2026-12-01..2027-01-15"]\n',
}


def note_expr(semitone: int, amplitude: float) -> str:
    freq = 220 * 2 ** (semitone / 12)
    return (f"{amplitude}*(sin(2*PI*{freq:.3f}*t)+0.5*sin(4*PI*{freq:.3f}*t)"
            f"+0.25*sin(6*PI*{freq:.3f}*t))")


def chord_expr(chord: tuple[int, ...]) -> str:
    """A soft pad: slow attack, gentle decay, a touch of tremolo."""
    notes = "+".join(note_expr(s, 0.12) for s in chord)
    envelope = "(1-exp(-t*3))*exp(-t*0.25)*(0.9+0.1*sin(2*PI*4*t))"
    return f"({notes})*{envelope}"


def render_chord(chord, out: Path) -> None:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"aevalsrc={chord_expr(chord)}:s=16000:d={CHORD_S}",
                    "-af", "afade=t=out:st=4.6:d=0.4", str(out)], check=True)


def render_track(name: str, chords, options: list[str], out: Path, work: Path) -> None:
    parts = []
    for index, chord in enumerate(chords):
        part = work / f"{name}-{index}.wav"
        render_chord(chord, part)
        parts.append(part)
    listing = work / f"{name}.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0",
                    "-i", str(listing), "-ac", "1", *options, "-map_metadata", "-1",
                    "-fflags", "+bitexact", str(out)], check=True)


def speak(text: str, out: Path, work: Path) -> None:
    wav = work / "speech.wav"
    subprocess.run(["text2wave", "-eval", "(voice_cmu_us_slt_arctic_hts)", "-o", str(wav)],
                   input=text.encode("utf-8"), check=True, timeout=120)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(wav), "-ac", "1",
                    "-ar", "16000", "-map_metadata", "-1", "-fflags", "+bitexact", str(out)],
                   check=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for music_class, name, options, ext, chords in TRACKS:
            out = HERE / "classes" / music_class / f"{name}.{ext}"
            out.parent.mkdir(parents=True, exist_ok=True)
            render_track(name, chords, options, out, work)
        for relative, text in AUDIO_ADVICE.items():
            out = HERE / "advice" / relative
            out.parent.mkdir(parents=True, exist_ok=True)
            speak(text, out, work)
    for relative, text in {**TEXT_ADVICE, **SIDECARS}.items():
        out = HERE / "advice" / relative
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + ("\n" if not text.endswith("\n") else ""), encoding="utf-8")


if __name__ == "__main__":
    main()
