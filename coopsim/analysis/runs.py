"""The runs of a sweep, read back for comparison: every complete run's tables
stacked with its group (its value of the compared config key), the onset of
each scenario's shocks, and the resilience of each shocked run against the
baseline run of the same group and seed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from coopsim.analysis.resilience import measures
from coopsim.config import onset_month, parse_config
from coopsim.io.run_dir import METADATA
from coopsim.io.sweeps import complete_runs


def config_value(config: dict[str, Any], dotted: str) -> Any:
    """A run's value of a dotted config key (a block with a ``name``, such as ``tier``, gives its name)."""
    node: Any = config
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict) and "name" in node:
        return node["name"]
    return node


def collect(sweep_dir: Path, compare_by: str = "tier",
            runs_found: tuple[list[tuple[Path, dict[str, Any]]], list[tuple[Path, str]]] | None = None
            ) -> dict[str, pd.DataFrame]:
    """Stack the tables of every complete run under ``sweep_dir`` (verified against its
    checksums; a damaged run is named on stderr and left out).

    Each table gets a ``group`` column: the run's value of ``compare_by``. ``runs_found``:
    :func:`~coopsim.io.sweeps.complete_runs` of the sweep, if already at hand.
    """
    frames: dict[str, list[pd.DataFrame]] = {"region_year": [], "region_month": [], "village_year": [],
                                             "region_week": [], "fiscal_year": []}
    runs, households = [], []
    complete, damaged = runs_found if runs_found is not None else complete_runs(sweep_dir)
    for run_dir, problem in damaged:
        print(f"coopsim: DAMAGED {run_dir}: {problem}; left out of the report", file=sys.stderr)
    for run_dir, meta in complete:
        meta_path = run_dir / METADATA
        group = str(config_value(meta["config"], compare_by))
        runs.append({"run_id": meta["run_id"], "group": group, "tier": meta["tier"], "scenario": meta["scenario"],
                     "seed": meta["seed"], "ablate": meta["config"].get("ablate", "none"),
                     "region": meta["region"], "years": meta["years"], "wall_time_s": meta["wall_time_s"],
                     "code_version": meta["code_version"], "dir": str(meta_path.parent)})
        for name, parts in frames.items():
            table = pd.read_parquet(meta_path.parent / f"{name}.parquet")
            parts.append(table.assign(group=group))
        final = meta_path.parent / "household_final.parquet"  # who gains: runs of older code have none
        if final.exists():
            households.append(pd.read_parquet(final).assign(group=group))
    if not runs:
        raise FileNotFoundError(f"no complete runs (with metadata.json) under {sweep_dir}")
    out = {name: pd.concat(parts, ignore_index=True) for name, parts in frames.items()}
    out["runs"] = pd.DataFrame(runs)
    out["household_final"] = (pd.concat(households, ignore_index=True) if len(households) == len(runs)
                              else pd.DataFrame())
    return out


def resilience_table(tables: dict[str, pd.DataFrame], onset_of: dict[str, int], start_year: int) -> pd.DataFrame:
    """Resilience of each shocked run against the baseline run of the same group and seed."""
    rows = []
    rm, ry, vy = tables["region_month"], tables["region_year"], tables["village_year"]
    for (scenario, group, seed), shocked in rm.groupby(["scenario", "group", "seed"], sort=False):
        if scenario == "baseline" or scenario not in onset_of:
            continue
        base = rm[(rm["scenario"] == "baseline") & (rm["group"] == group) & (rm["seed"] == seed)]
        if base.empty:
            continue

        def pick(t: pd.DataFrame, sc: str, group: str = group, seed: int = seed) -> pd.DataFrame:
            return t[(t["scenario"] == sc) & (t["group"] == group) & (t["seed"] == seed)].reset_index(drop=True)

        s_tabs = {"region_month": shocked.reset_index(drop=True), "region_year": pick(ry, scenario),
                  "village_year": pick(vy, scenario)}
        b_tabs = {"region_month": base.reset_index(drop=True), "region_year": pick(ry, "baseline"),
                  "village_year": pick(vy, "baseline")}
        rows.append({"scenario": scenario, "group": group, "seed": seed,
                     **measures(s_tabs, b_tabs, onset_of[scenario], start_year)})
    return pd.DataFrame(rows)


def onsets_from_runs(runs: pd.DataFrame) -> dict[str, int]:
    """Onset month of each shocked scenario, from one of its runs' resolved config."""
    out = {}
    for scenario, r in runs.groupby("scenario"):
        if scenario == "baseline":
            continue
        meta = json.loads((Path(r["dir"].iloc[0]) / METADATA).read_text())
        cfg = parse_config(meta["config"])
        out[str(scenario)] = min(onset_month(s, cfg.start_year) for _n, s in cfg.shocks)
    return out
