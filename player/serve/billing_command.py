"""The command billing backend, for legacy systems: run a program, read JSON from its stdout.

The caller number is untrusted text, so it only ever becomes one argv item
of a directly executed program: no shell ever sees it.  The program cannot
outlive its answer, nor can anything it starts: it runs in a process group
of its own, with a token of this lookup in its environment, and serve is
the "child subreaper" of its descendants (``PR_SET_CHILD_SUBREAPER``).  As
soon as the program exits, when the deadline passes (``BalanceBook``
cancels the fetch: the one deadline of every backend, ``billing.timeout_s``)
or when serve stops, its group is killed, and so is every process that
still carries the token, even one that left the group with ``setsid``;
those serve inherited as their subreaper are collected.  An answer already
read stands.  What it prints on stderr may echo credentials, so only the
exit status and a short first line, masked (redact.py), are ever logged.
"""

import asyncio
import ctypes
import os
import secrets
import signal

from progmoh.player.serve.billing_errors import BillingUnavailable
from progmoh.player.serve.redact import stderr_line
from progmoh.player.serve.settings import LookupSettings

STDERR_KEPT_BYTES = 4096             # read for the first line; the rest is drained unread
PLACEHOLDER = "{number}"
DRAIN_LIMIT_S = 1.0
TOKEN_VARIABLE = "PROGMOH_BILLING_LOOKUP"
PR_SET_CHILD_SUBREAPER = 36
REAP_TRIES = 50                      # of 2 ms each, for a killed process serve inherited
PROC = "/proc"


def build_argv(command: tuple[str, ...], number: str) -> list[str]:
    return [item.replace(PLACEHOLDER, number) for item in command]


def become_subreaper() -> bool:
    """Orphans of serve's descendants become serve's children, not init's: a program's
    ``setsid`` child stays where serve can find and collect it.  False where Linux says no."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


class CommandBilling:
    def __init__(self, settings: LookupSettings, secrets: tuple[str, ...] = ()):
        self._settings = settings
        self._secrets = (settings.password, settings.token) + tuple(secrets)
        become_subreaper()

    def __str__(self) -> str:
        return f"command {os.path.basename(self._settings.command[0])}"

    async def fetch(self, number: str) -> bytes:
        """The program's stdout; BillingUnavailable on failure or a huge answer.  The caller
        bounds the time (cancelling ends the program and all it started)."""
        argv = build_argv(self._settings.command, number)
        token = secrets.token_hex(8)
        try:
            process = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, start_new_session=True,
                env=dict(os.environ, **{TOKEN_VARIABLE: token}))
        except OSError as error:
            raise BillingUnavailable(f"cannot run {argv[0]}: {error.strerror}") from None
        try:
            return await self._collect(process, token)
        finally:
            await _reap(process, token)

    async def _collect(self, process, token: str) -> bytes:
        cap = self._settings.max_body_bytes
        ender = asyncio.ensure_future(_end_all_on_exit(process, token))
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


async def _end_all_on_exit(process, token: str) -> None:
    """Once the program exits, end what it left behind: the pipes then reach EOF."""
    await _exited(process.pid)
    await _end_all(process.pid, token)


async def _exited(pid: int) -> None:
    """Return when the process has exited (``Process.wait`` also waits for its pipes)."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return                                  # already exited and collected
    except OSError:                             # no pidfd (kernel before 5.3): all is
        await asyncio.Event().wait()            # ended by _reap at the deadline instead
    loop = asyncio.get_running_loop()
    gone = loop.create_future()
    loop.add_reader(pidfd, lambda: None if gone.done() else gone.set_result(None))
    try:
        await gone
    finally:
        loop.remove_reader(pidfd)
        os.close(pidfd)


async def _end_all(pgid: int, token: str) -> None:
    """SIGKILL the program's group and every process carrying its token, then collect
    those serve inherited (the group's leader is asyncio's to collect)."""
    _kill_group(pgid)
    found = await asyncio.to_thread(carrying, token)
    killed = [pid for pid in found if pid != pgid and _kill(pid)]
    for _ in range(REAP_TRIES):
        killed = [pid for pid in killed if not _collected(pid)]
        if not killed:
            return
        await asyncio.sleep(0.002)


def carrying(token: str, proc: str = PROC) -> list[int]:
    """The processes whose environment holds this lookup's token (readable: serve's user)."""
    marker = f"{TOKEN_VARIABLE}={token}".encode() + b"\0"
    found = []
    for name in os.listdir(proc):
        if not name.isdigit():
            continue
        try:
            with open(f"{proc}/{name}/environ", "rb") as environ:
                if marker in environ.read() + b"\0":
                    found.append(int(name))
        except OSError:
            continue
    return found


def _kill(pid: int) -> bool:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _collected(pid: int) -> bool:
    """True once a killed process is gone: collected here, or by a parent of its own."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return not os.path.exists(f"{PROC}/{pid}")
    return done == pid


def _kill_group(pgid: int) -> None:
    """SIGKILL the program's process group, whether or not its leader is still there.

    A group id is not reused while any member lives, so this can only reach
    the program's own descendants.
    """
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


async def _reap(process, token: str) -> None:
    """End the program and all it started, drain its pipes (so they close), collect it."""
    await _end_all(process.pid, token)
    try:
        await asyncio.wait_for(asyncio.gather(_drain(process.stdout), _drain(process.stderr)),
                               DRAIN_LIMIT_S)
    except asyncio.TimeoutError:
        pass
    await process.wait()


async def _drain(stream) -> None:
    while await stream.read(65536):
        pass
