"""``progmoh status``: the calls on hold now and serve's health, from the running serve."""

import json
import time

import click

from progmoh.cli.options import config_option, load_config
from progmoh.player.programs import DEFAULT_PROGRAM
from progmoh.player.serve.status import read_status

COLUMNS = ("CALL", "CALLER", "QUEUE", "POS", "WAITED", "CLASS", "PLAYING", "KEYS", "PROBLEMS")
PROGRAM_COLUMN = "PROGRAM"      # after CALLER, when serve plays more than one program


@click.command(name="status")
@config_option
@click.option("--socket", "socket_path", metavar="PATH",
              help="serve's status socket (default: serve.status_socket from the config).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--watch", is_flag=True, help="Refresh until Ctrl-C.")
@click.option("--interval", type=click.FloatRange(0.2, 3600), default=2.0, show_default=True,
              help="Seconds between refreshes with --watch.")
def command(config_file, socket_path, as_json, watch, interval):
    """Show the calls on hold now and serve's own health (AMI, billing, store, cache).

    Read from the running serve over its local status socket, never the
    network; caller numbers are masked except their last digits.
    """
    path = socket_path or load_config(config_file).serve.status_socket
    while True:
        report = read_status(path)
        text = json.dumps(report, indent=2) if as_json else render(report)
        if watch:
            click.clear()
        click.echo(text)
        if not watch:
            return
        try:
            time.sleep(interval)
        except KeyboardInterrupt:
            return


def render(report: dict) -> str:
    """The report as a health line and a table of calls, longest waiting first; a column
    of each call's program when serve plays more than one (a report of a serve that
    predates programs has none)."""
    lines = [_health(report["health"])] + _waits(report["health"]) + [""]
    calls = report["calls"]
    if not calls:
        return "\n".join(lines + ["No calls on hold."] + _callbacks(report))
    rows = [COLUMNS] + [_row(call) for call in calls]
    if _programs_shown(report):
        rows = [row[:2] + (program,) + row[2:] for row, program in
                zip(rows, [PROGRAM_COLUMN] + [call["program"] for call in calls], strict=True)]
    lines += _table(rows)
    return "\n".join(lines + _callbacks(report))


def _table(rows: list[tuple]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows]


def _callbacks(report: dict) -> list[str]:
    """The pending callbacks, if any (a report of a serve without them has none)."""
    pending = report.get("callbacks") or []
    if not pending:
        return []
    rows = [("CALLBACK TO", "QUEUE", "PLACE", "ATTEMPTS", "STATE")] + [
        (c["caller"], c["queue"], str(c["place"] or "-"), str(c["attempts"]), c["state"])
        for c in pending]
    return ["", f"{len(pending)} callback(s) pending:"] + _table(rows)


def _programs_shown(report: dict) -> bool:
    configured = report["health"].get("programs", [])
    return len(configured) > 1 or any(call.get("program", DEFAULT_PROGRAM) != DEFAULT_PROGRAM
                                      for call in report["calls"])


def _row(call: dict) -> tuple:
    playing = call["playing"]
    problems = sum(call["audio_problems"].values())
    return (call["uniqueid"], call["caller"] or "-", call["queue"] or "-",
            str(call["position"] or "-"), _duration(call["waited_s"]), call["music_class"] or "-",
            f"{playing['kind']} {playing['name']}".strip() or ("-" if call["player"] else
                                                                "(no player)"),
            " ".join(call["keys"]) or "-", str(problems) if problems else "-")


def _health(health: dict) -> str:
    ami, billing, store, cache = health["ami"], health["billing"], health["store"], health["cache"]
    if not ami["enabled"]:
        ami_text = "AMI disabled"
    elif ami["connected"]:
        age = ami["last_event_age_s"]
        ami_text = "AMI connected" + ("" if age is None else f" (last event {_duration(age)} ago)")
    else:
        ami_text = "AMI DOWN"
    cache_text = "cache: nothing published" if not cache["generation"] else (
        f"cache {cache['generation']} ({_duration(time.time() - cache['created_s'])} old, "
        f"{cache['problems']} render problems)")
    return " | ".join([
        ami_text, f"billing {billing['backend']} (last: {billing['last_lookup'] or '-'})",
        f"store (last: {store['last_operation'] or '-'})", cache_text,
        f"{health['players_connected']} players"])


def _waits(health: dict) -> list[str]:
    """One line per queue whose told waits were checked lately (none from an older serve)."""
    return [f"waits {w['queue']}: {w['checked']} checked, off by {_duration(w['mean_abs_error_s'])}"
            f" on average (90% within {_duration(w['p90_abs_error_s'])}), "
            f"{round(100 * w['in_range_share'])}% in range" + (", QUIET (recently wrong)"
                                                              if w["quiet"] else "")
            for w in health.get("waits", [])]


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}h"
