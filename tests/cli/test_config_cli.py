"""``progmoh config check`` through CliRunner: output, masking, permission warning."""

import json
import os
import tomllib

import pytest
from click.testing import CliRunner

from progmoh.cli.commands import progmoh
from progmoh.cli.config import load, masked

SECRETS = ('[ami]\nsecret = "ami-s3cret"\n'
           '[billing]\npassword = "bill-pa55"\ntoken = "tok-123"\n'
           '[store]\nurl = "mysql://moh:db-pa55@db.example:3306/moh"\n')


@pytest.fixture(autouse=True)
def default_folders(tmp_path):
    """The default folders, relative to a config file in tmp_path, exist."""
    for folder in ("music/classes", "music/advice", "var/cache"):
        (tmp_path / folder).mkdir(parents=True)


def check(*args):
    return CliRunner().invoke(progmoh, ["config", "check", *args])


def config_file(tmp_path, text, mode=0o600):
    path = tmp_path / "progmoh.toml"
    path.write_text(text)
    os.chmod(path, mode)
    return path


def test_defaults_print_as_toml_that_reads_back():
    result = check()
    cache = load(None).cache.root
    if cache.is_dir():
        assert result.exit_code == 0 and result.stderr == ""
        assert result.stdout.startswith("# built-in demo defaults: OK\n")
    else:                       # a fresh clone, before its first render
        assert result.exit_code == 1
        assert result.stderr == (f"Error: 'cache.dir' {cache}: no such folder "
                                 f"(`progmoh render` creates it)\n")
        assert result.stdout.startswith("# built-in demo defaults: 1 problem\n")
    assert tomllib.loads(result.stdout) == load(None).values


def test_each_missing_or_unusable_path_is_reported_naming_its_key(tmp_path):
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a program")
    os.chmod(text_file, 0o644)
    path = config_file(tmp_path, '[library]\nmusic_dir = "nowhere/music"\n'
                                 'advice_dir = "notes.txt"\n'
                                 '[cache]\ndir = "nowhere/cache"\n'
                                 '[serve]\nexecutable = "notes.txt"\n')
    result = check("--config", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: 'library.music_dir' {tmp_path / 'nowhere/music'}: no such folder",
        f"Error: 'library.advice_dir' {text_file}: not a folder",
        f"Error: 'cache.dir' {tmp_path / 'nowhere/cache'}: no such folder "
        f"(`progmoh render` creates it)",
        f"Error: 'serve.executable' {text_file}: not executable",
    ]
    assert result.stdout.startswith(f"# {path}: 4 problems\n")
    missing = config_file(tmp_path, '[serve]\nexecutable = "/nonexistent/progmoh"\n')
    assert check("--config", str(missing)).stderr == (
        "Error: 'serve.executable' /nonexistent/progmoh: no such file\n")


def test_secrets_are_masked_in_text_and_json(tmp_path):
    path = config_file(tmp_path, SECRETS)
    for args in ([], ["--json"]):
        result = check("--config", str(path), *args)
        assert result.exit_code == 0
        for secret in ("ami-s3cret", "bill-pa55", "tok-123", "db-pa55"):
            assert secret not in result.output
    shown = json.loads(check("--config", str(path), "--json").stdout)
    assert shown["ami"]["secret"] == "****"
    assert (shown["billing"]["password"], shown["billing"]["token"]) == ("****", "****")
    assert shown["store"]["url"] == "mysql://moh:****@db.example:3306/moh"
    assert shown == masked(load(path).values)


def test_text_output_is_the_masked_effective_configuration(tmp_path):
    (tmp_path / "srv").mkdir()
    path = config_file(tmp_path, SECRETS + f'[cache]\ndir = "{tmp_path / "srv"}"\n'
                                 '[billing.fields]\nbalance = "amount"\n'
                                 '[[billing.rewrite]]\nmatch = "^8(\\\\d+)$"\nreplace = "7\\\\1"\n')
    result = check("--config", str(path))
    assert result.exit_code == 0
    assert result.stdout.startswith(f"# {path}: OK\n# relative paths are resolved against "
                                    f"{tmp_path}\n")
    shown = tomllib.loads(result.stdout)
    assert shown["cache"]["dir"] == str(tmp_path / "srv")
    assert shown["billing"]["fields"]["balance"] == "amount"
    assert shown["billing"]["rewrite"] == [{"match": "^8(\\d+)$", "replace": "7\\1"}]
    assert shown["ami"]["secret"] == "****"


def test_warns_when_a_file_with_secrets_is_group_or_world_readable(tmp_path):
    path = config_file(tmp_path, SECRETS, mode=0o644)
    result = check("--config", str(path))
    assert result.exit_code == 0
    assert result.stderr == (f"Warning: {path} holds secrets but its mode is 0644; "
                             f"run: chmod 600 {path}\n")
    os.chmod(path, 0o640)
    assert "mode is 0640" in check("--config", str(path)).stderr


def test_no_warning_for_a_private_file_or_one_without_secrets(tmp_path):
    assert check("--config", str(config_file(tmp_path, SECRETS, mode=0o600))).stderr == ""
    (tmp_path / "x").mkdir()
    plain = config_file(tmp_path, '[cache]\ndir = "x"\n', mode=0o644)
    assert check("--config", str(plain)).stderr == ""
    sqlite = config_file(tmp_path, '[store]\nurl = "sqlite:///x.db"\n', mode=0o644)
    assert check("--config", str(sqlite)).stderr == ""


def test_passwordless_mysql_url_is_no_secret(tmp_path):
    path = config_file(tmp_path, '[store]\nurl = "mysql://moh@db/moh"\n', mode=0o644)
    result = check("--config", str(path), "--json")
    assert result.exit_code == 0 and result.stderr == ""
    assert json.loads(result.stdout)["store"]["url"] == "mysql://moh@db/moh"


def test_environment_variable_picks_the_file(tmp_path, monkeypatch):
    (tmp_path / "elsewhere").mkdir()
    path = config_file(tmp_path, '[cache]\ndir = "elsewhere"\n')
    monkeypatch.setenv("PROGMOH_CONFIG", str(path))
    result = check()
    assert result.exit_code == 0
    assert result.stdout.startswith(f"# {path}: OK")
    assert 'dir = "elsewhere"' in result.stdout


@pytest.mark.parametrize("text, message", [
    ('[cache]\ndri = "x"\n', "unknown key 'cache.dri'"),
    ('[cache\n', "not valid TOML"),
    ('[render]\nlanguages = ["en", 1]\n', "'render.languages[1]' must be a string, not an integer"),
    ('[keys]\nbalance = 2\n', "'keys.balance' must be a string, not an integer"),
])
def test_errors_exit_1_naming_file_and_key(tmp_path, text, message):
    path = config_file(tmp_path, text)
    result = check("--config", str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {path}: {message}")


def test_missing_file_exits_1(tmp_path):
    result = check("--config", str(tmp_path / "nope.toml"))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {tmp_path / 'nope.toml'}: no such configuration file\n"


def test_unknown_option_is_a_usage_error():
    result = check("--jsn")
    assert result.exit_code == 2
    assert "No such option '--jsn'" in result.stderr
