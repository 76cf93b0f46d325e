"""Tracker cases the recordings show only in part: resync, reset, foreign DTMF."""

from progmoh.player.serve.ami.message import parse
from progmoh.player.serve.tracker import (
    CallEnded,
    CallerKnown,
    CallerSeen,
    KeyPressed,
    LanguageKnown,
    LeftQueue,
    PositionChanged,
    Tracker,
)
from tests.support import ami_recordings as rec
from tests.support.ami_events import msg


def join(uid, position, queue="q", number="+1555"):
    return msg(Event="QueueCallerJoin", Channel=f"Local/x-{uid};2", Uniqueid=uid,
               CallerIDNum=number, Queue=queue, Position=position, Count=position)


def entry(uid, position, queue="q", number="+1555"):
    return msg(Event="QueueEntry", Queue=queue, Position=position, Channel=f"Local/x-{uid};2",
               Uniqueid=uid, CallerIDNum=number, Wait=1, ActionID="ours-2")


def test_resync_creates_callers_seen_only_in_queue_status():
    tracker = Tracker()
    changes = tracker.resync([entry("1.1", 1, number="+100"), entry("1.2", 2, number="+200")])
    assert changes == [CallerKnown("1.1", "+100"), PositionChanged("1.1", "q", 1),
                       CallerKnown("1.2", "+200"), PositionChanged("1.2", "q", 2)]
    assert tracker.calls["1.2"].channel == "Local/x-1.2;2"


def test_resync_corrects_positions_and_drops_callers_no_longer_queued():
    tracker = Tracker()
    for uid, position in (("1.1", 1), ("1.2", 2), ("1.3", 3)):
        tracker.handle(join(uid, position))
    changes = tracker.resync([entry("1.3", 1)])
    assert changes == [PositionChanged("1.3", "q", 1), LeftQueue("1.1", "q"), LeftQueue("1.2", "q")]
    assert tracker.calls["1.1"].position == 0


def test_leave_renumbers_only_callers_behind_in_the_same_queue():
    tracker = Tracker()
    for uid, position, queue in (("1.1", 1, "a"), ("1.2", 2, "a"), ("1.3", 1, "b"),
                                 ("1.4", 3, "a")):
        tracker.handle(join(uid, position, queue))
    changes = tracker.handle(msg(Event="QueueCallerLeave", Uniqueid="1.2", Queue="a",
                                 Position=2, Count=2))
    assert changes == [LeftQueue("1.2", "a"), PositionChanged("1.4", "a", 2)]
    assert tracker.calls["1.1"].position == 1 and tracker.calls["1.3"].position == 1


def test_hangup_without_leave_still_moves_others_up():
    tracker = Tracker()
    tracker.handle(join("1.1", 1))
    tracker.handle(join("1.2", 2))
    changes = tracker.handle(msg(Event="Hangup", Uniqueid="1.1", Cause=16))
    assert changes == [PositionChanged("1.2", "q", 1), CallEnded("1.1")]


def test_only_received_keys_of_a_known_call_count():
    tracker = Tracker()
    tracker.handle(join("1.1", 1))
    assert tracker.handle(msg(Event="DTMFBegin", Uniqueid="1.1", Digit=2, Direction="Sent")) == []
    assert tracker.handle(msg(Event="DTMFEnd", Uniqueid="1.1", Digit=2, Direction="Sent")) == []
    assert tracker.handle(msg(Event="DTMFBegin", Uniqueid="9.9", Digit=2,
                              Direction="Received")) == []
    assert tracker.handle(msg(Event="DTMFEnd", Uniqueid="9.9", Digit=2, Direction="Received")) == []


def test_a_key_counts_when_it_goes_down_and_its_end_is_ignored():
    tracker = Tracker()
    tracker.handle(join("1.1", 1))
    assert tracker.handle(msg(Event="DTMFBegin", Uniqueid="1.1", Digit=2,
                              Direction="Received")) == [KeyPressed("1.1", "2")]
    assert tracker.handle(msg(Event="DTMFEnd", Uniqueid="1.1", Digit=2, Direction="Received")) == []
    assert tracker.handle(msg(Event="DTMFBegin", Uniqueid="1.1", Digit=2,
                              Direction="Received")) == [KeyPressed("1.1", "2")]


def test_a_dtmf_end_with_no_begin_is_a_key():
    tracker = Tracker()
    tracker.handle(join("1.1", 1))
    assert tracker.handle(msg(Event="DTMFEnd", Uniqueid="1.1", Digit=4, Direction="Received")) == [
        KeyPressed("1.1", "4")]
    assert tracker.handle(msg(Event="DTMFEnd", Uniqueid="1.1", Digit=4, Direction="Received")) == [
        KeyPressed("1.1", "4")]


def test_a_dtmf_end_of_another_digit_than_the_one_down_is_its_own_key():
    tracker = Tracker()
    tracker.handle(join("1.1", 1))
    tracker.handle(msg(Event="DTMFBegin", Uniqueid="1.1", Digit=2, Direction="Received"))
    assert tracker.handle(msg(Event="DTMFEnd", Uniqueid="1.1", Digit=3, Direction="Received")) == [
        KeyPressed("1.1", "3")]


def test_unknown_caller_number_is_not_a_number():
    tracker = Tracker()
    changes = tracker.handle(join("1.1", 1, number="<unknown>"))
    assert changes == [PositionChanged("1.1", "q", 1)]
    assert tracker.calls["1.1"].number == ""


def test_an_anonymous_sip_caller_has_no_number():
    """What a real Asterisk reports for From: "Anonymous" <sip:anonymous@anonymous.invalid>."""
    tracker = Tracker()
    assert tracker.handle(msg(Event="Newchannel", Uniqueid="1.1", CallerIDNum="anonymous",
                              Language="en")) == []
    assert tracker.handle(join("1.1", 1, number="anonymous")) == [PositionChanged("1.1", "q", 1)]
    assert tracker.handle(join("1.2", 2, number="Anonymous")) == [PositionChanged("1.2", "q", 2)]
    assert tracker.calls["1.1"].number == tracker.calls["1.2"].number == ""


def test_reset_ends_every_call():
    tracker = Tracker()
    tracker.handle(join("1.1", 1))
    tracker.handle(join("1.2", 2))
    assert tracker.reset() == [CallEnded("1.1"), CallEnded("1.2")]
    assert tracker.calls == {}


def test_parse_keeps_repeated_headers_and_empty_values():
    message = parse(b"Event: VarSet\r\nVariable: A\r\nVariable: B\r\nAccountCode: \r\n")
    assert message.get_all("variable") == ["A", "B"]
    assert message.get("AccountCode") == ""
    assert message.get("Missing") is None


def test_the_recorded_number_is_seen_at_newcallerid_and_known_at_the_queue():
    """events-dtmf-agent-call: Newchannel (no number), NewCallerid x2, then QueueCallerJoin."""
    tracker, seen = Tracker(), []
    for number, message in enumerate(rec.messages("events-dtmf-agent-call"), 1):
        seen += [(number, change) for change in tracker.handle(message)
                 if isinstance(change, (CallerSeen, CallerKnown, LanguageKnown))]
    uid = "1795710335.31"
    assert [(type(c).__name__, getattr(c, "number", "")) for _, c in seen] == [
        ("CallerSeen", "+15551230001"), ("LanguageKnown", ""), ("CallerKnown", "+15551230001")]
    assert all(c.uniqueid == uid for _, c in seen)
    seen_at, known_at = seen[0][0], seen[2][0]
    assert known_at - seen_at >= 3                     # messages earlier than the queue


def test_a_channel_without_a_number_is_not_tracked():
    tracker = Tracker()
    assert tracker.handle(msg(Event="Newchannel", Uniqueid="1.1", CallerIDNum="<unknown>",
                              Language="en")) == []
    assert tracker.calls == {}
