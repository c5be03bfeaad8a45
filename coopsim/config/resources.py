"""What a run needs of the machine, checked before it starts.

The estimate is an upper bound fitted to measured peaks (whole process, tier
3.0, ten years): 170 MB for 600 households, 307 MB for 100,000 and 1.24 GB
for the prefecture's 1.3 million with the household table streamed to disk.
A run whose estimate exceeds the memory the machine has available is refused
before anything is built or written, naming the keys that size it.

>>> from coopsim.config import compose_config
>>> round(memory_needed_bytes(compose_config(["region=bijie"]), streamed=True) / 1e9, 1)
1.7
"""

from __future__ import annotations

import os

from coopsim.config.run_config import RunConfig
from coopsim.config.schema import ConfigError

#: Interpreter, libraries and fixed tables.
BASE_BYTES = 250e6
#: Each household's columns, the month's draws and working arrays (measured about 820).
PER_HOUSEHOLD_BYTES = 1000.0
#: Each village's row of the monthly village table.
PER_VILLAGE_MONTH_BYTES = 400.0
#: Each household's row of the yearly household table, when it is kept in memory (not streamed).
PER_HOUSEHOLD_YEAR_BYTES = 200.0


def memory_needed_bytes(cfg: RunConfig, streamed: bool = True) -> float:
    """An upper estimate of a run's peak memory (bytes).

    ``streamed``: the yearly household table is written as the run goes (as
    ``coopsim`` does) rather than kept (as :func:`coopsim.simulate` without a sink).
    """
    region = cfg.region
    need = BASE_BYTES + region.households * PER_HOUSEHOLD_BYTES + region.villages * cfg.months * PER_VILLAGE_MONTH_BYTES
    if cfg.household_table and not streamed:
        need += region.households * cfg.years * PER_HOUSEHOLD_YEAR_BYTES
    if cfg.shocks and cfg.resilience:
        need *= 1.5  # the no-shock counterfactual's tables beside the run's
    return need


def memory_available_bytes() -> float:
    """What the machine can give a new process now (Linux: MemAvailable; else all physical memory)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return float("inf")


def check_memory(cfg: RunConfig, streamed: bool = True, runs_at_once: int = 1) -> None:
    """Refuse a run (``runs_at_once`` of them in parallel) that would not fit in memory.

    Raises
    ------
    ConfigError
        naming the keys that size the run, what it needs and what is available.
    """
    need = memory_needed_bytes(cfg, streamed) * max(runs_at_once, 1)
    have = memory_available_bytes()
    if need > have:
        at_once = f" ({runs_at_once} runs at once)" if runs_at_once > 1 else ""
        raise ConfigError(
            f"config keys 'region.households' = {cfg.region.households}, 'region.villages' = {cfg.region.villages}, "
            f"'years' = {cfg.years}, 'household_table' = {cfg.household_table}: the run needs about "
            f"{need / 1e9:.1f} GB of memory{at_once} and this machine has {have / 1e9:.1f} GB available; "
            "choose a smaller region, fewer years or fewer parallel jobs")
