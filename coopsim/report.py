"""Comparison reports: collect a sweep's runs, pair them on seeds, bootstrap the
differences, draw the figures and write a self-contained HTML report.

Runs are grouped by one config key (``compare_by``, by default ``tier``) and
paired with the reference group's run of the same scenario and seed — the same
households, prices and shocks (common random numbers). For each outcome the
report gives each group's mean paired difference from the reference with a
bootstrap 95 % confidence interval over seeds.

Used by the Hydra callback :class:`ReportCallback` at the end of a sweep
(``coopsim +experiment=compare_tiers``), or by ``coopsim-report <sweep dir>``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coopsim.resilience import measures

#: Outcomes of the headline table, with their labels and whether higher is better.
OUTCOMES: dict[str, tuple[str, bool | None]] = {
    "income_per_capita_mean_yuan": ("income per person (yuan/yr)", True),
    "income_per_capita_median_yuan": ("median income per person (yuan/yr)", True),
    "poverty_rate": ("poverty rate", False),
    "gini": ("Gini", False),
    "collective_income_per_village_yuan": ("collective income per village (yuan/yr)", True),
    "thin_village_share": ("share of thin villages", False),
    "fiscal_cost_yuan": ("fiscal cost (yuan/yr)", False),
    "away_share_mean": ("share of workers away", None),  # neither better nor worse
}
BOOTSTRAP_SEED = 20170401


def _get(config: dict[str, Any], dotted: str) -> Any:
    """A run's value of a dotted config key (a block with a ``name``, such as ``tier``, gives its name)."""
    node: Any = config
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict) and "name" in node:
        return node["name"]
    return node


def collect(sweep_dir: Path, compare_by: str = "tier") -> dict[str, pd.DataFrame]:
    """Stack the tables of every complete run (one with ``metadata.json``) under ``sweep_dir``.

    Each table gets a ``group`` column: the run's value of ``compare_by``.
    """
    frames: dict[str, list[pd.DataFrame]] = {"region_year": [], "region_month": [], "village_year": []}
    runs = []
    for meta_path in sorted(sweep_dir.rglob("metadata.json")):
        meta = json.loads(meta_path.read_text())
        group = str(_get(meta["config"], compare_by))
        runs.append({"run_id": meta["run_id"], "group": group, "tier": meta["tier"], "scenario": meta["scenario"],
                     "seed": meta["seed"], "ablate": meta["config"].get("ablate", "none"),
                     "region": meta["region"], "years": meta["years"], "wall_time_s": meta["wall_time_s"],
                     "code_version": meta["code_version"], "dir": str(meta_path.parent)})
        for name, parts in frames.items():
            table = pd.read_parquet(meta_path.parent / f"{name}.parquet")
            parts.append(table.assign(group=group))
    if not runs:
        raise FileNotFoundError(f"no complete runs (with metadata.json) under {sweep_dir}")
    out = {name: pd.concat(parts, ignore_index=True) for name, parts in frames.items()}
    out["runs"] = pd.DataFrame(runs)
    return out


def per_run_outcomes(region_year: pd.DataFrame, last_years: int) -> pd.DataFrame:
    """Each run's outcomes averaged over its final ``last_years`` years."""
    final = region_year[region_year["year"] > region_year["year"].max() - last_years]
    return final.groupby(["scenario", "group", "seed"])[list(OUTCOMES)].mean().reset_index()


def bootstrap_ci(values: np.ndarray, rng: np.random.Generator, n_boot: int = 4000) -> tuple[float, float]:
    """Percentile bootstrap 95 % interval of the mean (NaN for fewer than two values)."""
    values = np.asarray(values, dtype=float)
    if values.size < 2:
        return float("nan"), float("nan")
    means = rng.choice(values, size=(n_boot, values.size), replace=True).mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def paired_differences(per_run: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Each group's paired difference from ``reference`` per scenario and outcome, with a bootstrap CI."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    rows = []
    for scenario, sc in per_run.groupby("scenario", sort=False):
        ref = sc[sc["group"] == reference].set_index("seed")
        for group, g in sc.groupby("group", sort=False):
            if group == reference:
                continue
            g = g.set_index("seed")
            seeds = g.index.intersection(ref.index)
            for outcome, (label, better_up) in OUTCOMES.items():
                d = (g.loc[seeds, outcome] - ref.loc[seeds, outcome]).to_numpy()
                lo, hi = bootstrap_ci(d, rng)
                rows.append({"scenario": scenario, "group": group, "outcome": outcome, "label": label,
                             "reference_mean": ref.loc[seeds, outcome].mean(), "group_mean": g.loc[seeds, outcome].mean(),
                             "difference": d.mean(), "ci_low": lo, "ci_high": hi,
                             "min_difference": d.min(), "max_difference": d.max(), "seeds": len(seeds),
                             "higher_is_better": better_up})
    return pd.DataFrame(rows)


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
    from coopsim.config import parse_config
    from coopsim.shocks import onset_month

    out = {}
    for scenario, r in runs.groupby("scenario"):
        if scenario == "baseline":
            continue
        meta = json.loads((Path(r["dir"].iloc[0]) / "metadata.json").read_text())
        cfg = parse_config(meta["config"])
        out[str(scenario)] = min(onset_month(s, cfg.start_year) for _n, s in cfg.shocks)
    return out


def build_report(sweep_dir: Path, compare_by: str = "tier", reference: str = "none", last_years: int = 3,
                 title: str | None = None) -> Path:
    """Collect a sweep and write tables, figures and ``report.html`` into ``sweep_dir``."""
    from coopsim.report_figures import draw_all
    from coopsim.report_html import write_html

    tables = collect(sweep_dir, compare_by)
    runs = tables["runs"]
    if reference not in set(runs["group"]):
        raise ValueError(f"reference {compare_by}={reference!r} is not among the runs' values: "
                         f"{', '.join(sorted(set(runs['group'])))}")
    start_year = int(tables["region_year"]["year"].min())
    per_run = per_run_outcomes(tables["region_year"], last_years)
    diffs = paired_differences(per_run, reference)
    resilience = resilience_table(tables, onsets_from_runs(runs), start_year)
    for name in ("region_year", "region_month", "village_year"):
        tables[name].to_parquet(sweep_dir / f"all_{name}.parquet", index=False)
    runs.to_csv(sweep_dir / "runs.csv", index=False)
    diffs.to_csv(sweep_dir / "summary.csv", index=False)
    if not resilience.empty:
        resilience.to_csv(sweep_dir / "resilience.csv", index=False)
    figures = draw_all(tables, per_run, diffs, resilience, reference, sweep_dir / "figures")
    return write_html(sweep_dir / "report.html", title or sweep_dir.parent.name, compare_by, reference, runs,
                      diffs, resilience, figures, last_years, tables["region_year"])


try:
    from hydra.experimental.callback import Callback
except ImportError:  # pragma: no cover - hydra is a dependency
    Callback = object  # type: ignore[assignment,misc]


#: Reports that failed in this process (Hydra turns a callback's exception into
#: a warning; the ``coopsim`` entry point exits non-zero when this is not empty).
FAILURES: list[str] = []


class ReportCallback(Callback):  # type: ignore[misc,valid-type]
    """Hydra callback: build the comparison report when a sweep ends."""

    def __init__(self, compare_by: str = "tier", reference: str = "none", last_years: int = 3) -> None:
        self.compare_by, self.reference, self.last_years = compare_by, reference, last_years

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            path = build_report(sweep_dir, self.compare_by, self.reference, self.last_years,
                                title=str(config.get("experiment", sweep_dir.parent.name)))
        except Exception as err:
            FAILURES.append(f"{sweep_dir}: {err}")
            print(f"coopsim: the report of {sweep_dir} failed: {err}", file=sys.stderr)
            raise
        print(f"coopsim: report written to {path}")


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="coopsim-report", description="Build the comparison report of a sweep.")
    p.add_argument("sweep_dir", type=Path)
    p.add_argument("--compare-by", default="tier", help="config key whose values are compared (default: tier)")
    p.add_argument("--reference", default="none", help="the value compared against (default: none)")
    p.add_argument("--last-years", type=int, default=3)
    args = p.parse_args(argv)
    print(build_report(args.sweep_dir, args.compare_by, args.reference, args.last_years))


if __name__ == "__main__":
    main()
