"""A queue caller made of a Local channel pair, for what SIP callers cannot carry.

The ``;2`` half runs the dialplan into a queue with the number the Originate
gives it (any string the dialplan accepts, control characters included); the
``;1`` half records exactly what the caller hears, from the first MOH audio on
(docs/asterisk.md, "A real Asterisk for the tests").  ``events`` is the session
that only listens; ``actions`` sends Originate, PlayDTMF (which blocks for the
tone) and Hangup.
"""

import time
from pathlib import Path

from tests.support.ami_session import AmiSession
from tests.support.queued_call import QueuedCall


class LocalCaller(QueuedCall):
    kind = "Local"
    _serial = iter(range(100000, 999999))

    def __init__(self, events: AmiSession, actions: AmiSession, recording: Path, number: str,
                 queue: str = "support", language: str = ""):
        super().__init__(events, number)
        self.actions, self.recording, self.queue = actions, recording, queue
        self.language = language            # the channel's, set in the dialplan ("" Asterisk's)
        epoch = int(time.time())
        self.record_id = f"{epoch}.{next(self._serial)}"      # the ;1 half, recording
        self.call_id = f"{epoch}.{next(self._serial)}"        # the ;2 half, in the queue
        self.channel = ""

    def dial(self) -> None:
        self.mark = len(self.events.messages)
        reply = self.actions.action(
            "Originate", Channel="Local/caller@callers/n", Application="Record",
            Data=f"{self.recording},0,0,qkx", Async="true", ChannelId=self.record_id,
            OtherChannelId=self.call_id,
            Variable=[f"NUM={self.number}", f"QUEUE={self.queue}", f"LANG={self.language}"])
        assert reply.get("Response") == "Success", f"Originate refused: {reply}"

    def wait_music(self, timeout_s: float = 10.0) -> None:
        super().wait_music(timeout_s)
        new = self.events.wait(lambda m: m.get("Event") == "Newchannel"
                               and m.get("Uniqueid") == self.record_id, 1.0,
                               f"Newchannel of {self.record_id}", self.mark)
        self.channel = new["Channel"]

    def send_key(self, digit: str) -> tuple[str, int]:
        """Start a key's tone without waiting (PlayDTMF blocks for its duration)."""
        mark = len(self.events.messages)
        return self.actions.send("PlayDTMF", Channel=self.channel, Digit=digit, Duration=120), mark

    def key_done(self, action_id: str) -> None:
        self.actions.wait(lambda m: m.get("ActionID") == action_id, 5.0, "PlayDTMF done")

    def press(self, digit: str) -> float:
        action_id, mark = self.send_key(digit)
        at = self.key_arrived(digit, mark)
        self.key_done(action_id)
        return at

    def hang_up(self, timeout_s: float = 10.0) -> None:
        mark = len(self.events.messages)
        self.actions.send("Hangup", Channel=self.channel, Cause=16)
        gone = self.events.wait(lambda m: m.get("Event") == "Hangup"
                                and m.get("Uniqueid") == self.record_id, timeout_s,
                                f"Hangup of {self.record_id}", mark)
        stop = self.events.events("MusicOnHoldStop", Uniqueid=self.call_id)
        self.hangup_at = stop[-1]["at"] if stop else gone["at"]

    def recorded(self) -> Path:
        return self.recording
