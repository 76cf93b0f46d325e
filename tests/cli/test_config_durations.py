"""Every duration has an upper bound as well as a lower one: a huge but finite value such as
``billing.timeout_s = 1e300`` is refused by ``config check``, naming the key, rather than
failing every lookup later with ``OverflowError: timestamp out of range``."""

from pathlib import Path

from progmoh.cache.declared import Key
from progmoh.cli.config import Config, ConfigError, load
from progmoh.cli.config_reader import declared_keys

DURATION_ENDINGS = ("_s", "_ms", "_hours")


def durations() -> dict:
    return {found.path: found.spec for found in declared_keys(Config)
            if isinstance(found.spec, Key) and found.path[-1].endswith(DURATION_ENDINGS)}


def refusal(tmp_path: Path, section: tuple, key: str, value: float) -> str:
    path = tmp_path / "progmoh.toml"
    path.write_text(f"[{'.'.join(section)}]\n{key} = {value}\n")
    try:
        load(path)
    except ConfigError as error:
        return str(error)
    return ""


def test_every_duration_key_declares_an_upper_bound():
    unbounded = [".".join(path) for path, spec in durations().items() if spec.high is None]
    assert len(durations()) >= 15 and unbounded == []


def test_a_huge_finite_duration_is_refused_naming_its_key(tmp_path):
    for path, spec in durations().items():
        *section, key = path
        said = refusal(tmp_path, tuple(section), key, 1e300)
        assert f"'{'.'.join(path)}' must be" in said and "1e+300" in said, (path, said)
        assert refusal(tmp_path, tuple(section), key, spec.high) == "", path


def test_a_billing_timeout_over_a_minute_is_refused(tmp_path):
    assert "between 0.1 and 60.0, not 61.0" in refusal(tmp_path, ("billing",), "timeout_s", 61)
