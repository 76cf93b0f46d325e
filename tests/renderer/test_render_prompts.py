"""Prompt coverage with real Festival: every key the composer can ask for, en and ru."""

import pytest

from progmoh.cache.store import Store
from progmoh.player.words import compose
from progmoh.player.words.compose import number_words
from progmoh.player.words.vocabulary import prompt_texts
from progmoh.renderer.festival import FestivalError, script, synthesize
from tests.support.render_support import copy_base, render_config, rms_dbfs


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    config = copy_base(tmp_path_factory, tmp_path_factory.mktemp("prompts"))
    return config, Store(config.cache.root)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_vocabulary_key_renders_to_speech_or_to_a_pause(rendered, language):
    config, store = rendered
    prompts = {s.key: s for s in store.current().segments
               if s.kind == "prompt" and s.language == language}
    texts = prompt_texts(language, config.render.max_position, number_words)
    assert set(prompts) == set(texts)
    for key, text in texts.items():
        pcm = store.read(prompts[key].object)
        if text:
            assert rms_dbfs(pcm) > config.render.speech_dbfs - 3, (language, key, text)
            assert len(pcm) > 2 * 1000, (language, key)           # > 125 ms of speech
        else:
            assert set(pcm) == {0} and len(pcm) == 2 * 2000, (language, key)   # 250 ms pause


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_key_the_composer_produces_has_a_rendered_clip(rendered, language):
    config, store = rendered
    have = {s.key for s in store.current().segments if s.language == language}
    produced = set()
    amounts = ["0", "0.01", "1", "2.02", "5.05", "11.11", "21.21", "-1234.56", "1000", "2000",
               "5000", "21001", "1000000", "2000000", "5000000", "987654321.99"]
    for amount in amounts:
        for currency in ("RUB", "USD", "EUR", "XYZ", ""):
            produced.update(compose.amount_keys(language, amount, currency))
    accounts = [{"account": "1234567", "balance": "-5", "currency": "RUB", "locked": True},
                {"account": "89", "balance": "3.5", "currency": "USD"}]
    for status, listed in (("ok", accounts), ("ok", accounts[:1]), ("ok", []),
                           ("not_registered", []), ("error", [])):
        produced.update(compose.balance_keys(language, status, listed))
    for position in range(0, 1200, 7):
        produced.update(compose.position_keys(language, position, config.render.max_position))
    for n in range(0, 1001):
        produced.update(compose.number_keys(language, n, "f" if language == "ru" else "m"))
    assert produced - have == set()


def test_russian_numbers_are_spoken_not_skipped(rendered):
    """The Russian voice needs UTF-8: in another encoding it says nothing at all."""
    config, store = rendered
    prompts = {s.key: s for s in store.current().segments if s.language == "ru"}
    for key in ("n1_m", "n1_f", "n2_f", "thousand_5", "cur_RUB_5", "sub_RUB_2", "position_2"):
        assert prompts[key].samples > 2000, key


def test_a_recorded_file_overrides_exactly_that_prompt(rendered, tmp_path):
    config, store = rendered
    before = {s.id: s.object for s in store.current().segments}
    folder = config.library.prompts_dir / "en"
    folder.mkdir(parents=True)
    from tests.support.render_support import ffmpeg
    ffmpeg("sine=f=700:d=0.8", folder / "balance_is.flac")
    try:
        result = render_config(config)
    finally:
        (folder / "balance_is.flac").unlink()
    assert result.rendered == ("prompt:en/balance_is",)
    after = {s.id: s for s in store.current().segments}
    assert after["prompt:en/balance_is"].object != before["prompt:en/balance_is"]
    assert after["prompt:en/balance_is"].sources == (str(folder / "balance_is.flac"),)


def test_a_recorded_file_with_no_such_key_is_reported(rendered):
    config, store = rendered
    stray = config.library.prompts_dir / "ru" / "balanse_is.wav"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"")
    try:
        result = render_config(config)
    finally:
        stray.unlink()
    assert result.problems == (f"{stray}: no prompt key 'balanse_is' in the 'ru' vocabulary, "
                               f"ignored",)
    assert not any(sid.startswith("prompt:ru/") for sid in result.rendered)


def test_texts_are_escaped_inside_the_scheme_program(tmp_path):
    program = script("kal_diphone", ['say "hi" \\ (now))'], tmp_path)
    assert '"say \\"hi\\" \\\\ (now))"' in program


def test_unknown_voice_fails_with_festivals_stderr(tmp_path):
    with pytest.raises(FestivalError, match=r"voice_no_such_voice.*unbound variable"):
        synthesize("no_such_voice", ["hello"], tmp_path, 30.0)


def test_a_voice_name_cannot_inject_scheme(tmp_path):
    with pytest.raises(FestivalError, match="not a Festival voice name"):
        script("kal_diphone) (system \"id\"", ["hello"], tmp_path)


def test_a_festival_timeout_names_every_file_whose_text_was_skipped(tmp_path, monkeypatch):
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from progmoh.renderer import festival
    from progmoh.renderer.condition import Conditioning
    from progmoh.renderer.speech import SpeechJob, render_speech
    monkeypatch.setattr(festival, "FESTIVAL_ARGV",
                        (sys.executable, "-c", "import time; time.sleep(30)"))
    jobs = [SpeechJob("k1", str(tmp_path / "first" / "hello.txt"), text="Hello.",
                      voice="kal_diphone"),
            SpeechJob("k2", "prompt en/n_1 ('one')", text="one", voice="kal_diphone")]
    with ThreadPoolExecutor(1) as pool:
        clips, problems = render_speech(jobs, Conditioning(-24.0, 300, 3400), 0.5, pool,
                                        lambda: None)
    assert clips == {}
    took = "festival (voice_kal_diphone) took longer than render.tts_timeout_s = 0.5 s"
    assert problems == [f"{tmp_path / 'first' / 'hello.txt'}: {took}, skipped",
                        f"prompt en/n_1 ('one'): {took}, skipped"]
