"""The call's bed: music tracks in order with advice segments spliced in at slots.

An advice segment replaces samples ``[slot_sample, slot_sample + samples)``
of its track with the same music ducked under the voice, so splicing is a
switch of reader at exact sample offsets and ``offset_samples`` (the track
position) advances through an advice exactly as through music.  This
module only decides and reads; gains and inserts are the mixer's job.
Which advice plays where is ``AdviceSchedule``'s part; ``Program`` reads.
Each object writes only its own fields: the schedule's change through its
methods, and what an insert did reaches ``Program`` as the mixer's report
(``Program.apply``).
"""

from progmoh.cache.audio_format import SAMPLE_BYTES, SAMPLE_RATE_HZ
from progmoh.player.play import limits
from progmoh.player.play.source import ObjectError, Tail

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from collections.abc import Callable
    from time import struct_time
    from typing import Any

    from progmoh.player.play.catalog import Catalog, Segment
    from progmoh.player.play.mixer import MixReport
    from progmoh.player.play.source import Reader

    LocalTime = Callable[[], struct_time]
    Shuffle = Callable[[list[str]], list[str]]


class PlayingAdvice:
    """The advice now playing: its item, its open reader, how far into it."""

    __slots__ = ("item", "reader", "pos_samples")

    def __init__(self, item: str, reader: "Reader", pos_samples: int) -> None:
        self.item, self.reader, self.pos_samples = item, reader, pos_samples


class Slot:
    """An advice chosen to start in the current track at ``slot_sample``."""

    __slots__ = ("slot_sample", "item", "segment")

    def __init__(self, slot_sample: int, item: str, segment: "Segment") -> None:
        self.slot_sample, self.item, self.segment = slot_sample, item, segment


class AdviceSchedule:
    """When advice may start, which item comes next, and where in the current track.

    No advice starts before ``next_at_samples`` of call time (the first
    delay, then a gap after each advice).  Once due, the current track's
    slots are searched once (``searched``) for the first eligible item in
    this call's order; ``slot`` is what was found, None when nothing in
    this track is eligible: the track is not searched again on every
    wake-up until it changes (``forget``).
    """

    __slots__ = ("catalog", "local_time", "shuffle", "language", "gap_samples",
                 "next_at_samples", "played", "middle_order", "broken", "slot", "searched",
                 "ends_at_samples")

    def __init__(self, catalog: "Catalog", local_time: "LocalTime", shuffle: "Shuffle") -> None:
        self.catalog, self.local_time, self.shuffle = catalog, local_time, shuffle
        self.language = ""          # the caller's, from the welcome: picks advice folders
        p = catalog.program
        self.gap_samples = int(float(p["advice_gap_s"]) * SAMPLE_RATE_HZ)
        self.next_at_samples = int(float(p["first_advice_s"]) * SAMPLE_RATE_HZ)
        self.played: list[str] = []     # items played in this call, in order
        self.middle_order = shuffle(self._group("middle"))
        self.broken: set[str] = set()   # advice items that failed to open or to read
        self.slot: Slot | None = None
        self.searched = False
        # call time the caller's wait likely ends at (serve's ``remaining``): no advice
        # that would still play then starts; None: no limit
        self.ends_at_samples: int | None = None

    def _group(self, group: str) -> list[str]:
        return self.catalog.group_items(group, self.language)

    def order(self) -> list[str]:
        """first (alphabetical), this call's middle order, last (alphabetical)."""
        allowed = self._group("middle")
        middle = [i for i in self.middle_order if i in allowed]
        middle += [i for i in allowed if i not in middle]
        return self._group("first") + middle + self._group("last")

    def speak(self, language: str) -> None:
        """The caller's language: their own advice folders where the cache has them."""
        if language != self.language:
            self.language = language
            self.middle_order = self.shuffle(self._group("middle"))
            self.forget()

    def forget(self) -> None:
        """The track, the position or the call's advice changed: search again."""
        self.slot, self.searched = None, False

    def none_in_track(self) -> bool:
        """True when the current track was searched and holds nothing to play."""
        return self.searched and self.slot is None

    def due(self, music_class: str, track_index: int, offset_samples: int,
            call_samples: int = 0) -> Slot | None:
        """The Slot to start in this track at or after ``offset_samples``, or None.

        The caller has checked that advice may start now; a slot passed
        while advice could not start (an insert was playing) is searched past.
        ``call_samples`` is the call time at ``offset_samples``: an advice that
        would end after ``ends_at_samples`` is not chosen.
        """
        if not self.searched or self.slot is not None and self.slot.slot_sample < offset_samples:
            self.slot = self._find(music_class, track_index, offset_samples,
                                   call_samples - offset_samples)
            self.searched = True
        return self.slot

    def _find(self, music_class: str, track_index: int, offset_samples: int,
              track_start_samples: int) -> Slot | None:
        slots = self.catalog.advice.get((music_class, track_index))
        if not slots:
            return None
        now = self.local_time()
        eligible = [i for i in self.order() if i not in self.played and i not in self.broken
                    and limits.allowed(self.catalog.items[i][1], now)]
        ends_at = self.ends_at_samples
        for slot_sample in sorted(s for s in slots if s >= offset_samples):
            for item in eligible:
                segment = slots[slot_sample].get(item)
                fits = ends_at is None or track_start_samples + slot_sample + (
                    segment.samples if segment else 0) <= ends_at
                if segment is not None and fits:
                    return Slot(slot_sample, item, segment)
        return None

    def wait_left(self, seconds: int | None, call_samples: int) -> None:
        """Serve's expected remaining wait from now (None: no limit): search again."""
        self.ends_at_samples = (None if seconds is None
                                else call_samples + seconds * SAMPLE_RATE_HZ)
        self.forget()

    def broke(self, item: str) -> None:
        """``item`` failed to open or to read: left out for the rest of the call."""
        self.broken.add(item)

    def adopt(self, played: "list[str] | tuple[str, ...]",
              middle_order: "list[str] | tuple[str, ...]") -> None:
        """A previous process's advice: what it played, its middle order (if it had one)."""
        self.played = list(played)
        if middle_order:
            self.middle_order = list(middle_order)
        self.forget()

    def wait_until(self, next_at_samples: int) -> None:
        """No advice before ``next_at_samples`` of call time (a previous process's gap)."""
        self.next_at_samples = next_at_samples

    def finished(self, item: str, call_samples: int) -> bool:
        """An advice ended: counted as played unless it broke; the gap starts."""
        self.forget()
        self.next_at_samples = call_samples + self.gap_samples
        if item in self.broken:
            return False
        self.played.append(item)
        return True


class Program:
    """Per-call program state; ``snapshot()`` is what a restarted player needs."""

    def __init__(self, catalog: "Catalog", log: "Callable[[str], None]", local_time: "LocalTime",
                 shuffle: "Shuffle", music_class: str = "") -> None:
        self.catalog, self.log = catalog, log
        self.schedule = AdviceSchedule(catalog, local_time, shuffle)
        self.music_class = catalog.start_class(music_class)
        self.track_index = self.offset_samples = self.call_samples = 0
        self.advice: PlayingAdvice | None = None    # while one plays
        self.music: Reader | None = None            # of the current track
        self.hold = False           # no advice may start (an insert is playing): the mixer's word
        self.broken_tracks: set[str] = set()  # labels of tracks damaged or missing: left out
        self.logged = {t.label for t in self.tracks()[:1]}     # tracks whose start was logged
        self.changed = True         # since the state was last reported to serve
        self.silent = False
        self.skipped = 0            # objects skipped or cut as missing or damaged
        # the place ``--at`` started this process at, if it did
        self.started_at: tuple[int, int, int, str] | None = None

    def apply(self, report: "MixReport") -> None:
        """What the mixer did (mixer.MixReport): whether an insert holds advice back,
        whether the caller's state changed, how many of its objects were skipped."""
        self.hold = report.held
        self.changed = self.changed or report.changed
        self.skipped += report.skipped

    def reported(self) -> None:
        """The state as it is now has reached serve: nothing new until it changes."""
        self.changed = False

    # -- reading ---------------------------------------------------------

    def read(self, count: int) -> bytes:
        """Exactly ``count`` samples of bed (silence only if nothing is playable)."""
        music = self.music
        if (self.advice is None and music is not None
                and self.offset_samples + count < music.samples and self._no_advice_within(count)):
            try:                        # the common case, kept short: it runs every wake-up
                data = music.read(self.offset_samples, count)
                self.offset_samples += count
                self.call_samples += count
                return data
            except ObjectError:
                pass
        return self._read_spliced(count)

    def _no_advice_within(self, count: int) -> bool:
        """True when no advice can start in the next ``count`` samples."""
        schedule = self.schedule
        return (self.hold or self.call_samples + count <= schedule.next_at_samples
                or schedule.none_in_track())

    def _read_spliced(self, count: int) -> bytes:
        parts: list[bytes] = []
        idle = 0
        while count > 0:
            advice = self.advice
            data = self._advice_part(count, advice) if advice else self._music_part(count)
            if data is None or idle > 8:
                data = self._silence(count)
            idle = 0 if data else idle + 1
            parts.append(data)
            count -= len(data) // SAMPLE_BYTES
        return b"".join(parts)

    def _silence(self, count: int) -> bytes:
        if not self.silent:
            self.silent = True
            self.log("t=%.3f nothing playable in class %r: silence"
                     % (self.seconds(), self.music_class))
        self.call_samples += count
        return bytes(count * SAMPLE_BYTES)

    def _music_part(self, count: int) -> bytes | None:
        reader = self._music_reader()
        if reader is None:
            return None
        limit = reader.samples - self.offset_samples
        if not self.hold and self.call_samples < self.schedule.next_at_samples:
            limit = min(limit, self.schedule.next_at_samples - self.call_samples)
        slot = self._due()
        if slot is not None:
            if slot.slot_sample == self.offset_samples:
                self._start_advice(slot)
                return b""
            limit = min(limit, slot.slot_sample - self.offset_samples)
        try:
            data = reader.read(self.offset_samples, min(count, limit))
        except ObjectError as error:
            return self._broken_track(error, reader.label)
        self._advance(len(data) // SAMPLE_BYTES)
        if self.offset_samples >= reader.samples:
            self._next_track()
        return data

    def _advance(self, samples: int) -> None:
        self.offset_samples += samples
        self.call_samples += samples

    def _advice_part(self, count: int, advice: PlayingAdvice) -> bytes:
        try:
            data = advice.reader.read(advice.pos_samples, count)
        except ObjectError as error:
            self.log("t=%.3f advice %s cut: %s" % (self.seconds(), advice.item, error))
            self.skipped += 1
            self.schedule.broke(advice.item)
            data = b""
        taken = len(data) // SAMPLE_BYTES
        advice.pos_samples += taken
        self._advance(taken)
        if not data or advice.pos_samples >= advice.reader.samples:
            self._finish_advice(advice)
        return data

    # -- music -----------------------------------------------------------

    def tracks(self) -> "list[Segment]":
        return self.catalog.tracks.get(self.music_class) or []

    def _music_reader(self) -> "Reader | None":
        tracks = self.tracks()
        for _ in range(len(tracks)):
            if self.music is not None:
                return self.music
            segment = tracks[self.track_index % len(tracks)]
            if segment.label in self.broken_tracks:     # left out for the rest of the call
                self._next_track()
                continue
            try:
                self.music = self.catalog.reader(segment).open()
                if self.offset_samples >= self.music.samples:
                    self.offset_samples = 0
            except ObjectError as error:
                self._broken_track(error, segment.label)
        return self.music

    def _broken_track(self, error: ObjectError, label: str) -> bytes:
        """Said (and counted) once per track, which is left out of this call's playlist
        from now on: an unreadable cache would otherwise be reported at every wake-up."""
        if label not in self.broken_tracks:
            self.broken_tracks.add(label)
            self.skipped += 1
            self.log("t=%.3f skipped: %s" % (self.seconds(), error))
        self._next_track()
        return b""

    def _next_track(self) -> None:
        if self.music is not None:
            self.music.close()
            self.music = None
        tracks = self.tracks()
        self.track_index = (self.track_index + 1) % max(1, len(tracks))
        self.offset_samples = 0
        self.schedule.forget()
        self.changed = True
        if tracks and tracks[self.track_index].label not in self.logged:   # once, not every turn
            self.logged.add(tracks[self.track_index].label)
            self.log("t=%.3f music %s" % (self.seconds(), tracks[self.track_index].label))

    # -- advice ----------------------------------------------------------

    def _due(self) -> Slot | None:
        """The Slot to start in this track, or None when no advice is due."""
        if self.hold or self.call_samples < self.schedule.next_at_samples:
            return None
        track_index = self.track_index % max(1, len(self.tracks()))
        return self.schedule.due(self.music_class, track_index, self.offset_samples,
                                 self.call_samples)

    def _start_advice(self, slot: Slot) -> None:
        self.schedule.forget()
        try:
            reader = self.catalog.reader(slot.segment).open()
        except ObjectError as error:
            self.log("t=%.3f advice %s skipped: %s" % (self.seconds(), slot.item, error))
            self.skipped += 1
            self.schedule.broke(slot.item)
            return
        self.advice = PlayingAdvice(slot.item, reader, self.offset_samples - slot.slot_sample)
        self.changed = True
        self.log("t=%.3f advice %s start (%s at %.1f s)" % (
            self.seconds(), slot.item, self.tracks()[self.track_index].label,
            slot.slot_sample / SAMPLE_RATE_HZ))

    def _finish_advice(self, advice: PlayingAdvice) -> None:
        advice.reader.close()
        self.advice = None
        self.changed = True
        if self.schedule.finished(advice.item, self.call_samples):
            self.log("t=%.3f advice %s end" % (self.seconds(), advice.item))
        if self.music is not None and self.offset_samples >= self.music.samples:
            self._next_track()

    def cut_advice(self) -> Tail | None:
        """Stop an advice in progress (not counted as played); its rest, to fade out."""
        advice = self.advice
        if advice is None:
            return None
        self.advice = None
        self.schedule.forget()
        self.changed = True
        self.log("t=%.3f advice %s cut (plays later)" % (self.seconds(), advice.item))
        return Tail(advice.reader, advice.pos_samples)

    # -- jumps (class switch, restart) -------------------------------------

    def _current_tail(self) -> Tail | None:
        """The stream now playing, handed over to be faded out."""
        tail = self.cut_advice()
        if tail is None and self.music is not None:
            tail = Tail(self.music, self.offset_samples)
        elif self.music is not None:
            self.music.close()
        self.music = None
        return tail

    def switch_class(self, music_class: str) -> Tail | None:
        tail = self._current_tail()
        self.music_class = self.catalog.start_class(music_class)
        self.track_index = self.offset_samples = 0
        self.schedule.forget()
        self.changed = True
        self.logged.update(t.label for t in self.tracks()[:1])
        self.log("t=%.3f class %s, music %s" % (self.seconds(), self.music_class,
                                                self.tracks()[0].label if self.tracks() else "-"))
        return tail

    def wait_left(self, seconds: int | None) -> None:
        """Serve's expected remaining wait (``remaining``): no advice starts that would
        outlast it; 0 (an agent about to answer) starts none; None lifts the limit."""
        self.schedule.wait_left(seconds, self.call_samples)
        self.log("t=%.3f remaining wait %s" % (
            self.seconds(), "unknown" if seconds is None else "%d s" % seconds))

    def speak(self, language: str) -> None:
        """The caller's language (from the welcome) picks which advice folders play."""
        self.schedule.speak(language)

    def start_at(self, text: str, music_class: str) -> None:
        """Start where the previous process of this call left its caller (``--at``, see
        wire.place_argument), before the first sample: a restart repeats nothing.
        A place in a class this cache lacks, or unreadable, is ignored (and logged)."""
        from progmoh.player import wire  # only for a restart: not every start's cost
        place = wire.read_place(text)
        if place is None or music_class != self.music_class:
            self.log("--at %r ignored: not TRACK:OFFSET:ADVICE_SAMPLES:ITEM in class %r"
                     % (str(text)[:80], str(music_class)[:64]))
            return
        track_index, offset_samples, into_samples, item = place
        self.track_index = track_index % max(1, len(self.tracks()))
        self.offset_samples = offset_samples
        self.started_at = place
        self.log("t=0.000 starts at track %d %.3f s" % (
            self.track_index, offset_samples / SAMPLE_RATE_HZ))
        if item:
            self._resume_advice(item, into_samples)

    def adopt(self, state: "dict[str, Any]", position_too: bool = True) -> Tail | None:
        """Continue a call from a previous process's state; returns the tail to fade."""
        schedule = self.schedule
        schedule.adopt(state["advice_played"], state["middle_order"])
        if not position_too:
            return None
        if self.started_at is not None and self._started_at_state(state):
            self.call_samples += state["call_samples"]
            schedule.wait_until(state["next_advice_at"])
            self.log("t=%.3f continued from the start: %d advice played"
                     % (self.seconds(), len(schedule.played)))
            return None
        tail = self._current_tail()
        self.music_class = self.catalog.start_class(state["music_class"])
        self.track_index = state["track_index"] % max(1, len(self.tracks()))
        self.offset_samples = max(0, state["offset_samples"])
        self.call_samples = max(self.call_samples, state["call_samples"])
        schedule.wait_until(state["next_advice_at"])
        self.changed = True
        self.log("t=%.3f continued: class %s track %d at %.3f s, %d advice played"
                 % (self.seconds(), self.music_class, self.track_index,
                    self.offset_samples / SAMPLE_RATE_HZ, len(schedule.played)))
        if state["advice_item"]:
            self._resume_advice(state["advice_item"], state["advice_samples"])
        return tail

    def _started_at_state(self, state: "dict[str, Any]") -> bool:
        """True when ``--at`` was this state's place: nothing to jump to."""
        return (state["music_class"] == self.music_class and self.started_at == (
            state["track_index"], state["offset_samples"], state["advice_samples"],
            state["advice_item"]))

    def _resume_advice(self, item: str, into_samples: int) -> None:
        """Go on with the advice a restart cut, from the sample last heard.

        A segment is its track's music with the voice over it, so going on
        mid-segment is seamless; an advice this cache no longer has at that
        place is not counted as played and plays later from its start."""
        slot_sample = self.offset_samples - into_samples
        slots = self.catalog.advice.get((self.music_class, self.track_index)) or {}
        segment = (slots.get(slot_sample) or {}).get(item)
        if segment is None or item in self.schedule.played or self._music_reader() is None:
            self.log("t=%.3f advice %s cannot go on here: plays later" % (self.seconds(), item))
            return
        try:
            reader = self.catalog.reader(segment).open()
        except ObjectError as error:
            self.log("t=%.3f advice %s cannot go on: %s" % (self.seconds(), item, error))
            return
        if into_samples >= reader.samples:
            reader.close()
            return
        self.advice = PlayingAdvice(item, reader, into_samples)
        self.log("t=%.3f advice %s goes on at %.3f s" % (
            self.seconds(), item, into_samples / SAMPLE_RATE_HZ))

    def snapshot(self, unheard_samples: int = 0) -> "dict[str, Any]":
        """The call state (wire.STATE_DEFAULTS) as plain data for the ``state`` message.

        ``unheard_samples``: of the samples read so far, how many the caller
        has not heard yet (still in Asterisk's pipe); the state is where the
        caller is, so a restarted player repeats nothing.  Heard back into
        the previous track, it says the start of this one (a skip of at most
        the lead); an advice not heard yet is not in progress.
        """
        schedule, advice = self.schedule, self.advice
        back = min(max(0, unheard_samples), self.offset_samples)
        item, into = "", 0
        if advice is not None and advice.pos_samples > back:
            item, into = advice.item, advice.pos_samples - back
        return {"music_class": self.music_class, "track_index": self.track_index,
                "offset_samples": self.offset_samples - back,
                "advice_played": list(schedule.played),
                "middle_order": list(schedule.middle_order),
                "call_samples": max(0, self.call_samples - back),
                "next_advice_at": schedule.next_at_samples,
                "advice_item": item, "advice_samples": into}

    def playing(self) -> tuple[str, str]:
        """What the bed plays now, for ``progmoh status``: ("advice", item) or ("music", track)."""
        if self.advice is not None:
            return "advice", self.advice.item
        tracks = self.tracks()
        return "music", tracks[self.track_index % len(tracks)].label if tracks else ""

    def seconds(self) -> float:
        return self.call_samples / SAMPLE_RATE_HZ
