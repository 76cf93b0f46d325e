"""What a call's welcomed player hears for a key or an announcement: the messages of
player/protocol.py, each sent and counted one way.

The core (core.py) decides when something is said and to which player;
``Speaker`` decides what, in the call's program's way (program_rules.py):
its announcement of the wait after a position, its language when the
caller's is not rendered.  It keeps nothing of its own: the position's
timings are the program's announcer's, the facts the record's.
"""

import dataclasses
import logging
from collections.abc import Sequence

from progmoh.player import protocol
from progmoh.player.serve.accuracy import Accuracy, Told
from progmoh.player.serve.actions import Action, Count, Link, LookUp, LookUpBalance, Send
from progmoh.player.serve.billing import UNAVAILABLE
from progmoh.player.serve.calls import CallRecord
from progmoh.player.serve.estimate import WaitEstimator
from progmoh.player.serve.lookups import Answer, plain_fields
from progmoh.player.serve.program_rules import ProgramBook
from progmoh.player.serve.rules import BALANCE, NEXT_MUSIC, POSITION, SAY, WAIT, Clock
from progmoh.player.serve.waits import spoken_minutes, spoken_range
from progmoh.player.words.readings import minutes_keys
from progmoh.player.words.render import render

log = logging.getLogger("progmoh.serve")
MAX_TOLD = 20                   # waits kept per call to check (a long wait hears many)


class Speaker:
    def __init__(self, programs: ProgramBook, estimator: WaitEstimator, accuracy: Accuracy,
                 clock: Clock, rendered_languages: Sequence[str]) -> None:
        self._programs, self._estimator, self._accuracy = programs, estimator, accuracy
        self._clock, self._rendered = clock, rendered_languages

    def language(self, record: CallRecord) -> str:
        """The caller's channel language when the cache speaks it, else that of the program
        of the player the call has."""
        return self._programs.language(record.playing_program, record.language,
                                       self._rendered)

    def key(self, record: CallRecord, action: str, digit: str = "") -> list[Action]:
        """What a key's action (rules.py) makes the call's player say or do."""
        if action == SAY:
            return self._ask_say(record, digit)
        if action == BALANCE:
            return self._ask_balance(record)
        if action == NEXT_MUSIC:
            return [Send(player(record), protocol.NEXT_CLASS), Count("inserts", ("class_switch",))]
        if action == POSITION:
            return self.position(record) if record.position else []
        if action == WAIT:
            return self.wait(record)
        raise ValueError(f"no such key action {action!r}")

    def _ask_balance(self, record: CallRecord) -> list[Action]:
        if not record.number:                       # nothing from AMI to look up
            return self.balance(record, player(record), UNAVAILABLE, ())
        return [LookUpBalance(record.uniqueid, player(record), record.number)]

    def _ask_say(self, record: CallRecord, digit: str) -> list[Action]:
        """A say key: its lookup's answer first, unless its template has no fields."""
        program = record.playing_program
        rule = self._programs[program].say[digit]
        if not rule.lookup:
            return self.say(record, player(record), program, digit, Answer({}, 0.0))
        if not record.number:                       # nothing from AMI to look up
            return self.say(record, player(record), program, digit,
                            Answer(None, 0.0, reason="the caller's number is unknown"))
        return [LookUp(record.uniqueid, player(record), record.number, program, digit)]

    def say(self, record: CallRecord, link: Link, program: str, digit: str,
            answer: Answer) -> list[Action]:
        """A say key's sentence over ``answer``, to ``link``; the program's "unavailable"
        sentence and one log line when the answer cannot fill the template."""
        rules, language = self._programs[program], self.language(record)
        rule = rules.say.get(digit)
        if rule is None:                            # the program changed under the key
            return []
        fields = plain_fields(answer.data) if answer.data is not None else answer.reason
        said = render(rule.template, language, fields, rules.phrases) \
            if isinstance(fields, dict) else None
        if said is None or said.refused:
            log.warning("call %s: key %s of program %s (%r) says \"unavailable\": %s",
                        record.uniqueid, digit, program, rule.template.text,
                        fields if said is None else said)
            keys = ["unavailable"]
        else:
            keys = said.keys
        fields_sent: dict[str, object] = {"keys": keys, "language": language,
                                          "what": f"key {digit}"}
        if not _fits(protocol.SAY, fields_sent) or len(keys) > protocol.MAX_SAY_KEYS:
            log.warning("call %s: key %s says too much for one message; the caller hears "
                        "\"unavailable\"", record.uniqueid, digit)
            fields_sent = dict(fields_sent, keys=["unavailable"])
        return [Send(link, protocol.SAY, fields_sent), Count("inserts", ("say",))]

    def announce(self, record: CallRecord) -> list[Action]:
        """A periodic or on-change announcement: the position, then (if the program asks)
        the wait."""
        actions = self.position(record)
        if self._programs[record.link_program].program.keys.announce_wait:
            actions += self.wait(record, quiet=True)
        return actions

    def position(self, record: CallRecord) -> list[Action]:
        self._programs[record.link_program].announcer.announced(record.uniqueid)
        record.position_unsaid = False
        return [Send(player(record), protocol.POSITION, {"position": record.position,
                                                         "language": self.language(record)}),
                Count("inserts", ("position",))]

    def wait(self, record: CallRecord, quiet: bool = False) -> list[Action]:
        """The estimated wait, a range when unsure (estimate.py), kept on the record to be
        checked when the call leaves (accuracy.py); nothing at all without a basis, or when
        the queue's recent estimates proved wrong."""
        now_s = self._clock()
        found = self._estimator.estimate(record.queue, record.position, now_s)
        if self._accuracy.quiet(record.queue, now_s):
            log.info("call %s: recent waits of queue %r were wrong: none said",
                     record.uniqueid, record.queue)
            return []
        spoken = None if found is None else spoken_range(found.low_s, found.expected_s,
                                                         found.high_s)
        if found is None or spoken is None:
            if not quiet:
                log.info("call %s: no wait estimate for queue %r yet: nothing said",
                         record.uniqueid, record.queue)
            return []
        told = Told(now_s, found.low_s, found.expected_s, found.high_s)
        record.told = (record.told + (told,))[-MAX_TOLD:]
        log.info("call %s: estimated wait %d..%d min (queue %s, position %d)", record.uniqueid,
                 spoken.min_minutes, spoken.max_minutes, record.queue, record.position)
        return [Send(player(record), protocol.WAIT, {**spoken.fields(),
                                                     "language": self.language(record)}),
                Count("inserts", ("wait",))]

    def goodbye(self, record: CallRecord) -> list[Action]:
        """The caller who took a callback: thanks, the expected wait if there is one, bye."""
        language, now_s = self.language(record), self._clock()
        left_s = None if self._accuracy.quiet(record.queue, now_s) else \
            self._estimator.remaining_s(record.queue, record.position, now_s)
        minutes = spoken_minutes(left_s)
        wait = ["callback_in"] + minutes_keys(language, minutes) if minutes else []
        keys = ["callback_thanks"] + wait + ["callback_goodbye"]
        return [Send(player(record), protocol.SAY, {"keys": keys, "language": language,
                                                    "what": "callback goodbye"}),
                Count("inserts", ("say",))]

    def balance(self, record: CallRecord, link: Link, status: str,
                accounts: tuple[protocol.Account, ...]) -> list[Action]:
        """The balance, to ``link``; "unavailable" when the accounts would not fit one
        message."""
        language = self.language(record)
        fields: dict[str, object] = {"status": status, "language": language,
                                     "accounts": [dataclasses.asdict(a) for a in accounts]}
        if not _fits(protocol.BALANCE, fields):
            log.warning("call %s: balance of %d accounts too big for one message; the caller "
                        "hears \"unavailable\"", record.uniqueid, len(accounts))
            fields = {"status": UNAVAILABLE, "language": language, "accounts": []}
        return [Send(link, protocol.BALANCE, fields), Count("inserts", ("balance",))]


def player(record: CallRecord) -> Link:
    """The call's welcomed player, the only one an insert may go to (callers check that
    there is one before they ask what to say)."""
    if record.link is None:
        raise ValueError(f"call {record.uniqueid} has no player to speak to")
    return record.link


def _fits(kind: str, fields: dict[str, object]) -> bool:
    """Whether the message fits in one line of the players' socket."""
    try:
        protocol.encode(kind, **fields)
    except protocol.ProtocolError:
        return False
    return True
