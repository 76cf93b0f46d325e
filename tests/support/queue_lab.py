"""One lab: the PBX Asterisk, ``progmoh serve``, callers of every kind, and what each heard.

SIP callers are the rule (``call`` gives a baresip phone); Local channels
(``local_call``) stay for what SIP cannot carry, and the second Asterisk
(``trunk``) starts on the first trunk caller.  Every check reads the callers'
own recordings against the cache's clips (tests/heard.py).
"""

import itertools
import os
from pathlib import Path

from progmoh.cache.store import Store
from tests.support import heard
from tests.support.ami_session import AmiSession
from tests.support.asterisk_conf import INBAND_IP, PHONE_IP, QUEUE_PREFIXES, trunk_files
from tests.support.asterisk_lab import SHORT_READ, Asterisk, Serve, serve_config, wait_until
from tests.support.local_caller import LocalCaller
from tests.support.queued_call import QueuedCall
from tests.support.sip_callers import CallerSide, PhoneCaller, TrunkCaller
from tests.support.sip_phone import Baresip, microphone

MATCH = 0.9          # an exported clip where it plays scores about 0.99, under ducked music too
MUSIC_MATCH = 0.98   # music is copied sample for sample; other places of a track score <= 0.95
WITHIN_S = 0.3       # an announcement begins at most this long after its key goes down
EARLY_S = 0.3        # a clip may seem to begin this much before its key (event timing)
MIC_S = 60.0         # what a phone's microphone file lasts: longer than any call here
AGENT = "Local/agent@agents/n"   # answers for half a second (tests/asterisk_conf.py)
RINGER = "Local/ringer@agents/n"  # rings and never answers


class Lab:
    """Asterisk, serve, an AMI session that listens and one per Local caller that acts."""

    def __init__(self, folder: Path, prefix: Path, store: Store):
        self.folder, self.prefix, self.store = folder, prefix, store
        self.asterisk = Asterisk(prefix, folder)
        self.sections = serve_config(folder, self.asterisk, store.root)
        self.balances: dict[str, str] = {}
        self.serve = self.events = self.side = None
        self.callers: list[QueuedCall] = []
        self.sessions: list[AmiSession] = []
        self.phones: list[Baresip] = []
        self._numbers = itertools.count(1)

    def start(self, balances: dict[str, str]) -> None:
        self.balances = balances
        self.asterisk.start()
        self.events = self.asterisk.session()
        self.serve = Serve(self.folder, self.sections, balances)
        self.serve.start()

    def _exten(self, queue: str) -> str:
        return f"{QUEUE_PREFIXES[queue]}{next(self._numbers):03d}"

    def caller(self, number: str, queue: str = "support", aor: str = "",
               keys: tuple[tuple[str, float], ...] = ()) -> PhoneCaller:
        """A baresip phone, started and ready to dial; ``keys`` (digit, second of its
        audio) are tones in its microphone, and make it an inband phone."""
        folder = self.folder / "phones" / str(len(self.callers))
        address = INBAND_IP if keys else PHONE_IP
        phone = Baresip(folder, aor or f"<sip:{number}@{address}>", microphone(MIC_S, keys),
                        bind=address).start()
        self.phones.append(phone)
        caller = PhoneCaller(self.events, phone, self.asterisk.sip_port, self._exten(queue), number)
        self.callers.append(caller)
        return caller

    def local_caller(self, number: str, queue: str = "support",
                     language: str = "") -> LocalCaller:
        """A Local channel caller with its own action session, so keys of many go together."""
        actions = self.asterisk.session()
        self.sessions.append(actions)
        caller = LocalCaller(self.events, actions,
                             self.folder / "rec" / f"{len(self.callers)}.wav", number, queue,
                             language)
        self.callers.append(caller)
        return caller

    def trunk(self, number: str, trusted: bool = True, queue: str = "support",
              name: str = "Trunk") -> TrunkCaller:
        """A call from the second Asterisk; its number goes in P-Asserted-Identity."""
        if self.side is None:
            side = Asterisk(self.prefix, self.folder / "side",
                            lambda f, p, ports: trunk_files(f, p, ports, self.asterisk.sip_port))
            self.side = CallerSide(side).start()
        recording = self.folder / "rec" / f"{len(self.callers)}.wav"
        caller = TrunkCaller(self.events, self.side, "pbx-trusted" if trusted else "pbx-carrier",
                             self._exten(queue), number, name, recording)
        self.callers.append(caller)
        return caller

    def answered_call(self, queue: str = "support") -> int:
        """One call an agent answers at once, so the queue has a hold time (key 5's
        estimate); not one of the lab's callers.  Then a member that never answers stays on
        duty: a queue nobody serves has no estimate.  Returns app_queue's HoldTime."""
        actions = self.asterisk.session()
        self.sessions.append(actions)
        caller = LocalCaller(self.events, actions, self.folder / "rec" / "answered.wav",
                             "15550999", queue)
        caller.dial()
        caller.wait_music()
        actions.action("QueueAdd", Queue=queue, Interface=AGENT)
        connect = self.events.wait(lambda m: m.get("Event") == "AgentConnect"
                                   and m.get("Uniqueid") == caller.call_id, 10.0,
                                   "AgentConnect of the answered call", caller.mark)
        actions.action("QueueRemove", Queue=queue, Interface=AGENT)
        caller.wait_gone()
        actions.action("QueueAdd", Queue=queue, Interface=RINGER)
        return int(connect["HoldTime"])

    def begin(self, caller: QueuedCall, player: bool = True) -> QueuedCall:
        """Dial, wait for the music on hold (and for serve to welcome its player)."""
        caller.dial()
        caller.wait_music()
        if player:
            self.wait_player(caller)
        return caller

    def call(self, number: str, queue: str = "support", player: bool = True, kind: str = "sip",
             language: str = "", **phone) -> QueuedCall:
        """A SIP phone (or a Local channel, in ``language`` if given) in the queue with music
        on hold started."""
        if kind == "local":
            return self.begin(self.local_caller(number, queue, language), player)
        return self.begin(self.caller(number, queue, **phone), player)

    def wait_player(self, caller: QueuedCall, welcomes: int = 1, timeout_s: float = 5.0) -> None:
        """Until the caller's player has been welcomed by serve ``welcomes`` times."""
        needle = f"call={caller.call_id} welcome"
        wait_until(lambda: self.player_log_text().count(needle) >= welcomes, timeout_s,
                   f"player of {caller.call_id} welcomed by serve\n{self.player_log(caller)}")

    def clip(self, segment_id: str):
        """The audio of one cache segment, as the player plays it."""
        manifest = self.store.current()
        segment = next((s for s in manifest.segments if s.id == segment_id), None)
        assert segment is not None, f"no segment {segment_id} in the demo cache"
        return heard.pcm(self.store.read(segment.object))

    def classes(self) -> tuple[str, str]:
        """(class a caller starts in, the class key 3 switches to)."""
        manifest = self.store.current()
        first = manifest.default_class or manifest.classes[0]
        index = manifest.classes.index(first)
        return first, manifest.classes[(index + 1) % len(manifest.classes)]

    def clip_after(self, caller: QueuedCall, recording, segment_id: str, key_s: float, what: str,
                   within_s: float = WITHIN_S) -> float:
        """Where ``segment_id`` begins after the key; asserts it began within ``within_s``.

        ``key_s`` is on the call's clock; in the file it is earlier by what the
        recording lost at the start (callers joining together lose most).
        """
        lost_s = max(0.0, caller.held_s() - len(recording) / heard.RATE)
        in_file_s = key_s - lost_s
        after = heard.excerpt(recording, in_file_s - EARLY_S, 8.0)
        score, at = heard.best(after, self.clip(segment_id))
        begins = round(at - EARLY_S, 3)
        assert score >= MATCH and begins <= within_s, (
            f"{what}: key at {key_s} s of the call, {in_file_s:.3f} s into the recording "
            f"(recorded {len(recording) / heard.RATE} s of {caller.held_s()} s on hold); best "
            f"match of {segment_id} scores {score} at {begins} s after the key (needs >= {MATCH} "
            f"within {within_s} s); the {caller.kind} caller heard {self.heard_summary(recording)}"
            f"\n{self.player_log(caller)}")
        return begins

    def heard_summary(self, recording) -> str:
        """What a recording holds, in words, for failure messages: its loud stretches
        and the cache's prompts found in it."""
        found = []
        for segment in self.store.current().segments:
            if segment.kind == "prompt" and segment.id.startswith("prompt:en/"):
                hits = heard.occurrences(recording, self.clip(segment.id), MATCH)
                found += [(at, segment.id.removeprefix("prompt:en/")) for at, _ in hits]
        silent = heard.zero_runs(recording, 0.1)
        return (f"{len(recording) / heard.RATE:.2f} s; prompts (s, key) {sorted(found)}; "
                f"silences (s, length) {silent}")

    def heard_track(self, recording, track: str, start_s: float, length_s: float = 0.6):
        """(score, position in ``track``) of a short excerpt of the recording from ``start_s``."""
        return heard.where_in(self.clip(track), heard.excerpt(recording, start_s, length_s))

    def sentence_s(self, keys) -> float:
        """How long the prompt clips of ``keys`` last together."""
        return sum(len(self.clip(f"prompt:en/{key}")) for key in keys) / heard.RATE

    def first_track(self, music_class: str) -> str:
        manifest = self.store.current()
        tracks = sorted((s.track_index, s.id) for s in manifest.segments
                        if s.kind == "music" and s.music_class == music_class)
        return tracks[0][1]

    def recording(self, caller: QueuedCall):
        return heard.load_wav(caller.recorded())

    def player_log_text(self) -> str:
        path = self.folder / "play.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def player_log(self, caller: QueuedCall | None = None) -> str:
        """The player's last log lines (of one caller), for failure messages."""
        lines = self.player_log_text().splitlines()
        if caller is not None:
            lines = [line for line in lines if caller.call_id in line]
        return "\n".join(lines[-25:])

    def short_reads(self) -> list[str]:
        return [line for line in self.asterisk.messages().splitlines() if SHORT_READ in line]

    def check_everywhere(self, single_calls: bool = True, max_start_loss_s: float = 0.3) -> dict:
        """What every test asserts; returns the figures measured, for the report."""
        reads = self.short_reads()
        assert not reads, (
            f"{len(reads)} short reads in Asterisk's log: {reads[:5]}\n{self.player_log()}")
        assert "MOH: exec failed" not in self.asterisk.stderr_text(), self.asterisk.tail()
        figures = {}
        for caller in self.callers:
            heard_now = self.recording(caller)
            silent = heard.zero_runs(heard_now, 0.1)
            assert not silent, (f"{caller.kind} caller {caller.number} heard digital silence "
                                f"(start s, length s) {silent}: {self.heard_summary(heard_now)}"
                                f"\n{self.player_log(caller)}")
            lost = round(caller.held_s() - len(heard_now) / heard.RATE, 3)
            figures[caller.number] = lost
            if single_calls:
                assert lost <= max_start_loss_s, (
                    f"{caller.kind} caller {caller.number} lost {lost} s: recorded "
                    f"{len(heard_now) / heard.RATE:.3f} s of {caller.held_s()} s on hold; it heard "
                    f"{self.heard_summary(heard_now)}\n{self.player_log(caller)}")
        return figures

    def close(self) -> None:
        for phone in self.phones:
            phone.stop()
        for session in [self.events] + self.sessions:
            if session is not None:
                session.close()
        if self.serve is not None:
            self.serve.stop()
        if self.side is not None:
            self.side.close()
        self.asterisk.stop()
        for pid in stray_players(self.folder):
            os.kill(pid, 9)


def stray_players(folder: Path) -> list[int]:
    """PIDs of players started for this lab (their argv names its socket) still running."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(folder / "serve.sock").encode() in argv and b"play" in argv:
            found.append(int(entry.name))
    return found
