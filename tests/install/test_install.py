"""`make install` into temporary folders with a throwaway service user: render as root,
play a call as that user through the faithful reader, `config check` as that user,
then install again over it while a call plays.

Needs root, as `make install` does (CI runs `make test` as root): it creates a
system user and hands folders to it.
"""

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest

from progmoh.player.sim import asterisk_reader as ar
from tests.support.checkout import REPO

UNIQUEID = "1795709779.42"
STEP_TIMEOUT_S = 900
LIGHT = {"json", "re", "enum", "collections", "array", "dataclasses", "typing", "logging"}


class Install:
    """The temporary folders of one install and how to run things in it."""

    def __init__(self, top: Path, user: str):
        self.top, self.user = top, user
        self.prefix, self.etc, self.state = top / "p", top / "e", top / "s"
        self.run, self.units, self.bindir = top / "r", top / "u", top / "b"

    def make(self, target="install"):
        variables = [f"PREFIX={self.prefix}", f"ETCDIR={self.etc}", f"STATEDIR={self.state}",
                     f"RUNDIR={self.run}", f"SYSTEMD_DIR={self.units}", f"BINDIR={self.bindir}",
                     f"SERVICE_USER={self.user}"]
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")     # the install compiles anyway
        done = subprocess.run(["make", "-s", "-C", str(REPO), target, *variables], env=env,
                              capture_output=True, text=True, timeout=STEP_TIMEOUT_S)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def progmoh(self, *args, user=None):
        return subprocess.run([str(self.bindir / "progmoh"), *args], capture_output=True,
                              text=True, timeout=STEP_TIMEOUT_S, cwd="/",
                              **ar.as_user(user))

    def python(self, code, user=None):
        argv = [str(self.prefix / "venv" / "bin" / "python"), "-c", code]
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd="/",
                              **ar.as_user(user))

    def application_line(self):
        """What serve answers Asterisk for a call, from the installed config."""
        done = self.python("from progmoh.cli.config import config_path, load\n"
                           "from progmoh.player.serve.realtime import application_line\n"
                           f"print(application_line(load(config_path(None)).serve, {UNIQUEID!r}))")
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()


@pytest.fixture(scope="module")
def installed():
    assert os.geteuid() == 0, ("the install test needs root, as `make install` does "
                               "(CI runs `make test` as root)")
    top = Path(tempfile.mkdtemp(prefix="pmi", dir="/tmp"))    # short: the 255-char line
    os.chmod(top, 0o755)
    install = Install(top, "pmt" + secrets.token_hex(3))
    try:
        install.make()
        yield install
    finally:
        subprocess.run(["userdel", install.user], capture_output=True, timeout=60)
        subprocess.run(["groupdel", install.user], capture_output=True, timeout=60)
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture(scope="module")
def rendered(installed):
    """The demo library copied where the installed config looks, rendered by root."""
    for name in ("classes", "advice"):
        shutil.copytree(REPO / "music" / name, installed.state / "music" / name, dirs_exist_ok=True)
    done = installed.progmoh("render")
    assert done.returncode == 0, done.stdout + done.stderr
    return installed


def play(install, seconds, **kwargs):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")       # Asterisk passes its own on
    return ar.play(install.application_line(), seconds, env=env, user=install.user, **kwargs)


def test_the_install_lays_out_system_folders(installed):
    uid, gid = pwd.getpwnam(installed.user)[2:4]
    config = installed.etc / "progmoh.toml"
    made = config.stat()
    assert (made.st_uid, made.st_gid, made.st_mode & 0o777) == (uid, gid, 0o600)
    cache = installed.state / "cache"
    assert (cache.stat().st_uid, cache.stat().st_mode & 0o7777) == (uid, 0o2770)
    assert f'dir = "{cache}"' in config.read_text()
    assert sorted(p.name for p in installed.units.iterdir()) == [
        "progmoh-render.service", "progmoh-serve.service"]
    assert f"User={installed.user}" in (installed.units / "progmoh-serve.service").read_text()
    done = installed.progmoh("asterisk-config")
    assert f"ExecStart={installed.prefix}/venv/bin/progmoh serve --config {config}\n" in done.stdout
    assert (installed.bindir / "progmoh").resolve().is_relative_to(installed.prefix.resolve())


def test_every_installed_module_has_bytecode(installed):
    site = next((installed.prefix / "venv").glob("lib/python3*/site-packages")) / "progmoh"
    missing = [str(p) for p in site.rglob("*.py")
               if not list(p.parent.glob(f"__pycache__/{p.stem}.*.pyc"))]
    assert missing == []


def test_installed_defaults_are_system_paths(installed):
    done = installed.python("from progmoh.cli.config import config_path, load\n"
                            "c = load(config_path(None))\n"
                            "print(c.source, c.cache.root, c.serve.socket_path, c.store.url)")
    assert done.stdout.split() == [str(installed.etc / "progmoh.toml"),
                                   str(installed.state / "cache"),
                                   str(installed.run / "progmoh.sock"),
                                   f"sqlite:///{installed.state}/progmoh.db"], done.stderr


def test_the_application_line_starts_the_lean_player(installed):
    line = installed.application_line()
    python = installed.prefix / "venv" / "bin" / "python"
    lean = f"{python} -I -S {installed.prefix}/bin/progmoh-play --uniqueid {UNIQUEID} "
    assert line.startswith(lean)
    assert len(line) <= ar.MAX_APPLICATION_CHARS
    site = next((installed.prefix / "venv").glob("lib/python3*/site-packages"))
    code = (f"import sys; sys.path.append({str(site)!r}); "
            "import progmoh.cli.play_fast, progmoh.player.play.engine; "
            f"print(sorted(sys.modules.keys() & {LIGHT!r}))")
    done = subprocess.run([str(python), "-I", "-S", "-c", code], capture_output=True, text=True,
                          timeout=60, **ar.as_user(installed.user))
    assert done.stdout.strip() == "[]", done.stderr


def test_a_call_plays_as_the_service_user_from_a_cache_root_rendered(rendered):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")       # Asterisk passes its own on
    channel = ar.Channel(rendered.application_line(), record=True, env=env,
                         user=rendered.user).start()
    try:
        ar.run([channel], 2.0)
    finally:
        channel.stop()
    assert channel.short_reads == 0
    assert channel.frames_read >= 45
    loudest = max(abs(s) for s in memoryview(channel.heard()).cast("h"))
    assert loudest > 500, "music heard, not silence"


def test_config_check_and_cache_verify_as_the_service_user(rendered):
    done = rendered.progmoh("config", "check", user=rendered.user)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"# {rendered.etc / 'progmoh.toml'}: OK\n")
    assert f"# service user {rendered.user}: can read" not in done.stdout   # no socket yet
    socket = rendered.run / "progmoh.sock"
    assert f"{socket} does not exist (is `progmoh serve` running?)" in done.stderr
    done = rendered.progmoh("cache", "verify", user=rendered.user)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK: ")


def test_cache_verify_says_when_the_service_user_cannot_read(rendered):
    current = rendered.state / "cache" / "CURRENT"
    os.chmod(current, 0o600)
    try:
        done = rendered.progmoh("cache", "verify")
    finally:
        os.chmod(current, 0o640)
    assert done.returncode == 1
    assert f"the service user {rendered.user} cannot read the cache" in done.stderr
    assert f"user {rendered.user} cannot read {current}" in done.stderr


class Hangup(Exception):
    """Ends a Listener's reading loop."""


class Listener(threading.Thread):
    """A call that keeps playing (read as Asterisk reads) until hung up."""

    def __init__(self, install):
        super().__init__(daemon=True)
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        self.channel = ar.Channel(install.application_line(), env=env, user=install.user)
        self.hung_up = threading.Event()

    def run(self):
        def tick(index):
            if self.hung_up.is_set():
                raise Hangup
        self.channel.start()
        try:
            ar.run([self.channel], STEP_TIMEOUT_S, tick)
        except Hangup:
            pass


def test_installing_again_upgrades_while_a_call_plays(rendered):
    config = rendered.etc / "progmoh.toml"
    config.write_text(config.read_text() + "# kept by the upgrade\n")
    before = (rendered.prefix / "venv").resolve()
    call = Listener(rendered)
    call.start()
    try:
        rendered.make()
    finally:
        call.hung_up.set()
        call.join(timeout=60)
        alive = call.channel.proc.poll() is None
        call.channel.stop()
    after = (rendered.prefix / "venv").resolve()
    assert after != before and not before.exists()
    assert config.read_text().endswith("# kept by the upgrade\n")
    assert alive, "the call in progress kept its player"
    assert call.channel.short_reads == 0 and call.channel.empty_ticks == 0
    assert call.channel.frames_read > 25
    assert play(rendered, 1.0).frames_read >= 20


def test_uninstall_keeps_configuration_and_state(rendered):
    rendered.make("uninstall")
    assert not rendered.prefix.exists() and not rendered.run.exists()
    assert not (rendered.bindir / "progmoh").is_symlink()
    assert list(rendered.units.iterdir()) == []
    assert (rendered.etc / "progmoh.toml").exists()
    assert (rendered.state / "cache" / "CURRENT").exists()
    rendered.make()                                 # and it installs again over the kept state
    assert play(rendered, 1.0).short_reads == 0
