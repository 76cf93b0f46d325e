"""AMI connections that drop at the worst moment (before the login answer, with actions in
flight) leave nothing for asyncio to report as "exception was never retrieved"."""

import asyncio
import gc

from progmoh.player.serve.ami.client import AmiClient
from progmoh.player.serve.settings import AmiSettings
from tests.support.ami_listener import FakeSleep, Listener

BANNER = b"Asterisk Call Manager/13.0.0\r\n"


async def drop_after_login_sent(reader, writer) -> None:
    """Asterisk that takes the Login action and goes away without answering it."""
    writer.write(BANNER)
    await reader.readuntil(b"\r\n\r\n")
    writer.close()


def test_a_drop_before_the_login_answer_leaves_no_unretrieved_exception(caplog):
    async def scenario():
        server = await asyncio.start_server(drop_after_login_sent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        settings = AmiSettings(enabled=True, host="127.0.0.1", port=port, username="u",
                               secret="s", ping_s=3600.0, resync_s=3600.0, reconnect_max_s=1.0)
        sleep = FakeSleep(3)
        client = AmiClient(settings, Listener(), sleep=sleep, events=("Hangup",))
        task = asyncio.create_task(client.run())
        try:
            while len(sleep.delays) < 3:
                await asyncio.sleep(0.01)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            server.close()
        del client, task
        gc.collect()                                 # asyncio reports such tasks when freed
        await asyncio.sleep(0)
        return sleep.delays

    delays = asyncio.run(asyncio.wait_for(scenario(), 20))
    assert len(delays) == 3                          # three sessions, each dropped at login
    assert [r.getMessage() for r in caplog.records if "never retrieved" in r.getMessage()] == []
