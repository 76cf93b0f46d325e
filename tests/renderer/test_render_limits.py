"""Advice limits: sidecar -> manifest Limits -> the player's rule, on a fixed clock."""

import time
from dataclasses import asdict
from datetime import time as clock_time

import pytest

from progmoh.cache.manifest import Limits
from progmoh.player.play.limits import allowed
from progmoh.renderer.errors import InputProblem
from progmoh.renderer.limits import read_limits
from progmoh.renderer.settings import Daypart

DAYPARTS = (Daypart("morning", clock_time(6), clock_time(10)),
            Daypart("night", clock_time(22), clock_time(2)))


def _sidecar(tmp_path, text: str):
    path = tmp_path / "item.limits.toml"
    path.write_text(text)
    return path


def _at(text: str) -> time.struct_time:
    """A fixed local clock, e.g. "2026-12-25 07:30" (a Friday)."""
    return time.strptime(text, "%Y-%m-%d %H:%M")


def _allows(limits: Limits, when: str) -> bool:
    return allowed(asdict(limits), _at(when))


def test_no_sidecar_means_no_limits(tmp_path):
    limits = read_limits(tmp_path / "absent.limits.toml", DAYPARTS)
    assert limits == Limits()
    assert _allows(limits, "2026-06-01 03:00")


def test_dayparts_resolve_to_windows_from_config(tmp_path):
    limits = read_limits(_sidecar(tmp_path, 'dayparts = ["morning", "night"]'), DAYPARTS)
    assert limits.dayparts == (("06:00", "10:00"), ("22:00", "02:00"))
    assert limits.daypart_names == ("morning", "night")
    assert _allows(limits, "2026-12-25 07:30")
    assert _allows(limits, "2026-12-25 01:59")          # wraps past midnight
    assert not _allows(limits, "2026-12-25 10:00")     # end is exclusive
    assert not _allows(limits, "2026-12-25 12:00")


def test_weekdays_accept_short_and_long_names(tmp_path):
    limits = read_limits(_sidecar(tmp_path, 'weekdays = ["mon", "Friday"]'), DAYPARTS)
    assert limits.weekdays == (0, 4)
    assert _allows(limits, "2026-12-25 12:00")          # Friday
    assert not _allows(limits, "2026-12-26 12:00")      # Saturday


def test_dates_are_inclusive_ranges_or_single_days(tmp_path):
    limits = read_limits(_sidecar(tmp_path, 'dates = ["2026-12-24..2026-12-26", "2027-01-01"]'),
                         DAYPARTS)
    assert limits.dates == (("2026-12-24", "2026-12-26"), ("2027-01-01", "2027-01-01"))
    assert _allows(limits, "2026-12-26 23:59")
    assert _allows(limits, "2027-01-01 00:00")
    assert not _allows(limits, "2026-12-27 12:00")


def test_all_limits_must_hold_together(tmp_path):
    limits = read_limits(_sidecar(tmp_path, 'dayparts = ["morning"]\nweekdays = ["fri"]\n'
                                            'dates = ["2026-12-01..2026-12-31"]'), DAYPARTS)
    assert _allows(limits, "2026-12-25 08:00")
    assert not _allows(limits, "2026-12-24 08:00")      # Thursday
    assert not _allows(limits, "2027-01-01 08:00")      # Friday, but out of the dates


@pytest.mark.parametrize("text, message", [
    ('dayparts = ["lunch"]', r"unknown daypart 'lunch' \(config \[dayparts\]: morning, night\)"),
    ('weekdays = ["mo"]', r"unknown weekday 'mo'"),
    ('dates = ["2026-12-31..2026-12-01"]', r"ends before it starts"),
    ('dates = ["tomorrow"]', r"must be YYYY-MM-DD\.\.YYYY-MM-DD"),
    ('days = ["mon"]', r"unknown key 'days'"),
    ('weekdays = "mon"', r"'weekdays' must be an array of strings"),
    ('weekdays = [', r"not valid TOML"),
])
def test_a_bad_sidecar_is_an_error_naming_it(tmp_path, text, message):
    path = _sidecar(tmp_path, text)
    with pytest.raises(InputProblem, match=message) as caught:
        read_limits(path, DAYPARTS)
    assert str(caught.value).startswith(f"{path}: ")
