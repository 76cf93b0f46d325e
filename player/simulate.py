"""A simulated call: the real ``progmoh play`` under the faithful Asterisk reader,
with a stand-in control plane pressing keys at set times.

What ``make demo`` ends with: a WAV of what the caller heard and the call's
timeline (music, advice, inserts), taken from the player's own log lines,
whose ``t=`` is audio time.
"""

import os
import tempfile
import time
from dataclasses import dataclass

from cache import layout
from cache.errors import ProgmohError
from player import asterisk_reader, wire
from player.standin import StandIn

DEMO_BALANCES = {
    "en": [{"account": "40817810", "balance": "1234.56", "currency": "USD", "locked": False}],
    "ru": [{"account": "40817810", "balance": "-1234.05", "currency": "RUB", "locked": False}],
}
DEMO_POSITION = 3


class SimulationError(ProgmohError):
    """A simulated call that cannot be started; the message says why."""


@dataclass(frozen=True)
class KeyMap:
    balance: str = "2"
    next_music: str = "3"
    position: str = "4"


@dataclass(frozen=True)
class CallReport:
    wav_path: str
    uniqueid: str
    seconds_heard: float
    first_audio_ms: float | None
    short_reads: int
    empty_ticks: int
    stopped_by: str
    exit_ms: float | None
    timeline: tuple[tuple[float, str], ...]


def simulate_call(wav_path, cache_dir, executable, seconds=90.0, presses=(), keys=KeyMap(),
                  language="en", lead_ms=200):
    """Run one call for ``seconds``; ``presses`` are (key, at_seconds) pairs."""
    _check(cache_dir, executable, seconds, presses)
    uniqueid = "%d.%d" % (time.time(), os.getpid())
    with tempfile.TemporaryDirectory(prefix="pm-", dir="/tmp") as work:
        sock, log = os.path.join(work, "s"), os.path.join(work, "play.log")
        line = " ".join((str(executable), "play", "--uniqueid", uniqueid, "--cache", str(cache_dir),
                         "--socket", sock, "--log", log, "--lead-ms", str(int(lead_ms))))
        if len(line) > asterisk_reader.MAX_APPLICATION_CHARS:
            raise SimulationError("the application line would be %d characters; Asterisk allows "
                                  "%d: use a shorter cache path" % (len(line), asterisk_reader.MAX_APPLICATION_CHARS))
        with StandIn(sock, language=language) as serve:
            pressed = []
            on_tick = _presser(serve, uniqueid, presses, keys, language, pressed)
            channel = asterisk_reader.Channel(line, record=True).start()
            try:
                asterisk_reader.run([channel], seconds, on_tick)
            finally:
                channel.stop()
        channel.write_wav(wav_path)
        with open(log, encoding="utf-8", errors="replace") as handle:
            timeline = _timeline(handle.read(), pressed)
    return CallReport(
        wav_path=str(wav_path), uniqueid=uniqueid, seconds_heard=channel.frames_read * 0.04,
        first_audio_ms=channel.first_audio_ms(), short_reads=channel.short_reads,
        empty_ticks=channel.empty_ticks, stopped_by=channel.stopped_by,
        exit_ms=channel.exit_ms(), timeline=timeline)


def _check(cache_dir, executable, seconds, presses):
    if layout.current_generation(str(cache_dir)) is None:
        raise SimulationError("no rendered cache in %s: run 'progmoh render' first" % cache_dir)
    if not os.access(str(executable), os.X_OK):
        raise SimulationError("player executable %s is not there or not executable" % executable)
    if " " in str(executable) + str(cache_dir):
        raise SimulationError("Asterisk splits the application line on spaces: the paths %s and "
                              "%s must not contain any" % (executable, cache_dir))
    for key, at_s in presses:
        if not 0 <= at_s < seconds:
            raise SimulationError("key %s at %.1f s is outside the %.1f s call" % (key, at_s, seconds))


def _presser(serve, uniqueid, presses, keys, language, pressed):
    """An on_tick callback sending each key's message at its time."""
    waiting = sorted(presses, key=lambda p: p[1])

    def on_tick(index):
        now_s = index * asterisk_reader.PERIOD_S
        while waiting and waiting[0][1] <= now_s:
            key, _ = waiting.pop(0)
            pressed.append((now_s, "key %s pressed: %s" % (key, _send(serve, uniqueid, key, keys,
                                                                      language))))
    return on_tick


def _send(serve, uniqueid, key, keys, language):
    if key == keys.balance:
        balances = DEMO_BALANCES.get(language, DEMO_BALANCES["en"])
        what, sent = "balance", serve.send(uniqueid, wire.BALANCE, status="ok", accounts=balances)
    elif key == keys.next_music:
        what, sent = "next music class", serve.send(uniqueid, wire.NEXT_CLASS)
    elif key == keys.position:
        what, sent = "queue position", serve.send(uniqueid, wire.POSITION, position=DEMO_POSITION)
    else:
        return "no action for this key"
    return what if sent else what + " (player not connected: nothing sent)"


def _timeline(log_text, pressed):
    """(seconds, event) pairs from the player's log and the key presses, in time order."""
    events = list(pressed)
    for line in log_text.splitlines():
        _, _, rest = line.partition(" call=")
        _, _, text = rest.partition(" ")
        if text.startswith("t="):
            stamp, _, what = text.partition(" ")
            events.append((float(stamp[2:]), what))
        elif text.startswith("start:"):
            events.append((0.0, text))
    return tuple(sorted(events, key=lambda e: e[0]))
