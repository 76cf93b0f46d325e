"""The command billing backend, for legacy systems: run a program, read JSON from its stdout.

The caller number is untrusted text, so it only ever becomes one argv item
of a directly executed program: no shell ever sees it.  The program runs in
a process group of its own, which is ended as soon as the program exits: a
background child left holding its stdout neither delays the answer nor
outlives it.  What it prints on stderr may echo credentials, so only the
exit status and a short first line with every configured secret masked are
ever logged.
"""

import asyncio
import os
import signal

from progmoh.player.serve.billing_errors import BillingUnavailable
from progmoh.player.serve.settings import BillingSettings

STDERR_KEPT_BYTES = 4096             # read for the first line; the rest is drained unread
STDERR_SHOWN_CHARS = 120
MASK = "***"
PLACEHOLDER = "{number}"
DRAIN_LIMIT_S = 1.0


def build_argv(command: tuple[str, ...], number: str) -> list[str]:
    return [item.replace(PLACEHOLDER, number) for item in command]


def masked(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every non-empty secret replaced, longest first (one may contain another)."""
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def stderr_line(raw: bytes, secrets: tuple[str, ...]) -> str:
    """The first non-empty line, masked, then cut short: what a log may show of stderr."""
    text = raw.decode("utf-8", "replace").strip()
    first = masked(text.splitlines()[0] if text else "", secrets)
    return first if len(first) <= STDERR_SHOWN_CHARS else first[:STDERR_SHOWN_CHARS] + "..."


class CommandBilling:
    def __init__(self, settings: BillingSettings, secrets: tuple[str, ...] = ()):
        self._settings = settings
        self._secrets = (settings.password, settings.token) + tuple(secrets)

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
        ender = asyncio.ensure_future(_end_group_on_exit(process))
        errors = asyncio.ensure_future(_head_then_drain(process.stderr))
        try:
            stdout = await _head(process.stdout, cap + 1)
            if len(stdout) > cap:
                raise BillingUnavailable(f"answer is over {cap} bytes")
            stderr = await errors
        finally:
            ender.cancel()
            errors.cancel()
        status = await process.wait()
        if status != 0:
            line = stderr_line(stderr, self._secrets)
            said = f"; stderr: {line}" if line else ""
            raise BillingUnavailable(f"exit status {status}{said}")
        return stdout


async def _head(stream, limit: int) -> bytes:
    """Up to ``limit`` bytes of a stream, stopping early at end of file."""
    kept = b""
    while len(kept) < limit and (chunk := await stream.read(limit - len(kept))):
        kept += chunk
    return kept


async def _head_then_drain(stream) -> bytes:
    """The first bytes of stderr; the rest is read and dropped so the program never blocks."""
    kept = await _head(stream, STDERR_KEPT_BYTES)
    await _drain(stream)
    return kept


async def _end_group_on_exit(process) -> None:
    """Once the program exits, end what it left in its group: the pipes then reach EOF."""
    await _exited(process.pid)
    _kill_group(process.pid)


async def _exited(pid: int) -> None:
    """Return when the process has exited (``Process.wait`` also waits for its pipes)."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return                                  # already exited and collected
    except OSError:                             # no pidfd (kernel before 5.3): the group is
        await asyncio.Event().wait()            # ended by _reap at the timeout instead
    loop = asyncio.get_running_loop()
    gone = loop.create_future()
    loop.add_reader(pidfd, lambda: None if gone.done() else gone.set_result(None))
    try:
        await gone
    finally:
        loop.remove_reader(pidfd)
        os.close(pidfd)


def _kill_group(pgid: int) -> None:
    """SIGKILL the program's process group, whether or not its leader is still there.

    A group id is not reused while any member lives, so this can only reach
    the program's own descendants.
    """
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


async def _reap(process) -> None:
    """Kill the program's whole group, drain its pipes (so they close) and collect it."""
    _kill_group(process.pid)
    try:
        await asyncio.wait_for(asyncio.gather(_drain(process.stdout), _drain(process.stderr)),
                               DRAIN_LIMIT_S)
    except asyncio.TimeoutError:
        pass
    await process.wait()


async def _drain(stream) -> None:
    while await stream.read(65536):
        pass
