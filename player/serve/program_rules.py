"""Each configured program's rules in serve: its keys, its announcements' rhythm and its
language (docs/architecture.md, "Programs").

A program's rules are made once, from its settings, over timings every
program shares (rules.py ``for_program``): a call that moves to a queue of
another program keeps when it last heard its position and pressed each key,
and one ``forget`` forgets a finished call everywhere.  A name the config
does not hold gets the default program's rules; the realtime lookup has
already said so in serve's log (realtime.py).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from progmoh.player.programs import DEFAULT_PROGRAM
from progmoh.player.serve.rules import Clock, KeyRules, PositionAnnouncer
from progmoh.player.serve.say_keys import SayRule, say_rules
from progmoh.player.serve.settings import ServeProgram


@dataclass(frozen=True)
class ProgramRules:
    program: ServeProgram
    keys: KeyRules
    announcer: PositionAnnouncer
    say: dict[str, SayRule]             # by digit

    @property
    def phrases(self) -> dict[str, dict[str, str]]:
        return dict(self.program.phrases)


class ProgramBook:
    """The rules of every configured program, by name; the default program's first."""

    def __init__(self, programs: Sequence[ServeProgram], clock: Clock) -> None:
        default = programs[0]
        if default.name != DEFAULT_PROGRAM:
            raise ValueError(f"the first program must be {DEFAULT_PROGRAM!r}, not "
                             f"{default.name!r}")
        keys, announcer = KeyRules(default.keys, clock), PositionAnnouncer(default.keys, clock)
        self._rules = {}
        for p in programs:
            say = say_rules(p)
            self._rules[p.name] = ProgramRules(p, keys.for_program(p.keys, say),
                                               announcer.for_program(p.keys), say)
        self.default = self._rules[DEFAULT_PROGRAM]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._rules)

    def known(self, name: str) -> str:
        """``name`` when the config holds it, else the default program's."""
        return name if name in self._rules else DEFAULT_PROGRAM

    def __getitem__(self, name: str) -> ProgramRules:
        return self._rules.get(name, self.default)

    def call_ended(self, uniqueid: str) -> None:
        """A call that hung up hears no more positions: when it last heard one goes, in
        every program (they share it)."""
        self.default.announcer.forget(uniqueid)

    def forget(self, uniqueid: str) -> None:
        """Drop a forgotten call's timings (shared by every program's rules)."""
        self.default.keys.forget(uniqueid)
        self.default.announcer.forget(uniqueid)

    def language(self, name: str, channel_language: str, rendered: Sequence[str]) -> str:
        """The caller's channel language when the cache speaks it, else the program's."""
        if channel_language and channel_language in rendered:
            return channel_language
        return self[name].program.language
