"""`progmoh render --schedule`: fire times on a fake clock, no overlap, SIGTERM."""

import select
import signal
import subprocess
import sys
import time as wall
from datetime import datetime, time, timezone
from pathlib import Path

import pytest

from progmoh.renderer.errors import RenderError
from progmoh.renderer.schedule import (
    boundaries,
    build_scheduler,
    fire_times,
    render_trigger,
    standard_cron,
)
from progmoh.renderer.settings import Daypart
from tests.support.render_support import copy_base

UTC = timezone.utc
DAYPARTS = (Daypart("morning", time(6), time(10)), Daypart("night", time(22), time(2)),
            Daypart("day", time(10), time(18, 30)))
PROGMOH = str(Path(sys.executable).parent / "progmoh")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_daypart_boundaries_are_each_start_and_end_once():
    assert boundaries(DAYPARTS) == [time(2), time(6), time(10), time(18, 30), time(22)]


def test_fire_times_merge_the_cron_expression_and_the_boundaries():
    trigger = render_trigger("0 3 * * *", DAYPARTS, UTC)
    assert fire_times(trigger, at(26, 0), 7) == [
        at(26, 2), at(26, 3), at(26, 6), at(26, 10), at(26, 18, 30), at(26, 22), at(27, 2)]


def test_a_boundary_on_a_cron_time_fires_once():
    trigger = render_trigger("*/30 * * * *", DAYPARTS, UTC)
    assert fire_times(trigger, at(26, 5, 45), 4) == [at(26, 6), at(26, 6, 30), at(26, 7),
                                                    at(26, 7, 30)]


def test_fire_times_continue_across_days_from_any_fixed_clock():
    trigger = render_trigger("15 12 * * 1", (), UTC)         # Mondays 12:15 only
    assert fire_times(trigger, at(26, 13), 2) == [at(30, 12, 15), datetime(2026, 12, 7, 12, 15,
                                                                           tzinfo=UTC)]


@pytest.mark.parametrize("cron, expected", [
    ("0 3 * * 0", "0 3 * * sun"),
    ("0 3 * * 7", "0 3 * * sun"),
    ("0 3 * * 1-5", "0 3 * * mon,tue,wed,thu,fri"),
    ("0 3 * * 0-6/3,7", "0 3 * * sun,wed,sat,sun"),
    ("*/15 * * * *", "*/15 * * * *"),
    ("0 3 * * mon-fri", "0 3 * * mon-fri"),
])
def test_day_of_week_numbers_count_from_sunday_as_in_cron(cron, expected):
    assert standard_cron(cron) == expected


def test_a_bad_cron_expression_names_the_setting():
    with pytest.raises(RenderError, match=r"render\.schedule: '61 \* \* \* \*'"):
        render_trigger("61 * * * *", (), UTC)


def test_one_job_that_never_overlaps_and_coalesces_missed_runs():
    scheduler = build_scheduler(lambda: None, render_trigger("*/15 * * * *", DAYPARTS, UTC))
    jobs = scheduler.get_jobs()
    assert len(jobs) == 1
    assert (jobs[0].max_instances, jobs[0].coalesce) == (1, True)
    assert jobs[0].trigger.get_next_fire_time(None, at(26, 9, 59)) == at(26, 10)


def _line(stream, deadline: float) -> str:
    """One line of output, failing the test (not hanging) past the deadline."""
    ready, _, _ = select.select([stream], [], [], max(0.0, deadline - wall.monotonic()))
    assert ready, "no output from progmoh render --schedule in time"
    return stream.readline().decode()


def test_runs_at_once_then_exits_cleanly_on_sigterm(tmp_path_factory, tmp_path):
    copy_base(tmp_path_factory, tmp_path)
    process = subprocess.Popen(
        [PROGMOH, "render", "--schedule", "--verbose", "--config", str(tmp_path / "progmoh.toml")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = wall.monotonic() + 60
    try:
        assert _line(process.stdout, deadline).startswith("scheduled: first render at ")
        assert _line(process.stdout, deadline).startswith("rendered 0 of ")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
    assert process.stdout.read().decode() == "stopped\n"
    assert process.stderr.read() == b""
