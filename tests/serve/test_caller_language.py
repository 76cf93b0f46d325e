"""Each caller in their own language: the channel's ``Language`` (AMI) picks the
language of their balance, position and wait when the cache speaks it."""

from progmoh.player.serve.ami.message import Message
from progmoh.player.serve.tracker import LanguageKnown, Tracker
from progmoh.player.sim.ami_emulator import AmiEmulator, Caller
from tests.support import service_scenario
from tests.support.service_scenario import connect
from tests.support.service_support import (
    service_settings,
    through_emulator,
    write_config,
)

RU_CALLER = Caller.local("1795710335.31", "+15551230001", "Caller One", 8, language="ru")
DE_CALLER = Caller.local("1795710335.41", "+15551230002", "Caller Two", 9, language="de")


def run(tmp_path, scenario):
    settings = service_settings(write_config(tmp_path))
    assert settings.serve.language == "en" and settings.serve.languages == ("en", "ru")

    async def with_emulator(service, clock, players, path):
        emulator = AmiEmulator("u", "s", holdtime_s=30, completed=1)
        await emulator.start()
        try:
            return await scenario(service, emulator, path, players)
        finally:
            await emulator.close()
    return service_scenario.run(tmp_path, with_emulator, settings=settings)


async def personal(service, player, uniqueid):
    """Welcome, the position said on arrival, then the answers to keys 4, 5 and 2."""
    said = [await player.message(), await player.message()]
    for digit in "452":
        service.ami_event(_key(uniqueid, digit))
        said.append(await player.message())
    return said


def _key(uniqueid, digit):
    return Message((("Event", "DTMFBegin"), ("Uniqueid", uniqueid), ("Digit", digit),
                    ("Direction", "Received")))


def test_a_russian_channel_hears_russian_and_an_unrendered_language_the_default(tmp_path):
    async def scenario(service, emulator, path, players):
        await through_emulator(service, emulator, emulator.join, RU_CALLER)
        await through_emulator(service, emulator, emulator.join, DE_CALLER)
        heard = {}
        for caller in (RU_CALLER, DE_CALLER):
            player = await connect(players, path, caller.uniqueid)
            heard[caller.language] = await personal(service, player, caller.uniqueid)
        return heard

    heard = run(tmp_path, scenario)
    for language, expected in (("ru", "ru"), ("de", "en")):
        kinds = [(m["type"], m["language"]) for m in heard[language]]
        assert kinds == [("welcome", expected), ("position", expected), ("position", expected),
                         ("wait", expected), ("balance", expected)], language
    assert heard["ru"][3]["minutes"] == 1 and heard["de"][3]["minutes"] == 1   # 30 s x 1, x 2


def test_the_tracker_reports_a_channels_language_once_and_its_changes():
    tracker = Tracker()

    def event(language):
        return Message((("Event", "QueueCallerJoin"), ("Uniqueid", "1.1"), ("CallerIDNum", "1"),
                        ("Language", language), ("Queue", "q"), ("Position", "1")))
    assert LanguageKnown("1.1", "ru") in tracker.handle(event("ru"))
    assert not any(isinstance(c, LanguageKnown) for c in tracker.handle(event("ru")))
    assert LanguageKnown("1.1", "en") in tracker.handle(event("en"))
    assert not any(isinstance(c, LanguageKnown) for c in tracker.handle(event("../x y")))
