"""Helpers for the recorded AMI sessions in tests/data/ami (read-only, byte-exact).

They are verbatim recordings of sessions with a real Asterisk built from
source (docs/asterisk.md, "What AMI sends"); SHA256SUMS there pins every byte.
"""

import random
import re
from dataclasses import dataclass, field

from tests.support.checkout import DATA

AMI_DIR = DATA / "ami"
SESSIONS = ("login-ok-and-fullybooted", "login-bad-secret", "one-caller-dtmf",
            "three-callers-positions", "periodic-announce-restart", "actions",
            "events-default", "events-off", "events-dtmf-agent-call",
            "asterisk-restart", "asterisk-restart-reconnect", "realtime-notfound")
MD_OF = {"events-default": "events-login-variants", "events-off": "events-login-variants",
         "events-dtmf-agent-call": "events-login-variants",
         "asterisk-restart-reconnect": "asterisk-restart"}


def recv_bytes(name: str) -> bytes:
    return (AMI_DIR / f"{name}.recv").read_bytes()


def sent_bytes(name: str) -> bytes:
    return (AMI_DIR / f"{name}.sent").read_bytes()


def timing(name: str) -> list[tuple[float, str, int, int]]:
    rows = []
    for line in (AMI_DIR / f"{name}.timing.tsv").read_text().splitlines()[1:]:
        t_rel, direction, offset, length = line.split("\t")
        rows.append((float(t_rel), direction, int(offset), int(length)))
    return rows


def recorded_chunks(name: str) -> list[bytes]:
    data = recv_bytes(name)
    return [data[o:o + n] for _, d, o, n in timing(name) if d == "recv"]


def random_chunks(data: bytes, seed: int, max_len: int = 700) -> list[bytes]:
    rng = random.Random(seed)
    chunks, at = [], 0
    while at < len(data):
        size = rng.randint(1, max_len)
        chunks.append(data[at:at + size])
        at += size
    return chunks


@dataclass
class Expected:
    uniqueid: str
    number: str
    channel: str
    queue: str
    positions: list = field(default_factory=list)   # [(position, msg_no)]
    left_at: int = 0
    digits: list = field(default_factory=list)      # [(digit, msg_no)]
    moh: list = field(default_factory=list)         # [("start", class, n) | ("stop", "", n)]
    moh_at_end: str = ""
    hangup_at: int = 0


_CALLER = re.compile(r"^- caller \*\*(\S+)\*\* \(CallerIDNum (\S+)\) on `([^`]+)`, queue (\S+):")


def expected_callers(name: str) -> list[Expected]:
    """Parse 'What a correct client should derive' for one recording."""
    text = (AMI_DIR / f"{MD_OF.get(name, name)}.md").read_text()
    section = text.split(f"### `{name}.recv`", 1)[1].split("#### Key messages", 1)[0]
    callers: list[Expected] = []
    for line in section.splitlines():
        head = _CALLER.match(line)
        if head:
            callers.append(Expected(*head.groups()))
        elif line.startswith("  - ") and callers:
            _detail(callers[-1], line[4:])
    for caller in callers:
        caller.digits = [(d, key_down_number(name, caller.uniqueid, d, n))
                         for d, n in caller.digits]
    return callers


def messages(name: str) -> list:
    """The recording's messages after the banner, in order (index 0 is #1)."""
    from progmoh.player.serve.ami.framing import Framer
    from progmoh.player.serve.ami.message import parse
    return [parse(block) for block in Framer().feed(recv_bytes(name))]


def key_down_number(name: str, uniqueid: str, digit: str, end_number: int) -> int:
    """The .md counts a press at its DTMFEnd; serve acts at its DTMFBegin when there is one."""
    found = messages(name)
    for number in range(end_number - 1, 0, -1):
        message = found[number - 1]
        if message.get("Uniqueid") != uniqueid or not (message.event or "").startswith("DTMF"):
            continue
        same = message.event == "DTMFBegin" and message.get("Digit") == digit
        return number if same else end_number
    return end_number


def _detail(caller: Expected, line: str) -> None:
    if line.startswith("position:"):
        caller.positions = [(int(p), int(n)) for p, n in re.findall(r"(\d+) \(#(\d+)\)", line)]
    elif line.startswith("left the queue at"):
        caller.left_at = int(re.search(r"#(\d+)", line).group(1))
    elif line.startswith("digits received"):
        listed = line.split(":", 1)[1]
        caller.digits = [(d, int(n)) for d, n in re.findall(r"(\w) \(#(\d+)\)", listed)]
    elif line.startswith("MOH state at end:"):
        caller.moh_at_end = line.split(":", 1)[1].strip()
    elif line.startswith("MOH:"):
        caller.moh = [("start", c, int(n)) if kind == "start" else ("stop", "", int(n))
                      for kind, c, n in re.findall(r"(start|stop) ?(\S*) \(#(\d+)\)", line)]
    elif line.startswith("Hangup #"):
        caller.hangup_at = int(re.search(r"#(\d+)", line).group(1))


def record_changes(history: dict, tracker, changes: list, number: int) -> None:
    """Append tracker changes to a per-uniqueid history of Expected items."""
    from progmoh.player.serve import tracker as t
    for change in changes:
        call = tracker.calls.get(change.uniqueid)
        item = history.setdefault(change.uniqueid, Expected(change.uniqueid, "", "", ""))
        if call is not None:
            item.number, item.channel = call.number or item.number, call.channel
        if isinstance(change, t.PositionChanged):
            item.queue = change.queue
            item.positions.append((change.position, number))
        elif isinstance(change, t.LeftQueue):
            item.left_at = number
        elif isinstance(change, t.KeyPressed):
            item.digits.append((change.digit, number))
        elif isinstance(change, t.MohStarted):
            item.moh.append(("start", change.music_class, number))
            item.moh_at_end = "playing"
        elif isinstance(change, t.MohStopped):
            item.moh.append(("stop", "", number))
            item.moh_at_end = "stopped"
        elif isinstance(change, t.CallEnded):
            item.hangup_at = number


def queued(history: dict) -> dict:
    return {uid: item for uid, item in history.items() if item.positions}


def without_numbers(callers: dict) -> dict:
    """The same history with message numbers zeroed (for event-only listeners)."""
    out = {}
    for uid, c in callers.items():
        out[uid] = Expected(
            c.uniqueid, c.number, c.channel, c.queue, [(p, 0) for p, _ in c.positions],
            0 if not c.left_at else 1, [(d, 0) for d, _ in c.digits],
            [(k, cls, 0) for k, cls, _ in c.moh], c.moh_at_end, 0 if not c.hangup_at else 1)
    return out
