"""`progmoh render`: fill the cache from the library, once (cron) or on a schedule."""

import sys

import click

from progmoh.cache.errors import ProgmohError
from progmoh.cli.options import config_option, load_config


@click.command(name="render")
@config_option
@click.option("--verbose", "-v", is_flag=True, help="Say what was rendered and published.")
@click.option("--schedule", is_flag=True,
              help="Keep running: render now, on render.schedule and at every daypart "
                   "boundary, until SIGTERM.")
def command(config_file, verbose, schedule):
    """Render music, pre-mixed advice and prompts into the cache.

    Silent on success unless --verbose; one line per skipped input on stderr,
    and exit status 1 when anything was skipped (so cron mails it).
    """
    config = load_config(config_file)
    if schedule:
        _run_scheduled(config, verbose)
        return
    if not _render_once(config, verbose):
        sys.exit(1)


def render_programs(config) -> list:
    """Every program of ``config`` as the renderer takes it, the default one first."""
    return [part.render_program(name) for name, part in config.program_configs().items()]


def _render_once(config, verbose: bool) -> bool:
    from progmoh.renderer.render import render
    programs = render_programs(config)
    if sys.stdout.isatty():
        with click.progressbar(length=1, label="Rendering", file=sys.stdout) as bar:
            result = render(programs, config.render, config.cache.root,
                            progress=_bar_progress(bar))
    else:
        result = render(programs, config.render, config.cache.root)
    for line in result.problems:
        click.echo(line, err=True)
    if verbose:
        click.echo(_summary(result))
    return not result.problems


def _bar_progress(bar):
    def report(done: int, total: int) -> None:
        bar.length = max(total, 1)
        bar.update(done - bar.pos)
    return report


def _summary(result) -> str:
    made = (f"rendered {len(result.rendered)} of {result.segments} segments "
            f"(programs: {', '.join(result.programs)})")
    if result.published:
        return f"{made}; published generation {result.generation}"
    return f"{made}; nothing changed, generation {result.generation} stays current"


def _run_scheduled(config, verbose: bool) -> None:
    from progmoh.renderer.schedule import build_scheduler, render_trigger, run_until_signalled

    def job():
        try:
            _render_once(config, verbose)
        except ProgmohError as error:
            click.echo(f"Error: {error}", err=True)

    trigger = render_trigger(config.render.schedule, config.library.dayparts)
    scheduler = build_scheduler(job, trigger)
    run_until_signalled(scheduler, on_started=_started if verbose else None)
    if verbose:
        click.echo("stopped")


def _started(scheduler) -> None:
    when = min(job.next_run_time for job in scheduler.get_jobs())
    click.echo(f"scheduled: first render at {when.isoformat(timespec='seconds')}", )
