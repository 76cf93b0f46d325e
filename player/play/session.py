"""What the player does with each message from ``serve``.

Personal answers (balance, position) can only arrive here from a ``serve``
that has checked this process is the call's own; without it the player
never says anything personal.
"""

from progmoh.player import wire
from progmoh.player.play.mixer import dip

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from progmoh.player.play.catalog import Catalog, Segment
    from progmoh.player.play.link import Link
    from progmoh.player.play.mixer import Mixer
    from progmoh.player.play.program import Program

    Message = dict[str, Any]            # one decoded line from serve (wire.decode)

FIRST_WELCOME_S = 2.0           # a state arriving later than this only merges advice


class Session:
    def __init__(self, catalog: "Catalog", program: "Program", mixer: "Mixer", link: "Link",
                 log: "Callable[[str], None]") -> None:
        self.catalog, self.program, self.mixer, self.link, self.log = (
            catalog, program, mixer, link, log)
        self.language = "en"

    def handle(self, message: "Message") -> bool:
        """Act on one message; True when audio must be written at once (an insert)."""
        kind = message.get("type")
        handlers: dict[object, Callable[[Message], bool]] = {
            wire.WELCOME: self._welcome, wire.DENIED: self._denied,
            wire.BALANCE: self._balance, wire.POSITION: self._position,
            wire.NEXT_CLASS: self._next_class, wire.WAIT: self._wait, wire.SAY: self._say,
            wire.REMAINING: self._remaining}
        handler = handlers.get(kind)
        if handler is None:
            self.log("control socket: unknown message %r ignored" % (kind,))
            return False
        try:
            return handler(message)
        except (ValueError, TypeError, KeyError) as error:
            self.log("control socket: bad %s message ignored: %s" % (kind, error))
            return False

    def _welcome(self, message: "Message") -> bool:
        self.link.welcomed += 1
        language = message.get("language")
        if isinstance(language, str) and language:
            self.language = language
            self.program.speak(language)
        state, problems = wire.check_state(message.get("state"))
        for problem in problems:
            self.log("welcome: %s" % problem)
        fresh = self.link.welcomed == 1 and self.program.seconds() < FIRST_WELCOME_S
        self.log("welcome: language %s, state %s" % (self.language, "yes" if state else "none"))
        if state:
            self.mixer.fade_from(self.program.adopt(state, position_too=fresh),
                                 self.mixer.ramp_samples)
        elif fresh and message.get("music_class") not in (None, "", self.program.music_class):
            self._late_class(str(message["music_class"]))
        return False

    def _late_class(self, wanted: str) -> None:
        """The remembered class came after the first audio (it was not on the command
        line): leave the class the caller never chose at once, by a short dip, no crossfade."""
        chosen = self.catalog.start_class(wanted)
        if chosen != self.program.music_class:
            self.mixer.fade_from(self.program.switch_class(chosen), self.mixer.ramp_samples,
                                 dip)

    def _denied(self, message: "Message") -> bool:
        self.link.close("denied by serve: %s; music and advice only" % message.get("reason"),
                        retry=False)
        return False

    def _balance(self, message: "Message") -> bool:
        from progmoh.player.words.compose import balance_keys
        language = self._speaks(message)
        keys = balance_keys(language, message.get("status"), message.get("accounts") or [])
        return self._insert(keys, "balance", language)

    def _position(self, message: "Message") -> bool:
        from progmoh.player.words.compose import position_keys
        position, language = int(message["position"]), self._speaks(message)
        keys = position_keys(language, position, self.catalog.max_position(language))
        return self._insert(keys, "position %d" % position, language)

    def _wait(self, message: "Message") -> bool:
        """The estimated wait: a range when serve sends its bounds, else ``minutes``."""
        from progmoh.player.words.compose import wait_keys
        minutes, language = int(message["minutes"]), self._speaks(message)
        low, high = message.get("min_minutes"), message.get("max_minutes")
        if type(low) is int and type(high) is int and 0 < low < high:
            return self._insert(wait_keys(language, low, high), "wait %d-%d min" % (low, high),
                                language)
        return self._insert(wait_keys(language, minutes), "wait %d min" % minutes, language)

    def _remaining(self, message: "Message") -> bool:
        """The wait serve expects the caller still has: no advice longer starts (None: none)."""
        seconds = message["seconds"]
        if seconds is not None and (type(seconds) is not int or seconds < 0):
            raise ValueError("seconds must be a count or null")
        self.program.wait_left(seconds)
        return False

    def _say(self, message: "Message") -> bool:
        """A say key's sentence: serve rendered the template, the keys are this program's
        prompts; anything but a short list of names is ignored (and logged)."""
        keys = message["keys"]
        if not isinstance(keys, list) or not 0 < len(keys) <= wire.MAX_SAY_KEYS \
                or not all(isinstance(k, str) and k.isprintable() and len(k) <= 64 for k in keys):
            raise ValueError("keys must be 1..%d prompt keys" % wire.MAX_SAY_KEYS)
        what = str(message.get("what") or "say")[:40]
        return self._insert(keys, what, self._speaks(message))

    def _speaks(self, message: "Message") -> str:
        """The language of a personal message: the caller's, as serve names it."""
        language = message.get("language")
        return language if isinstance(language, str) and language else self.language

    def _insert(self, keys: list[str], what: str, language: str) -> bool:
        segments: list[Segment] = []
        missing: list[str] = []
        for key in keys:
            segment = self.catalog.prompts.get((language, key))
            if segment:
                segments.append(segment)
            else:
                missing.append(key)
        if missing:
            self.log("prompt clips missing for %s: %s" % (language, " ".join(missing)))
        if not segments:
            return False
        self.mixer.insert(segments, "%s [%s]" % (what, " ".join(keys)))
        return True

    def _next_class(self, message: "Message") -> bool:
        chosen = self.catalog.next_class(self.program.music_class)
        if chosen == self.program.music_class:
            self.log("next class: %r is the only class" % chosen)
            return False
        self.mixer.fade_from(self.program.switch_class(chosen))
        self.link.send(wire.encode(wire.CLASS_CHANGED, music_class=chosen))
        return True
