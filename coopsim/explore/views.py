"""What the explorer shows of a comparison: the report's own pieces (the answer in words, the paired
differences with 95 % t-intervals over seeds, who gains and who loses, the public money by kind, the paired
difference year by year), made from stacked tables — a live comparison's runs or a finished sweep's.

>>> sorted(finished_sweeps(Path("no such directory")))
[]
"""

from __future__ import annotations

import html
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from coopsim.analysis.figures import decile_gains, paired_paths
from coopsim.analysis.html import STYLE, distribution_html, headline_table, public_money_html
from coopsim.analysis.reading import FEW_SEEDS, answer, distribution, fiscal_by_kind, group_title, scenario_title
from coopsim.analysis.runs import collect
from coopsim.analysis.statistics import final_years, paired_differences, per_run_outcomes
from coopsim.config import TIER_TITLES
from coopsim.explore.settings import View

#: Years the outcomes are averaged over (the report's default).
LAST_YEARS = 3
#: How the explorer's tables name their compared column.
COMPARED = "compared"
#: The most finished sweeps listed.
MAX_LISTED = 50


@dataclass
class Result:
    """A comparison, ready to show: HTML pieces in the report's style and PNG figures."""

    title: str
    seeds: int
    answer: str
    tables_html: str
    figures: dict[str, bytes] = field(default_factory=dict)
    note: str = ""

    @property
    def few_seeds(self) -> bool:
        return self.seeds < FEW_SEEDS


def group_names(view: View) -> tuple[str, str]:
    """The baseline's and the reform's names as the pages show them."""
    return TIER_TITLES[view.baseline], view.reform_title()


def compare(tables: dict[str, pd.DataFrame], reference: str, title: str, compare_by: str = COMPARED,
            note: str = "") -> Result:
    """The comparison of stacked tables (each with ``scenario``, ``group``, ``seed``) against ``reference``."""
    year = tables["region_year"]
    per_run = per_run_outcomes(year, LAST_YEARS)
    diffs = paired_differences(per_run, reference, method="t")
    end = int(year["year"].max())
    ref_years = final_years(year, LAST_YEARS)
    persons = float(ref_years[ref_years["group"] == reference]["persons"].mean())
    fiscal = fiscal_by_kind(tables["fiscal_year"], reference, LAST_YEARS)
    who = distribution(tables["household_final"], reference) if not tables["household_final"].empty else None
    words = answer(diffs, compare_by, reference, LAST_YEARS, (end - LAST_YEARS + 1, end), persons, who)
    pieces = [f"<h2>Paired differences from {html.escape(group_title(reference, compare_by))}</h2>"
              f"<p>Outcomes averaged over {end - LAST_YEARS + 1}-{end}. Each cell: the mean difference on the same "
              "seeds and its 95 % t-interval over seeds.</p>",
              headline_table(diffs, compare_by),
              public_money_html(diffs, fiscal, persons, reference, compare_by)]
    if who is not None:
        pieces.append(distribution_html(*who, reference, compare_by))
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        drawn = {"Income per person, paired difference by year (yuan a person a year; 95 % t-interval)":
                 paired_paths(year, reference, Path(tmp) / "income.png", "income_per_capita_mean_yuan",
                              "yuan a person a year"),
                 "Change of income per person by decile (each household against itself)":
                 decile_gains(who[0], Path(tmp) / "deciles.png") if who is not None else None}
        for caption, path in drawn.items():
            if path is not None:
                figures[caption] = path.read_bytes()
    seeds = int(diffs["seeds"].min()) if not diffs.empty else 0
    return Result(title, seeds, words, f"<style>{STYLE}</style>" + "".join(pieces), figures, note)


def compare_view(view: View, tables: dict[str, pd.DataFrame]) -> Result:
    """A live comparison's result."""
    names = dict(zip(("baseline", "reform"), group_names(view), strict=True))
    renamed = {k: t.assign(group=t["group"].map(names)) for k, t in tables.items()}
    return compare(renamed, names["baseline"], f"{names['reform']} against {names['baseline']}",
                   note=f"region {view.region}, {scenario_title(view.scenario)} scenario, seeds 1 to {view.seeds}: "
                        "each seed's baseline and reform share their households, prices and draws")


def finished_sweeps(results: Path) -> list[str]:
    """The finished sweeps under ``results`` (``<experiment>/<time>`` with a report's ``summary.csv``), newest
    first."""
    if not results.is_dir():
        return []
    found = [p.parent for p in results.glob("*/*/summary.csv")]
    found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    return [p.relative_to(results).as_posix() for p in found[:MAX_LISTED]]


def open_sweep(results: Path, name: str) -> Result:
    """A finished sweep (one of :func:`finished_sweeps`) compared by tier against ``none`` (or its first tier)."""
    if name not in finished_sweeps(results):
        raise ValueError(f"{name!r} is not one of the finished sweeps under {results}")
    tables = collect(results / name, "tier")
    groups = list(dict.fromkeys(tables["runs"]["group"]))
    reference = "none" if "none" in groups else groups[0]
    runs = tables["runs"]
    return compare(tables, reference, f"{name}: the tiers against {TIER_TITLES.get(reference, reference)}", "tier",
                   note=f"a finished sweep: {len(runs)} runs, region {runs['region'].iloc[0]}, "
                        f"{runs['seed'].nunique()} seeds")
