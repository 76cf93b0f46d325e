"""The configuration model: each key declared once, facts shared by reference, and tables
that nest (a later ``[programs.sales]`` with its own ``[programs.sales.keys]``)."""

import dataclasses
from pathlib import Path

import pytest

from progmoh.cache.declared import (
    DTMF,
    Entry,
    Key,
    declared,
    open_table,
    table,
)
from progmoh.cache.errors import ProgmohError
from progmoh.cli.config import Config, ConfigError, load, loose_permissions, masked
from progmoh.cli.config_reader import Reader, build, declared_keys
from progmoh.cli.config_values import CHECKS, READERS
from progmoh.player.play.defaults import LEAD_MS, LEAD_MS_MAX, LEAD_MS_MIN, PROGRAM_DEFAULTS
from progmoh.player.settings import PlayerSettings, ProgramSettings
from tests.support.config_file import write


def test_a_configuration_error_is_a_progmoh_error(tmp_path):
    assert issubclass(ConfigError, ProgmohError)
    with pytest.raises(ProgmohError):
        load(write(tmp_path, "[cache]\ndri = 1\n"))


def test_serve_reads_the_player_cache_and_languages_through_not_copies(tmp_path):
    config = load(write(tmp_path, '[cache]\ndir = "elsewhere"\n[player]\nlead_ms = 300\n'
                                  'log = "p.log"\n[render]\nlanguages = ["ru"]\n'
                                  '[serve]\nlanguage = "ru"\n'))
    assert config.serve.player is config.player and config.serve.cache is config.cache
    assert (config.serve.cache_dir, config.serve.lead_ms, config.serve.player_log) == (
        tmp_path / "elsewhere", 300, str(tmp_path / "p.log"))
    assert config.serve.languages == config.library.languages == config.render.languages == ("ru",)
    assert config.library.dayparts == config.dayparts


def test_the_program_and_the_lead_are_the_players_own_defaults():
    """The player's defaults and ranges are written once, in player/play/defaults.py; the
    configuration's declarations take them from there and name every one of them."""
    assert [f.name for f in dataclasses.fields(ProgramSettings)] == list(PROGRAM_DEFAULTS)
    assert dataclasses.asdict(ProgramSettings()) == PROGRAM_DEFAULTS
    lead = dataclasses.fields(PlayerSettings)[0].metadata["progmoh.config"]
    assert (PlayerSettings.lead_ms, lead.low, lead.high) == (LEAD_MS, LEAD_MS_MIN, LEAD_MS_MAX)
    assert load(None).program == ProgramSettings()


def test_every_key_has_help_and_a_known_reader_and_check():
    found = list(declared_keys(Config))
    assert len(found) > 70
    for one in found:
        assert one.spec.help.strip(), one.path
        if isinstance(one.spec, Key):
            assert not one.spec.read_as or one.spec.read_as in READERS, one.path
            assert not one.spec.check or one.spec.check in CHECKS, one.path


def test_every_declared_secret_is_masked_and_makes_the_file_private(tmp_path):
    secrets = [one for one in declared_keys(Config)
               if isinstance(one.spec, Key) and one.spec.secret]
    assert {".".join(one.path) for one in secrets} == {
        "ami.secret", "billing.password", "billing.token", "store.url"}
    for one in secrets:
        section, key = one.path
        value = "mysql://u:hidden-pw@db/x" if key == "url" else "hidden-pw"
        path = write(tmp_path, f'[{section}]\n{key} = "{value}"\n')
        config = load(path)
        assert "hidden-pw" not in repr(masked(config.values)), one.path
        assert "hidden-pw" not in repr(config), one.path
        path.chmod(0o640)
        assert "holds secrets" in loose_permissions(path, config.values), one.path


# A model of the kind a later change adds: programs named by the user, each a declared
# table with its own sub-table, and numbers with an upper bound.
@dataclasses.dataclass(frozen=True, kw_only=True)
class Keys:
    balance: str = declared("2", check=DTMF, help="The balance key.")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Program:
    gap_s: float = declared(45.0, low=10.0, high=600.0, off=True, help="A gap.")
    keys: Keys = table(help="The program's keys.")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Programs:
    programs: tuple = open_table(Entry("main", {}, "The usual program."), keep_defaults=True,
                                 item=Program, help="Programs by name.")


def read(given: dict):
    return build(Reader("f.toml", Path("/")).table(Programs, given, ()), Path("/"))


@pytest.mark.parametrize("given, expected", [
    ({"programs": {"sales": {"gap_s": 700}}},
     "'programs.sales.gap_s' must be 0 (off) or between 10.0 and 600.0, not 700.0"),
    ({"programs": {"sales": {"gap_s": float("nan")}}},
     "'programs.sales.gap_s' must be a finite number, not nan"),
    ({"programs": {"sales": {"keys": {"balanse": "2"}}}},
     "unknown key 'programs.sales.keys.balanse'"),
    ({"programs": {"sales": {"keys": {"balance": 2}}}},
     "'programs.sales.keys.balance' must be a string, not an integer (2)"),
    ({"programs": {"sales": {"keys": {"balance": "22"}}}},
     "'programs.sales.keys.balance' must be one DTMF key (0-9, * or #) or \"\" (no key), not '22'"),
    ({"programs": {"sales": "loud"}}, "'programs.sales' must be a table, not a string (\"loud\")"),
])
def test_nested_declared_tables_name_the_dotted_key(given, expected):
    with pytest.raises(ConfigError) as error:
        read(given)
    assert str(error.value) == f"f.toml: {expected}"


def test_nested_declared_tables_build_frozen_settings():
    programs = read({"programs": {"sales": {"gap_s": 0, "keys": {"balance": "#"}}}}).programs
    assert programs == (("main", Program(gap_s=45.0, keys=Keys())),
                        ("sales", Program(gap_s=0.0, keys=Keys(balance="#"))))


def test_a_wrong_value_is_shown_cut_short(tmp_path):
    with pytest.raises(ConfigError) as error:
        load(write(tmp_path, f'[serve]\nport = "{"8" * 500}"\n'))
    assert str(error.value) == (f"{tmp_path / 'progmoh.toml'}: 'serve.port' must be an integer, "
                                f"not a string (\"{'8' * 36}...)")
