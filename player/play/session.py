"""What the player does with each message from ``serve``.

Personal answers (balance, position) can only arrive here from a ``serve``
that has checked this process is the call's own; without it the player
never says anything personal.
"""

from progmoh.player import wire

FIRST_WELCOME_S = 2.0           # a state arriving later than this only merges advice


class Session:
    def __init__(self, catalog, program, mixer, link, log):
        self.catalog, self.program, self.mixer, self.link, self.log = (
            catalog, program, mixer, link, log)
        self.language = "en"

    def handle(self, message):
        """Act on one message; True when audio must be written at once (an insert)."""
        kind = message.get("type")
        handler = {wire.WELCOME: self._welcome, wire.DENIED: self._denied,
                   wire.BALANCE: self._balance, wire.POSITION: self._position,
                   wire.NEXT_CLASS: self._next_class}.get(kind)
        if handler is None:
            self.log("control socket: unknown message %r ignored" % (kind,))
            return False
        try:
            return handler(message)
        except (ValueError, TypeError, KeyError) as error:
            self.log("control socket: bad %s message ignored: %s" % (kind, error))
            return False

    def _welcome(self, message):
        self.link.welcomed += 1
        language = message.get("language")
        if isinstance(language, str) and language:
            self.language = language
        state, problems = wire.check_state(message.get("state"))
        for problem in problems:
            self.log("welcome: %s" % problem)
        fresh = self.link.welcomed == 1 and self.program.seconds() < FIRST_WELCOME_S
        self.log("welcome: language %s, state %s" % (self.language, "yes" if state else "none"))
        if state:
            self.mixer.fade_from(self.program.adopt(state, position_too=fresh),
                                 self.mixer.ramp_samples)
        elif fresh and message.get("music_class") not in (None, "", self.program.music_class):
            chosen = self.catalog.start_class(str(message["music_class"]))
            if chosen != self.program.music_class:
                self.mixer.fade_from(self.program.switch_class(chosen), self.mixer.ramp_samples)
        return False

    def _denied(self, message):
        self.link.close("denied by serve: %s; music and advice only" % message.get("reason"),
                        retry=False)
        return False

    def _balance(self, message):
        from progmoh.player.words.compose import balance_keys
        keys = balance_keys(self.language, message.get("status"), message.get("accounts") or [])
        return self._insert(keys, "balance")

    def _position(self, message):
        from progmoh.player.words.compose import position_keys
        position = int(message["position"])
        keys = position_keys(self.language, position,
                             self.catalog.max_position(self.language))
        return self._insert(keys, "position %d" % position)

    def _insert(self, keys, what):
        segments, missing = [], []
        for key in keys:
            segment = self.catalog.prompts.get((self.language, key))
            (segments if segment else missing).append(segment or key)
        if missing:
            self.log("prompt clips missing for %s: %s" % (self.language, " ".join(missing)))
        if not segments:
            return False
        self.mixer.insert(segments, "%s [%s]" % (what, " ".join(keys)))
        return True

    def _next_class(self, message):
        chosen = self.catalog.next_class(self.program.music_class)
        if chosen == self.program.music_class:
            self.log("next class: %r is the only class" % chosen)
            return False
        self.mixer.fade_from(self.program.switch_class(chosen))
        self.link.send(wire.encode(wire.CLASS_CHANGED, music_class=chosen))
        return True
