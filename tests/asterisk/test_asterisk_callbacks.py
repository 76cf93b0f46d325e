"""Callbacks on a real Asterisk (player/serve/callbacks.py; the dialplan of
player/serve/callback_dialplan.py, loaded as `progmoh asterisk-config` prints it).

Local callers A, B and C wait in order in the support queue with no agent; B presses
the callback key and confirms.  A placeholder takes B's place, B hears the goodbye and
is hung up.  Then an agent that records what it hears (and says its own clip after,
tests/support/asterisk_conf.py [agents] recording) logs in: it is given A, then B's
placeholder, then C.  On the placeholder it hears the whisper, then B's phone
([customers]) answering with its clip, and B's phone hears the agent's clip: the two
are bridged.  A customer whose phone does not answer the first time is called again
and answers the retry.  A callback answered while serve was down is found among the
channels when it starts again, and is not dialled twice."""

import wave

import numpy as np
import pytest

from progmoh.player.serve.callbacks import DIAL_OUT
from tests.support import heard
from tests.support.asterisk_lab import wait_until, write_wav
from tests.support.queue_lab import MATCH

pytestmark = pytest.mark.asterisk

A_NUMBER, B_NUMBER, C_NUMBER = "15550301", "15550302", "15550303"
CALLBACK_KEY, CONFIRM_KEY = "7", "1"
RECORDING_AGENT = "Local/recording@agents/n"
VOICE_S = 2.0


def voice(seed: int) -> np.ndarray:
    """A clip no other can be mistaken for: random notes, as the lab's music."""
    rng = np.random.default_rng(seed)
    notes = []
    for _ in range(int(VOICE_S / 0.125)):
        t = np.arange(int(0.125 * heard.RATE)) / heard.RATE
        pitch = 300.0 * 2 ** (rng.integers(0, 24) / 12)
        notes.append(np.sin(2 * np.pi * pitch * t) * np.hanning(len(t)) ** 0.25 * 8000)
    return np.concatenate(notes)


def with_callbacks(lab, **callback) -> dict:
    """Key 7 offers callbacks that dial the lab's customers; their voices."""
    lab.sections["keys"]["callback"] = CALLBACK_KEY
    lab.sections["callback"] = {"dial": "Local/{number}@customers", "numbers": r"^\d{8}$",
                                "ring_s": 5, "retries": 1, "retry_s": 10.0, **callback}
    voices = {"agent": voice(7001), "customer": voice(7002)}
    for who, audio in voices.items():
        write_wav(lab.folder / "rec" / f"{who}-says.wav", audio)
    return voices


def take_callback(lab, caller) -> dict:
    """Press the key, confirm; the placeholder's QueueCallerJoin, once the caller is gone."""
    mark = len(lab.events.messages)
    caller.press(CALLBACK_KEY)
    caller.press(CONFIRM_KEY)
    joined = lab.events.wait(lambda m: m.get("Event") == "QueueCallerJoin"
                             and "@progmoh-callback-hold" in m.get("Channel", ""), 10.0,
                             "the placeholder's QueueCallerJoin", mark)
    caller.wait_gone(timeout_s=30.0)
    return joined


def b_takes_a_callback(lab) -> dict:
    """B alone in the queue takes a callback a second into the music: its placeholder's join."""
    b = lab.call(B_NUMBER, kind="local")
    b.hold_until(1.0)
    return take_callback(lab, b)


def queue_order(lab) -> list[str]:
    """The Uniqueids waiting in the support queue, by position."""
    actions = lab.asterisk.session()
    try:
        reply_id = actions.send("QueueStatus", Queue="support")
        actions.wait(lambda m: m.get("Event") == "QueueStatusComplete"
                     and m.get("ActionID") == reply_id, 5.0, "QueueStatusComplete")
        entries = [m for m in actions.messages if m.get("Event") == "QueueEntry"
                   and m.get("ActionID") == reply_id]
    finally:
        actions.close()
    return [m["Uniqueid"] for m in sorted(entries, key=lambda m: int(m["Position"]))]


def connected(lab, count: int, timeout_s: float) -> list[str]:
    """The callers' Uniqueids of the first ``count`` AgentConnect events, in order."""
    wait_until(lambda: len(lab.events.events("AgentConnect")) >= count, timeout_s,
               f"{count} calls given to the agent; {lab.serve.log_text()[-2000:]}")
    return [m["Uniqueid"] for m in lab.events.events("AgentConnect")][:count]


def reported(lab, count: int, timeout_s: float) -> list[str]:
    """DialStatus of the first ``count`` dials of the customer (by a placeholder's ;1 half)."""
    def dials():
        return [m["DialStatus"] for m in lab.events.events("DialEnd")
                if DIAL_OUT.fullmatch(m.get("Channel", ""))]
    wait_until(lambda: len(dials()) >= count, timeout_s, f"{count} callback dials")
    return dials()[:count]


def recordings(lab, prefix: str, count: int) -> list[np.ndarray]:
    """The ``count`` recordings named ``prefix...``, once Asterisk has finished each."""
    def finished():
        try:
            found = [heard.load_wav(path)
                     for path in sorted((lab.folder / "rec").glob(f"{prefix}*.wav"))]
        except (EOFError, wave.Error):
            return None
        return found if len(found) >= count else None
    return wait_until(finished, 60.0, f"{count} finished recordings {prefix}*.wav")


def ringback_s(recording: np.ndarray) -> float:
    """Seconds of 440+480 Hz ringback tone: 100 ms windows whose energy is mostly there."""
    window, found = int(0.1 * heard.RATE), 0
    for start in range(0, len(recording) - window, window):
        spectrum = np.abs(np.fft.rfft(recording[start:start + window])) ** 2
        hz = np.fft.rfftfreq(window, 1 / heard.RATE)
        tone = spectrum[(hz >= 420) & (hz <= 500)].sum()
        found += bool(spectrum.sum() > 0 and tone > 0.8 * spectrum.sum()
                      and np.sqrt(np.mean(recording[start:start + window] ** 2)) > 300)
    return found * 0.1


def best_in(recordings_, clip) -> float:
    """The best score of ``clip``'s first 1.5 s (a recording may end a few ms before the
    clip does: the call ends with it) in any of ``recordings_``."""
    start = clip[:int(1.5 * heard.RATE)]
    return max((heard.best(r, start)[0] for r in recordings_), default=0.0)


def test_a_callback_keeps_the_callers_place_and_bridges_agent_and_customer(lab):
    voices = with_callbacks(lab)
    lab.start({})
    a, b, c = (lab.call(number, kind="local") for number in (A_NUMBER, B_NUMBER, C_NUMBER))
    b.hold_until(1.0)
    placeholder = take_callback(lab, b)
    assert placeholder["Position"] == "2" and queue_order(lab) == [
        a.call_id, placeholder["Uniqueid"], c.call_id], lab.serve.log_text()[-3000:]
    heard_by_b = lab.recording(b)
    for prompt in ("callback_offer", "callback_thanks"):
        assert heard.best(heard_by_b, lab.clip(f"prompt:en/{prompt}"))[0] >= MATCH, prompt
    lab.events.action("QueueAdd", Queue="support", Interface=RECORDING_AGENT)
    order = connected(lab, 3, 90.0)
    assert order == [a.call_id, placeholder["Uniqueid"], c.call_id]
    assert reported(lab, 1, 30.0) == ["ANSWER"]
    for caller in (a, c):
        caller.wait_gone(timeout_s=60.0)
    agent_heard = recordings(lab, "agent-", 3)
    whisper = best_in(agent_heard, lab.clip("prompt:en/callback_whisper"))
    customer_voice = best_in(agent_heard, voices["customer"])
    agent_voice = best_in(recordings(lab, f"customer-{B_NUMBER}", 1), voices["agent"])
    ringing_s = max(ringback_s(r) for r in agent_heard)
    assert min(whisper, customer_voice, agent_voice) >= MATCH and ringing_s >= 0.5, (
        f"the agent heard the whisper {whisper}, {ringing_s} s of ringback and the customer "
        f"{customer_voice}; the customer heard the agent {agent_voice}\n"
        f"{lab.serve.log_text()[-3000:]}")


def test_a_customer_who_does_not_answer_is_called_again_and_answers(lab):
    voices = with_callbacks(lab)
    lab.start({})
    lab.events.action("DBPut", Family="lab/refuse", Key=B_NUMBER, Val="1")
    b_takes_a_callback(lab)
    lab.events.action("QueueAdd", Queue="support", Interface=RECORDING_AGENT)
    assert reported(lab, 2, 60.0) == ["NOANSWER", "ANSWER"], lab.serve.log_text()[-3000:]
    assert best_in(recordings(lab, f"customer-{B_NUMBER}", 1), voices["agent"]) >= MATCH
    assert "tried again in 10 s" in lab.serve.log_text()


def placeholder_joins(lab) -> list[dict]:
    return [m for m in lab.events.events("QueueCallerJoin")
            if "@progmoh-callback-hold" in m.get("Channel", "")]


def answered_after_agent_logs_in(lab, voices) -> None:
    """An agent logs in: the callback is dialled once, answered, and the two hear each other."""
    lab.events.action("QueueAdd", Queue="support", Interface=RECORDING_AGENT)
    assert reported(lab, 1, 60.0) == ["ANSWER"], lab.serve.log_text()[-3000:]
    assert best_in(recordings(lab, f"customer-{B_NUMBER}", 1), voices["agent"]) >= MATCH


def test_a_restarted_serve_finds_its_placeholder_again(lab):
    voices = with_callbacks(lab)
    lab.start({})
    b_takes_a_callback(lab)
    lab.serve.stop()
    lab.serve.start()
    wait_until(lambda: "callbacks: 1 pending" in lab.serve.log_text(), 10.0,
               "the restarted serve reading its pending callback")
    answered_after_agent_logs_in(lab, voices)
    assert len(placeholder_joins(lab)) == 1          # found again, never placed twice
    whisper = best_in(recordings(lab, "agent-", 1), lab.clip("prompt:en/callback_whisper"))
    assert whisper >= MATCH, "the adopted placeholder's agent heard no whisper"


def test_a_callback_answered_while_serve_was_down_is_done_not_dialled_again(lab):
    """serve stops with the placeholder in the queue; an agent takes it and the customer
    answers; serve starts again while they talk: it finds the dial-out bridged among the
    channels, ends the callback and never places it again (the store said placed)."""
    voices = with_callbacks(lab)
    lab.start({})
    b_takes_a_callback(lab)
    lab.serve.stop()
    lab.events.action("QueueAdd", Queue="support", Interface=RECORDING_AGENT)
    assert reported(lab, 1, 60.0) == ["ANSWER"]
    lab.serve.start()
    wait_until(lambda: "answered while serve was not watching" in lab.serve.log_text(), 10.0,
               f"the restarted serve finding the call; {lab.serve.log_text()[-2000:]}")
    lab.events.wait(lambda m: m.get("Event") == "Hangup"
                    and m.get("Channel", "").startswith("Local/recording@agents"), 30.0,
                    "the agent's end of the call")
    dials = [m for m in lab.events.events("DialEnd") if DIAL_OUT.fullmatch(m.get("Channel", ""))]
    assert len(placeholder_joins(lab)) == 1 and len(dials) == 1
    # no whisper (serve was down) and so no ringback to wait through: the customer speaks
    # within the agent's recording, and the agent only after the customer's has ended
    assert best_in(recordings(lab, "agent-", 1), voices["customer"]) >= MATCH
    assert "tried again" not in lab.serve.log_text()


def test_after_an_asterisk_restart_the_placeholders_are_put_back_in_order(lab):
    voices = with_callbacks(lab)
    lab.start({})
    b_takes_a_callback(lab)
    lab.asterisk.stop()
    lab.asterisk.start()
    lab.events = lab.asterisk.session()
    wait_until(lambda: placeholder_joins(lab), 30.0,
               f"the placeholder put back; {lab.serve.log_text()[-2000:]}")
    c = lab.call(C_NUMBER, kind="local")             # joins after the restart: behind it
    assert queue_order(lab) == [placeholder_joins(lab)[0]["Uniqueid"], c.call_id]
    answered_after_agent_logs_in(lab, voices)


def heard_after(lab, caller, prompt: str) -> float:
    return heard.best(lab.recording(caller), lab.clip(f"prompt:en/{prompt}"))[0]


def test_an_anonymous_caller_is_told_no_and_a_second_request_that_one_is_booked(lab):
    with_callbacks(lab)
    lab.start({})
    anonymous = lab.call("anonymous", kind="local")
    b = lab.call(B_NUMBER, kind="local")
    anonymous.hold_until(1.0)
    anonymous.press(CALLBACK_KEY)
    b.hold_until(1.0)
    take_callback(lab, b)
    again = lab.call(B_NUMBER, kind="local")           # the same number, while it is pending
    again.hold_until(1.0)
    again.press(CALLBACK_KEY)
    again.hold_until(8.0)
    for caller in (anonymous, again):
        caller.hang_up()
    assert heard_after(lab, anonymous, "callback_impossible") >= MATCH
    assert heard_after(lab, again, "callback_booked") >= MATCH
    assert len(placeholder_joins(lab)) == 1
