"""A reader that treats a music-on-hold application the way Asterisk does.

Used by tests, the simulated call and the benchmark, so they judge the
player by Asterisk's rules (docs/asterisk.md): argv split from an
application line on single spaces, own process group, stdin /dev/null,
stdout a pipe, every other descriptor closed; a read of 640 bytes every
40 ms on an absolute schedule, short reads counted and thrown away; stop
with SIGHUP, SIGTERM, SIGKILL to the group, 100 ms apart.
"""

import os
import select
import signal
import subprocess
import threading
import time
import wave

from progmoh.cache.audio_format import (
    CHANNELS,
    FRAME_BYTES,
    FRAME_MS,
    SAMPLE_BYTES,
    SAMPLE_RATE_HZ,
)

PERIOD_S = FRAME_MS / 1000
KILL_STEP_S = 0.100
MAX_APPLICATION_CHARS = 255


def split_application(line):
    """Asterisk's split: single spaces, no shell, no quoting."""
    if len(line) > MAX_APPLICATION_CHARS:
        raise ValueError("application line is %d characters, over %d"
                         % (len(line), MAX_APPLICATION_CHARS))
    return line.split(" ")


def as_user(user):
    """Popen's arguments to run as ``user`` with its own groups, as Asterisk runs."""
    if user is None:
        return {}
    import pwd
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid,
            "extra_groups": os.getgrouplist(user, entry.pw_gid)}


class Channel:
    """One call's music-on-hold process and what its caller heard."""

    def __init__(self, application, record=False, env=None, stderr=None, clock=time.monotonic,
                 user=None):
        self.argv = split_application(application)
        self.record, self.env, self.stderr, self.clock = record, env, stderr, clock
        self.user = user            # run as this user (Asterisk's), from a root parent
        self.proc = None
        self.frames = []            # what the caller heard (if recording)
        self.frames_read = 0
        self.short_reads = 0
        self.empty_ticks = 0        # pipe empty at a tick: Asterisk's read would block
        self.exec_at = self.first_byte_at = self.stopped_at = self.exited_at = None
        self.first_audio_at = None  # the pipe first readable
        self.stopped_by = ""
        self.eof = False

    def start(self):
        self.exec_at = self.clock()
        self.proc = subprocess.Popen(
            self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.stderr,
            close_fds=True, start_new_session=True, env=self.env, **as_user(self.user))
        return self

    @property
    def fd(self):
        return self.proc.stdout.fileno()

    def tick(self, ready=None):
        """One 40 ms timer tick: read a frame if the pipe has anything, as Asterisk does.

        ``ready`` (whether the pipe is readable) comes from one poll over
        many channels; None polls this channel alone.
        """
        if self.eof:
            return
        if ready is None:
            ready = bool(select.select([self.fd], [], [], 0)[0])
        if not ready:
            self.empty_ticks += 1
            return
        data = os.read(self.fd, FRAME_BYTES)
        if not data:
            self.eof = True
        elif len(data) < FRAME_BYTES:
            self.short_reads += 1
        else:
            if self.first_byte_at is None:
                self.first_byte_at = self.clock()
            self.frames_read += 1
            if self.record:
                self.frames.append(data)

    def stop(self):
        """HUP, then TERM after 100 ms, then KILL after another 100 ms, to the group."""
        self.stopped_at = self.clock()
        for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=KILL_STEP_S)
                self.stopped_by = signal.Signals(sig).name
                break
            except subprocess.TimeoutExpired:
                continue
        if self.proc.poll() is None:
            self.proc.wait()
            self.stopped_by = "SIGKILL"
        self.exited_at = self.clock()
        self._drain()
        return self.proc.returncode

    def _drain(self):
        """Asterisk drains the pipe to EOF after stopping the application."""
        try:
            while os.read(self.fd, 65536):
                pass
        except OSError:
            pass
        self.proc.stdout.close()

    def first_audio_ms(self):
        return None if self.first_audio_at is None else (self.first_audio_at - self.exec_at) * 1000

    def exit_ms(self):
        return None if self.exited_at is None else (self.exited_at - self.stopped_at) * 1000

    def heard(self):
        return b"".join(self.frames)

    def write_wav(self, path):
        with wave.open(str(path), "wb") as out:
            out.setnchannels(CHANNELS)
            out.setsampwidth(SAMPLE_BYTES)
            out.setframerate(SAMPLE_RATE_HZ)
            out.writeframes(self.heard())


def run(channels, seconds, on_tick=None, clock=time.monotonic):
    """Tick every channel every 40 ms for ``seconds``, on an absolute schedule.

    Reading starts at once, as Asterisk's does; while waiting for a tick the
    channels still silent are watched so their first audio is timed to the
    millisecond, and they are not ticked (Asterisk's read would block)
    until it comes.  Channels still being spawned by another thread join in
    as soon as they exist.  ``on_tick(tick_index)`` lets a caller act at set
    times (a key press).  A late tick is not made up with a burst.
    """
    poller, by_fd = select.poll(), {}
    silent = _Silent(clock)
    started = clock()
    ticks = int(round(seconds / PERIOD_S))
    for index in range(ticks):
        for channel in channels:
            if channel.proc is not None and channel.fd not in by_fd:
                by_fd[channel.fd] = channel
                poller.register(channel.fd, select.POLLIN)
                silent.add(channel)
        silent.wait_until(started + index * PERIOD_S)
        if on_tick is not None:
            on_tick(index)
        ready = {fd for fd, events in poller.poll(0) if events & (select.POLLIN | select.POLLHUP)}
        for fd, channel in by_fd.items():
            if channel.first_audio_at is not None:
                channel.tick(fd in ready)
        if len(by_fd) == len(channels) and all(c.eof for c in channels):
            break
    return ticks


class _Silent:
    """Channels without audio yet, watched between ticks."""

    def __init__(self, clock):
        self.clock = clock
        self.poller = select.poll()
        self.waiting = {}

    def add(self, channel):
        if channel.first_audio_at is None:
            self.waiting[channel.fd] = channel
            self.poller.register(channel.fd, select.POLLIN)

    def wait_until(self, due):
        while True:
            delay = due - self.clock()
            if delay <= 0:
                return
            if not self.waiting:
                time.sleep(delay)
                return
            for fd, _ in self.poller.poll(delay * 1000):
                channel = self.waiting.pop(fd)
                self.poller.unregister(fd)
                if channel.first_audio_at is None:
                    channel.first_audio_at = self.clock()


def await_first_audio(channels, timeout_s=5.0, clock=time.monotonic):
    """Note when each channel's pipe first becomes readable (exec -> first audio)."""
    waiting = {c.fd: c for c in channels if c.first_audio_at is None}
    deadline = clock() + timeout_s
    while waiting and clock() < deadline:
        ready = select.select(list(waiting), [], [], max(0.0, deadline - clock()))[0]
        now = clock()
        for fd in ready:
            waiting.pop(fd).first_audio_at = now


class FirstAudioWatcher:
    """Times each channel's first audio from a thread of its own, so spawning
    many players one after another (Asterisk spawns from many threads at
    once) does not delay the measurement of those already started."""

    def __init__(self, clock=time.monotonic, on_first_audio=None):
        self.clock, self.on_first_audio = clock, on_first_audio
        self.poller = select.poll()
        self.waiting = {}
        self.lock = threading.Lock()
        self.done = False
        self.thread = threading.Thread(target=self._watch, name="first-audio", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done = True
        self.thread.join()

    def add(self, channel):
        with self.lock:
            self.waiting[channel.fd] = channel
            self.poller.register(channel.fd, select.POLLIN)

    def _watch(self):
        while not self.done:
            for fd, _ in self.poller.poll(5):
                now = self.clock()
                with self.lock:
                    channel = self.waiting.pop(fd, None)
                    self.poller.unregister(fd)
                if channel is not None and channel.first_audio_at is None:
                    channel.first_audio_at = now
                    if self.on_first_audio is not None:
                        self.on_first_audio(channel)


def play(application, seconds, wav_path=None, on_tick=None, env=None, stderr=None, user=None,
         from_first_audio=False):
    """Run one call for ``seconds``, stop it as Asterisk does, optionally write the WAV.

    With ``from_first_audio`` the ``seconds`` of reading start at the first
    audio rather than at exec, so what is heard does not shrink when a busy
    machine delays the start (which ``first_audio_ms`` still tells)."""
    channel = Channel(application, record=wav_path is not None, env=env, stderr=stderr,
                      user=user).start()
    try:
        if from_first_audio:
            await_first_audio([channel])
        run([channel], seconds, on_tick)
    finally:
        channel.stop()
    if wav_path is not None:
        channel.write_wav(wav_path)
    return channel
