"""Per-call records of ``serve``: what must outlive one player process.

Asterisk stops and restarts the MOH application around every queue
announcement, so the player's progress (``CallState``), the remembered class
and the caller's position live here, keyed by the call's unique id.  A call
is forgotten ``call_grace_s`` after its hangup (or after the AMI connection
that knew it was lost, unless a resync brings it back).
"""

import asyncio
from dataclasses import dataclass, field

from progmoh.player.protocol import CallState


@dataclass
class CallRecord:
    uniqueid: str
    number: str = ""                          # from AMI only; "" when unknown
    on_ami: asyncio.Event = field(default_factory=asyncio.Event)
    choice: asyncio.Task | None = None        # the remembered class being read
    state: CallState | None = None            # the last player's progress
    link: object | None = None                # the proven, welcomed player of this call
    connecting: object | None = None          # a proven player waiting for its welcome
    position: int = 0                         # 0: not waiting in a queue
    position_unsaid: bool = False             # announce once a player is there
    ended_at: float | None = None             # monotonic seconds of hangup
    # What `progmoh status` and the metrics show (player/serve/status.py).
    first_seen_s: float | None = None         # monotonic seconds serve first heard of it
    queue: str = ""
    keys: list = field(default_factory=list)  # digits pressed, oldest first (the last few)
    playing: tuple = ()                       # (kind, name) the player last reported
    audio: dict = field(default_factory=dict) # problem -> count, over all its players
    audio_link: object | None = None          # the player whose counts audio_seen holds
    audio_seen: dict = field(default_factory=dict)

    @property
    def on_hold(self) -> bool:
        return self.link is not None or (self.known and self.position > 0)

    @property
    def known(self) -> bool:
        return self.on_ami.is_set()

    def revive(self) -> None:
        """AMI knows the call (again): it is not over."""
        self.ended_at = None
        self.on_ami.set()

    def end(self, now_s: float) -> None:
        self.on_ami.clear()
        self.position, self.position_unsaid = 0, False
        if self.ended_at is None:
            self.ended_at = now_s


class CallRegistry:
    def __init__(self, grace_s: float) -> None:
        self.grace_s = grace_s
        self.records: dict[str, CallRecord] = {}

    def get(self, uniqueid: str) -> CallRecord | None:
        return self.records.get(uniqueid)

    def record(self, uniqueid: str) -> CallRecord:
        found = self.records.get(uniqueid)
        if found is None:
            found = self.records[uniqueid] = CallRecord(uniqueid)
        return found

    def expire(self, now_s: float) -> list[str]:
        """Forget calls that ended more than the grace period ago; their ids."""
        gone = [uid for uid, r in self.records.items()
                if r.ended_at is not None and now_s - r.ended_at >= self.grace_s
                and r.link is None and r.connecting is None]
        for uid in gone:
            record = self.records.pop(uid)
            if record.choice is not None:
                record.choice.cancel()
        return gone
