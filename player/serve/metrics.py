"""What ``serve`` counts, in the Prometheus text format (docs: README "Operations").

Each ``Service`` owns its own ``CollectorRegistry``, so several services in
one process (the tests) never share a counter.  Counters and histograms are
bumped where things happen, by one small call each; gauges that describe the
present (calls on hold, AMI connected, the cache) are read from the service
at scrape time by ``_Present``, so they can never go stale.

Label values are fixed sets: anything from outside (a digit from AMI) is
mapped into them, so an odd event cannot grow the number of series.
"""

import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from progmoh.player import protocol

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
KEYS = tuple("0123456789*#ABCD")
LOOKUP_RESULTS = ("answered", "not_ours", "malformed")
INSERT_KINDS = ("balance", "position", "wait", "class_switch")
ANNOUNCE_TRIGGERS = ("periodic", "change")
BILLING_OUTCOMES = ("ok", "not_registered", "unavailable", "timeout")
STORE_OUTCOMES = {"read": ("found", "none", "timeout", "error"),
                  "write": ("ok", "pending", "error")}
BILLING_BUCKETS_S = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
STORE_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)


class Metrics:
    """The service's counters; ``scrape()`` is the body of ``GET /metrics``."""

    content_type = CONTENT_TYPE

    def __init__(self, present=None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._counters()
        self._histograms()
        for key in KEYS:
            self.keys.labels(key)
        for problem in protocol.AUDIO_PROBLEMS:
            self.audio_problems.labels(problem)
        if present is not None:
            self.registry.register(_Present(present))

    def _counters(self) -> None:
        r = self.registry
        self.lookups = _labelled(Counter("progmoh_realtime_lookups", "Realtime lookups from "
                                 "res_config_curl, by result", ["result"], registry=r),
                                 LOOKUP_RESULTS)
        self.refused = Counter("progmoh_player_admissions_refused",
                               "Player connections refused (bad hello or failed credentials)",
                               registry=r)
        self.keys = Counter("progmoh_keys_pressed", "Keys pressed by callers on hold, by key",
                            ["key"], registry=r)
        self.inserts = _labelled(Counter("progmoh_inserts_sent", "Inserts sent to players, by "
                                 "kind", ["kind"], registry=r), INSERT_KINDS)
        self.announcements = _labelled(Counter(
            "progmoh_position_announcements", "Queue positions announced without a key, by "
            "trigger", ["trigger"], registry=r), ANNOUNCE_TRIGGERS)
        self.billing = _labelled(Counter("progmoh_billing_lookups", "Billing lookups, by "
                                 "outcome", ["outcome"], registry=r), BILLING_OUTCOMES)
        self.store = Counter("progmoh_choice_store_operations", "Choice store reads and "
                             "writes, by outcome", ["operation", "outcome"], registry=r)
        for operation, outcomes in STORE_OUTCOMES.items():
            for outcome in outcomes:
                self.store.labels(operation, outcome)
        self.ami_reconnects = Counter("progmoh_ami_reconnects", "AMI logins after the first",
                                      registry=r)
        self.ami_resyncs = Counter("progmoh_ami_resyncs", "QueueStatus resyncs applied",
                                   registry=r)
        self.audio_problems = Counter("progmoh_player_audio_problems", "Audio problems players "
                                      "reported, all calls, by problem", ["problem"], registry=r)

    def _histograms(self) -> None:
        self.billing_seconds = Histogram("progmoh_billing_lookup_seconds", "Billing lookup "
                                         "latency", buckets=BILLING_BUCKETS_S,
                                         registry=self.registry)
        self.store_seconds = Histogram("progmoh_choice_store_seconds", "Choice store latency, "
                                       "by operation", ["operation"], buckets=STORE_BUCKETS_S,
                                       registry=self.registry)
        for operation in STORE_OUTCOMES:
            self.store_seconds.labels(operation)

    # -- one call per event --------------------------------------------------------

    def lookups_inc(self, result: str) -> None:
        self.lookups.labels(result).inc()

    def key_pressed(self, digit: str) -> None:
        self.keys.labels(digit if digit in KEYS else "other").inc()

    def billing_lookup(self, outcome: str, seconds: float) -> None:
        self.billing.labels(outcome).inc()
        self.billing_seconds.observe(max(0.0, seconds))

    def store_operation(self, operation: str, outcome: str, seconds: float) -> None:
        self.store.labels(operation, outcome).inc()
        self.store_seconds.labels(operation).observe(max(0.0, seconds))

    def scrape(self) -> bytes:
        return generate_latest(self.registry)


def _labelled(counter: Counter, values) -> Counter:
    """Create every series up front, so a rate over a label that never happened is 0, not gone."""
    for value in values:
        counter.labels(value)
    return counter


class Present:
    """What the service is now, read at scrape time; ``Service.present()`` fills it."""

    __slots__ = ("calls_on_hold", "players", "ami_connected", "ami_last_event_age_s",
                 "call_problems", "cache")

    def __init__(self, calls_on_hold: int, players: int, ami_connected: bool,
                 ami_last_event_age_s: float | None, call_problems: dict, cache) -> None:
        self.calls_on_hold, self.players = calls_on_hold, players
        self.ami_connected, self.ami_last_event_age_s = ami_connected, ami_last_event_age_s
        self.call_problems = call_problems          # uniqueid -> {problem: count}
        self.cache = cache                          # cache_state.CacheState


class _Present:
    """A custom collector: gauges computed from ``present()`` at every scrape."""

    def __init__(self, present) -> None:
        self._present = present

    def describe(self):
        return []

    def collect(self):
        now = self._present()
        yield _gauge("progmoh_calls_on_hold", "Calls on hold now", now.calls_on_hold)
        yield _gauge("progmoh_players_connected", "Players connected to serve now", now.players)
        yield _gauge("progmoh_ami_connected", "1 while logged in to AMI", int(now.ami_connected))
        age = now.ami_last_event_age_s
        yield _gauge("progmoh_ami_last_event_age_seconds", "Seconds since the last AMI event "
                     "(NaN before the first)", float("nan") if age is None else age)
        yield _per_call(now.call_problems)
        yield from _cache_gauges(now.cache)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _per_call(call_problems: dict) -> GaugeMetricFamily:
    family = GaugeMetricFamily("progmoh_call_audio_problems", "Audio problems players reported "
                               "for each call on hold now", labels=["uniqueid", "problem"])
    for uniqueid, counts in sorted(call_problems.items()):
        for problem in protocol.AUDIO_PROBLEMS:
            family.add_metric([uniqueid, problem], counts.get(problem, 0))
    return family


def _cache_gauges(cache):
    yield _gauge("progmoh_cache_readable", "1 if the current generation's manifest could be "
                 "read", int(cache.readable))
    info = GaugeMetricFamily("progmoh_cache_generation_info", "The current cache generation",
                             labels=["generation"])
    if cache.generation:
        info.add_metric([cache.generation], 1)
    yield info
    age = float("nan") if cache.created_s is None else time.time() - cache.created_s
    yield _gauge("progmoh_cache_generation_age_seconds", "Seconds since the current generation "
                 "was rendered", age)
    yield _gauge("progmoh_cache_last_render_problems", "Inputs the last published render "
                 "skipped", cache.problems)
