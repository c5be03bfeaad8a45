"""Where the time of a run goes, step by step (wall time, the fast engine as it runs).

Usage::

    python benchmarks/profile_steps.py [overrides ...]     # default: region=bijie, the scale workload

Times every institution step (:class:`coopsim.engine.economy.Economy` methods run by
the SimPy processes) and every household step (all blocks of a phase
together, on however many threads run them). Prints a table; asserts nothing.
For a function-level view run the same workload under ``py-spy`` or
``cProfile``.
"""

from __future__ import annotations

import collections
import functools
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

from coopsim.config import compose_config
from coopsim.engine.calendar import MONTH
from coopsim.engine.economy import Economy

WORKLOAD = ["region=bijie", "tier=v3", "scenario=[price_collapse,city_crisis]", "resilience=false",
            "household_table=false", "progress=never"]
#: The economy's steps of the calendar (the households' are timed as the engine runs them).
INSTITUTIONS = tuple(p.step for p in MONTH if p.actor == "economy" and p.when != "founded")


def timed(name: str, fn: Callable[..., Any], totals: dict[str, float]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[name] += time.perf_counter() - start
    return wrapper


def main() -> None:
    cfg = compose_config([*WORKLOAD, *sys.argv[1:]])
    totals: dict[str, float] = collections.defaultdict(float)
    for name in INSTITUTIONS:  # before the economy is built: its processes take these methods
        setattr(Economy, name, timed(name, getattr(Economy, name), totals))
    start = time.perf_counter()
    eco = Economy(cfg)
    build = time.perf_counter() - start
    blocks = eco.household_blocks

    def drive(step: str, t: int) -> None:  # the fast engine's own stepping, timed per phase
        eco.step_households(getattr(eco.livelihoods, step), t)

    eco.households_driver = lambda step, t: timed(f"households: {step}", drive, totals)(step, t)
    start = time.perf_counter()
    eco.run()
    run = time.perf_counter() - start
    print(f"{cfg.region.name}: {eco.hh.n:,} households, {cfg.months} months, {eco.threads} thread(s), "
          f"{len(blocks)} block(s); build {build:.1f} s, run {run:.1f} s, "
          f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    for name, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"{seconds:8.2f} s  {100 * seconds / run:5.1f} %  {name}")
    print(f"{run - sum(totals.values()):8.2f} s  {100 * (run - sum(totals.values())) / run:5.1f} %  other "
          "(SimPy, founding events)")


if __name__ == "__main__":
    main()
