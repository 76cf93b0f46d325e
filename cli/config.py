"""Read the TOML configuration into the packages' frozen settings.

Checked against ``cli.defaults``: unknown keys and wrong types are errors
that name the file and the dotted key, so a typo never silently falls back
to a default.
"""

import copy
import math
import os
import re
import stat
import sys
import tomllib
from dataclasses import dataclass
from datetime import time
from pathlib import Path

from progmoh.cache.errors import ProgmohError
from progmoh.cache.settings import CacheSettings
from progmoh.cli import paths
from progmoh.cli.defaults import (
    DEFAULTS, INSTALLED_PATHS, OPEN_SECTIONS, OPEN_TABLES, SECRET_KEYS,
)
from progmoh.player.serve.settings import (
    AmiSettings, BillingFields, BillingSettings, KeySettings, RewriteRule,
    ServeSettings, StoreSettings,
)
from progmoh.player.play.defaults import LEAD_MS_MAX, LEAD_MS_MIN
from progmoh.player.settings import ProgramSettings
from progmoh.player.words.vocabulary import LANGUAGES
from progmoh.renderer.settings import Daypart, LibrarySettings, RenderSettings

PROJECT_DIR = Path(paths.CHECKOUT_DIR).resolve()
ENV_VAR = "PROGMOH_CONFIG"

# The element type of every array: an empty default says nothing about its items.
LIST_ITEMS = {
    ("render", "languages"): str,
    ("serve", "asterisk_executables"): str,
    ("billing", "command"): str,
    ("billing", "rewrite"): dict,
}
DTMF_KEYS = "0123456789*#"
# Lowest allowed port; 0 picks a free port.
PORTS = {("serve", "port"): 0, ("serve", "metrics_port"): 0, ("ami", "port"): 1}
# The lowest sane value of each duration (and count) that has one, each
# explained in progmoh.example.toml; every other number must be >= 0.
LOWER_BOUNDS = {
    ("render", "slot_spacing_s"): 2.0,      # an advice's fades alone take about that
    ("render", "max_position"): 1,
    ("render", "tts_timeout_s"): 5.0,       # one Festival start costs 0.2-0.5 s
    ("cache", "gc_grace_hours"): 1.0,       # a generation must outlast any call playing it
    ("serve", "call_grace_s"): 10.0,        # app_queue restarts the player within a call
    ("keys", "position_every_s"): 10.0,     # or 0: off
    ("ami", "ping_s"): 1.0,
    ("ami", "resync_s"): 5.0,
    ("ami", "reconnect_max_s"): 1.0,
    ("billing", "timeout_s"): 0.1,
    ("store", "timeout_s"): 0.05,
}
ZERO_TURNS_OFF = frozenset({("keys", "position_every_s")})


class ConfigError(ProgmohError):
    """A configuration file that cannot be used; the message says where."""


@dataclass(frozen=True)
class PlayerSettings:
    lead_ms: int
    log: str


@dataclass(frozen=True)
class Config:
    source: Path | None
    values: dict                # the merged tree, for `config check`
    library: LibrarySettings
    render: RenderSettings
    program: ProgramSettings
    cache: CacheSettings
    player: PlayerSettings
    serve: ServeSettings
    keys: KeySettings
    ami: AmiSettings
    billing: BillingSettings
    store: StoreSettings


def config_path(option: str | None) -> Path | None:
    """The file chosen by ``--config``, else ``$PROGMOH_CONFIG``, else an install's
    ``ETCDIR/progmoh.toml``, else none (the defaults)."""
    chosen = option or os.environ.get(ENV_VAR) or paths.config_file()
    return Path(chosen) if chosen else None


def defaults() -> dict:
    """A fresh copy of the defaults: the demo's in a checkout, system paths in an install."""
    values = copy.deepcopy(DEFAULTS)
    if paths.is_installed():
        for (section, key), template in INSTALLED_PATHS.items():
            values[section][key] = paths.fill(template)
    return values


def default_base() -> Path:
    """What relative paths resolve against when there is no configuration file."""
    return Path(paths.installed.ETC_DIR) if paths.is_installed() else PROJECT_DIR


def load(path: Path | None) -> Config:
    """Load ``path`` (or the defaults when None) into settings."""
    user = _read_toml(path) if path else {}
    where = str(path) if path else "defaults"
    values = _merge(defaults(), user, where, ())
    base = path.resolve().parent if path else default_base()
    return _build(values, base, path, where)


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a configuration file") from None
    except PermissionError:
        raise ConfigError(f"{path}: not readable (permission denied)") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None


def _merge(defaults: dict, user: dict, where: str, prefix: tuple) -> dict:
    for key, value in user.items():
        dotted = ".".join(prefix + (key,))
        if prefix + (key,) in OPEN_TABLES or (not prefix and key in OPEN_SECTIONS):
            # dayparts replace the demo's windows; voices override per language
            _check_open_table(value, where, dotted)
            keep = defaults[key] if prefix + (key,) in OPEN_TABLES else {}
            defaults[key] = dict(keep, **value)
            continue
        if key not in defaults:
            raise ConfigError(f"{where}: unknown key '{dotted}'")
        defaults[key] = _checked(defaults[key], value, where, dotted, prefix + (key,))
    return defaults


def _checked(default, value, where, dotted, path):
    if isinstance(default, dict):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: '{dotted}' must be a table, not {_kind(value)}")
        return _merge(default, value, where, path)
    if isinstance(default, bool) != isinstance(value, bool):
        raise ConfigError(f"{where}: '{dotted}' must be {_kind(default)}, not {_kind(value)}")
    if isinstance(default, float) and isinstance(value, int):
        return float(value)
    if not isinstance(value, type(default)):
        raise ConfigError(f"{where}: '{dotted}' must be {_kind(default)}, not {_kind(value)}")
    if isinstance(default, list):
        _check_items(value, LIST_ITEMS[path], where, dotted)
    return value


def _check_items(items: list, kind: type, where: str, dotted: str) -> None:
    for index, item in enumerate(items):
        if not isinstance(item, kind):
            raise ConfigError(f"{where}: '{dotted}[{index}]' must be {_kind(kind())}, "
                              f"not {_kind(item)}")


def _check_open_table(value, where, dotted):
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: '{dotted}' must be a table, not {_kind(value)}")
    for key, item in value.items():
        if not isinstance(item, str):
            raise ConfigError(f"{where}: '{dotted}.{key}' must be a string, not {_kind(item)}")


def _kind(value) -> str:
    names = {bool: "true or false", int: "an integer", float: "a number",
             str: "a string", list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _build(values: dict, base: Path, source: Path | None, where: str) -> Config:
    v = values
    _check_numbers(v, where)
    _check_keys(v["keys"], where)
    cache_dir = _path(base, v["cache"]["dir"])
    player_log = _log_target(base, v["player"]["log"])
    return Config(
        source=source, values=values,
        library=_library(v, base, where),
        render=_render(v["render"], where),
        program=ProgramSettings(**v["program"]),
        cache=CacheSettings(root=cache_dir, gc_grace_s=v["cache"]["gc_grace_hours"] * 3600),
        player=PlayerSettings(lead_ms=_lead_ms(v["player"]["lead_ms"], where), log=player_log),
        serve=_serve(v["serve"], base, cache_dir, player_log, v["player"]["lead_ms"],
                     v["render"]["languages"], where),
        keys=KeySettings(**v["keys"]),
        ami=AmiSettings(**v["ami"]),
        billing=_billing(v["billing"], where),
        store=StoreSettings(url=_store_url(v["store"]["url"], base, where),
                            timeout_s=v["store"]["timeout_s"]),
    )


def _check_numbers(v: dict, where: str) -> None:
    """Levels in dB are at most 0; every other number is a count, size or time, never negative."""
    for section, values in v.items():
        for key, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            _check_number(section, key, value, where)
    r = v["render"]
    if not 0 < r["band_low_hz"] < r["band_high_hz"] <= 4000:
        raise ConfigError(f"{where}: 'render.band_low_hz' and 'render.band_high_hz' must satisfy "
                          f"0 < low < high <= 4000 (8 kHz audio), not {r['band_low_hz']} and "
                          f"{r['band_high_hz']}")


def _check_number(section: str, key: str, value, where: str) -> None:
    dotted = f"{section}.{key}"
    if not math.isfinite(value):
        raise ConfigError(f"{where}: '{dotted}' must be a finite number, not {value}")
    if (section, key) in LOWER_BOUNDS:
        _check_bound(section, key, value, where)
    elif (section, key) in PORTS:
        low = PORTS[section, key]
        if not low <= value <= 65535:
            raise ConfigError(f"{where}: '{dotted}' must be a port {low}..65535, not {value}")
    elif key.endswith(("_db", "_dbfs")):
        if value > 0:
            raise ConfigError(f"{where}: '{dotted}' is a level in dB and must be <= 0, "
                              f"not {value}")
    elif value < 0:
        raise ConfigError(f"{where}: '{dotted}' must be >= 0, not {value}")


def _check_bound(section: str, key: str, value, where: str) -> None:
    low = LOWER_BOUNDS[section, key]
    if value >= low or (value == 0 and (section, key) in ZERO_TURNS_OFF):
        return
    need = f"0 (off) or at least {low}" if (section, key) in ZERO_TURNS_OFF else f"at least {low}"
    raise ConfigError(f"{where}: '{section}.{key}' must be {need}, not {value}")


def _check_keys(keys: dict, where: str) -> None:
    chosen = {}
    for name in ("balance", "next_music", "position", "wait"):
        digit = keys[name]
        if len(digit) != 1 or digit not in DTMF_KEYS:
            raise ConfigError(f"{where}: 'keys.{name}' must be one DTMF key "
                              f"(0-9, * or #), not {digit!r}")
        if digit in chosen:
            raise ConfigError(f"{where}: 'keys.{name}' and 'keys.{chosen[digit]}' "
                              f"are both {digit!r}")
        chosen[digit] = name


def _path(base: Path, value: str) -> Path:
    return (base / os.path.expanduser(value)).resolve()


def _log_target(base: Path, value: str) -> str:
    return value if value in ("", "syslog") else str(_path(base, value))


def _lead_ms(value: int, where: str) -> int:
    if not LEAD_MS_MIN <= value <= LEAD_MS_MAX:
        raise ConfigError(f"{where}: 'player.lead_ms' must be between {LEAD_MS_MIN} and "
                          f"{LEAD_MS_MAX}, not {value}")
    return value


def _library(v: dict, base: Path, where: str) -> LibrarySettings:
    lib = v["library"]
    dayparts = tuple(_daypart(name, text, where) for name, text in sorted(v["dayparts"].items()))
    return LibrarySettings(
        music_dir=_path(base, lib["music_dir"]), advice_dir=_path(base, lib["advice_dir"]),
        prompts_dir=_path(base, lib["prompts_dir"]), default_class=lib["default_class"],
        dayparts=dayparts, languages=tuple(v["render"]["languages"]))


_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _daypart(name: str, text: str, where: str) -> Daypart:
    match = _WINDOW.match(text)
    try:
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        return Daypart(name, time(h1 % 24, m1), time(h2 % 24, m2))
    except (AttributeError, ValueError):
        raise ConfigError(
            f"{where}: 'dayparts.{name}' must look like \"06:00-10:00\", not {text!r}") from None


def _render(r: dict, where: str) -> RenderSettings:
    languages = tuple(r["languages"])
    unknown = [lang for lang in languages if lang not in LANGUAGES]
    if unknown:
        raise ConfigError(f"{where}: 'render.languages' must hold only {', '.join(LANGUAGES)}, "
                          f"not {unknown[0]!r}")
    missing = [lang for lang in languages if not r["voices"].get(lang, "").strip()]
    if missing:
        raise ConfigError(f"{where}: 'render.voices' has no voice for language {missing[0]!r}")
    if len(r["schedule"].split()) != 5:
        raise ConfigError(f"{where}: 'render.schedule' must be a five-field cron expression, "
                          f"not {r['schedule']!r}")
    fields = dict(r, languages=languages, voices=tuple(sorted(r["voices"].items())))
    return RenderSettings(**fields)


def _socket_mode(s: dict, key: str, where: str) -> int:
    try:
        mode = int(s[key], 8)
    except ValueError:
        raise ConfigError(f"{where}: 'serve.{key}' must be octal like \"0660\", "
                          f"not {s[key]!r}") from None
    if mode & 0o002:
        raise ConfigError(f"{where}: 'serve.{key}' {s[key]} is world-writable")
    return mode


def _serve(s: dict, base, cache_dir, player_log, lead_ms, languages, where) -> ServeSettings:
    mode = _socket_mode(s, "socket_mode", where)
    if s["language"] not in languages:
        raise ConfigError(f"{where}: 'serve.language' must be one of render.languages "
                          f"({', '.join(languages)}), not {s['language']!r}")
    executable = _path(base, s["executable"]) if s["executable"] else _default_executable()
    for item in s["asterisk_executables"]:
        if not os.path.isabs(item):
            raise ConfigError(f"{where}: 'serve.asterisk_executables' must hold absolute paths, "
                              f"not {item!r}")
    player_argv = () if s["executable"] else paths.player_argv()
    return ServeSettings(
        listen=s["listen"], port=s["port"], prefix="/" + s["prefix"].strip("/"),
        executable=executable, socket_path=_path(base, s["socket"]), socket_mode=mode,
        asterisk_executables=tuple(s["asterisk_executables"]), language=s["language"],
        call_grace_s=s["call_grace_s"], log=_log_target(base, s["log"]),
        cache_dir=cache_dir, player_log=player_log, lead_ms=lead_ms,
        metrics_enabled=s["metrics_enabled"], metrics_listen=s["metrics_listen"],
        metrics_port=s["metrics_port"], status_socket=_path(base, s["status_socket"]),
        status_socket_mode=_socket_mode(s, "status_socket_mode", where),
        languages=tuple(languages), player_argv=player_argv)


def _default_executable() -> Path:
    """The install's progmoh, else the one beside this interpreter: systemd and
    Asterisk exec it by absolute path."""
    return Path(paths.executable() or Path(sys.executable).parent / "progmoh")


def _billing(b: dict, where: str) -> BillingSettings:
    for key, allowed in (("backend", ("none", "http", "command")), ("auth", ("none", "basic", "bearer"))):
        if b[key] not in allowed:
            raise ConfigError(f"{where}: 'billing.{key}' must be one of {', '.join(allowed)}, "
                              f"not {b[key]!r}")
    rules = tuple(_rewrite_rule(rule, i, where) for i, rule in enumerate(b["rewrite"]))
    return BillingSettings(**dict(b, command=tuple(str(a) for a in b["command"]), rewrite=rules,
                                  fields=BillingFields(**b["fields"])))


def _rewrite_rule(rule, index: int, where: str) -> RewriteRule:
    if not isinstance(rule, dict) or set(rule) != {"match", "replace"}:
        raise ConfigError(f"{where}: 'billing.rewrite[{index}]' must be a table with "
                          f"'match' and 'replace'")
    for key in ("match", "replace"):
        if not isinstance(rule[key], str):
            raise ConfigError(f"{where}: 'billing.rewrite[{index}].{key}' must be a string, "
                              f"not {_kind(rule[key])}")
    try:
        re.compile(rule["match"])
    except re.error as error:
        raise ConfigError(f"{where}: 'billing.rewrite[{index}].match' is not a valid "
                          f"regular expression: {error}") from None
    return RewriteRule(match=str(rule["match"]), replace=str(rule["replace"]))


def _store_url(url: str, base: Path, where: str) -> str:
    if url.startswith("sqlite:///"):
        return "sqlite:///" + str(_path(base, url[len("sqlite:///"):]))
    if url.startswith(("mysql://", "mariadb://")):
        return url
    raise ConfigError(f"{where}: 'store.url' must start with sqlite:/// or mysql://")


def masked(values: dict) -> dict:
    """The merged tree with every secret replaced, safe to print."""
    shown = copy.deepcopy(values)
    for section, key in SECRET_KEYS:
        value = shown[section][key]
        if section == "store":
            shown[section][key] = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1****@", value)
        elif value:
            shown[section][key] = "****"
    return shown


def loose_permissions(path: Path | None, values: dict) -> str | None:
    """A warning when a file holding secrets can be read by group or others."""
    if path is None or not any(_has_secret(values, s, k) for s, k in SECRET_KEYS):
        return None
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        return (f"{path} holds secrets but its mode is {mode:04o}; "
                f"run: chmod 600 {path}")
    return None


def _has_secret(values: dict, section: str, key: str) -> bool:
    value = values[section][key]
    if section == "store":
        return bool(re.search(r"://[^:/@]*:[^@]+@", value))
    return bool(value)
