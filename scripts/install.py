#!/usr/bin/env python3
"""``make install`` and ``make uninstall``: progmoh as a service on an Asterisk server.

    PREFIX/releases/<stamp>/     a non-editable virtual environment holding progmoh,
                                 every module compiled to bytecode by this script
    PREFIX/venv                  a symbolic link to the newest release, switched in
                                 one rename: an upgrade never leaves a half-installed
                                 package under a player, and calls keep playing
    PREFIX/bin/progmoh-play      the lean player entry script (see ENTRY_SCRIPT)
    BINDIR/progmoh               a link to PREFIX/venv/bin/progmoh
    ETCDIR/progmoh.toml          written from the example once, never overwritten;
                                 the service user's alone (0600): it holds secrets
    STATEDIR/                    the cache (setgid to the service group), the
                                 library folders and the SQLite store
    RUNDIR/                      the players' socket (systemd recreates it at boot)
    SYSTEMD_DIR/progmoh-*.service  installed, not enabled

Uninstall removes PREFIX, the link, the units and RUNDIR; it keeps ETCDIR,
STATEDIR and the service user.  Standard library only: it runs on the system
interpreter before any virtual environment exists.
"""

import argparse
import compileall
import importlib.util
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
STEP_TIMEOUT_S = 900
SKIP_IN_COPY = shutil.ignore_patterns(".git", ".venv", "var", "build", "dist", "*.egg-info",
                                      "__pycache__", ".pytest_cache")
ENTRY_SCRIPT = '''\
# progmoh's player as Asterisk starts it: {python} -I -S {script} --uniqueid ...
# -I -S: no site machinery, no environment, no user folder; only the installed
# package's folder goes on sys.path, and its modules load from the bytecode
# `make install` compiled, whatever PYTHONDONTWRITEBYTECODE says.  They load
# through progmoh/player/play/lean_import.py (its own bytecode read by hand
# here): Python's general import machinery would cost a millisecond and a
# half of the start.  Should that fail, Python imports them as usual.
import sys
sys.path.append({site!r})
try:
    with open({finder!r}, "rb") as handle:
        data = handle.read()
    if data[:4] == sys.modules["_frozen_importlib_external"].MAGIC_NUMBER:
        import marshal
        exec(marshal.loads(memoryview(data)[16:]))
        install({site!r})
except Exception:       # never fatal: the ordinary import still works
    pass
from progmoh.cli.play_fast import main
sys.exit(main(sys.argv[1:]))
'''
INSTALLED_MODULE = '''\
"""Written by `make install` (scripts/install.py); read by progmoh.cli.paths."""
ETC_DIR = {etc!r}
STATE_DIR = {state!r}
RUN_DIR = {run!r}
SERVICE_USER = {user!r}
EXECUTABLE = {executable!r}
PLAYER_ARGV = {argv!r}
'''


class Layout:
    """The folders of one install, from make's variables."""

    def __init__(self, args):
        self.prefix, self.etc = Path(args.prefix), Path(args.etcdir)
        self.state, self.run = Path(args.statedir), Path(args.rundir)
        self.systemd, self.bindir = Path(args.systemd_dir), Path(args.bindir)
        self.user, self.python = args.service_user, args.python

    @property
    def venv(self):
        return self.prefix / "venv"

    @property
    def entry_script(self):
        return self.prefix / "bin" / "progmoh-play"

    def player_argv(self):
        return (str(self.venv / "bin" / "python"), "-I", "-S", str(self.entry_script))


def run(argv, **kwargs):
    subprocess.run([str(a) for a in argv], check=True, timeout=STEP_TIMEOUT_S, **kwargs)


def say(text):
    print("progmoh install: " + text, flush=True)


# -- the service user ------------------------------------------------------

def service_ids(layout):
    """(uid, gid) of the service user, created as a system user when absent."""
    try:
        entry = pwd.getpwnam(layout.user)
    except KeyError:
        say("creating system user %s" % layout.user)
        run(["useradd", "--system", "--user-group", "--home-dir", layout.state,
             "--no-create-home", "--shell", "/usr/sbin/nologin", layout.user])
        entry = pwd.getpwnam(layout.user)
    return entry.pw_uid, entry.pw_gid


# -- the release -------------------------------------------------------------

def build_release(layout):
    """A fresh virtual environment with progmoh installed (not editable) and compiled."""
    release = layout.prefix / "releases" / (time.strftime("%Y%m%dT%H%M%S-") + str(os.getpid()))
    say("building %s" % release)
    run([layout.python, "-m", "venv", release])
    with tempfile.TemporaryDirectory(prefix="progmoh-src-") as tmp:
        source = Path(tmp) / "src"
        shutil.copytree(CHECKOUT, source, ignore=SKIP_IN_COPY)
        run([release / "bin" / "python", "-m", "pip", "install", "-q",
             "--disable-pip-version-check", source], cwd=tmp)
    site = site_packages(release)
    (site / "progmoh" / "cli" / "installed.py").write_text(INSTALLED_MODULE.format(
        etc=str(layout.etc), state=str(layout.state), run=str(layout.run), user=layout.user,
        executable=str(layout.venv / "bin" / "progmoh"), argv=layout.player_argv()))
    compile_bytecode(site)
    return release


def site_packages(venv):
    found = sorted(venv.glob("lib/python3*/site-packages"))
    if len(found) != 1:
        raise SystemExit("progmoh install: expected one site-packages in %s, found %d"
                         % (venv, len(found)))
    return found[0]


def compile_bytecode(folder):
    """Every module compiled now: players cannot write bytecode into the install
    tree, and Asterisk may pass PYTHONDONTWRITEBYTECODE on.  Twice: as usual, and
    without docstrings (optimize=2) for the player's own finder (lean_import.py)."""
    sys.dont_write_bytecode = False
    if not compileall.compile_dir(str(folder), quiet=1, workers=0, optimize=[0, 2]):
        raise SystemExit("progmoh install: compiling %s failed" % folder)


def switch(layout, release):
    """Point PREFIX/venv at ``release`` in one rename, then drop older releases."""
    link = layout.prefix / "venv.new"
    if link.is_symlink():
        link.unlink()
    link.symlink_to(release.relative_to(layout.prefix))
    os.replace(link, layout.venv)
    for old in (layout.prefix / "releases").iterdir():
        if old != release:
            shutil.rmtree(old)


def write_entry_points(layout):
    site = site_packages(layout.venv)
    finder = importlib.util.cache_from_source(
        str(site / "progmoh" / "player" / "play" / "lean_import.py"), optimization=2)
    text = ENTRY_SCRIPT.format(python=layout.player_argv()[0], script=layout.entry_script,
                               site=str(site), finder=finder)
    write_file(layout.entry_script, text, 0o755)
    link(layout.prefix / "bin" / "progmoh", layout.venv / "bin" / "progmoh")
    layout.bindir.mkdir(parents=True, exist_ok=True)
    link(layout.bindir / "progmoh", layout.prefix / "bin" / "progmoh")


def write_file(path, text, mode):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def link(path, target):
    tmp = path.with_name(path.name + ".new")
    if tmp.is_symlink():
        tmp.unlink()
    tmp.symlink_to(target)
    os.replace(tmp, path)


# -- system folders ----------------------------------------------------------

def make_folder(path, uid, gid, mode):
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, uid, gid)
    os.chmod(path, mode)


def system_folders(layout, uid, gid):
    make_folder(layout.etc, 0, gid, 0o750)
    make_folder(layout.state, uid, gid, 0o750)
    make_folder(layout.state / "music", uid, gid, 0o2755)
    for name in ("classes", "advice", "prompts"):
        make_folder(layout.state / "music" / name, uid, gid, 0o2755)
    cache = layout.state / "cache"
    make_folder(cache, uid, gid, 0o2770)
    repair_cache(cache, gid)
    make_folder(layout.run, uid, gid, 0o750)


def repair_cache(cache, gid):
    """A cache rendered before this install (files 0600) becomes readable by the group."""
    for folder, dirs, files in os.walk(cache):
        for name in dirs:
            path = os.path.join(folder, name)
            os.chown(path, -1, gid)
            os.chmod(path, 0o2770)
        for name in files:
            path = os.path.join(folder, name)
            os.chown(path, -1, gid)
            os.chmod(path, os.stat(path).st_mode & 0o777 | 0o040)


def write_config(layout, uid, gid):
    """ETCDIR/progmoh.toml from the example with this install's paths; never overwritten.
    Owned by the service user, mode 0600: it will hold secrets, and serve refuses a
    file with secrets that anyone else can read."""
    config = layout.etc / "progmoh.toml"
    if config.exists():
        say("keeping %s" % config)
        return
    tmp = layout.etc / "progmoh.toml.new"
    run([layout.venv / "bin" / "python", "-m", "progmoh.cli.install_files", "config",
         CHECKOUT / "progmoh.example.toml", tmp])
    os.chown(tmp, uid, gid)
    os.chmod(tmp, 0o600)
    os.replace(tmp, config)
    say("wrote %s" % config)


def write_units(layout):
    run([layout.venv / "bin" / "python", "-m", "progmoh.cli.install_files", "units",
         layout.systemd])
    if systemd_is_live(layout):
        run(["systemctl", "daemon-reload"])
        run(["systemctl", "try-restart", "progmoh-serve.service", "progmoh-render.service"])


def systemd_is_live(layout):
    return layout.systemd == Path("/etc/systemd/system") and os.path.isdir("/run/systemd/system")


# -- commands -----------------------------------------------------------------

def install(layout):
    uid, gid = service_ids(layout)
    (layout.prefix / "releases").mkdir(parents=True, exist_ok=True)
    os.chmod(layout.prefix, 0o755)
    release = build_release(layout)
    switch(layout, release)
    write_entry_points(layout)
    system_folders(layout, uid, gid)
    write_config(layout, uid, gid)
    write_units(layout)
    say("done: progmoh %s; the player runs as: %s" % (layout.venv.resolve().name,
                                                     " ".join(layout.player_argv())))


def uninstall(layout):
    for unit in ("progmoh-serve.service", "progmoh-render.service"):
        (layout.systemd / unit).unlink(missing_ok=True)
    if systemd_is_live(layout):
        run(["systemctl", "daemon-reload"])
    bin_link = layout.bindir / "progmoh"
    if bin_link.is_symlink() and str(os.readlink(bin_link)).startswith(str(layout.prefix)):
        bin_link.unlink()
    shutil.rmtree(layout.prefix, ignore_errors=True)
    shutil.rmtree(layout.run, ignore_errors=True)
    say("removed %s, %s and the units; kept %s, %s and user %s"
        % (layout.prefix, layout.run, layout.etc, layout.state, layout.user))


def arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("install", "uninstall"))
    for name, default in (("prefix", "/opt/progmoh"), ("etcdir", "/etc/progmoh"),
                          ("statedir", "/var/lib/progmoh"), ("rundir", "/run/progmoh"),
                          ("systemd-dir", "/etc/systemd/system"), ("bindir", "/usr/local/bin"),
                          ("service-user", "asterisk"), ("python", "/usr/bin/python3")):
        parser.add_argument("--" + name, default=default)
    return parser.parse_args(argv)


def main(argv=None):
    args = arguments(sys.argv[1:] if argv is None else argv)
    layout = Layout(args)
    for path in (layout.prefix, layout.etc, layout.state, layout.run):
        if not path.is_absolute():
            raise SystemExit("progmoh install: %s must be an absolute path" % path)
    if args.command == "install":
        install(layout)
    else:
        uninstall(layout)


if __name__ == "__main__":
    main()
