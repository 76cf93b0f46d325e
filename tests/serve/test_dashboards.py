"""contrib/: the Grafana dashboard and the Prometheus alert rules use only what /metrics has."""

import json
import re

import yaml

from tests.support.ami_events import A, join
from tests.support.cache_factory import publish
from tests.support.checkout import REPO
from tests.support.metrics_support import scrape
from tests.support.service_scenario import (
    FAST,
    connect,
    next_of,
    round_trip,
    run_with_split_billing,
)

DASHBOARD = REPO / "contrib" / "grafana" / "progmoh.json"
ALERTS = REPO / "contrib" / "prometheus" / "alerts.yml"
PROMETHEUS_OWN = {"up"}                       # series Prometheus makes itself, per target
METRIC = re.compile(r"\b(progmoh_[a-z_]+|up)\b(\{[^}]*\})?")
MATCHER = re.compile(r'(\w+)\s*(=~|=|!=|!~)\s*"([^"]*)"')


def dashboard_exprs() -> list[str]:
    board = json.loads(DASHBOARD.read_text())
    targets = [t for p in board["panels"] for t in p.get("targets", [])]
    assert len(targets) >= 15
    return [t["expr"] for t in targets]


def alert_exprs() -> list[str]:
    rules = [r for group in yaml.safe_load(ALERTS.read_text())["groups"] for r in group["rules"]]
    assert {"ProgmohAmiDown", "ProgmohBillingFailing", "ProgmohAudioErrors",
            "ProgmohCacheOld", "ProgmohWaitEstimatesDrift",
            "ProgmohCallbacksGivenUp"} <= {r["alert"] for r in rules}
    return [r["expr"] for r in rules]


def uses(exprs) -> list[tuple[str, str, str, str]]:
    """(series name, label, operator, value) for every label matcher, and (name, "", "", "")."""
    found = []
    for expr in exprs:
        for match in METRIC.finditer(expr):
            name, braces = match.group(1), match.group(2) or ""
            found.append((name, "", "", ""))
            found += [(name, *m) for m in MATCHER.findall(braces)]
    return found


async def busy_serve(service, clock, players, path):
    """A scrape with every kind of series present: a call on hold whose player reported."""
    service.ami_up()
    service.ami_event(join(A, FAST, 1))
    player = await connect(players, path, A)
    await next_of(player, "welcome")
    await player.send("state", state={"music_class": "calm"}, audio={
        "blocked_writes": 1, "schedule_resets": 0, "skipped_objects": 0, "internal_errors": 0})
    await round_trip(player, service, A)
    return await scrape(service.metrics_server.port)


def test_every_series_and_label_value_they_use_is_on_the_endpoint(tmp_path):
    publish(tmp_path / "cache")
    scraped = run_with_split_billing(tmp_path, busy_serve)
    names = {name for name, _ in scraped.values}
    labels = {}
    for name, items in scraped.values:
        for label, value in items:
            labels.setdefault((name, label), set()).add(value)
    used = uses(dashboard_exprs() + alert_exprs())
    assert {name for name, *_ in used} >= {"progmoh_calls_on_hold", "progmoh_keys_pressed_total",
                                           "progmoh_billing_lookup_seconds_bucket",
                                           "progmoh_ami_connected",
                                           "progmoh_player_audio_problems_total",
                                           "progmoh_cache_generation_age_seconds",
                                           "progmoh_callbacks_total",
                                           "progmoh_callback_wait_seconds_bucket"}
    missing = sorted({name for name, *_ in used if name not in names | PROMETHEUS_OWN})
    assert missing == []
    for name, label, operator, value in used:
        if not label or name in PROMETHEUS_OWN:
            continue
        known = labels.get((name, label), set())
        wanted = value.split("|") if operator.endswith("~") else [value]
        assert set(wanted) <= known, f"{name}{{{label}{operator}{value!r}}}: only {known}"


def test_the_dashboard_is_importable_grafana_json():
    board = json.loads(DASHBOARD.read_text())
    assert board["title"] == "progmoh" and board["uid"] == "progmoh"
    assert board["__inputs"][0]["name"] == "DS_PROMETHEUS"
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    titles = {p["title"] for p in board["panels"]}
    for wanted in ("Calls on hold", "Keys per minute", "Billing latency", "Billing failures",
                   "AMI connected", "Audio problems reported by players (per 5 min)",
                   "Cache age"):
        assert wanted in titles
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            assert target["datasource"]["uid"] == "${DS_PROMETHEUS}"
            assert target["expr"].count("(") == target["expr"].count(")"), target["expr"]


def test_every_alert_says_what_is_wrong():
    for group in yaml.safe_load(ALERTS.read_text())["groups"]:
        for rule in group["rules"]:
            assert rule["labels"]["severity"] in ("critical", "warning", "info")
            assert rule["annotations"]["summary"]
            assert rule["expr"].count("(") == rule["expr"].count(")"), rule["alert"]
