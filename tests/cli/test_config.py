"""Loading configuration: defaults, overrides, and errors that name file and key."""

import typing
from pathlib import Path

import pytest

from progmoh.cache.declared import Key
from progmoh.cli.config import Config, ConfigError, config_path, defaults, load
from progmoh.cli.config_reader import declared_keys
from tests.support.checkout import REPO
from tests.support.config_file import write

DEFAULTS = defaults()


def error_of(tmp_path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load(path)
    return str(error.value)


def test_defaults_give_the_demo_paths_inside_the_repo():
    config = load(None)
    repo = REPO
    assert config.source is None
    assert config.library.music_dir == repo / "music" / "classes"
    assert config.cache.root == repo / "var" / "cache"
    assert config.cache.gc_grace_s == 6 * 3600
    assert config.render.languages == ("en", "ru")
    assert config.store.url == f"sqlite:///{repo / 'var' / 'progmoh.db'}"


def test_file_overrides_and_paths_are_relative_to_the_file(tmp_path, home):
    path = write(tmp_path, '[cache]\ndir = "~/moh-cache"\ngc_grace_hours = 2\n'
                           '[library]\nmusic_dir = "lib/music"\n'
                           '[billing]\ncommand = ["/bin/balance", "{number}"]\n')
    config = load(path)
    assert config.source == path
    assert config.cache.root == home / "moh-cache"
    assert config.cache.gc_grace_s == 7200.0
    assert config.library.music_dir == tmp_path / "lib" / "music"
    assert config.billing.command == ("/bin/balance", "{number}")
    assert config.library.advice_dir == tmp_path / "music" / "advice"


def test_config_path_prefers_the_option_then_the_environment(monkeypatch):
    assert config_path(None) is None
    monkeypatch.setenv("PROGMOH_CONFIG", "/etc/progmoh.toml")
    assert config_path(None) == Path("/etc/progmoh.toml")
    assert config_path("mine.toml") == Path("mine.toml")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError) as error:
        load(tmp_path / "absent.toml")
    assert str(error.value) == f"{tmp_path / 'absent.toml'}: no such configuration file"


def test_bad_toml_names_file_and_line(tmp_path):
    message = error_of(tmp_path, '[cache]\ndir = "unterminated\n')
    assert message.startswith(f"{tmp_path / 'progmoh.toml'}: not valid TOML: ")
    assert "line 2" in message


@pytest.mark.parametrize("text, expected", [
    ('[cache]\ndri = "x"\n', "unknown key 'cache.dri'"),
    ('[cahce]\ndir = "x"\n', "unknown key 'cahce'"),
    ('[billing.fields]\nbalanse = "b"\n', "unknown key 'billing.fields.balanse'"),
    ('[cache]\ngc_grace_hours = "6"\n',
     "'cache.gc_grace_hours' must be a number, not a string (\"6\")"),
    ('[serve]\nport = "8088"\n', "'serve.port' must be an integer, not a string (\"8088\")"),
    ('[ami]\nenabled = 1\n', "'ami.enabled' must be true or false, not an integer (1)"),
    ('[serve]\nport = true\n', "'serve.port' must be an integer, not true"),
    ('cache = 5\n', "'cache' must be a table, not an integer (5)"),
    ('[render]\nlanguages = "en"\n', "'render.languages' must be an array, not a string (\"en\")"),
    ('[render.voices]\nen = 1\n', "'render.voices.en' must be a string, not an integer (1)"),
    ('[dayparts]\nnight = 22\n', "'dayparts.night' must be a string, not an integer (22)"),
])
def test_unknown_keys_and_wrong_types_name_the_key(tmp_path, text, expected):
    assert error_of(tmp_path, text) == f"{tmp_path / 'progmoh.toml'}: {expected}"


@pytest.mark.parametrize("text, expected", [
    ('[render]\nlanguages = ["en", 7]\n', "'render.languages[1]' must be a string, not an integer"),
    ('[billing]\ncommand = ["/bin/x", 5]\n',
     "'billing.command[1]' must be a string, not an integer"),
    ('[serve]\nasterisk_executables = [["asterisk"]]\n',
     "'serve.asterisk_executables[0]' must be a string, not an array"),
    ('[serve]\nasterisk_executables = ["asterisk"]\n',
     "'serve.asterisk_executables' must hold absolute paths, not 'asterisk'"),
    ('[billing]\nrewrite = ["^8"]\n', "'billing.rewrite[0]' must be a table, not a string"),
    ('[billing]\nrewrite = [{match = "^8"}]\n',
     "'billing.rewrite[0]' must be a table with 'match' and 'replace'"),
    ('[billing]\nrewrite = [{match = 8, replace = "7"}]\n',
     "'billing.rewrite[0].match' must be a string, not an integer"),
    ('[billing]\nrewrite = [{match = "(", replace = "7"}]\n',
     "'billing.rewrite[0].match' is not a valid regular expression"),
])
def test_bad_list_items_name_the_index(tmp_path, text, expected):
    assert error_of(tmp_path, text).startswith(f"{tmp_path / 'progmoh.toml'}: {expected}")


def test_every_array_default_declares_its_item_type():
    arrays = {(section, key) for section, values in DEFAULTS.items()
              for key, value in values.items() if isinstance(value, list)}
    declared = {found.path: typing.get_args(found.kind) for found in declared_keys(Config)
                if typing.get_origin(found.kind) is tuple and isinstance(found.spec, Key)}
    assert arrays == set(declared)
    assert all(isinstance(item, type) and rest == [...] for item, *rest in declared.values())


@pytest.mark.parametrize("text, expected", [
    ('[render]\nlanguages = ["en", "fr"]\n', "'render.languages' must hold only en, ru, not 'fr'"),
    ('[render]\nlanguages = ["en"]\n[serve]\nlanguage = "ru"\n',
     "'serve.language' must be one of render.languages (en), not 'ru'"),
    ('[render.voices]\nru = " "\n', "'render.voices' has no voice for language 'ru'"),
    ('[render]\nschedule = "every hour"\n', "'render.schedule' must be a five-field cron"),
    ('[render]\nduck_db = 6.0\n', "'render.duck_db' is a level in dB and must be <= 0, not 6.0"),
    ('[render]\nslot_spacing_s = 0\n',
     "'render.slot_spacing_s' must be between 2.0 and 600.0, not 0.0"),
    ('[render]\nband_low_hz = 3500\n', "'render.band_low_hz' and 'render.band_high_hz' must"),
    ('[render]\nband_high_hz = 5000\n', "'render.band_low_hz' and 'render.band_high_hz' must"),
    ('[cache]\ngc_grace_hours = -1\n',
     "'cache.gc_grace_hours' must be between 1.0 and 720.0, not -1.0"),
    ('[cache]\ngc_grace_hours = 0\n',
     "'cache.gc_grace_hours' must be between 1.0 and 720.0, not 0.0"),
    ('[billing]\ntimeout_s = -2\n', "'billing.timeout_s' must be between 0.1 and 60.0, not -2.0"),
    ('[billing]\ntimeout_s = 1e300\n',
     "'billing.timeout_s' must be between 0.1 and 60.0, not 1e+300"),
    ('[program]\nadvice_gap_s = -2\n',
     "'program.advice_gap_s' must be between 0 and 3600.0, not -2.0"),
    ('[keys]\nposition_every_s = 0.5\n',
     "'keys.position_every_s' must be 0 (off) or between 10.0 and 3600.0"),
    ('[ami]\nport = 0\n', "'ami.port' must be a port 1..65535, not 0"),
    ('[serve]\nport = 70000\n', "'serve.port' must be a port 0..65535, not 70000"),
    ('[player]\nlead_ms = 10\n', "'player.lead_ms' must be between 40 and 2000, not 10"),
    ('[keys]\nbalance = "22"\n',
     "'keys.balance' must be one DTMF key (0-9, * or #) or \"\" (no key), not '22'"),
    ('[keys]\nposition = "3"\n', "'keys.position' and 'keys.next_music' are both '3'"),
    ('[billing]\nbackend = "soap"\n', "'billing.backend' must be one of none, http, command"),
    ('[billing]\nauth = "digest"\n', "'billing.auth' must be one of none, basic, bearer"),
    ('[serve]\nsocket_mode = "0666"\n', "'serve.socket_mode' 0666 is world-writable"),
    ('[serve]\nsocket_mode = "rw"\n', "'serve.socket_mode' must be octal"),
    ('[dayparts]\nnight = "late"\n', "'dayparts.night' must look like \"06:00-10:00\""),
    ('[store]\nurl = "postgres://x"\n', "'store.url' must start with sqlite:/// or mysql://"),
])
def test_bad_values_name_key_and_expectation(tmp_path, text, expected):
    assert error_of(tmp_path, text).startswith(f"{tmp_path / 'progmoh.toml'}: {expected}")


def test_integers_are_accepted_where_numbers_are_expected(tmp_path):
    config = load(write(tmp_path, "[keys]\nmin_interval_s = 5\n[serve]\nport = 0\n"))
    assert config.keys.min_interval_s == 5.0 and isinstance(config.keys.min_interval_s, float)
    assert config.serve.port == 0


def test_open_sections_take_user_names(tmp_path):
    config = load(write(tmp_path, '[dayparts]\nnight = "23:00-06:00"\n'
                                  '[render.voices]\nen = "cmu_us_slt_arctic_hts"\n'))
    names = [d.name for d in config.library.dayparts]
    assert names == ["night"]
    assert config.render.voice("en") == "cmu_us_slt_arctic_hts"
    assert config.render.voice("ru") == "msu_ru_nsh_clunits"


def test_a_folder_is_not_a_configuration_file(tmp_path):
    with pytest.raises(ConfigError) as error:
        load(tmp_path)
    assert str(error.value) == f"{tmp_path}: is a folder, not a configuration file"


def test_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "progmoh.toml"
    path.write_bytes(b'[cache]\ndir = "\xff"\n')
    with pytest.raises(ConfigError) as error:
        load(path)
    assert str(error.value) == f"{path}: not UTF-8 text (byte 15)"


FLOAT_KEYS = sorted((section, key) for section, values in DEFAULTS.items()
                    for key, value in values.items() if isinstance(value, float))


@pytest.mark.parametrize("section, key", FLOAT_KEYS)
@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_numbers_are_refused_naming_the_key(tmp_path, section, key, value):
    text = f"[{section}]\n{key} = {value}\n"
    assert error_of(tmp_path, text).startswith(
        f"{tmp_path / 'progmoh.toml'}: '{section}.{key}' must be a finite number, not {value}")


def comment_above(example: str, section: str, key: str) -> str:
    before = example.split(f"\n[{section}]\n", 1)[1].split(f"\n{key} = ", 1)[0].splitlines()
    comment = []
    for line in reversed(before):
        if not line.startswith("#"):
            break
        comment.insert(0, line.lstrip("# "))
    return " ".join(comment).lower()


def bounded_keys():
    """(section, key) -> the declaration, of each number with a lower bound other than 0."""
    return {found.path: found.spec for found in declared_keys(Config)
            if isinstance(found.spec, Key) and found.spec.low not in (None, 0)
            and not found.spec.noun}


def test_every_duration_has_a_documented_lower_bound(tmp_path):
    example = (REPO / "progmoh.example.toml").read_text()
    LOWER_BOUNDS = bounded_keys()
    for (section, key), spec in LOWER_BOUNDS.items():
        low = spec.low
        below = low / 2 if low > 0 else -1
        assert f"'{section}.{key}' must be" in error_of(tmp_path, f"[{section}]\n{key} = {below}\n")
        load(write(tmp_path, f"[{section}]\n{key} = {low}\n"))
        documented = f"at least {low:g}" if spec.high is None else f"{low:g}..{spec.high:g}"
        assert documented in comment_above(example, section, key), (section, key)
    durations = {(s, k) for s, values in DEFAULTS.items() for k in values
                 if k.endswith(("_s", "_hours"))}
    assert durations - set(LOWER_BOUNDS) <= {("program", "first_advice_s"),
                                             ("program", "advice_gap_s"),
                                             ("keys", "min_interval_s"), ("billing", "max_age_s")}
