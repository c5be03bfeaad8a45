"""A run as a function: validated config in, tidy tables out — and a run
written to its directory.

Example::

    from coopsim import compose_config, simulate

    tables = simulate(compose_config(["region=tiny", "tier=v2"]))
    tables["region_year"][["year", "income_per_capita_mean_yuan", "poverty_rate"]]
"""

from __future__ import annotations

import dataclasses
import resource
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coopsim.analysis.resilience import income_response, measures
from coopsim.config import RunConfig, onset_month, parse_config
from coopsim.engine.economy import Economy
from coopsim.engine.recorder import RunTables
from coopsim.io.provenance import code_version, run_id, with_provenance
from coopsim.io.run_dir import FAILURE, StreamedTable, completed_run, write_metadata, write_tables

__all__ = ["FAILURE", "run_to_directory", "simulate", "simulate_scenario"]

#: Show a progress bar after this many seconds when ``progress: auto``.
PROGRESS_DELAY_S = 3.0


def simulate(cfg: RunConfig, progress: bool = False, label: str = "",
             household_sink: Callable[[dict[str, np.ndarray]], None] | None = None) -> RunTables:
    """Run one region under one tier to the horizon and return its tables.

    The ledger is verified at the end: a run that created or lost money
    raises :class:`coopsim.money.LedgerError` and returns nothing.
    ``household_sink`` takes each year's household rows as they are made
    (then ``household_year`` is not among the tables returned).
    """
    economy = Economy(cfg)
    economy.recorder.household_sink = household_sink
    if not progress:
        return economy.run()
    from tqdm import tqdm

    delay = PROGRESS_DELAY_S if cfg.progress == "auto" else 0.0
    with tqdm(total=cfg.months, unit="month", desc=label or "coopsim", delay=delay, dynamic_ncols=True) as bar:
        return economy.run(progress=lambda t: bar.update(t - bar.n))


def simulate_scenario(cfg: RunConfig, progress: bool = False, label: str = "",
                      household_sink: Callable[[dict[str, np.ndarray]], None] | None = None) -> RunTables:
    """Run ``cfg``; if it has shocks (and ``resilience``), also its no-shock
    counterfactual on the same seed, and add the resilience tables:

    ``resilience`` (one row of measures) and ``income_response`` (monthly
    per-capita income with and without the shocks).
    """
    tables = simulate(cfg, progress, label, household_sink)
    if not cfg.shocks or not cfg.resilience:
        return tables
    baseline = simulate(dataclasses.replace(cfg, shocks=(), household_table=False), progress,
                        f"{label} (no-shock counterfactual)")
    onset = min(onset_month(shock, cfg.start_year) for _name, shock in cfg.shocks)
    tables["resilience"] = pd.DataFrame([measures(tables, baseline, onset, cfg.start_year)])
    tables["income_response"] = income_response(tables["region_month"], baseline["region_month"])
    return tables


def run_to_directory(data: Mapping[str, Any], out_dir: Path) -> dict[str, Any]:
    """Validate ``data``, run it, and write tables and ``metadata.json`` to ``out_dir``.

    Raises
    ------
    coopsim.config.ConfigError
        before anything is run or written, if the config is bad.
    """
    cfg = parse_config(data)
    version = code_version()
    rid = run_id(dict(data), version)
    done = completed_run(out_dir, rid)
    if done is not None:
        return {**done, "skipped": True}
    started = time.time()
    provenance = (rid, cfg.tier.name, cfg.scenario, cfg.region.name, cfg.seed)
    stream = StreamedTable(out_dir / "household_year.parquet", provenance) if cfg.household_table else None
    try:
        tables = simulate_scenario(cfg, progress=cfg.progress != "never",
                                   label=f"{cfg.tier.name} {cfg.scenario} {cfg.region.name}",
                                   household_sink=stream.write if stream is not None else None)
        wall = time.time() - started
        rows = write_tables(out_dir, {k: with_provenance(t, *provenance) for k, t in tables.items()})
        if stream is not None:
            rows["household_year"] = stream.close()
    except BaseException:
        if stream is not None:
            stream.discard()
        raise
    closing = dict(zip(tables["ledger_closing"]["account_group"], tables["ledger_closing"]["balance_fen"].astype(int), strict=True))
    meta = {
        "run_id": rid, "tier": cfg.tier.name, "scenario": cfg.scenario, "region": cfg.region.name, "seed": cfg.seed,
        "years": cfg.years, "code_version": version, "config": dict(data),
        "ledger": {"balanced": True, "closing_balances_fen": closing},
        "tables": rows, "wall_time_s": round(wall, 3),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    write_metadata(out_dir, meta)
    (out_dir / FAILURE).unlink(missing_ok=True)
    return meta
