"""A simulated call: the real ``progmoh play`` under the faithful Asterisk reader.

What ``make demo`` ends with: a WAV of what the caller heard and the call's
timeline.  By default the call goes through the real control plane, as on a
live system: the AMI emulator (Asterisk's side) announces the caller to the
real ``serve``, the reader asks serve's realtime backend for the call's MOH
class and spawns the player it names, and keys reach serve as AMI DTMFBegin
events, which serve turns into a balance (from the demo billing script), a
class change (saved in its choice store), the position or the estimated wait
(from the queue's average hold time the emulator reports).  ``standin=True``
keeps the older way: a stand-in control plane sends the player the commands
itself.  The timeline is the player's own log lines (``t=`` is audio time)
plus, through serve, the AMI events and serve's log lines.
"""

import os
import tempfile
import time
from dataclasses import dataclass

from progmoh.cache import layout
from progmoh.player import wire
from progmoh.player.programs import DEFAULT_PROGRAM
from progmoh.player.sim import asterisk_reader
from progmoh.player.sim.simulate_serve import DEMO_NUMBER, Backstage, SimulationError
from progmoh.player.sim.standin import ServeStandIn

__all__ = ["CallReport", "SimulationError", "simulate_call"]

DEMO_BALANCES = {
    "en": [{"account": "40817810", "balance": "1234.56", "currency": "USD", "locked": False}],
    "ru": [{"account": "40817810", "balance": "-1234.05", "currency": "RUB", "locked": False}],
}
DEMO_POSITION = 3
DEMO_WAIT_MINUTES = 5


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
    through: str                        # "serve" or "stand-in"
    remembered_class: str | None = None  # what serve's store holds for the caller afterwards


def simulate_call(wav_path, settings, seconds=90.0, presses=(), *, standin=False,
                  ahead_leaves_at_s=None, program=DEFAULT_PROGRAM):
    """Run one call for ``seconds``; ``presses`` are (key, at_seconds) pairs.

    ``settings`` is serve's ``ControlPlaneSettings`` from the loaded config;
    ``ahead_leaves_at_s`` makes an agent answer the caller ahead then (through
    serve), which moves the position and the queue's wait estimate.  ``program``
    is the one the dialplan chose (in the class name; serve only).
    """
    serve = settings.serve
    _check(serve.cache_dir, serve.executable, seconds, presses, ahead_leaves_at_s, standin)
    if standin and program != DEFAULT_PROGRAM:
        raise SimulationError("--program needs the real serve: the stand-in plays the default "
                              "program only")
    uniqueid = "%d.%d" % (time.time(), os.getpid())
    with tempfile.TemporaryDirectory(prefix="pm-", dir="/tmp") as work:
        if standin:
            channel, timeline, remembered = _through_standin(settings, work, uniqueid, seconds,
                                                             presses)
        else:
            channel, timeline, remembered = _through_serve(settings, work, uniqueid, seconds,
                                                           presses, ahead_leaves_at_s, program)
    channel.write_wav(wav_path)
    return CallReport(
        wav_path=str(wav_path), uniqueid=uniqueid, seconds_heard=channel.frames_read * 0.04,
        first_audio_ms=channel.first_audio_ms(), short_reads=channel.short_reads,
        empty_ticks=channel.empty_ticks, stopped_by=channel.stopped_by,
        exit_ms=channel.exit_ms(), timeline=timeline,
        through="stand-in" if standin else "serve", remembered_class=remembered)


def _check(cache_dir, executable, seconds, presses, ahead_leaves_at_s, standin):
    if layout.current_generation(str(cache_dir)) is None:
        raise SimulationError("no rendered cache in %s: run 'progmoh render' first" % cache_dir)
    if not os.access(str(executable), os.X_OK):
        raise SimulationError("player executable %s is not there or not executable" % executable)
    if " " in str(executable) + str(cache_dir):
        raise SimulationError("Asterisk splits the application line on spaces: the paths %s and "
                              "%s must not contain any" % (executable, cache_dir))
    for key, at_s in presses:
        if not 0 <= at_s < seconds:
            raise SimulationError("key %s at %.1f s is outside the %.1f s call"
                                  % (key, at_s, seconds))
    if ahead_leaves_at_s is not None:
        if standin:
            raise SimulationError("a caller ahead leaving is an AMI event: it needs serve, "
                                  "not the stand-in")
        if not 0 <= ahead_leaves_at_s < seconds:
            raise SimulationError("the caller ahead leaving at %.1f s is outside the %.1f s call"
                                  % (ahead_leaves_at_s, seconds))


# -- through the real control plane ---------------------------------------------------------

def _through_serve(settings, work, uniqueid, seconds, presses, ahead_leaves_at_s, program):
    backstage = Backstage(settings, work, uniqueid, program=program).open()
    channel, remembered = None, None
    try:
        channel = place_call(backstage, seconds, presses, ahead_leaves_at_s)
        remembered = backstage.call(backstage.service.choices.get, DEMO_NUMBER, program)
    finally:
        backstage.finish()
    started = channel.exec_at if channel is not None else time.monotonic()
    serve_side = [(at - started, text) for at, text in backstage.journal.entries]
    if remembered:
        serve_side.append((channel.stopped_at - started, "serve: choice store remembers class %s "
                           "for %s" % (remembered, DEMO_NUMBER)))
    return channel, _timeline(_read(backstage.settings.serve.player_log), serve_side), remembered


def place_call(backstage, seconds, presses=(), ahead_leaves_at_s=None, slow_dialplan=False):
    """One call on an open ``Backstage``, as Asterisk makes it; the reader's Channel.

    The caller's channel appears on AMI, is queued, MOH starts (the realtime
    lookup names the player and its ``--class``), keys go down at their
    times, the caller hangs up.  ``slow_dialplan`` lets serve's read of the
    remembered class finish before the queue, as a greeting or an IVR would.
    """
    emulator, caller = backstage.emulator, backstage.caller
    backstage.call(emulator.arrive, caller)            # Newchannel, NewCallerid
    if slow_dialplan:
        backstage.choice_read()
    backstage.call(emulator.join, caller)              # app_queue: the caller is queued
    line = backstage.lookup()                          # MOH start: res_config_curl asks serve
    backstage.call(emulator.start_moh, caller, backstage.music_class)
    channel = asterisk_reader.Channel(line, record=True).start()
    try:
        asterisk_reader.run([channel], seconds, _ami_presser(backstage, presses,
                                                             ahead_leaves_at_s))
    finally:
        channel.stop()
    backstage.call(emulator.hang_up, caller)
    return channel


def _ami_presser(backstage, presses, ahead_leaves_at_s):
    """An on_tick callback putting each key (and the leaver) on AMI at its time."""
    waiting = sorted([(at_s, "key", key) for key, at_s in presses]
                     + ([(ahead_leaves_at_s, "leave", "")]
                        if ahead_leaves_at_s is not None else []))

    def on_tick(index):
        now_s = index * asterisk_reader.PERIOD_S
        while waiting and waiting[0][0] <= now_s:
            _, what, key = waiting.pop(0)
            if what == "key":
                backstage.soon(backstage.emulator.press, backstage.caller, key)
            else:
                backstage.soon(backstage.emulator.answer, backstage.ahead[0])
    return on_tick


# -- through the stand-in --------------------------------------------------------------------

def _through_standin(settings, work, uniqueid, seconds, presses):
    serve = settings.serve
    sock, log = os.path.join(work, "s"), os.path.join(work, "play.log")
    line = " ".join((str(serve.executable), "play", "--uniqueid", uniqueid, "--cache",
                     str(serve.cache_dir), "--socket", sock, "--log", log, "--lead-ms",
                     str(int(serve.lead_ms))))
    if len(line) > asterisk_reader.MAX_APPLICATION_CHARS:
        raise SimulationError("the application line would be %d characters; Asterisk allows "
                              "%d: use a shorter cache path"
                              % (len(line), asterisk_reader.MAX_APPLICATION_CHARS))
    with ServeStandIn(sock, language=serve.language) as standin:
        pressed = []
        on_tick = _presser(standin, uniqueid, presses, settings.keys, serve.language, pressed)
        channel = asterisk_reader.Channel(line, record=True).start()
        try:
            asterisk_reader.run([channel], seconds, on_tick)
        finally:
            channel.stop()
    return channel, _timeline(_read(log), pressed), None


def _presser(standin, uniqueid, presses, keys, language, pressed):
    """An on_tick callback sending each key's message at its time."""
    waiting = sorted(presses, key=lambda p: p[1])

    def on_tick(index):
        now_s = index * asterisk_reader.PERIOD_S
        while waiting and waiting[0][1] <= now_s:
            key, _ = waiting.pop(0)
            pressed.append((now_s, "key %s pressed: %s" % (key, _send(standin, uniqueid, key, keys,
                                                                      language))))
    return on_tick


def _send(standin, uniqueid, key, keys, language):
    if key == keys.balance:
        balances = DEMO_BALANCES.get(language, DEMO_BALANCES["en"])
        what, sent = "balance", standin.send(uniqueid, wire.BALANCE, status="ok", accounts=balances)
    elif key == keys.next_music:
        what, sent = "next music class", standin.send(uniqueid, wire.NEXT_CLASS)
    elif key == keys.position:
        what, sent = "queue position", standin.send(uniqueid, wire.POSITION, position=DEMO_POSITION)
    elif key == keys.wait:
        what, sent = "estimated wait", standin.send(uniqueid, wire.WAIT, minutes=DEMO_WAIT_MINUTES)
    else:
        return "no action for this key"
    return what if sent else what + " (player not connected: nothing sent)"


# -- the timeline ----------------------------------------------------------------------------

def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except FileNotFoundError:
        return ""


def _timeline(log_text, others):
    """(seconds, event) pairs from the player's log and the other sides, in time order."""
    events = list(others)
    for line in log_text.splitlines():
        _, _, rest = line.partition(" call=")
        _, _, text = rest.partition(" ")
        if text.startswith("t="):
            stamp, _, what = text.partition(" ")
            events.append((float(stamp[2:]), what))
        elif text.startswith("start:"):
            events.append((0.0, text))
    return tuple(sorted(events, key=lambda e: e[0]))
