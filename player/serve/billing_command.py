"""The command billing backend, for legacy systems: run a program, read JSON from its stdout.

The caller number is untrusted text, so it only ever becomes one argv item
of a directly executed program: no shell ever sees it.
"""

import asyncio
import os
import signal

from progmoh.player.serve.billing_errors import BillingUnavailable
from progmoh.player.serve.settings import BillingSettings

STDERR_KEPT_BYTES = 2000
PLACEHOLDER = "{number}"
DRAIN_LIMIT_S = 1.0


def build_argv(command: tuple[str, ...], number: str) -> list[str]:
    return [item.replace(PLACEHOLDER, number) for item in command]


class CommandBilling:
    def __init__(self, settings: BillingSettings):
        self._settings = settings

    def __str__(self) -> str:
        return f"command {os.path.basename(self._settings.command[0])}"

    async def fetch(self, number: str) -> bytes:
        """The program's stdout; raises BillingUnavailable on failure, timeout or a huge answer."""
        argv = build_argv(self._settings.command, number)
        try:
            process = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, start_new_session=True)
        except OSError as error:
            raise BillingUnavailable(f"cannot run {argv[0]}: {error.strerror}") from None
        try:
            return await asyncio.wait_for(self._collect(process), self._settings.timeout_s)
        except asyncio.TimeoutError:
            raise BillingUnavailable(f"no answer within {self._settings.timeout_s} s") from None
        finally:
            await _reap(process)

    async def _collect(self, process) -> bytes:
        cap = self._settings.max_body_bytes
        stdout, stderr = await asyncio.gather(_head(process.stdout, cap + 1),
                                              _tail(process.stderr))
        if len(stdout) > cap:
            raise BillingUnavailable(f"answer is over {cap} bytes")
        status = await process.wait()
        if status != 0:
            raise BillingUnavailable(f"exit status {status}; stderr: {stderr}")
        return stdout


async def _head(stream, limit: int) -> bytes:
    """Up to ``limit`` bytes of a stream, stopping early at end of file."""
    kept = b""
    while len(kept) < limit and (chunk := await stream.read(limit - len(kept))):
        kept += chunk
    return kept


async def _tail(stream) -> str:
    """The last bytes of stderr, decoded for a log line, however much the program writes."""
    kept = b""
    while chunk := await stream.read(65536):
        kept = (kept + chunk)[-STDERR_KEPT_BYTES:]
    return kept.decode("utf-8", "replace").strip()


async def _reap(process) -> None:
    """Kill the program's whole session, drain its pipes (so they close) and collect it."""
    if process.returncode is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        await asyncio.wait_for(asyncio.gather(_drain(process.stdout), _drain(process.stderr)),
                               DRAIN_LIMIT_S)
    except asyncio.TimeoutError:
        pass
    await process.wait()


async def _drain(stream) -> None:
    while await stream.read(65536):
        pass
