"""What the library scan finds, and every way it says what it skipped."""

from datetime import time

import pytest

from progmoh.renderer.errors import RenderError
from progmoh.renderer.library import scan
from progmoh.renderer.settings import Daypart, LibrarySettings


def _settings(tmp_path) -> LibrarySettings:
    return LibrarySettings(music_dir=tmp_path / "music", advice_dir=tmp_path / "advice",
                           prompts_dir=tmp_path / "prompts", default_class="",
                           dayparts=(Daypart("morning", time(6), time(10)),))


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
