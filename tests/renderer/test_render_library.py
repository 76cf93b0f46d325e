"""What the library scan finds, and every way it says what it skipped."""

import dataclasses
from datetime import time

import pytest

from progmoh.renderer.advice import advice_voices
from progmoh.renderer.condition import Conditioning
from progmoh.renderer.errors import RenderError
from progmoh.renderer.library import scan
from progmoh.renderer.settings import Daypart, LibrarySettings


def _settings(tmp_path) -> LibrarySettings:
    return LibrarySettings(music_dir=tmp_path / "music", advice_dir=tmp_path / "advice",
                           prompts_dir=tmp_path / "prompts", default_class="",
                           dayparts=(Daypart("morning", time(6), time(10)),), languages=())


def _touch(path, text="x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_classes_tracks_and_advice_groups(tmp_path):
    for name in ("jazz/b.mp3", "jazz/a.ogg", "calm/z.wav", "jazz/.hidden.mp3"):
        _touch(tmp_path / "music" / name)
    for name in ("first/welcome.txt", "middle/tip.wav", "last/bye.txt"):
        _touch(tmp_path / "advice" / name)
    _touch(tmp_path / "advice" / "middle" / "tip.limits.toml", 'dayparts = ["morning"]')
    library = scan(_settings(tmp_path))
    assert library.classes == ("calm", "jazz")
    assert [(t.music_class, t.name) for t in library.tracks] == [
        ("calm", "z"), ("jazz", "a"), ("jazz", "b")]
    assert [(a.group, a.name, a.is_text) for a in library.advice] == [
        ("first", "welcome", True), ("middle", "tip", False), ("last", "bye", True)]
    assert library.advice[1].limits.daypart_names == ("morning",)
    assert library.problems == ()


def test_advice_of_one_language_is_named_by_it_and_strays_are_reported(tmp_path):
    _touch(tmp_path / "music" / "calm" / "a.wav")
    for name in ("first/welcome.txt", "ru/first/welcome.txt", "ru/middle/tip.wav",
                 "de/first/hallo.txt", "notes.txt"):
        _touch(tmp_path / "advice" / name)
    settings = dataclasses.replace(_settings(tmp_path), languages=("en", "ru"))
    library = scan(settings)
    assert [(a.name, a.group, a.language) for a in library.advice] == [
        ("welcome", "first", ""), ("ru/welcome", "first", "ru"), ("ru/tip", "middle", "ru")]
    assert library.problems == (
        f"{tmp_path / 'advice' / 'de'}: not first/, middle/, last/ or a folder of one of "
        "render.languages (en, ru), skipped",
        f"{tmp_path / 'advice' / 'notes.txt'}: not first/, middle/, last/ or a folder of one "
        "of render.languages (en, ru), skipped")


def test_every_skipped_thing_is_a_problem_line(tmp_path):
    music, advice = tmp_path / "music", tmp_path / "advice"
    _touch(music / "loose.mp3")
    _touch(music / "jazz" / "a.mp3")
    _touch(music / "jazz" / "a.wav")
    _touch(music / "jazz" / "sub" / "deep.mp3")
    _touch(advice / "first" / "hello.txt")
    _touch(advice / "last" / "hello.wav")
    _touch(advice / "middle" / "gone.limits.toml", "")
    problems = scan(_settings(tmp_path)).problems
    assert sorted(problems) == sorted((
        f"{music / 'loose.mp3'}: not inside a class folder (each subfolder of {music} "
        f"is a music class), skipped",
        f"{music / 'jazz' / 'a.wav'}: same name as a.mp3, skipped",
        f"{music / 'jazz' / 'sub'}: a folder inside jazz/ is not read, skipped",
        f"{advice / 'last' / 'hello.wav'}: advice name 'hello' is also used in first/, skipped",
        f"{advice / 'middle' / 'gone.limits.toml'}: no advice item 'gone' beside it, ignored",
    ))


def test_no_advice_folder_means_no_advice_and_says_so(tmp_path):
    _touch(tmp_path / "music" / "jazz" / "a.mp3")
    library = scan(_settings(tmp_path))
    assert library.advice == ()
    assert library.problems == (f"library.advice_dir: {tmp_path / 'advice'}: no such folder, "
                                f"so no advice is rendered",)


def test_a_missing_music_folder_stops_the_render(tmp_path):
    with pytest.raises(RenderError, match=r"library\.music_dir: .*music: no such folder"):
        scan(_settings(tmp_path))


def test_text_advice_of_a_language_is_spoken_by_that_languages_voice(tmp_path):
    _touch(tmp_path / "music" / "calm" / "a.wav")
    _touch(tmp_path / "advice" / "first" / "hello.txt", "Hello there.")
    _touch(tmp_path / "advice" / "ru" / "first" / "hello.txt", "Здравствуйте.")
    library = scan(dataclasses.replace(_settings(tmp_path), languages=("en", "ru")))
    voices = {"en": "cmu_us_slt_arctic_hts", "ru": "msu_ru_nsh_clunits"}
    speech = Conditioning(target_dbfs=-24.0, band_low_hz=300, band_high_hz=3400, trim=True)
    problems = []
    jobs = advice_voices(library.advice, voices["en"], speech, problems, voices.get)
    assert problems == []
    assert [(v.item.name, v.job.voice, v.job.text) for v in jobs] == [
        ("hello", "cmu_us_slt_arctic_hts", "Hello there."),
        ("ru/hello", "msu_ru_nsh_clunits", "Здравствуйте.")]
