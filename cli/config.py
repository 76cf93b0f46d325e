"""The configuration: one TOML file read into the packages' frozen settings.

``Config`` is the model's top: each field is a section, and each section's
keys are declared once, on the settings class of the package that uses them
(cache/declared.py says how).  Loading, ``config check``, the example file and
every error message come from those declarations (cli/config_reader.py).
"""

import copy
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from progmoh.cache.declared import (
    DAYPART,
    URL_PASSWORD,
    WHOLE,
    Entry,
    Key,
    OpenTable,
    declared,
    open_table,
    table,
)
from progmoh.cache.settings import CacheSettings
from progmoh.cli import paths
from progmoh.cli.config_reader import ConfigError, Reader, build, declared_keys, is_table
from progmoh.cli.config_values import Refusal, check_rules
from progmoh.player.programs import DEFAULT_PROGRAM, valid_program
from progmoh.player.serve.say_keys import BILLING, check_program, table_name
from progmoh.player.serve.settings import (
    AmiSettings,
    BillingSettings,
    CallbackSettings,
    ControlPlaneSettings,
    KeySettings,
    LookupSettings,
    SayKey,
    ServeProgram,
    ServeSettings,
    StoreSettings,
    lookups_table,
    phrases_table,
    say_table,
)
from progmoh.player.settings import PlayerSettings, ProgramSettings
from progmoh.renderer.settings import (
    Daypart,
    LibrarySettings,
    RenderProgram,
    RenderSettings,
    texts_table,
)

__all__ = ["DEFAULT_PROGRAM", "Config", "ConfigError", "ProgramConfig", "config_path",
           "default_base", "defaults", "installed_defaults", "load", "loose_permissions",
           "masked"]

PROJECT_DIR = Path(paths.CHECKOUT_DIR).resolve()
ENV_VAR = "PROGMOH_CONFIG"


INHERITED_TABLES = ("library", "program", "keys", "callback")   # a key replaces the top's
INHERITED_ENTRIES = ("say", "lookups", "phrases")      # a program's entry replaces the top's
TEXTS = "texts"                                         # merged per language, key by key


@dataclass(frozen=True, kw_only=True)
class ProgramConfig:
    """One named program of ``[programs.<name>]``.  Its tables start from the top-level
    ones (``load`` merges them before reading), so a program names only what differs."""
    library: LibrarySettings = table()
    program: ProgramSettings = table()
    keys: KeySettings = table()
    callback: CallbackSettings = table()
    language: str = declared(
        "en", help="Language of this program's announcements (one of render.languages); "
                   "serve.language when not given.")
    say: tuple[tuple[str, SayKey], ...] = say_table()
    lookups: tuple[tuple[str, LookupSettings], ...] = lookups_table()
    phrases: tuple[tuple[str, dict[str, str]], ...] = phrases_table()
    texts: tuple[tuple[str, dict[str, str]], ...] = texts_table()

    def serve_program(self, name: str) -> ServeProgram:
        return ServeProgram(name, self.keys, self.language, self.say, self.lookups, self.phrases,
                            self.callback)

    def render_program(self, name: str) -> RenderProgram:
        return RenderProgram(name, self.library, self.program, self.texts)


@dataclass(frozen=True, kw_only=True)
class Config:
    """Everything one file sets, a section per field.  ``[dayparts]`` is a section of its
    own, so it is declared here; the library settings hold it by reference."""
    library: LibrarySettings = table()
    dayparts: tuple[Daypart, ...] = open_table(
        Entry("morning", "06:00-10:00", "Early callers."),
        Entry("day", "10:00-18:00", "Working hours."),
        Entry("evening", "18:00-23:00", "After work."),
        keep_defaults=False, read_as=DAYPART,
        help='Named daily windows "HH:MM-HH:MM" in local time that advice items can be '
             "limited to; an end before the start wraps past midnight.  The names are yours: "
             "add, rename or remove windows freely.")
    render: RenderSettings = table()
    program: ProgramSettings = table()
    cache: CacheSettings = table()
    player: PlayerSettings = table()
    serve: ServeSettings = table()
    keys: KeySettings = table()
    callback: CallbackSettings = table(
        help="Callbacks that keep the caller's place, offered by keys.callback (off by "
             "default); each program may have its own [programs.<name>.callback].")
    ami: AmiSettings = table()
    billing: BillingSettings = table()
    store: StoreSettings = table()
    say: tuple[tuple[str, SayKey], ...] = say_table()
    lookups: tuple[tuple[str, LookupSettings], ...] = lookups_table()
    phrases: tuple[tuple[str, dict[str, str]], ...] = phrases_table()
    texts: tuple[tuple[str, dict[str, str]], ...] = texts_table()
    programs: tuple[tuple[str, ProgramConfig], ...] = open_table(
        keep_defaults=False, item=ProgramConfig,
        help="Programs: one per queue or tenant, chosen in the dialplan by the class name "
             "progmoh-<program>-${UNIQUEID} (`progmoh asterisk-config` prints the lines).  "
             "The top-level [library], [program] and [keys] tables and serve.language are "
             "the program named \"default\" (progmoh-${UNIQUEID}); a [programs.<name>] table "
             "(name: a-z, 0-9 and _, at most 32, starting with a letter) has "
             "[programs.<name>.library], .program and .keys tables and a language key, each "
             "starting from the top-level value, so it names only what differs.  Example:\n"
             "[programs.sales.library] advice_dir = \"music/sales\"\n"
             "[programs.sales.keys] balance = \"\"   (no balance key in sales)")
    source: Path | None = None
    values: dict = field(default_factory=dict, repr=False)   # the effective tree (secrets in it)

    def program_configs(self) -> dict[str, ProgramConfig]:
        """Every program by name, the default one (the top-level tables) first."""
        default = ProgramConfig(library=self.library, program=self.program, keys=self.keys,
                                callback=self.callback, language=self.serve.language, say=self.say,
                                lookups=self.lookups, phrases=self.phrases, texts=self.texts)
        return {DEFAULT_PROGRAM: default, **dict(self.programs)}

    @property
    def control_plane(self) -> ControlPlaneSettings:
        programs = tuple(program.serve_program(name)
                         for name, program in self.program_configs().items())
        return ControlPlaneSettings(self.serve, self.keys, self.ami, self.billing, self.store,
                                    programs)


def config_path(option: str | None) -> Path | None:
    """The file chosen by ``--config``, else ``$PROGMOH_CONFIG``, else an install's
    ``ETCDIR/progmoh.toml``, else none (the defaults)."""
    chosen = option or os.environ.get(ENV_VAR) or paths.config_file()
    return Path(chosen) if chosen else None


def default_base() -> Path:
    """What relative paths resolve against when there is no configuration file."""
    return Path(paths.installed.ETC_DIR) if paths.is_installed() else PROJECT_DIR


def defaults() -> dict:
    """The effective tree of an empty file: the demo's in a checkout, system paths in an install."""
    return Reader("defaults", default_base()).table(Config, {}, ()).values


def load(path: Path | None) -> Config:
    """Load ``path`` (or the defaults when None) into settings."""
    given = _read_toml(path) if path else {}
    where = str(path) if path else "defaults"
    base = path.resolve().parent if path else default_base()
    given = _programs_inherit(given, where)
    read = Reader(where, base).table(Config, given, ())
    try:
        check_rules(read.values)
    except Refusal as refusal:
        raise ConfigError(f"{where}: {refusal}") from None
    config = build(read, base, source=path, values=read.values)
    problems = [problem for name, program in config.program_configs().items()
                for problem in _program_problems(name, program, config.render)]
    if problems:
        raise ConfigError(f"{where}: " + f"\n{where}: ".join(problems))
    return config


def _program_problems(name: str, program: ProgramConfig, render: RenderSettings) -> list[str]:
    """What a program's say keys, lookups, phrases and texts would get wrong at call time."""
    problems = [f"'{table_name(name, 'lookups')}.{BILLING}': the lookup {BILLING!r} is the "
                f"[billing] table" for lookup, _ in program.lookups if lookup == BILLING]
    return problems + check_program(program.serve_program(name), dict(program.texts),
                                    render.languages, render.max_position)


def _programs_inherit(given: dict, where: str) -> dict:
    """The file's tree with each program's tables starting from the top-level ones."""
    programs = given.get("programs")
    if not isinstance(programs, dict):
        return given
    for name, table_value in programs.items():
        if name == DEFAULT_PROGRAM or not valid_program(name):
            raise ConfigError(
                f"{where}: program name {name[:40]!r} in [programs] must be a-z, 0-9 and _, at "
                f"most 32, starting with a letter, and not {DEFAULT_PROGRAM!r} (the top-level "
                f"tables are the default program)")
        if not isinstance(table_value, dict):
            raise ConfigError(f"{where}: 'programs.{name}' must be a table")
    merged = {name: _inherited(given, table_value) for name, table_value in programs.items()}
    return dict(given, programs=merged)


def _inherited(given: dict, program: dict) -> dict:
    tables = {key: {**_table_of(given, key), **program[key]} if isinstance(program.get(key), dict)
              else program.get(key, _table_of(given, key)) for key in INHERITED_TABLES}
    language = program.get("language", _table_of(given, "serve").get("language"))
    entries = {key: {**_table_of(given, key), **program[key]} if isinstance(program.get(key), dict)
               else program.get(key, _table_of(given, key)) for key in INHERITED_ENTRIES}
    merged = dict(program, **tables, **entries, texts=_texts_inherited(given, program))
    if language is not None:
        merged["language"] = language
    return merged


def _texts_inherited(given: dict, program: dict):
    """The top's texts with the program's laid over them, language by language, key by key."""
    own = program.get(TEXTS, {})
    if not isinstance(own, dict):
        return own                      # refused by the reader, naming the key
    merged = {language: dict(texts) for language, texts in _table_of(given, TEXTS).items()
              if isinstance(texts, dict)}
    for language, texts in own.items():
        merged[language] = {**merged.get(language, {}), **texts} if isinstance(texts, dict) \
            else texts
    return merged


def _table_of(tree: dict, key: str) -> dict:
    value = tree.get(key, {})
    return value if isinstance(value, dict) else {}


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


def installed_defaults() -> dict[tuple[str, str], str]:
    """(dotted table, key) -> this install's default, for each key whose default differs."""
    return {(".".join(d.path[:-1]), d.path[-1]): paths.fill(d.spec.installed)
            for d in declared_keys(Config) if isinstance(d.spec, Key) and d.spec.installed}


_URL_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


def _secrets(values: dict, kind: type = Config):
    """(table, key, how it is hidden) of every secret, its table in ``values``, also inside
    open tables of declared tables (``[lookups.<name>]``, ``[programs.<name>.lookups]``)."""
    for found in declared_keys(kind):
        if isinstance(found.spec, Key) and found.spec.secret:
            table_values = _at(values, found.path[:-1])
            if table_values is not None:
                yield table_values, found.path[-1], found.spec.secret
        elif isinstance(found.spec, OpenTable) and is_table(found.spec.item):
            entries = _at(values, found.path)
            for entry in (entries or {}).values():
                if isinstance(entry, dict):
                    yield from _secrets(entry, found.spec.item)


def _at(values: dict, path: tuple[str, ...]) -> dict | None:
    found: object = values
    for key in path:
        found = found.get(key) if isinstance(found, dict) else None
    return found if isinstance(found, dict) else None


def masked(values: dict) -> dict:
    """The effective tree with every secret replaced, safe to print."""
    shown = copy.deepcopy(values)
    for table_values, key, how in _secrets(shown):
        if how == URL_PASSWORD:
            table_values[key] = _URL_PASSWORD.sub(r"\1****@", table_values[key])
        elif table_values[key]:
            table_values[key] = "****"
    return shown


def loose_permissions(path: Path | None, values: dict) -> str | None:
    """A warning when a file holding secrets can be read by group or others."""
    if path is None or not any(_has_secret(t[k], how) for t, k, how in _secrets(values)):
        return None
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        return (f"{path} holds secrets but its mode is {mode:04o}; "
                f"run: chmod 600 {path}")
    return None


def _has_secret(value: str, how: str) -> bool:
    if how == URL_PASSWORD:
        return bool(re.search(r"://[^:/@]*:[^@]+@", value))
    return how == WHOLE and bool(value)

