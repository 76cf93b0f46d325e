"""The AMI client end to end against an in-process server replaying recordings."""

import asyncio
import gc
import logging

from progmoh.player.serve.ami.client import AmiClient, Backoff, Reply
from progmoh.player.serve.ami.message import Message
from progmoh.player.serve.settings import AmiSettings
from tests.support import ami_recordings as rec
from tests.support.ami_listener import FakeSleep, Listener
from tests.support.fake_ami import FakeAmi, Script


def settings(port, secret="labsecret", ping_s=3600.0, resync_s=3600.0) -> AmiSettings:
    return AmiSettings(enabled=True, host="127.0.0.1", port=port, username="lab", secret=secret,
                       ping_s=ping_s, resync_s=resync_s, reconnect_max_s=4.0)


def script(name, await_ids=("lst-1", "lst-2")) -> Script:
    return Script(rec.recorded_chunks(name), set(await_ids))


async def run_client(scripts, ids, sleep_limit=1, until=None, listener_class=None, **kw):
    server = FakeAmi(scripts)
    port = await server.start()
    listener, sleep = (listener_class or Listener)(), FakeSleep(sleep_limit)
    sessions = iter(ids)
    client = AmiClient(settings(port, **kw), listener, action_ids=lambda: iter(next(sessions)),
                       sleep=sleep)
    task = asyncio.create_task(client.run())
    try:
        await listener.until(lambda: (until or (lambda seen: seen.downs >= 1))(listener))
        await asyncio.wait_for(_sleeping(sleep, sleep_limit), 10)
    finally:
        task.cancel()
        await server.close()
    return server, listener, sleep


async def _sleeping(sleep, count):
    while len(sleep.delays) < count:
        await asyncio.sleep(0)


def test_one_caller_session_derives_the_recorded_state_and_login_shape():
    server, listener, sleep = asyncio.run(run_client(
        [script("one-caller-dtmf")], [["lst-1", "lst-2", "lst-3"]]))
    expected = rec.without_numbers({c.uniqueid: c for c in rec.expected_callers("one-caller-dtmf")})
    assert rec.without_numbers(rec.queued(listener.history)) == expected
    login_sent = rec.sent_bytes("events-dtmf-agent-call").split(b"\r\n\r\n")[0] + b"\r\n\r\n"
    login_sent = login_sent.replace(b"ev-dtmf-agent-call-1", b"lst-1").replace(
        b"dtmf,agent,call", b"call,agent,dtmf,system")
    assert server.raw_by_client[0].startswith(login_sent)
    assert [m.get("Action") for m in server.sent_by_client[0]] == ["Login", "QueueStatus"]
    assert listener.tracker.calls == {} and listener.ups == 1 and sleep.delays == [0.5]


def test_another_sessions_originate_response_is_an_event_not_a_reply():
    _, listener, _ = asyncio.run(run_client([script("one-caller-dtmf")], [["lst-1", "lst-2"]]))
    originate = [m for m in listener.events if m.event == "OriginateResponse"]
    assert len(originate) == 1 and originate[0].action_id == "trig-2"
    assert all(m.action_id != "lst-1" for m in listener.events)


def test_queue_status_after_fully_booted_resyncs_positions():
    _, listener, _ = asyncio.run(run_client(
        [script("three-callers-positions")], [["lst-1", "lst-2", "lst-x"]]))
    assert [[m.event for m in r] for r in listener.resyncs] == [["QueueParams"]]  # empty queue
    expected = rec.without_numbers(
        {c.uniqueid: c for c in rec.expected_callers("three-callers-positions")})
    assert rec.without_numbers(rec.queued(listener.history)) == expected


def test_bad_secret_is_a_clear_error_retried_with_backoff_and_never_logged(caplog):
    caplog.set_level(logging.DEBUG)
    scripts = [script("login-bad-secret"), script("login-bad-secret"),
               script("login-ok-and-fullybooted")]
    server, listener, sleep = asyncio.run(run_client(
        scripts, [["lst-1"], ["lst-1"], ["lst-1", "lst-2"]], sleep_limit=3, secret="wrongsecret"))
    assert sleep.delays == [0.5, 1.0, 0.5]         # doubled, then reset by the good login
    assert listener.ups == 1 and listener.downs == 1
    refused = [r.getMessage() for r in caplog.records if r.getMessage().startswith("AMI login")]
    assert refused == ["AMI login as 'lab' at 127.0.0.1:%d refused: Authentication failed"
                       % server.port] * 2
    assert "wrongsecret" not in caplog.text


def test_eof_drops_every_call_and_reconnect_resyncs_after_fully_booted():
    scripts = [script("asterisk-restart"),
               script("asterisk-restart-reconnect", {"lst2-1", "lst2-2"})]
    server, listener, sleep = asyncio.run(run_client(
        scripts, [["lst-1", "lst-2"], ["lst2-1", "lst2-2"]], sleep_limit=2,
        until=lambda seen: seen.downs >= 2))
    assert listener.ups == 2 and listener.downs == 2
    caller = listener.history["1795710379.48"]
    # by its Hangup event, before EOF
    assert caller.positions == [(1, 1)] and caller.hangup_at == 1
    assert listener.tracker.calls == {}
    assert [m.get("Action") for m in server.sent_by_client[1]] == ["Login", "QueueStatus"]
    assert sleep.delays == [0.5, 0.5]


def test_unanswered_ping_drops_the_connection():
    gate = None

    async def scenario():
        nonlocal gate
        gate = asyncio.Event()
        chunks = rec.recorded_chunks("login-ok-and-fullybooted")[:2] + [gate]
        return await run_client([Script(chunks, {"lst-1"}, close_at_end=False)],
                                [[f"lst-{n}" for n in range(1, 99)]], ping_s=0.05)

    server, listener, _ = asyncio.run(scenario())
    assert listener.downs == 1
    assert "Ping" in [m.get("Action") for m in server.sent_by_client[0]]


def test_backoff_doubles_to_its_cap():
    backoff = Backoff(0.5, 3.0)
    assert [backoff.next() for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    backoff.reset()
    assert backoff.next() == 0.5


def test_reply_of_a_list_action_collects_its_items():
    reply = Reply(Message((("Response", "Success"),)), (Message((("Event", "QueueEntry"),)),))
    assert reply.ok and len(reply.events) == 1


def test_queue_status_is_repeated_every_resync_s():
    async def scenario():
        gate = asyncio.Event()
        chunks = rec.recorded_chunks("login-ok-and-fullybooted")[:2] + [gate]
        server = FakeAmi([Script(chunks, {"lst-1"}, close_at_end=False)])
        port = await server.start()
        client = AmiClient(settings(port, resync_s=0.02), Listener(),
                           action_ids=lambda: (f"lst-{n}" for n in range(1, 99)))
        task = asyncio.create_task(client.run())
        try:
            for action_id in ("lst-2", "lst-3"):       # after FullyBooted, then after resync_s
                await asyncio.wait_for(server.wait_for_action(0, action_id), 10)
        finally:
            task.cancel()
            await server.close()
        return [m.get("Action") for m in server.sent_by_client[0]]

    assert asyncio.run(scenario())[:3] == ["Login", "QueueStatus", "QueueStatus"]


def test_session_ending_during_a_ping_leaves_no_orphan_task():
    """A Ping in flight when Asterisk goes away must not leave a task whose
    exception nobody retrieves (asyncio prints such tasks as tracebacks)."""
    async def scenario():
        orphans = []
        asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: orphans.append(ctx))
        chunks = rec.recorded_chunks("login-ok-and-fullybooted")[:2] + [asyncio.Event()]
        server = FakeAmi([Script(chunks, {"lst-1"}, close_at_end=False)])
        port = await server.start()
        listener = Listener()
        client = AmiClient(settings(port, ping_s=0.01), listener,
                           action_ids=lambda: (f"lst-{n}" for n in range(1, 99)),
                           sleep=FakeSleep(1))
        task = asyncio.create_task(client.run())
        try:
            await server.wait_until_sent(lambda: any(
                m.get("Action") == "Ping" for sent in server.sent_by_client for m in sent))
            await server.close()
            await listener.until(lambda: listener.downs >= 1)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        gc.collect()
        await asyncio.sleep(0)
        return orphans

    assert asyncio.run(scenario()) == []


class FailingListener(Listener):
    """Takes every event like the service, then fails on QueueCallerJoin like a buggy handler."""

    def ami_event(self, message):
        super().ami_event(message)
        if message.event == "QueueCallerJoin":
            raise RuntimeError("handler bug")


def test_a_failing_event_handler_is_logged_with_the_event_and_ami_carries_on(caplog):
    server, listener, sleep = asyncio.run(run_client(
        [script("one-caller-dtmf")], [["lst-1", "lst-2", "lst-3"]], listener_class=FailingListener))
    expected = rec.without_numbers({c.uniqueid: c for c in rec.expected_callers("one-caller-dtmf")})
    assert rec.without_numbers(rec.queued(listener.history)) == expected   # later events applied
    assert listener.ups == 1 and sleep.delays == [0.5]                     # still reconnecting
    failed = [r for r in caplog.records if "QueueCallerJoin" in r.getMessage()]
    assert failed and failed[0].exc_info and "handler bug" in caplog.text


def test_a_cancel_that_a_failed_connect_swallowed_still_ends_the_client():
    """Python 3.11's wait_for can turn a cancel into the inner connect's error."""
    class SwallowingClient(AmiClient):
        async def _session(self):
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                raise OSError("Connect call failed") from None

    async def backoff_sleep(delay_s):
        if asyncio.current_task().cancelling():
            raise RuntimeError("the client went on to reconnect after it was cancelled")
        await asyncio.sleep(delay_s)

    async def main():
        client = SwallowingClient(settings(1), Listener(), sleep=backoff_sleep)
        task = asyncio.get_running_loop().create_task(client.run())
        await asyncio.sleep(0)
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=5)
        assert task in done and task.cancelled(), task

    asyncio.run(main())


class PendingCallbackListener(Listener):
    """A listener with a callback pending: it asks for the channels up."""

    def __init__(self) -> None:
        super().__init__()
        self.listed: list[list[Message]] = []
        self.order: list[str] = []

    def wants_channels(self):
        return True

    def ami_channels(self, channels):
        self.listed.append(channels)
        self.order.append("channels")

    def ami_resync(self, entries):
        super().ami_resync(entries)
        self.order.append("resync")


def test_with_a_callback_pending_the_channels_are_listed_before_the_first_resync_only():
    dial_out = b"Local/1800000000000123456@progmoh-callback-hold-0000002a;1"
    chunks = rec.recorded_chunks("login-ok-and-fullybooted")[:2] + [
        b"Response: Success\r\nActionID: lst-2\r\nEventList: start\r\n"
        b"Message: Channels will follow\r\n\r\n",
        b"Event: CoreShowChannel\r\nActionID: lst-2\r\nChannel: " + dial_out + b"\r\n"
        b"Context: progmoh-callback-dial\r\nApplication: Dial\r\nBridgeId: \r\n\r\n",
        b"Event: CoreShowChannelsComplete\r\nActionID: lst-2\r\nEventList: Complete\r\n"
        b"ListItems: 1\r\n\r\n",
        b"Response: Success\r\nActionID: lst-3\r\nEventList: start\r\n"
        b"Message: Queue status will follow\r\n\r\n",
        b"Event: QueueStatusComplete\r\nActionID: lst-3\r\nEventList: Complete\r\n"
        b"ListItems: 0\r\n\r\n"]
    server, listener, _ = asyncio.run(run_client(
        [Script(chunks, {"lst-1", "lst-2", "lst-3"})], [["lst-1", "lst-2", "lst-3", "lst-4"]],
        listener_class=PendingCallbackListener, resync_s=0.01))
    actions = [m.get("Action") for m in server.sent_by_client[0]]
    assert actions[:3] == ["Login", "CoreShowChannels", "QueueStatus"]
    assert "CoreShowChannels" not in actions[3:]          # once per connection
    assert [[m.get("Channel") for m in listed] for listed in listener.listed] == [
        [dial_out.decode()]]
    assert listener.order[:2] == ["channels", "resync"]
