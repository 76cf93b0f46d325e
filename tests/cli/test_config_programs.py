"""[programs.<name>]: each program starts from the top-level tables and names only what
differs; the top-level tables are the program "default"; bad names and values are named."""

import pytest

from progmoh.cli.config import DEFAULT_PROGRAM, ConfigError, load
from tests.support.config_file import write


def test_a_file_without_programs_has_the_default_program_only(tmp_path):
    config = load(write(tmp_path, '[keys]\nbalance = "7"\n'))
    programs = config.program_configs()
    assert list(programs) == [DEFAULT_PROGRAM]
    assert programs[DEFAULT_PROGRAM].keys.balance == "7"
    assert programs[DEFAULT_PROGRAM].library == config.library


def test_a_program_inherits_the_top_level_tables_and_overrides_what_it_names(tmp_path):
    config = load(write(tmp_path, """
[library]
default_class = "calm"
[keys]
position = "6"
[serve]
language = "ru"
[program]
advice_gap_s = 50
[programs.sales.library]
advice_dir = "sales/advice"
[programs.sales.keys]
balance = ""
[programs.sales.program]
first_advice_s = 5
[programs.support]
language = "en"
"""))
    sales = config.program_configs()["sales"]
    assert sales.library.advice_dir == tmp_path / "sales" / "advice"
    assert sales.library.music_dir == config.library.music_dir
    assert sales.library.default_class == "calm"
    assert (sales.keys.balance, sales.keys.position, sales.keys.next_music) == ("", "6", "3")
    assert (sales.program.first_advice_s, sales.program.advice_gap_s) == (5.0, 50.0)
    assert sales.language == "ru"
    assert config.program_configs()["support"].language == "en"


@pytest.mark.parametrize("text, expected", [
    ('[programs.Sales]\n', "program name 'Sales' in [programs] must be a-z, 0-9 and _"),
    ('[programs.default]\n', "and not 'default' (the top-level tables are the default program)"),
    ('[programs]\nsales = 3\n', "'programs.sales' must be a table"),
    ('[programs.sales]\nlanguage = "de"\n',
     "'programs.sales.language' is 'de', which is not one of render.languages (en, ru)"),
    ('[programs.sales.keys]\nbalance = "4"\n',
     "'programs.sales.keys.position' and 'programs.sales.keys.balance' are both '4'"),
    ('[programs.sales.library]\nmusic_dirr = "x"\n',
     "unknown key 'programs.sales.library.music_dirr'"),
    ('[programs.sales]\nlibrary = 5\n', "'programs.sales.library' must be a table, not an integer"),
])
def test_a_bad_program_is_a_config_error_naming_it(tmp_path, text, expected):
    with pytest.raises(ConfigError) as error:
        load(write(tmp_path, text))
    assert expected in str(error.value)


def test_two_keys_may_both_be_off(tmp_path):
    config = load(write(tmp_path, '[programs.sales.keys]\nbalance = ""\nwait = ""\n'))
    keys = config.program_configs()["sales"].keys
    assert (keys.balance, keys.wait) == ("", "")
