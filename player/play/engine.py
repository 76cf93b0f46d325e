"""``progmoh play``: the real-time loop gluing catalog, program, mixer, pacer and output.

Standard library only on the way to the first audio; the control socket,
its message code and the first log lines come after the first write and
the first sleep.  The process never exits on its own except when Asterisk
closes the pipe: Asterisk would respawn it at once.
"""

import _signal
import gc
import posix
import select
import sys
import time

from progmoh.cache.audio_format import FRAME_SAMPLES, SAMPLE_BYTES
from progmoh.player.command_line import valid_uniqueid
from progmoh.player.play.catalog import Catalog, CatalogError, load
from progmoh.player.play.defaults import LEAD_MS
from progmoh.player.play.log import Log
from progmoh.player.play.mixer import Mixer
from progmoh.player.play.output import Output
from progmoh.player.play.pacer import MAX_WRITE_FRAMES, Pacer
from progmoh.player.play.program import Program
from progmoh.player.programs import DEFAULT_PROGRAM

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType
    from typing import Any, NoReturn

    from progmoh.player.play.link import Link
    from progmoh.player.play.program import LocalTime, Shuffle
    from progmoh.player.play.session import Session

STATE_EVERY_S = 1.0
MAX_INTERNAL_ERRORS = 3         # then silence: better than a crash Asterisk respawns in a loop


def shuffled(given: list[str]) -> list[str]:
    """A random order from os.urandom (``random`` costs 0.6 MB; ``posix`` spares ``os``)."""
    items = list(given)
    for i in range(len(items) - 1, 0, -1):
        j = int.from_bytes(posix.urandom(4), "little") % (i + 1)
        items[i], items[j] = items[j], items[i]
    return items


def install_signals(log: "Callable[[str], None]",
                    last_words: "Callable[[], str] | None" = None) -> None:
    """HUP/TERM/INT end the process from inside the handler, even mid-write:
    Python would otherwise retry a write blocked on a full pipe.

    ``last_words`` (once the loop exists) first tells serve where the caller
    is, without blocking (docs/asterisk.md: the player has 100 ms)."""
    def stop(signum: int, frame: "FrameType | None") -> None:
        said = ""
        if last_words is not None:
            try:
                said = last_words()
            except Exception as error:  # logged; leaving is what matters
                said = "; last state not sent: %s: %s" % (type(error).__name__, error)
        log("stopped by signal %d%s" % (signum, said))
        leave(0)
    for signum in (_signal.SIGHUP, _signal.SIGTERM, _signal.SIGINT):
        _signal.signal(signum, stop)


def leave(status: int) -> "NoReturn":
    """``posix._exit``: no Python clean-up, so a signal ends the call at once.  That skips
    the atexit hook coverage.py saves its data from, so the data is saved first when it is
    measuring (only under ``make coverage``; otherwise this costs one dict look-up)."""
    coverage = sys.modules.get("coverage")
    if coverage is not None:
        measuring = coverage.Coverage.current()
        if measuring is not None:
            measuring.save()
    posix._exit(status)


def play(uniqueid: str, cache_dir: str, socket_path: str | None = None, log_target: str = "",
         lead_ms: int = LEAD_MS, music_class: str = "", out_fd: int = 1,
         clock: "Callable[[], float]" = time.monotonic,
         local_time: "LocalTime" = time.localtime, shuffle: "Shuffle" = shuffled,
         place: str = "", program: str = DEFAULT_PROGRAM) -> int:
    """Play the call until Asterisk closes the pipe (or a signal ends the process).

    ``music_class`` (``--class``) is the caller's remembered class, so the
    first sample is their own music; the cache decides whether it exists.
    ``place`` (``--at``) is where a restarted call's caller is in that class.
    ``program`` (``--program``) picks the cache's index of that program.
    """
    valid = valid_uniqueid(uniqueid)
    log = Log(log_target, uniqueid if valid else repr(str(uniqueid)[:40]))
    install_signals(log)
    catalog = _catalog(cache_dir, log, program)
    hold = Program(catalog, log, local_time, shuffle, music_class)
    p = catalog.program
    mixer = Mixer(hold, catalog, log, p["insert_duck_db"], p["insert_ramp_ms"],
                  p["crossfade_ms"])
    if place:
        hold.start_at(place, music_class)
    loop = Loop(hold, mixer, Pacer(clock, lead_ms), Output(out_fd, clock), log, clock)
    quiet_gc()

    def started() -> None:
        _log_start(log, catalog, hold, lead_ms, music_class, valid)
        if socket_path and valid:
            connect(loop, catalog, socket_path, uniqueid)
    return loop.run(started)


def _log_start(log: Log, catalog: Catalog, program: Program, lead_ms: int, music_class: str,
               valid: bool) -> None:
    log("start: generation %s, class %s, lead %d ms%s" % (
        catalog.generation or "-", program.music_class or "-", lead_ms,
        log.problem and "; " + log.problem))
    if catalog.problem:
        log(catalog.problem)
    if music_class and music_class != program.music_class:
        log("--class %r is not a class of this cache: %s instead" % (
            str(music_class)[:64], program.music_class or "-"))
    if program.tracks():
        log("t=0.000 music %s" % program.tracks()[0].label)
    if not valid:
        log("uniqueid is not <digits>.<digits>: music and advice only")


def connect(loop: "Loop", catalog: Catalog, socket_path: str, uniqueid: str) -> None:
    """Give ``loop`` its control socket, and the signal handler its last words.  Called
    after the first audio: the socket and message code (``_socket``, the wire format,
    the session) would delay it."""
    from progmoh.player.play.link import Link
    from progmoh.player.play.session import Session
    loop.link = Link(socket_path, uniqueid, loop.log, loop.clock)
    loop.session = Session(catalog, loop.program, loop.mixer, loop.link, loop.log)
    install_signals(loop.log, loop.last_words)


def quiet_gc() -> None:
    """Keep the cyclic collector out of the wake-ups: it was a sixth of the
    player's CPU, rescanning start-up objects that live for the whole call.
    The loop makes no reference cycles; a rare collection still runs.  No
    collection here: it would delay the first audio."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def _catalog(cache_dir: str, log: Log, program: str) -> Catalog:
    try:
        return load(cache_dir, program)
    except CatalogError as error:
        log("%s: silence until the call ends" % error)
        return Catalog(cache_dir)


class Loop:
    """One call's wake-ups: ``write`` the audio due, then ``control`` (talk to serve and
    sleep until audio is due or a message arrives).  ``run`` repeats the two; tests
    call them one at a time against a fake clock."""

    def __init__(self, program: Program, mixer: Mixer, pacer: Pacer, output: Output,
                 log: "Callable[[str], None]", clock: "Callable[[], float]",
                 link: "Link | None" = None, session: "Session | None" = None) -> None:
        self.program, self.mixer, self.pacer, self.output = program, mixer, pacer, output
        self.log, self.clock = log, clock
        self.link, self.session = link, session
        self.state_at_s = 0.0
        self.errors = 0                 # in the mixing: after MAX_INTERNAL_ERRORS, silence
        self.message_errors = 0
        self.blocked_writes = self.schedule_resets = 0
        self.unwritten_samples = 0      # mixed but not yet in the pipe (a write in progress)

    def run(self, started: "Callable[[], None] | None" = None) -> int:
        """Write, then talk to serve, until the pipe closes.  ``started`` runs once,
        after the first write and the sleep after it: what the first audio need not
        wait for, kept out of the way of players starting at the same moment."""
        try:
            self.write()
            force = self.control()
            if started is not None:
                started()
            while True:
                self.write(force)
                force = self.control()
        except BrokenPipeError:
            self.log("t=%.3f pipe closed: end" % self.program.seconds())
            return 0
        except OSError as error:
            self.log("t=%.3f cannot write audio: %s: end" % (self.program.seconds(), error))
            return 1

    def _audio(self, samples: int) -> bytes:
        """The next samples; a bug in the mixing costs the call its extras, not its audio."""
        if self.errors >= MAX_INTERNAL_ERRORS:
            return bytes(samples * SAMPLE_BYTES)
        try:
            return self.mixer.read(samples)
        except Exception as error:          # logged, never silent
            self.errors += 1
            self.log("t=%.3f internal error %s: %s; %s" % (
                self.program.seconds(), type(error).__name__, error,
                "silence from now on" if self.errors >= MAX_INTERNAL_ERRORS else "inserts dropped"))
            self.mixer.reset()
            return bytes(samples * SAMPLE_BYTES)

    def write(self, force: bool = False) -> None:
        """Write the whole frames due now (at least one if ``force``: an insert starts)."""
        frames, behind = self.pacer.frames_due(force)
        if behind:
            self.schedule_resets += 1
            self.log("t=%.3f behind schedule: reset, no catch-up" % self.program.seconds())
        while frames > 0:
            batch = min(frames, MAX_WRITE_FRAMES)
            data = self._audio(batch * FRAME_SAMPLES)
            self.unwritten_samples = batch * FRAME_SAMPLES
            blocked = self.output.write(data)
            self.unwritten_samples = 0
            self.pacer.wrote(batch)
            frames -= batch
            if blocked:
                self.pacer.blocked(self.output.queued_samples())
                self.blocked_writes += 1
                self.log("t=%.3f write blocked (pipe full): schedule reset"
                         % self.program.seconds())
                return

    def control(self) -> bool:
        """Talk to serve, then sleep until audio is due or a message arrives.

        Returns True when a message wants audio written at once (an insert)."""
        link = self.link
        if link is not None:
            link.tick()
            self.report()
        fd = link.fileno() if link is not None else -1
        readable, _, _ = select.select([fd] if fd >= 0 else [], [], [], self.pacer.timeout())
        force, session = False, self.session
        if readable and link is not None and session is not None:
            for message in link.receive():
                try:
                    force = session.handle(message) or force
                except Exception as error:  # logged; the music goes on
                    self.message_errors += 1
                    self.log("internal error on %s message: %s: %s" % (
                        message.get("type"), type(error).__name__, error))
        return force

    def report(self) -> None:
        """Send the call's state to serve if it changed or a second has passed."""
        now_s, link = self.clock(), self.link
        due = self.program.changed or now_s - self.state_at_s >= STATE_EVERY_S
        if link is None or link.sock is None or not link.welcomed or not due:
            return
        self.program.reported()
        self.state_at_s = now_s
        link.send(self.state_line(self.heard_state()), droppable=True)

    def heard_state(self) -> "dict[str, Any]":
        """The call state where the caller is: what they heard, not what was written."""
        return self.program.snapshot(self.unheard_samples())

    def state_line(self, state: "dict[str, Any]") -> bytes:
        from progmoh.player import wire  # loaded with the link, after the first audio
        kind, name = self.mixer.playing()
        return wire.encode(wire.STATE, state=state, audio=self.audio_problems(),
                           now={"kind": kind, "name": name})

    def unheard_samples(self) -> int:
        """Samples mixed that the caller has not heard: a write in progress and the pipe's
        content (an atomic write under PIPE_BUF is all in the pipe or none of it)."""
        return self.unwritten_samples + (self.output.queued_samples() or 0)

    def last_words(self) -> str:
        """From the signal handler: the heard state, in one send that never blocks; Asterisk
        drops what is left in the pipe, so the next player goes on from the last sample heard."""
        link = self.link
        if link is None or link.sock is None or not link.welcomed:
            return ""
        state = self.heard_state()
        link.send_last(self.state_line(state))
        return "; last state: track %d at %d, advice %r at %d" % (
            state["track_index"], state["offset_samples"], state["advice_item"],
            state["advice_samples"])

    def audio_problems(self) -> dict[str, int]:
        """This process's counts so far; serve adds them up per call (wire.AUDIO_PROBLEMS)."""
        return {"blocked_writes": self.blocked_writes, "schedule_resets": self.schedule_resets,
                "skipped_objects": self.program.skipped,
                "internal_errors": self.errors + self.message_errors}
