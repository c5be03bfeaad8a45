"""What a single run says at its end: who was run, and three lines — household income, poverty and public
money — then where its tables are.

Example (a run's ``region_year`` table and metadata)::

    for line in run_summary(pd.read_parquet(run / "region_year.parquet"), meta, run):
        print(line)
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from coopsim.config import TIER_TITLES


def run_summary(year: pd.DataFrame, meta: Mapping[str, Any], where: Path) -> list[str]:
    """The summary of one run: its ``region_year`` table (one row a year), its metadata (tier, scenario,
    region, seed, wall time) and its directory."""
    first, last = year.iloc[0], year.iloc[-1]
    y0, y1 = int(first["year"]), int(last["year"])
    span = f"{y0}-{y1}" if y1 > y0 else str(y1)
    others = len([p for p in where.glob("*.parquet") if p.name != "region_year.parquet"])
    fiscal = float(year["fiscal_cost_yuan"].sum())
    return [
        f"coopsim: {TIER_TITLES.get(str(meta['tier']), meta['tier'])}, {str(meta['scenario']).replace('_', ' ')}, "
        f"region {meta['region']}, {span}, seed {meta['seed']}: {float(meta['wall_time_s']):.1f} s, "
        "ledger balanced",
        f"  income   {last['income_per_capita_mean_yuan']:,.0f} yuan a person in {y1} "
        f"(median {last['income_per_capita_median_yuan']:,.0f}; mean {first['income_per_capita_mean_yuan']:,.0f} "
        f"in {y0})",
        f"  poverty  {100 * last['poverty_rate']:.1f} % of people below the line of "
        f"{last['poverty_line_yuan']:,.0f} yuan in {y1} ({100 * first['poverty_rate']:.1f} % in {y0})",
        f"  public   {last['fiscal_cost_yuan'] / 1e6:,.2f} million yuan of public money in {y1} "
        f"({fiscal / 1e6:,.1f} million over {span})",
        f"  tables   {where} (region_year.parquet and {others} more)",
    ]
