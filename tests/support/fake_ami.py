"""An in-process AMI server (asyncio) that replays recorded bytes.

Each accepted connection plays the next script: a list of byte chunks sent
in order, where an ``asyncio.Event`` item means "wait until it is set".
Before a chunk that answers one of ``await_ids`` it waits until the client
has sent an action with that ActionID, so replies never overtake requests.
What the client sends is kept, parsed, per connection.
"""

import asyncio
import re
from dataclasses import dataclass, field

from progmoh.player.serve.ami.message import Message, parse

_ANSWER_ID = re.compile(rb"ActionID: ([^\r\n]+)\r\n")


@dataclass
class Script:
    chunks: list                       # bytes | asyncio.Event
    await_ids: set = field(default_factory=set)
    close_at_end: bool = True


class FakeAmi:
    def __init__(self, scripts: list[Script]) -> None:
        self.scripts = list(scripts)
        self.sent_by_client: list[list[Message]] = []
        self.raw_by_client: list[bytes] = []
        self._got = asyncio.Condition()
        self.server: asyncio.AbstractServer | None = None
        self.port = 0
        self._handlers: set[asyncio.Task] = set()
        self._writers: list = []

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        """Stop listening and end every connection, letting each handler finish."""
        if self.server is not None:
            self.server.close()
        for writer in self._writers:
            writer.transport.abort()
        for task in self._handlers:
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)

    async def wait_for_action(self, connection: int, action_id: str,
                              timeout_s: float = 10.0) -> Message:
        await self.wait_until_sent(lambda: self._find(connection, action_id) is not None, timeout_s)
        return self._find(connection, action_id)

    async def wait_until_sent(self, condition, timeout_s: float = 10.0) -> None:
        """Wait until ``condition()`` holds over what clients sent; fail after ``timeout_s``."""
        async with self._got:
            await asyncio.wait_for(self._got.wait_for(condition), timeout_s)

    def _find(self, connection: int, action_id: str) -> Message | None:
        if connection >= len(self.sent_by_client):
            return None
        return next((m for m in self.sent_by_client[connection] if m.action_id == action_id), None)

    async def _serve(self, reader, writer) -> None:
        task = asyncio.current_task()
        self._handlers.add(task)
        self._writers.append(writer)
        try:
            await self._converse(reader, writer)
        except asyncio.CancelledError:
            pass                                  # closed by the test: a normal end
        finally:
            self._handlers.discard(task)

    async def _converse(self, reader, writer) -> None:
        connection = len(self.sent_by_client)
        self.sent_by_client.append([])
        self.raw_by_client.append(b"")
        if not self.scripts:
            writer.close()
            return
        script = self.scripts.pop(0)
        listening = asyncio.create_task(self._listen(reader, connection))
        try:
            await self._play(script, writer, connection)
            if not script.close_at_end:
                await listening
        except (ConnectionError, OSError):
            pass
        finally:
            listening.cancel()
            await asyncio.gather(listening, return_exceptions=True)
            writer.close()

    async def _play(self, script: Script, writer, connection: int) -> None:
        for chunk in script.chunks:
            if isinstance(chunk, asyncio.Event):
                await chunk.wait()
                continue
            for answered in _ANSWER_ID.findall(chunk):
                if answered.decode() in script.await_ids:
                    await self.wait_for_action(connection, answered.decode())
            writer.write(chunk)
            await writer.drain()

    async def _listen(self, reader, connection: int) -> None:
        buffer = b""
        while data := await reader.read(65536):
            self.raw_by_client[connection] += data
            buffer += data
            *blocks, buffer = buffer.split(b"\r\n\r\n")
            async with self._got:
                self.sent_by_client[connection] += [parse(b + b"\r\n") for b in blocks]
                self._got.notify_all()
