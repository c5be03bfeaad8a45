"""A run as a function: validated config in, tidy tables out — and a run
written to its directory.

Example::

    from coopsim import compose_config, simulate

    tables = simulate(compose_config(["region=tiny", "tier=v2"]))
    tables["region_year"][["year", "income_per_capita_mean_yuan", "poverty_rate"]]
"""

from __future__ import annotations

import dataclasses
import logging
import resource
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coopsim.analysis.resilience import income_response, measures
from coopsim.config import RunConfig, onset_month, parse_config
from coopsim.config.resources import check_memory
from coopsim.engine.economy import Economy
from coopsim.engine.recorder import RunTables
from coopsim.io.provenance import code_version, run_id, with_provenance
from coopsim.io.run_dir import (
    FAILURE,
    RunDirError,
    StreamedTable,
    commit,
    inspect,
    locked,
    staging_dir,
    write_tables,
)

__all__ = ["FAILURE", "RunDirError", "run_to_directory", "simulate", "simulate_scenario"]
log = logging.getLogger("coopsim")

#: Show a progress bar after this many seconds when ``progress: auto``.
PROGRESS_DELAY_S = 3.0


def simulate(cfg: RunConfig, progress: bool = False, label: str = "",
             household_sink: Callable[[dict[str, np.ndarray]], None] | None = None) -> RunTables:
    """Run one region under one tier to the horizon and return its tables.

    The ledger is verified at the end: a run that created or lost money
    raises :class:`coopsim.money.LedgerError` and returns nothing.
    ``household_sink`` takes each year's household rows as they are made
    (then ``household_year`` is not among the tables returned). A run that
    would not fit in memory raises :class:`~coopsim.config.ConfigError` first.
    """
    check_memory(cfg, streamed=household_sink is not None)
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


def run_to_directory(data: Mapping[str, Any], out_dir: Path, overrides: Sequence[str] = ()) -> dict[str, Any]:
    """Validate ``data``, run it and write its tables and ``metadata.json`` into ``out_dir``.

    A complete run of the same config and code there is kept (``skipped``); a
    damaged one (a table missing, truncated or changed) is computed again. The
    run is computed in a staging directory and moved into ``out_dir`` whole,
    holding the directory's lock (another process with the same directory
    waits, then finds the run complete). ``overrides``: the command line's
    overrides, kept in the metadata (collect labels runs with them).

    Raises
    ------
    coopsim.config.ConfigError
        before anything is run or written, if the config is bad or the run would not fit in memory.
    coopsim.io.run_dir.RunDirError
        before anything is written, if ``out_dir`` holds a run of another config or code.
    """
    cfg = parse_config(data)
    check_memory(cfg, streamed=True)
    version = code_version()
    rid = run_id(dict(data), version)
    with locked(out_dir):
        state = inspect(out_dir)
        if state.status == "complete" and state.run_id == rid:
            return {**(state.meta or {}), "skipped": True}
        if state.run_id is not None and state.run_id != rid:
            raise RunDirError(f"{out_dir} holds a run of another config or code (run id {state.run_id}; this one is "
                              f"{rid}): nothing was written; give this run another directory, or remove that one")
        if state.status == "damaged":
            log.warning("run %s in %s is damaged (%s): computing it again", rid, out_dir, state.problem)
        staging = staging_dir(out_dir)
        try:
            meta = _compute(cfg, data, rid, version, staging, overrides)
            return commit(out_dir, staging, meta)
        except BaseException:  # a failure while computing or while committing (a full disk): no staging left
            shutil.rmtree(staging, ignore_errors=True)
            raise


def _compute(cfg: RunConfig, data: Mapping[str, Any], rid: str, version: str, staging: Path,
             overrides: Sequence[str]) -> dict[str, Any]:
    """Run ``cfg`` into ``staging``; return its metadata (without the tables' checksums)."""
    started = time.time()
    provenance = (rid, cfg.tier.name, cfg.scenario, cfg.region.name, cfg.seed)
    stream = StreamedTable(staging / "household_year.parquet", provenance) if cfg.household_table else None
    try:
        tables = simulate_scenario(cfg, progress=cfg.progress != "never",
                                   label=f"{cfg.tier.name} {cfg.scenario} {cfg.region.name}",
                                   household_sink=stream.write if stream is not None else None)
        wall = time.time() - started
        rows = write_tables(staging, {k: with_provenance(t, *provenance) for k, t in tables.items()})
        if stream is not None:
            rows["household_year"] = stream.close()
    except BaseException:
        if stream is not None:
            stream.discard()
        raise
    ledger = tables["ledger_closing"]
    closing = dict(zip(ledger["account_group"], ledger["balance_fen"].astype(int), strict=True))
    return {
        "run_id": rid, "tier": cfg.tier.name, "scenario": cfg.scenario, "region": cfg.region.name, "seed": cfg.seed,
        "years": cfg.years, "code_version": version, "config": dict(data), "overrides": list(overrides),
        "ledger": {"balanced": True, "closing_balances_fen": closing},
        "tables": rows, "wall_time_s": round(wall, 3),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
