"""``progmoh cache``: inspect, verify, collect and export the segment store."""

import json
import time
from dataclasses import asdict
from pathlib import Path

import click

from progmoh.cache import listing
from progmoh.cache.audio_format import SAMPLE_RATE_HZ
from progmoh.cache.export import export_wav
from progmoh.cache.printable import escaped
from progmoh.cache.store import Store
from progmoh.cli.options import config_option, load_config
from progmoh.cli.service_access import cache_findings, socket_findings
from progmoh.player.programs import DEFAULT_PROGRAM

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
generation_option = click.option("--generation", metavar="GENERATION",
                                 help="Look in this generation instead of the current one.")


def _store(config_file) -> Store:
    return Store(load_config(config_file).cache.root)


def _echo_json(value) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


@click.group(name="cache")
def command():
    """Inspect and maintain the rendered segment cache (cache.dir)."""


@command.command(name="ls")
@click.argument("generation", required=False)
@click.option("--current", "use_current", is_flag=True,
              help="List the current generation's segments.")
@click.option("--program", metavar="NAME",
              help=f"List this program's segments (of the current generation unless "
                   f"GENERATION is given); without it, those of {DEFAULT_PROGRAM!r}.")
@config_option
@json_option
def ls(generation, use_current, program, config_file, as_json):
    """List generations and their programs, or the segments of GENERATION (or of
    --current, or of --program)."""
    if generation and use_current:
        raise click.UsageError("give either GENERATION or --current, not both")
    store = _store(config_file)
    if generation or use_current or program:
        _list_segments(listing.chosen_manifest(store, generation), program or DEFAULT_PROGRAM,
                       as_json)
    else:
        _list_generations(store, listing.published_generations(store), as_json)


def _list_generations(store, infos, as_json) -> None:
    if as_json:
        _echo_json([asdict(info) for info in infos])
        return
    rows = [(_marked(i), i.created, str(i.segments), _size(i.bytes)) for i in infos]
    _table(("  GENERATION", "CREATED", "SEGMENTS", "SIZE"), rows, right=(2, 3))
    click.echo("")
    programs = [(_marked(i) if n == 0 else "", p.name, str(p.music), str(p.advice),
                 str(p.prompt)) for i in infos for n, p in enumerate(i.programs)]
    _table(("  GENERATION", "PROGRAM", "MUSIC", "ADVICE", "PROMPT"), programs, right=(2, 3, 4))
    click.echo(f"\n{len(infos)} generation(s), {_size(store.disk_bytes())} of objects on disk, "
               f"in {store.root}; * marks the current one")


def _marked(info) -> str:
    return ("* " if info.is_current else "  ") + info.name


def _list_segments(manifest, program: str, as_json) -> None:
    rows = listing.segment_rows(manifest, program)
    if as_json:
        _echo_json({"generation": manifest.generation, "created": manifest.created,
                    "program": program, "segments": [asdict(row) for row in rows]})
        return
    _table(("ID", "KIND", "CLASS", "TRACK", "SLOT", "ADVICE", "GROUP", "DAYPARTS",
            "DURATION", "SIZE"), [_segment_cells(row) for row in rows], right=(4, 8, 9))
    total = sum(row.duration_s for row in rows)
    others = [name for name in manifest.program_names() if name != program]
    also = f"; its other programs: {', '.join(others)} (--program NAME)" if others else ""
    click.echo(f"\n{len(rows)} segment(s), {_duration(total)} of audio, in generation "
               f"{manifest.generation}, program {program}{also}")


def _segment_cells(row) -> tuple:
    return (row.id, row.kind, row.music_class, row.track,
            "" if row.slot is None else str(row.slot), row.advice, row.group,
            ",".join(row.dayparts), _duration(row.duration_s), _size(row.bytes))


@command.command(name="show")
@click.argument("segment_id", metavar="SEGMENT")
@generation_option
@config_option
@json_option
def show(segment_id, generation, config_file, as_json):
    """Show one segment and where its audio is.

    SEGMENT is an id as `progmoh cache ls --current` lists it, e.g.
    music:calm/01-dawn or advice:calm/01-dawn@2:welcome; another program's
    ids start with its name: sales/music:calm/01-dawn.
    """
    store = _store(config_file)
    manifest = listing.chosen_manifest(store, generation)
    segment = listing.find_segment(manifest, segment_id)
    fields = asdict(segment)
    details = dict(id=fields.pop("id"), program=fields.pop("program"), **fields,
                   generation=manifest.generation, path=str(store.path(segment.object)),
                   duration_s=listing.segment_row(segment).duration_s)
    if as_json:
        _echo_json(details)
        return
    del details["limits"]
    shown = {k: v for k, v in details.items() if v not in ("", -1, (), [], {})}
    shown.update(listing.limits_text(segment))
    width = max(len(key) for key in shown) + 2
    for key, value in shown.items():
        click.echo(f"{key + ':':<{width}}{_plain(value)}")


def _plain(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_plain(v) for v in value) if value else "-"
    return escaped(str(value))


@command.command(name="verify")
@config_option
@json_option
def verify(config_file, as_json):
    """Check every object's hash and length.

    Re-hashes every object that any generation uses; exits 1 naming each bad one.
    """
    config = load_config(config_file)
    store = Store(config.cache.root)
    listing.published_generations(store)
    report = store.verify()
    user, unreadable = cache_findings(config)
    for problem in socket_findings(config):
        click.echo(f"Warning: {problem}", err=True)
    if as_json:
        _echo_json(dict(asdict(report), ok=report.ok and not unreadable, service_user=user,
                        unreadable=unreadable))
    else:
        for bad in report.bad:
            click.echo(f"BAD {bad.path}: {bad.problem}")
        if report.ok:
            click.echo(f"OK: {report.checked} object(s), {_size(report.bytes)}, "
                       f"in {len(report.generations)} generation(s)")
    if unreadable:
        raise click.ClickException(
            f"the service user {user} cannot read the cache, so its players would play "
            f"silence:\n  " + "\n  ".join(unreadable) +
            f"\nmake the cache group-readable by {user}'s group (`make install` does)")
    if not report.ok:
        raise click.ClickException(f"{len(report.bad)} of {report.checked} object(s) in "
                                   f"{store.root} are bad; delete them and run "
                                   f"`progmoh render` to make them again")


@command.command(name="gc")
@click.option("--dry-run", is_flag=True, help="Only say what would be removed.")
@config_option
@json_option
def gc(dry_run, config_file, as_json):
    """Remove old generations and the objects only they use.

    Keeps the current generation, every generation created or replaced less
    than cache.gc_grace_hours ago (calls may still be playing it) and every
    object those use; also removes temp files older than the grace period.
    """
    config = load_config(config_file)
    store = Store(config.cache.root)
    listing.published_generations(store)
    report = store.gc(config.cache.gc_grace_s, now=time.time(), dry_run=dry_run)
    if as_json:
        _echo_json(asdict(report))
        return
    verb = "Would remove" if dry_run else "Removed"
    for name in report.removed_generations:
        click.echo(f"{verb} generation {name}")
    click.echo(f"{verb} {len(report.removed_generations)} generation(s), "
               f"{len(report.removed_objects)} object(s), {len(report.removed_tmp)} temp file(s): "
               f"{_size(report.freed_bytes)}; kept {len(report.kept_generations)} generation(s)")


@command.command(name="export")
@click.argument("segment_id", metavar="SEGMENT")
@click.argument("out_path", metavar="OUT.wav", type=click.Path(dir_okay=False, path_type=Path))
@generation_option
@config_option
def export(segment_id, out_path, generation, config_file):
    """Write one segment to OUT.wav (8 kHz mono 16-bit) for listening."""
    store = _store(config_file)
    segment = listing.find_segment(listing.chosen_manifest(store, generation), segment_id)
    samples = export_wav(store, segment, out_path)
    duration = _duration(samples / SAMPLE_RATE_HZ)
    click.echo(f"Wrote {out_path} ({duration}, {SAMPLE_RATE_HZ} Hz mono 16-bit)")


def _table(headers, rows, right=()) -> None:
    rows = [headers] + [tuple(escaped(str(cell)) for cell in row) for row in rows]
    widths = [max(len(cell) for cell in column) for column in zip(*rows, strict=True)]
    for row in rows:
        cells = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        click.echo("  ".join(cells).rstrip())


def _size(count: float) -> str:
    for unit in ("B", "KiB", "MiB"):
        if count < 1024:
            return f"{count} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GiB"


def _duration(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:04.1f}"
