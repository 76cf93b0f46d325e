"""What ``serve`` counts, in the Prometheus text format (docs: README "Operations").

Each ``Service`` owns its own ``CollectorRegistry``, so several services in
one process (the tests) never share a counter.  Counters and histograms are
bumped where things happen: the core's ``Count`` actions, by name, through
``count``; gauges that describe the present (calls on hold, AMI connected,
the cache) are read from a fresh snapshot (snapshot.py) at scrape time by
``_Present``, so they can never go stale.

Label values are fixed sets: anything from outside (a digit from AMI) is
mapped into them, so an odd event cannot grow the number of series.  A
``program`` label holds only the config's program names (a class naming
another plays the default program), and a ``uniqueid`` only the calls on hold.
"""

import time
from collections.abc import Callable, Iterable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from progmoh.player import protocol
from progmoh.player.serve.cache_state import CacheState
from progmoh.player.serve.snapshot import Snapshot

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
KEYS = tuple("0123456789*#ABCD")
LOOKUP_RESULTS = ("answered", "not_ours", "malformed")
INSERT_KINDS = ("balance", "position", "wait", "class_switch", "say")
ANNOUNCE_TRIGGERS = ("periodic", "change")
BILLING_OUTCOMES = ("ok", "not_registered", "unavailable", "timeout")
STORE_OUTCOMES = {"read": ("found", "none", "timeout", "error"),
                  "write": ("ok", "pending", "error")}
CALLBACK_EVENTS = ("offered", "accepted", "declined", "dialled", "answered", "retried",
                   "given_up", "cancelled")
CALLBACK_BUCKETS_S = (60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0)
BILLING_BUCKETS_S = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
WAIT_OUTCOMES = ("answered", "abandoned")        # accuracy.py
WAIT_RANGES = ("in_range", "out_of_range")
WAIT_ERROR_BUCKETS_S = (15.0, 30.0, 60.0, 90.0, 120.0, 180.0, 300.0, 600.0, 1200.0)
STORE_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)


class Metrics:
    """The service's counters; ``scrape()`` is the body of ``GET /metrics``."""

    content_type = CONTENT_TYPE

    def __init__(self, snapshot: Callable[[], Snapshot] | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._counters()
        self._histograms()
        self._names()
        for key in KEYS:
            self.keys.labels(key)
        for problem in protocol.AUDIO_PROBLEMS:
            self.audio_problems.labels(problem)
        if snapshot is not None:
            self.registry.register(_Present(snapshot))

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
        self.callbacks = _labelled(Counter("progmoh_callbacks", "Callbacks, by event",
                                           ["event"], registry=r), CALLBACK_EVENTS)
        self.wait_checks = Counter("progmoh_wait_estimates_checked", "Estimated waits told to "
                                   "callers, checked when the call was answered or abandoned, "
                                   "by outcome and whether what remained was in the told range",
                                   ["outcome", "range"], registry=r)
        for outcome in WAIT_OUTCOMES:
            for inside in WAIT_RANGES:
                self.wait_checks.labels(outcome, inside)

    def _histograms(self) -> None:
        self.billing_seconds = Histogram("progmoh_billing_lookup_seconds", "Billing lookup "
                                         "latency", buckets=BILLING_BUCKETS_S,
                                         registry=self.registry)
        self.store_seconds = Histogram("progmoh_choice_store_seconds", "Choice store latency, "
                                       "by operation", ["operation"], buckets=STORE_BUCKETS_S,
                                       registry=self.registry)
        for operation in STORE_OUTCOMES:
            self.store_seconds.labels(operation)
        self.callback_seconds = Histogram(
            "progmoh_callback_wait_seconds", "From joining the queue to the callback answered",
            buckets=CALLBACK_BUCKETS_S, registry=self.registry)
        self.wait_error_seconds = Histogram(
            "progmoh_wait_estimate_error_seconds", "How far each estimated wait told was from "
            "the wait that really remained (absolute; a lower bound for abandoned calls), by "
            "outcome", ["outcome"], buckets=WAIT_ERROR_BUCKETS_S, registry=self.registry)
        for outcome in WAIT_OUTCOMES:
            self.wait_error_seconds.labels(outcome)

    def _names(self) -> None:
        """What ``count`` knows by name: the counters the core bumps, and their histograms."""
        self._by_name = {"keys": self.keys, "inserts": self.inserts,
                         "announcements": self.announcements, "billing": self.billing,
                         "store": self.store, "ami_reconnects": self.ami_reconnects,
                         "ami_resyncs": self.ami_resyncs, "audio_problems": self.audio_problems,
                         "callbacks": self.callbacks, "wait_checks": self.wait_checks}
        self._latency = {"billing": lambda labels: self.billing_seconds,
                         "store": lambda labels: self.store_seconds.labels(labels[0]),
                         "callbacks": lambda labels: self.callback_seconds,
                         "wait_checks": lambda labels: self.wait_error_seconds.labels(labels[0])}

    # -- one call per event --------------------------------------------------------

    def lookups_inc(self, result: str) -> None:
        self.lookups.labels(result).inc()

    def count(self, metric: str, labels: tuple[str, ...] = (), amount: int = 1,
              seconds: float | None = None) -> None:
        """One event the core counted (an ``actions.Count``), with its latency if it has one."""
        counter = self._by_name[metric]
        (counter.labels(*labels) if labels else counter).inc(amount)
        if seconds is not None:
            self._latency[metric](labels).observe(max(0.0, seconds))

    def scrape(self) -> bytes:
        return generate_latest(self.registry)


def _labelled(counter: Counter, values: Iterable[str]) -> Counter:
    """Create every series up front, so a rate over a label that never happened is 0, not gone."""
    for value in values:
        counter.labels(value)
    return counter


def key_label(digit: str) -> str:
    """The ``key`` label of a digit from AMI: one of KEYS, else "other"."""
    return digit if digit in KEYS else "other"


class _Present:
    """A custom collector: gauges from a fresh ``Snapshot`` (snapshot.py) at every scrape."""

    def __init__(self, snapshot: Callable[[], Snapshot]) -> None:
        self._snapshot = snapshot

    def describe(self) -> list[GaugeMetricFamily]:
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self._snapshot()
        health = now.health
        yield _gauge("progmoh_calls_on_hold", "Calls on hold now", len(now.calls))
        yield _gauge("progmoh_players_connected", "Players connected to serve now",
                     health.players_connected)
        yield _gauge("progmoh_ami_connected", "1 while logged in to AMI", int(health.ami_connected))
        age = health.ami_last_event_age_s
        yield _gauge("progmoh_ami_last_event_age_seconds", "Seconds since the last AMI event "
                     "(NaN before the first)", float("nan") if age is None else age)
        yield _per_call({call.uniqueid: call.audio_problems for call in now.calls})
        yield from _programs(now)
        yield from _cache_gauges(health.cache)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _per_call(call_problems: dict[str, Mapping[str, int]]) -> GaugeMetricFamily:
    family = GaugeMetricFamily("progmoh_call_audio_problems", "Audio problems players reported "
                               "for each call on hold now", labels=["uniqueid", "problem"])
    for uniqueid, counts in sorted(call_problems.items()):
        for problem in protocol.AUDIO_PROBLEMS:
            family.add_metric([uniqueid, problem], counts.get(problem, 0))
    return family


def _programs(now: Snapshot) -> Iterator[GaugeMetricFamily]:
    """Calls on hold per configured program (each one's series, 0 when it has none), and
    each call's program."""
    on_hold = GaugeMetricFamily("progmoh_program_calls_on_hold", "Calls on hold now, by "
                                "program", labels=["program"])
    for program in now.health.programs:
        on_hold.add_metric([program], sum(call.program == program for call in now.calls))
    yield on_hold
    each = GaugeMetricFamily("progmoh_call_program_info", "The program of each call on hold "
                             "now", labels=["uniqueid", "program"])
    for call in sorted(now.calls, key=lambda call: call.uniqueid):
        each.add_metric([call.uniqueid, call.program], 1)
    yield each


def _cache_gauges(cache: CacheState) -> Iterator[GaugeMetricFamily]:
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
