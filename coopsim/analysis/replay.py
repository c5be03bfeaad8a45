"""The history replay's yearly table: the aggregates Bijie prefecture itself reports.

For each year of the runs of one tier (the history: ``tier=v3``, whose dates
replay the rollout), averaged over seeds with their range: cooperatives and
member households, cooperative revenue, village collective operating income
(in total and per village), collective assets per village, the poverty
headcount, and beside them income by the statistics' four sources, its
distribution (quintile shares, Gini), poverty entry and exit, the registered
poor, the minimum living allowance, consumption, migrants away and "thin"
villages; then
the facts the model was not calibrated to (:mod:`coopsim.analysis.validation`).

``ReplayCallback`` writes ``replay.csv``, ``facts.csv`` and ``replay.md`` into a sweep's
directory when it ends (``configs/experiment/bijie_2017_2020.yaml``);
``python -m coopsim.analysis.replay <sweep dir>`` does the same afterwards.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.experimental.callback import Callback

from coopsim.analysis.markdown import markdown_table
from coopsim.analysis.validation import facts_table, load_run
from coopsim.io.console import console_script
from coopsim.io.helptext import PlainHelp
from coopsim.io.sweeps import FAILED_CALLBACKS, complete_runs

#: (column of region_year, label in the table, divisor for the unit shown)
AGGREGATES = (
    ("coops_founded", "cooperatives", 1),
    ("coop_member_households", "member households", 1),
    ("coop_revenue_yuan", "cooperative revenue (M yuan)", 1e6),
    ("collective_income_yuan", "collective operating income (M yuan)", 1e6),
    ("collective_income_per_village_yuan", "collective income per village (yuan)", 1),
    ("collective_assets_per_village_yuan", "collective assets per village (yuan)", 1),
    ("thin_village_share", "thin villages (share)", 1),
    ("poverty_headcount", "poverty headcount (persons)", 1),
    ("poverty_rate", "poverty rate", 1),
    ("income_per_capita_mean_yuan", "income per capita (yuan)", 1),
    ("wage_income_per_capita_yuan", "  wages (NBS, yuan per person)", 1),
    ("net_business_income_per_capita_yuan", "  net business (yuan per person)", 1),
    ("net_property_income_per_capita_yuan", "  net property (yuan per person)", 1),
    ("net_transfer_income_per_capita_yuan", "  net transfers (yuan per person)", 1),
    ("income_share_q1", "income share, poorest fifth", 1),
    ("income_share_q5", "income share, richest fifth", 1),
    ("gini", "Gini", 1),
    ("poverty_line_yuan", "poverty line (yuan)", 1),
    ("poverty_entry_rate", "poverty entry (share of the non-poor)", 1),
    ("poverty_exit_rate", "poverty exit (share of the poor)", 1),
    ("registered_poor_below_line_share", "registered poor below the line", 1),
    ("registered_poor_remaining_rate", "registered poor not yet checked out (share of persons)", 1),
    ("dibao_recipient_rate", "minimum living allowance recipients (share of persons)", 1),
    ("consumption_per_capita_yuan", "consumption per capita (yuan)", 1),
    ("workers_away_mean", "migrant workers away (mean of months)", 1),
    ("away_share_working_months", "share away, March-December", 1),
)


def runs_of(sweep_dir: Path, tier: str) -> list[Path]:
    """The complete runs (with ``metadata.json``) of ``tier`` under ``sweep_dir``."""
    runs = [run_dir for run_dir, meta in complete_runs(sweep_dir)[0] if meta["tier"] == tier]
    if not runs:
        raise FileNotFoundError(f"no complete run of tier={tier} under {sweep_dir}")
    return runs


def prefecture_table(region_year: pd.DataFrame) -> pd.DataFrame:
    """One row per aggregate, one column per year: the mean over seeds (and min-max where seeds differ)."""
    seeds = region_year["seed"].nunique()
    rows = []
    for column, label, divisor in AGGREGATES:
        by_year = region_year.groupby("year")[column]
        mean, low, high = (s / divisor for s in (by_year.mean(), by_year.min(), by_year.max()))
        row: dict[str, Any] = {"aggregate": label}
        for year in mean.index:
            row[str(year)] = fmt(mean[year]) + ("" if seeds < 2 or low[year] == high[year]
                                               else f" [{fmt(low[year])}, {fmt(high[year])}]")
        rows.append(row)
    return pd.DataFrame(rows)


def fmt(x: float) -> str:
    return f"{x:.3f}" if abs(x) < 1 else f"{x:,.0f}" if abs(x) >= 100 else f"{x:.1f}"


def write_replay(sweep_dir: Path, tier: str = "v3") -> Path:
    """Write ``replay.csv``, ``facts.csv`` and ``replay.md`` into ``sweep_dir``; return the Markdown's path."""
    runs = [load_run(r) for r in runs_of(sweep_dir, tier)]
    ry = pd.concat([r["region_year"] for r in runs], ignore_index=True)
    table = prefecture_table(ry)
    table.to_csv(sweep_dir / "replay.csv", index=False)
    facts = facts_table(runs)
    facts.to_csv(sweep_dir / "facts.csv", index=False)
    seeds = sorted(ry["seed"].unique())
    head = (f"Replay, tier={tier}, region={ry['region'].iloc[0]}: mean of {len(seeds)} seeds "
            f"({', '.join(map(str, seeds))}), [min, max] over seeds.")
    path = sweep_dir / "replay.md"
    path.write_text(f"{head}\n\n{markdown_table(table)}\n\nFacts not calibrated to:\n\n"
                    f"{markdown_table(facts, fmt)}\n", encoding="utf-8")
    return path


class ReplayCallback(Callback):  # type: ignore[misc,valid-type]
    """Hydra callback: write the prefecture's yearly table when the sweep ends."""

    def __init__(self, tier: str = "v3") -> None:
        self.tier = tier

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            path = write_replay(sweep_dir, self.tier)
        except Exception as err:
            FAILED_CALLBACKS.append(f"{sweep_dir}: {err}")
            print(f"coopsim: the replay table of {sweep_dir} failed: {err}", file=sys.stderr)
            raise
        print(path.read_text(encoding="utf-8"))
        print(f"coopsim: replay table written to {path}")


@console_script("python -m coopsim.analysis.replay")
def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m coopsim.analysis.replay", description=__doc__,
                                formatter_class=PlainHelp)
    p.add_argument("sweep_dir", type=Path)
    p.add_argument("--tier", default="v3")
    args = p.parse_args(argv)
    print(write_replay(args.sweep_dir, args.tier).read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
