"""Benchmark of the estimated wait: progmoh's estimate against app_queue's, on the same calls.

    .venv/bin/python bench/wait_bench.py [--days 5] [--every-s 60] [--load-scale 1.0]

Simulated call-centre days (fixed seeds, so runs compare): arrivals Poisson
with a daily curve (quiet morning, a peak at midday), handle times lognormal,
agents logging in and out across the day and pausing for breaks, callers
abandoning after an exponential patience; a small queue of 2 agents and a
large one of 30.  Every event goes out of the AMI emulator
(player/sim/ami_emulator.py) as the bytes Asterisk would send, is parsed
back, and is fed to the real serve core (player/serve/core.py) on a fake
clock: the core's tracker keeps each caller's position and its estimator
reads the member and agent events.  Driving the whole service over sockets
would be far too slow for days of calls; the core is where serve estimates.

Each caller who waits is "told" an estimate when they join and every
``--every-s`` after: progmoh's (the estimate's expected seconds, at the
position the core's record holds) and app_queue's formula (its (3·old+new)/4
average hold time less the time waited, absolute; estimate.py
``app_queue_s``), each compared with the wait that really remained when the
caller was answered.  Abandoned callers' remaining waits are unknown: they
are left out of the error, and a second table says how often each figure
told them was shorter than they then stayed (by at least that much, the
least its error was).  Only moments where both had a figure count.

Beside them the bench prints three bounds (bench/wait_oracle.py), each
knowing the true laws: the informed estimator sees what AMI shows, the
planned one also the agents' logins, logouts and breaks ahead, and the
oracle when each running call ends.  About two minutes on one core, most of
it the bounds' runs.
"""

import argparse
import bisect
import dataclasses
import heapq
import itertools
import math
import random
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import repo_path  # noqa: F401 (puts the checkout's root on sys.path, for tests.support)
from wait_oracle import (
    Known,
    Laws,
    LogNormal,
    OnBreak,
    Planned,
    Seen,
    Shift,
    informed_wait_s,
    oracle_wait_s,
    planned_wait_s,
)

from progmoh.player.serve.ami.message import parse
from progmoh.player.serve.core import ServeCore
from progmoh.player.serve.estimate import app_queue_s
from progmoh.player.sim.ami_emulator import AmiEmulator, Caller
from tests.support.fake_clock import FakeClock
from tests.support.service_support import service_settings, write_config

DAY_S = 8 * 3600.0                # opening hours
NIGHT_S = 16 * 3600.0
PAUSE_MEDIAN_S, PAUSE_SIGMA = 600.0, 0.4   # an agent's break: lognormal
PLAN_AHEAD_S = 4 * 3600.0                   # how far the planned bound reads the plan
STAFFING = ("login", "logout", "pause", "unpause")


@dataclass(frozen=True)
class QueueSpec:
    name: str
    agents: int
    handle_mean_s: float
    handle_sigma: float           # of the lognormal's log
    patience_mean_s: float
    load: float                   # offered load at the peak, per staffed agent
    seed: int

    def laws(self) -> Laws:
        """The true laws of the queue's days: handle time of mean handle_mean_s."""
        return Laws(LogNormal(math.log(self.handle_mean_s) - self.handle_sigma ** 2 / 2,
                              self.handle_sigma),
                    LogNormal(math.log(PAUSE_MEDIAN_S), PAUSE_SIGMA), self.patience_mean_s)


SPECS = (QueueSpec("small", 2, 240.0, 0.7, 900.0, 1.05, 21),
         QueueSpec("large", 30, 300.0, 0.6, 600.0, 1.02, 42))


@dataclass
class Told:
    at_s: float
    progmoh_s: float
    app_queue_s: float
    informed_s: float
    planned_s: float
    oracle_s: float


COLUMNS = ("progmoh", "app_queue", "informed", "planned", "oracle")


@dataclass(frozen=True)
class Errors:
    """One told estimate of each, less the wait that really remained."""
    progmoh_s: float
    app_queue_s: float
    informed_s: float
    planned_s: float
    oracle_s: float


@dataclass(frozen=True)
class Talk:
    """An agent's call with a caller, and how long it lasts."""
    caller: Caller
    agent: str
    talk_s: int


@dataclass
class Waiting:
    caller: Caller
    joined_s: float
    told: list[Told] = field(default_factory=list)


class Day:
    """One queue's simulated days: the events in time order, through emulator and core."""

    def __init__(self, spec: QueueSpec, core: ServeCore, clock: FakeClock, every_s: float):
        self.spec, self.core, self.clock, self.every_s = spec, core, clock, every_s
        self.rng, self.laws = random.Random(spec.seed), spec.laws()
        self.oracle_rng = random.Random(spec.seed + 1)     # the days stay the same without it
        self.ends_s: dict[str, float] = {}               # agent in a call -> when it ends
        self.starts_s: dict[str, float] = {}             # ... when it began
        self.paused_at_s: dict[str, float] = {}          # agent on a break -> since when
        self.plan: dict[str, list[tuple[float, str]]] = {}   # agent -> its STAFFING events
        self.ami = AmiEmulator("bench", "bench", queue=spec.name, clock=clock)
        self.ami.listeners.append(lambda data: core.ami_event(parse(data.rstrip(b"\r\n"))))
        self.events: list[tuple[float, int, str, object]] = []
        self.seq = itertools.count()
        self.waiting: dict[str, Waiting] = {}        # uniqueid -> caller waiting
        self.free: list[str] = []                    # logged-in, unpaused, idle agents
        self.state: dict[str, str] = {}              # agent -> "idle" "call" "off" "pause"
        self.after_call: dict[str, str] = {}         # agent -> "logout" or "pause", once free
        self.errors: list[Errors] = []
        self.short: list[Errors] = []                # callers who gave up: told too short by
        self.calls = self.abandoned = 0

    def at(self, when_s: float, kind: str, data: object = None) -> None:
        heapq.heappush(self.events, (when_s, next(self.seq), kind, data))
        if kind in STAFFING:
            bisect.insort(self.plan.setdefault(str(data), []), (when_s, kind))

    def run(self, days: int) -> None:
        for day in range(days):
            self._plan_day(day * (DAY_S + NIGHT_S))
        while self.events:
            when_s, _, kind, data = heapq.heappop(self.events)
            self.clock.now_s = when_s
            getattr(self, "_" + kind)(data)

    # -- the plan of a day ---------------------------------------------------------

    def _plan_day(self, start_s: float) -> None:
        spec, rng = self.spec, self.rng
        for index in range(spec.agents):
            agent = f"Local/agent{index}@agents/n"
            login_s = start_s + (0 if index < max(1, spec.agents // 2) else rng.uniform(0, 5400))
            logout_s = start_s + DAY_S - (0 if index == 0 else rng.uniform(0, 5400))
            self.at(login_s, "login", agent)
            self.at(logout_s, "logout", agent)
            for _ in range(2):
                pause_s = rng.uniform(login_s + 1800, max(login_s + 1801, logout_s - 1800))
                self.at(pause_s, "pause", agent)
                self.at(pause_s + self.laws.pause.draw_s(rng), "unpause", agent)
        self._plan_arrivals(start_s)

    def _plan_arrivals(self, start_s: float) -> None:
        """Poisson by thinning: the rate follows a daily curve peaking at midday."""
        spec, rng = self.spec, self.rng
        staffed = spec.agents if spec.agents > 2 else 1.6
        peak = spec.load * staffed / spec.handle_mean_s
        t = 0.0
        while True:
            t += rng.expovariate(peak)
            if t >= DAY_S - 600:
                return
            if rng.random() < 0.35 + 0.65 * math.sin(math.pi * t / DAY_S) ** 2:
                self.at(start_s + t, "arrive", None)

    # -- events ------------------------------------------------------------------

    def _arrive(self, _: object) -> None:
        self.calls += 1
        uid = f"1800000000.{self.calls}"
        caller = Caller.local(uid, f"+1555{self.calls:07d}", "Caller", self.calls)
        self.waiting[uid] = Waiting(caller, self.clock())
        self.ami.join(caller)
        self._dispatch()
        if uid in self.waiting:
            self._tell(uid)
            self.at(self.clock() + self.rng.expovariate(1 / self.spec.patience_mean_s),
                    "abandon", uid)

    def _tell(self, uid: str) -> None:
        """What each would say now, if both have a figure; again after every_s."""
        waiting, now_s = self.waiting.get(uid), self.clock()
        if waiting is None:
            return
        record = self.core.calls.get(uid)
        found = self.core.estimator.estimate(self.spec.name, record.position if record else 0,
                                             now_s)
        if found is not None and self.ami.holdtime_s > 0:
            place = next(i for i, c in enumerate(self.ami.waiting) if c.uniqueid == uid) + 1
            waiting.told.append(Told(now_s, found.expected_s,
                                     app_queue_s(self.ami.holdtime_s, now_s - waiting.joined_s),
                                     self._informed_s(place, now_s, found.expected_s),
                                     self._planned_s(place, now_s, found.expected_s),
                                     self._oracle_s(place, now_s, found.expected_s)))
        self.at(now_s + self.every_s, "tell", uid)

    def _serving(self) -> list[str]:
        """The agents in a call that will take another, then the idle ones."""
        return [a for a, state in self.state.items()
                if state == "call" and a not in self.after_call] + self.free

    def _informed_s(self, place: int, now_s: float, otherwise_s: float) -> float:
        """The informed bound's figure; progmoh's where no agent serves (as for the oracle)."""
        serving = self._serving()
        if not serving:
            return otherwise_s
        talked_s = tuple(now_s - self.starts_s[a] if a not in self.free else None
                         for a in serving)
        on_break = tuple(OnBreak(now_s - since_s, now_s - self.starts_s[a]
                                 if self.state.get(a) == "call" else None)
                         for a, since_s in self.paused_at_s.items())
        return informed_wait_s(Seen(talked_s, on_break, place), self.laws, self.oracle_rng)

    def _planned_s(self, place: int, now_s: float, otherwise_s: float) -> float:
        """The planned bound's figure; progmoh's where no agent will serve in the plan."""
        agents = tuple(Planned(now_s - self.starts_s[a] if state == "call" else None,
                               self._shifts(a, now_s)) for a, state in self.state.items())
        found_s = planned_wait_s(agents, place, self.laws, self.oracle_rng)
        return found_s if found_s != math.inf else otherwise_s

    def _shifts(self, agent: str, now_s: float) -> tuple[Shift, ...]:
        """When the agent will take callers, from its state now and its plan ahead, as the
        event handlers below would move it (a pause on a break or logged out does nothing)."""
        after = self.after_call.get(agent)
        on = self.state.get(agent) in ("idle", "call", "pause") and after != "logout"
        paused = self.state.get(agent) == "pause" or after == "pause"
        plan = self.plan.get(agent, [])
        shifts, since_s = [], (now_s if on and not paused else None)
        for when_s, kind in plan[bisect.bisect_right(plan, (now_s, "~")):]:
            if when_s > now_s + PLAN_AHEAD_S:
                break
            on, paused = _moved(on, paused, kind)
            if on and not paused and since_s is None:
                since_s = when_s
            elif not (on and not paused) and since_s is not None:
                shifts.append(Shift(since_s - now_s, when_s - now_s))
                since_s = None
        if since_s is not None:
            shifts.append(Shift(since_s - now_s, math.inf))
        return tuple(shifts)

    def _oracle_s(self, place: int, now_s: float, otherwise_s: float) -> float:
        """The oracle's figure; progmoh's where no agent will serve (nor knows the oracle)."""
        serving = self._serving()
        if not serving:
            return otherwise_s
        free_at_s = tuple(self.ends_s[a] if a not in self.free else now_s for a in serving)
        return oracle_wait_s(Known(free_at_s, place, now_s), self.laws, self.oracle_rng)

    def _abandon(self, uid: object) -> None:
        waiting = self.waiting.pop(str(uid), None)
        if waiting is not None:
            self.abandoned += 1
            self.ami.hang_up(waiting.caller)
            stayed = [(t, self.clock() - t.at_s) for t in waiting.told]
            self.short += [Errors(*(max(0.0, stayed_s - getattr(t, c + "_s")) for c in COLUMNS))
                           for t, stayed_s in stayed]

    def _dispatch(self) -> None:
        while self.free and self.ami.waiting:
            caller, agent = self.ami.waiting[0], self.free.pop(0)
            waiting = self.waiting.pop(caller.uniqueid)
            self.ami.answer(caller, agent)
            self.state[agent] = "call"
            now_s = self.clock()
            self.errors += [Errors(*(getattr(t, c + "_s") - (now_s - t.at_s) for c in COLUMNS))
                            for t in waiting.told]
            talk_s = self.laws.handle.draw_s(self.rng)
            self.starts_s[agent], self.ends_s[agent] = now_s, now_s + talk_s
            self.at(now_s + talk_s, "complete", Talk(caller, agent, int(talk_s)))

    def _complete(self, talk: Talk) -> None:
        agent = talk.agent
        self.ami.complete(talk.caller, agent, talk.talk_s)
        self.ami.hang_up(talk.caller)
        self.state[agent] = "idle"
        then = self.after_call.pop(agent, "")
        if then == "logout":
            self.state[agent] = "off"
        elif then == "pause":
            self.state[agent] = "pause"
        else:
            self._free(agent)

    def _free(self, agent: str) -> None:
        if self.state.get(agent) == "idle" and agent not in self.free:
            self.free.append(agent)
        self._dispatch()

    def _login(self, agent: object) -> None:
        self.state[str(agent)] = "idle"
        self.ami.add_member(str(agent))
        self._free(str(agent))

    def _logout(self, agent: object) -> None:
        agent = str(agent)
        if self.state.get(agent) == "call":              # QueueRemove now, the call goes on
            self.after_call[agent] = "logout"
            self.ami.remove_member(agent)
            return
        if agent in self.free:
            self.free.remove(agent)
        if agent in self.ami.members:
            self.ami.remove_member(agent)
        self.state[agent] = "off"
        self.paused_at_s.pop(agent, None)

    def _pause(self, agent: object) -> None:
        agent = str(agent)
        if self.state.get(agent) == "call" and agent not in self.after_call:
            self.after_call[agent] = "pause"         # QueuePause now, the call goes on
            self.paused_at_s[agent] = self.clock()
            self.ami.pause_member(agent, True)
            return
        if self.state.get(agent) == "idle":
            if agent in self.free:
                self.free.remove(agent)
            self.state[agent] = "pause"
            self.paused_at_s[agent] = self.clock()
            if not self.ami.members.get(agent):
                self.ami.pause_member(agent, True)

    def _unpause(self, agent: object) -> None:
        agent = str(agent)
        if self.after_call.get(agent) == "pause":   # back before the call ended
            del self.after_call[agent]
            self.paused_at_s.pop(agent, None)
            self.ami.pause_member(agent, False)
        if self.state.get(agent) == "pause":
            self.state[agent] = "idle"
            self.paused_at_s.pop(agent, None)
            self.ami.pause_member(agent, False)
            self._free(agent)


def _moved(on: bool, paused: bool, kind: str) -> tuple[bool, bool]:
    """(logged in, on a break) after a STAFFING event, as the Day's handlers move them."""
    if kind == "login":
        return True, False
    if kind == "logout":
        return False, False
    if kind == "pause":
        return on, on
    return on, False                                  # unpause


def summary(errors: list[float]) -> tuple[float, float]:
    """(mean absolute error, its 90th percentile) in seconds."""
    absolute = sorted(abs(e) for e in errors)
    return statistics.fmean(absolute), absolute[min(len(absolute) - 1, int(0.9 * len(absolute)))]


def _share(errors: list[Errors], column: str, over_s: float) -> float:
    return sum(getattr(e, column + "_s") > over_s for e in errors) / max(1, len(errors))


def _mean(errors: list[Errors], column: str) -> float:
    return statistics.fmean(getattr(e, column + "_s") for e in errors) if errors else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--every-s", type=float, default=60.0)
    parser.add_argument("--load-scale", type=float, default=1.0,
                        help="multiply each queue's peak load (busier or quieter days)")
    args = parser.parse_args(argv)
    settings = service_settings(write_config(Path(tempfile.mkdtemp(prefix="wait-bench-"))))
    ratios: dict[str, dict[str, float]] = {column: {} for column in COLUMNS}
    short: dict[str, list[Errors]] = {}
    print(f"{args.days} days per queue, an estimate on joining and every {args.every_s:g} s;"
          " errors in seconds, against the wait that really remained (answered callers)")
    print(f"{'queue':6} {'agents':>6} {'calls':>6} {'aband':>6} {'told':>6} "
          + " ".join(f"{column + ' MAE':>13} {'p90':>6}" for column in COLUMNS))
    for spec in (dataclasses.replace(s, load=s.load * args.load_scale) for s in SPECS):
        clock = FakeClock(0.0)
        day = Day(spec, ServeCore(settings.serve, settings.programs, clock), clock, args.every_s)
        day.run(args.days)
        found = {column: summary([getattr(e, column + "_s") for e in day.errors])
                 for column in COLUMNS}
        for column in COLUMNS:
            ratios[column][spec.name] = found[column][0] / found["app_queue"][0]
        short[spec.name] = day.short
        print(f"{spec.name:6} {spec.agents:>6} {day.calls:>6} {day.abandoned:>6} "
              f"{len(day.errors):>6} "
              + " ".join(f"{found[c][0]:>13.1f} {found[c][1]:>6.1f}" for c in COLUMNS))
    print(f"callers who gave up: {sum(len(d) for d in short.values())} figures told; share told"
          " over 60 s shorter than they stayed, and the mean of the least error")
    for name, found_short in short.items():
        print(f"{name:6} " + " ".join(f"{column:>9} {_share(found_short, column, 60.0):>4.0%}"
                                      f" {_mean(found_short, column):>5.1f}"
                                      for column in COLUMNS))
    for column, knows in (("informed", "the true laws and what AMI shows"),
                          ("planned", "also the agents' logins, logouts and breaks ahead"),
                          ("oracle", "the true laws, and when each running call ends")):
        print(f"bound: {column} ({knows}) over app_queue's mae: "
              f"small={ratios[column]['small']:.2f} large={ratios[column]['large']:.2f}")
    print(f"mae ratio progmoh/app_queue: small={ratios['progmoh']['small']:.2f} "
          f"large={ratios['progmoh']['large']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
