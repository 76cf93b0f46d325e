"""Queue callers that reach the PBX over SIP: a baresip phone, or a trunk from a second Asterisk.

Each dials its own number (tests/asterisk_conf.py: the first digit picks the
queue), so its PJSIP channel on the PBX is the ``Newchannel`` with that
``Exten``; that channel's Uniqueid is the player's ``--uniqueid``.

- ``PhoneCaller``: baresip (tests/sip_phone.py); keys as RFC 4733 events, or
  as tones already in its microphone file; it hears what it decodes.
- ``TrunkCaller``: an outbound PJSIP channel of the second Asterisk
  (``CallerSide``), running ``Record()`` on what the PBX sends it; AMI
  ``PlayDTMF`` on that channel makes chan_pjsip send the key as SIP INFO when
  the key comes up (``chan_pjsip_digit_end``), so the key went down at this
  side ``KEY_MS`` before the PBX hears of it (``sent_at``).  Its caller ID is
  withheld: an outbound channel presents its connected line
  (``set_from_header`` in res_pjsip_session.c), which Originate's ``CallerID``
  would set "allowed", so the Originate sets ``CONNECTEDLINE(...)`` itself, with
  ``pres`` prohibited; chan_pjsip then sends an anonymous From and,
  with ``send_pai`` and ``trust_id_outbound``, the number in a
  P-Asserted-Identity with ``Privacy: id``.
"""

import time
import wave
from pathlib import Path

from tests.support.ami_session import AmiSession
from tests.support.asterisk_lab import Asterisk, wait_until
from tests.support.queued_call import QueuedCall
from tests.support.sip_phone import Baresip

KEY_MS = 120


class SipCall(QueuedCall):
    """What both kinds share: the PBX channel found by the dialed number.

    A From user part holding ``%0D%0A%0D%0A`` reaches AMI unescaped in
    ``CallerIDNum`` and splits every event of its channel in two: the first half
    keeps the event's name, the second its Uniqueid, Exten and Class.  So the
    channel is the first message with this call's Exten (a number only this
    call dials), and its music starts with the message that has its Uniqueid
    and a MOH class.
    """

    def __init__(self, events: AmiSession, number: str, exten: str):
        super().__init__(events, number)
        self.exten = exten
        self.channel = ""

    def wait_music(self, timeout_s: float = 10.0) -> None:
        new = self.events.wait(lambda m: m.get("Exten") == self.exten and m.get("Uniqueid"),
                               timeout_s,
                               f"the PJSIP channel of {self.kind} caller {self.exten}", self.mark)
        self.call_id, self.channel = new["Uniqueid"], new.get("Channel", "")
        start = self.events.wait(lambda m: m.get("Uniqueid") == self.call_id and "Class" in m
                                 and m.get("Event", "MusicOnHoldStart") == "MusicOnHoldStart",
                                 timeout_s, f"MusicOnHoldStart of {self.kind} caller "
                                 f"{self.call_id}", self.mark)
        self.moh_start_at = start["at"]

    def press(self, digit: str) -> float:
        action_id, mark = self.send_key(digit)
        at = self.key_arrived(digit, mark)
        self.key_done(action_id)
        return at

    def key_done(self, action_id: str) -> None:
        pass


class PhoneCaller(SipCall):
    kind = "SIP phone"

    def __init__(self, events: AmiSession, phone: Baresip, pbx_sip_port: int, exten: str,
                 number: str):
        super().__init__(events, number, exten)
        self.phone, self.pbx_sip_port = phone, pbx_sip_port

    def dial(self) -> None:
        self.mark = len(self.events.messages)
        self.phone.dial(f"sip:{self.exten}@127.0.0.1:{self.pbx_sip_port}")

    def send_key(self, digit: str) -> tuple[str, int]:
        mark = len(self.events.messages)
        self.phone.key(digit)
        return "", mark

    def hang_up(self) -> None:
        self.hangup_at = self.phone.hang_up()
        self.wait_gone()

    def recorded(self) -> Path:
        """The phone's decoded dump, once baresip has closed it (its header then holds
        the length; until then it says less than the file has)."""
        path = self.phone.decoded()
        wait_until(lambda: _complete_wav(path), 5.0, f"baresip closing {path}")
        return path


def _complete_wav(path: Path) -> bool:
    with wave.open(str(path), "rb") as dump:
        frames = dump.getnframes()
    header = path.stat().st_size - 2 * frames
    return frames > 0 and 44 <= header <= 256


class CallerSide:
    """The second Asterisk: trunks to the PBX from 127.0.0.2 (trusted) and 127.0.0.4."""

    def __init__(self, asterisk: Asterisk):
        self.asterisk = asterisk
        self.events = self.actions = None

    def start(self) -> "CallerSide":
        self.asterisk.start()
        self.events, self.actions = self.asterisk.session(), self.asterisk.session()
        return self

    def close(self) -> None:
        for session in (self.events, self.actions):
            if session is not None:
                session.close()
        self.asterisk.stop()


class TrunkCaller(SipCall):
    kind = "SIP trunk"
    _serial = iter(range(100000, 999999))

    def __init__(self, events: AmiSession, side: CallerSide, endpoint: str, exten: str,
                 number: str, name: str, recording: Path):
        super().__init__(events, number, exten)
        self.side, self.endpoint, self.name = side, endpoint, name
        self.recording = recording
        self.trunk_id = f"{int(time.time())}.{next(self._serial)}"
        self.trunk_channel = ""
        self.sent_at: list[float] = []        # when each PlayDTMF went out: the key down here

    def dial(self) -> None:
        self.mark = len(self.events.messages)
        self.side_mark = len(self.side.events.messages)
        reply = self.side.actions.action(
            "Originate", Channel=f"PJSIP/{self.exten}@{self.endpoint}", Application="Record",
            Data=f"{self.recording},0,0,qkx", Async="true", ChannelId=self.trunk_id,
            Variable=[f"CONNECTEDLINE(num,i)={self.number}", f"CONNECTEDLINE(name,i)={self.name}",
                      "CONNECTEDLINE(pres,i)=prohib"])
        assert reply.get("Response") == "Success", f"Originate on the caller side refused: {reply}"

    def wait_music(self, timeout_s: float = 10.0) -> None:
        super().wait_music(timeout_s)
        new = self.side.events.wait(lambda m: m.get("Event") == "Newchannel"
                                    and m.get("Uniqueid") == self.trunk_id, 1.0,
                                    f"Newchannel of {self.trunk_id}", self.side_mark)
        self.trunk_channel = new["Channel"]

    def send_key(self, digit: str) -> tuple[str, int]:
        mark = len(self.events.messages)
        self.sent_at.append(time.monotonic())
        return self.side.actions.send("PlayDTMF", Channel=self.trunk_channel, Digit=digit,
                                      Duration=KEY_MS), mark

    def key_done(self, action_id: str) -> None:
        self.side.actions.wait(lambda m: m.get("ActionID") == action_id, 5.0, "PlayDTMF done")

    def hang_up(self, timeout_s: float = 10.0) -> None:
        mark = len(self.side.events.messages)
        self.side.actions.send("Hangup", Channel=self.trunk_channel, Cause=16)
        gone = self.side.events.wait(lambda m: m.get("Event") == "Hangup"
                                     and m.get("Uniqueid") == self.trunk_id, timeout_s,
                                     f"Hangup of {self.trunk_id}", mark)
        self.hangup_at = gone["at"]
        self.wait_gone()

    def recorded(self) -> Path:
        return self.recording
