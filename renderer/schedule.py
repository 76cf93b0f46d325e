"""When ``progmoh render --schedule`` renders: the cron expression from config,
plus every daypart boundary (so that the manifest's limits never lag the
clock by more than a render), in local time.

All fire times come from one OrTrigger on one job with ``max_instances=1``
and ``coalesce``: runs never overlap, and runs missed while one was busy
collapse into a single catch-up run.  The trigger is plain data, so tests
ask it for fire times after fixed datetimes instead of waiting.
"""

import re
import signal
from datetime import datetime, time, tzinfo

from apscheduler.events import EVENT_SCHEDULER_START
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from progmoh.renderer.errors import RenderError
from progmoh.renderer.settings import Daypart

MISFIRE_GRACE_S = 3600       # a run delayed by a long render still happens (once)


def boundaries(dayparts: tuple[Daypart, ...]) -> list[time]:
    return sorted({t for part in dayparts for t in (part.start, part.end)})


_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_PART = re.compile(r"^(\d)(?:-(\d))?(?:/(\d+))?$")


def standard_cron(cron: str) -> str:
    """APScheduler 3 counts day-of-week numbers from Monday = 0; cron (and the
    admin writing the config) from Sunday = 0 (or 7).  Numbers are turned
    into day names, which both read the same way."""
    fields = cron.split()
    if len(fields) != 5:
        raise RenderError(f"render.schedule: {cron!r} must have five fields")
    fields[4] = ",".join(_day_names(part, cron) for part in fields[4].split(","))
    return " ".join(fields)


def _day_names(part: str, cron: str) -> str:
    match = _DAY_PART.match(part)
    if not match:
        return part                     # "*", "*/2", names like "mon-fri"
    first, last, step = match.groups()
    days = range(int(first), int(last if last is not None else first) + 1, int(step or 1))
    if not days or max(days) > 7:
        raise RenderError(f"render.schedule: {cron!r}: day of week {part!r} is not within 0-7")
    return ",".join(_DAY_NAMES[d] for d in days)


def render_trigger(cron: str, dayparts: tuple[Daypart, ...], timezone: tzinfo | None = None):
    try:
        triggers = [CronTrigger.from_crontab(standard_cron(cron), timezone=timezone)]
    except ValueError as error:
        raise RenderError(f"render.schedule: {cron!r} is not a cron expression: {error}") from None
    triggers += [CronTrigger(hour=t.hour, minute=t.minute, timezone=timezone)
                 for t in boundaries(dayparts)]
    return OrTrigger(triggers)


def fire_times(trigger, after: datetime, count: int) -> list[datetime]:
    """The next ``count`` runs after ``after`` (aware), as the scheduler would compute them."""
    times, previous, now = [], None, after
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None:
            break
        times.append(fire)
        previous, now = fire, fire
    return times


def build_scheduler(job, trigger, run_now: bool = True) -> BlockingScheduler:
    scheduler = BlockingScheduler()
    options = dict(id="render", max_instances=1, coalesce=True, misfire_grace_time=MISFIRE_GRACE_S)
    if run_now:
        options["next_run_time"] = datetime.now(scheduler.timezone)
    scheduler.add_job(job, trigger, **options)
    return scheduler


def run_until_signalled(scheduler: BlockingScheduler, on_started=None) -> None:
    """Blocks until SIGTERM or SIGINT.  A render in progress finishes first (its
    publish is atomic anyway), so the process leaves no half-written files.
    ``on_started(scheduler)`` runs once the jobs have their next run times."""
    def stop(signum, frame):
        if scheduler.running:
            scheduler.shutdown(wait=False)
    if on_started:
        scheduler.add_listener(lambda event: on_started(scheduler), EVENT_SCHEDULER_START)
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        scheduler.start()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
