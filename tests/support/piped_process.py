"""A real subprocess the tests talk to through its stdin and stdout: the
player stand-ins of the socket and service tests."""

import asyncio

TIMEOUT_S = 10.0


class PipedProcess:
    def __init__(self, process) -> None:
        self.process = process

    async def raw_line(self) -> bytes:
        return await asyncio.wait_for(self.process.stdout.readline(), TIMEOUT_S)

    async def write(self, data: bytes) -> None:
        self.process.stdin.write(data)
        await self.process.stdin.drain()

    async def stop(self) -> None:
        """Close its stdin and wait; kill it if it does not leave."""
        if self.process.returncode is None:
            self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), TIMEOUT_S)
            except asyncio.TimeoutError:
                self.process.kill()
                await self.process.wait()
