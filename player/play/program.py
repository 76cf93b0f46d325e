"""The call's bed: music tracks in order with advice segments spliced in at slots.

An advice segment replaces samples ``[slot, slot + samples)`` of its track
with the same music ducked under the voice, so splicing is a switch of
reader at exact sample offsets and ``offset`` (the track position) advances
through an advice exactly as through music.  This module only decides and
reads; gains and inserts are the mixer's job.
"""

from progmoh.player.play import limits
from progmoh.player.play.source import ObjectError, Tail

RATE = 8000
_GROUPS = ("first", "middle", "last")


class Program:
    """Per-call program state; ``snapshot()`` is what a restarted player needs."""

    def __init__(self, catalog, log, local_time, shuffle, music_class=""):
        self.catalog, self.log, self.local_time = catalog, log, local_time
        p = catalog.program
        self.gap_samples = int(float(p["advice_gap_s"]) * RATE)
        self.music_class = catalog.start_class(music_class)
        self.track_index = self.offset = self.call_samples = 0
        self.next_advice_at = int(float(p["first_advice_s"]) * RATE)
        self.played = []
        self.middle_order = shuffle(self._group("middle"))
        self.advice = None          # [item, Reader, pos]
        self.music = None           # Reader of the current track
        self.hold = False           # no advice may start (an insert is playing)
        self.broken = set()         # labels and items that failed to open
        self._pending = None        # cached (slot_sample, item, segment) or False
        self.changed = True
        self.silent = False

    def _group(self, group):
        return sorted(i for i, (g, _) in self.catalog.items.items() if g == group)

    def order(self):
        """first (alphabetical), this call's middle order, last (alphabetical)."""
        middle = [i for i in self.middle_order if i in self.catalog.items]
        middle += [i for i in self._group("middle") if i not in middle]
        return self._group("first") + middle + self._group("last")

    # -- reading ---------------------------------------------------------

    def read(self, count):
        """Exactly ``count`` samples of bed (silence only if nothing is playable)."""
        music = self.music
        if self.advice is None and music is not None and self.offset + count < music.samples and (
                self.hold or self.call_samples + count <= self.next_advice_at
                or self._pending is False):
            try:                        # the common case, kept short: it runs every wake-up
                data = music.read(self.offset, count)
                self.offset += count
                self.call_samples += count
                return data
            except ObjectError:
                pass
        return self._read_spliced(count)

    def _read_spliced(self, count):
        parts, idle = [], 0
        while count > 0:
            data = self._advice_part(count) if self.advice else self._music_part(count)
            if data is None or idle > 8:
                data = self._silence(count)
            idle = 0 if data else idle + 1
            parts.append(data)
            count -= len(data) // 2
        return b"".join(parts)

    def _silence(self, count):
        if not self.silent:
            self.silent = True
            self.log("t=%.3f nothing playable in class %r: silence" % (self.seconds(), self.music_class))
        self.call_samples += count
        return bytes(count * 2)

    def _music_part(self, count):
        reader = self._music_reader()
        if reader is None:
            return None
        limit = reader.samples - self.offset
        if not self.hold and self.call_samples < self.next_advice_at:
            limit = min(limit, self.next_advice_at - self.call_samples)
        pending = self._due()
        if pending:
            if pending[0] == self.offset:
                self._start_advice(pending)
                return b""
            limit = min(limit, pending[0] - self.offset)
        try:
            data = reader.read(self.offset, min(count, limit))
        except ObjectError as error:
            return self._broken_track(error, reader.label)
        self.offset += len(data) // 2
        self.call_samples += len(data) // 2
        if self.offset >= reader.samples:
            self._next_track()
        return data

    def _advice_part(self, count):
        item, reader, pos = self.advice
        try:
            data = reader.read(pos, count)
        except ObjectError as error:
            self.log("t=%.3f advice %s cut: %s" % (self.seconds(), item, error))
            self.broken.add(item)
            data = b""
        taken = len(data) // 2
        self.advice[2] += taken
        self.offset += taken
        self.call_samples += taken
        if not data or self.advice[2] >= reader.samples:
            self._finish_advice(item)
        return data

    # -- music -----------------------------------------------------------

    def tracks(self):
        return self.catalog.tracks.get(self.music_class) or []

    def _music_reader(self):
        tracks = self.tracks()
        for _ in range(len(tracks)):
            if self.music is not None:
                return self.music
            segment = tracks[self.track_index % len(tracks)]
            try:
                self.music = self.catalog.reader(segment).open()
                if self.offset >= self.music.samples:
                    self.offset = 0
            except ObjectError as error:
                self._broken_track(error, segment[2])
        return self.music

    def _broken_track(self, error, label):
        """Skip the track; said once per track, since an unreadable cache would
        otherwise be reported at every wake-up for the whole call."""
        if label not in self.broken:
            self.broken.add(label)
            self.log("t=%.3f skipped: %s" % (self.seconds(), error))
        self._next_track()
        return b""

    def _next_track(self):
        if self.music is not None:
            self.music.close()
            self.music = None
        tracks = self.tracks()
        self.track_index = (self.track_index + 1) % max(1, len(tracks))
        self.offset = 0
        self._pending = None
        self.changed = True
        if tracks and tracks[self.track_index][2] not in self.broken:
            self.log("t=%.3f music %s" % (self.seconds(), tracks[self.track_index][2]))

    # -- advice ----------------------------------------------------------

    def _due(self):
        """The (slot, item, segment) to start in this track, or None when not due."""
        if self.hold or self.call_samples < self.next_advice_at:
            return None
        if self._pending is None or self._pending and self._pending[0] < self.offset:
            self._pending = self._find_slot() or False     # none yet, or a slot missed on hold
        return self._pending

    def _find_slot(self):
        slots = self.catalog.advice.get((self.music_class, self.track_index % max(1, len(self.tracks()))))
        if not slots:
            return None
        now = self.local_time()
        eligible = [i for i in self.order() if i not in self.played and i not in self.broken
                    and limits.allowed(self.catalog.items[i][1], now)]
        for slot in sorted(s for s in slots if s >= self.offset):
            for item in eligible:
                if item in slots[slot]:
                    return slot, item, slots[slot][item]
        return None

    def _start_advice(self, pending):
        slot, item, segment = pending
        self._pending = None
        try:
            self.advice = [item, self.catalog.reader(segment).open(), self.offset - slot]
        except ObjectError as error:
            self.log("t=%.3f advice %s skipped: %s" % (self.seconds(), item, error))
            self.broken.add(item)
            return
        self.changed = True
        self.log("t=%.3f advice %s start (%s at %.1f s)" % (
            self.seconds(), item, self.tracks()[self.track_index][2], slot / RATE))

    def _finish_advice(self, item):
        self.advice[1].close()
        self.advice = None
        self._pending = None
        self.changed = True
        if item not in self.broken:
            self.played.append(item)
            self.log("t=%.3f advice %s end" % (self.seconds(), item))
        self.next_advice_at = self.call_samples + self.gap_samples
        if self.music is not None and self.offset >= self.music.samples:
            self._next_track()

    def cut_advice(self):
        """Stop an advice in progress (not counted as played); its rest, to fade out."""
        if self.advice is None:
            return None
        item, reader, pos = self.advice
        self.advice = None
        self._pending = None
        self.changed = True
        self.log("t=%.3f advice %s cut (plays later)" % (self.seconds(), item))
        return Tail(reader, pos)

    # -- jumps (class switch, restart) -------------------------------------

    def _current_tail(self):
        """The stream now playing, handed over to be faded out."""
        tail = self.cut_advice()
        if tail is None and self.music is not None:
            tail = Tail(self.music, self.offset)
        elif self.music is not None:
            self.music.close()
        self.music = None
        return tail

    def switch_class(self, music_class):
        tail = self._current_tail()
        self.music_class = self.catalog.start_class(music_class)
        self.track_index = self.offset = 0
        self._pending = None
        self.changed = True
        self.log("t=%.3f class %s, music %s" % (self.seconds(), self.music_class,
                                                self.tracks()[0][2] if self.tracks() else "-"))
        return tail

    def adopt(self, state, position_too=True):
        """Continue a call from a previous process's state; returns the tail to fade."""
        self.played = [i for i in state["advice_played"]]
        if state["middle_order"]:
            self.middle_order = list(state["middle_order"])
        self._pending = None
        if not position_too:
            return None
        tail = self._current_tail()
        self.music_class = self.catalog.start_class(state["music_class"])
        count = max(1, len(self.tracks()))
        self.track_index = state["track_index"] % count
        self.offset = max(0, state["offset_samples"])
        self.call_samples = max(self.call_samples, state["call_samples"])
        self.next_advice_at = state["next_advice_at"]
        self.changed = True
        self.log("t=%.3f continued: class %s track %d at %.3f s, %d advice played"
                 % (self.seconds(), self.music_class, self.track_index, self.offset / RATE,
                    len(self.played)))
        return tail

    def snapshot(self):
        """The CallState fields as plain data for the ``state`` message."""
        return {"music_class": self.music_class, "track_index": self.track_index,
                "offset_samples": self.offset, "advice_played": list(self.played),
                "middle_order": list(self.middle_order), "call_samples": self.call_samples,
                "next_advice_at": self.next_advice_at}

    def seconds(self):
        return self.call_samples / RATE
