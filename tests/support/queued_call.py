"""One queue caller as the PBX's AMI shows it, whatever kind of caller it is.

Times are monotonic seconds as the listening AMI session stamps its events;
"call time" is seconds since the caller's first MusicOnHoldStart.  A key
"goes down", for the PBX, when its first event arrives: ``DTMFBegin``, or
``DTMFEnd`` on paths that send only that (SIP INFO, whose message is the
key's only signal).  Subclasses say how the caller dials, presses keys and
hangs up, where its recording is, and when that recording ended
(``hangup_at``).
"""

import time

from tests.support.ami_session import AmiSession

KEY_EVENTS = ("DTMFBegin", "DTMFEnd")


class QueuedCall:
    kind = "?"

    def __init__(self, events: AmiSession, number: str):
        self.events, self.number = events, number
        self.call_id = ""                                    # the queued channel's Uniqueid
        self.keys: list[tuple[str, float]] = []              # (digit, key down) on the PBX
        self.moh_start_at = self.hangup_at = 0.0
        self.mark = 0

    def wait_music(self, timeout_s: float = 10.0) -> None:
        """Until Asterisk starts this caller's music on hold."""
        start = self.events.wait(lambda m: m.get("Event") == "MusicOnHoldStart"
                                 and m.get("Uniqueid") == self.call_id, timeout_s,
                                 f"MusicOnHoldStart of {self.kind} caller {self.call_id}",
                                 self.mark)
        self.moh_start_at = start["at"]

    def key_arrived(self, digit: str, mark: int, timeout_s: float = 5.0) -> float:
        """When the key's first event reached the queued channel, in call time."""
        key = self.events.wait(lambda m: m.get("Event") in KEY_EVENTS and m.get("Digit") == digit
                               and m.get("Uniqueid") == self.call_id
                               and m.get("Direction") == "Received", timeout_s,
                               f"DTMFBegin/End {digit} on {self.call_id}", mark)
        self.keys.append((digit, key["at"]))
        return self.since_start(key["at"])

    def key_events(self) -> list[str]:
        """Which key events arrived for this call, for reports."""
        return [m["Event"] for m in self.events.messages[self.mark:]
                if m.get("Event") in KEY_EVENTS and m.get("Uniqueid") == self.call_id]

    def variable(self, name: str) -> str | None:
        """The last value the PBX's dialplan gave channel variable ``name`` (AMI VarSet)."""
        values = [m.get("Value") for m in self.events.events("VarSet", Uniqueid=self.call_id)
                  if m.get("Variable") == name]
        return values[-1] if values else None

    def since_start(self, at: float) -> float:
        return round(at - self.moh_start_at, 3)

    def hold_until(self, call_s: float) -> None:
        """Pace the scenario: let the caller listen until ``call_s`` into the music."""
        left = self.moh_start_at + call_s - time.monotonic()
        if left > 0:
            time.sleep(left)

    def held_s(self) -> float:
        """Seconds from the first MusicOnHoldStart to the end of the caller's recording."""
        return round(self.hangup_at - self.moh_start_at, 3)

    def wait_gone(self, timeout_s: float = 10.0) -> None:
        """Until the PBX hung up the queued channel (its player is stopped by then); a
        Hangup split in two by a hostile caller number (tests/sip_callers.py) counts too."""
        self.events.wait(lambda m: m.get("Event", "Hangup") == "Hangup" and "Cause" in m
                         and m.get("Uniqueid") == self.call_id,
                         timeout_s, f"Hangup of {self.call_id}", self.mark)
