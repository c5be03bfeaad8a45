"""Comparison reports: collect a sweep's runs, pair them on seeds, take the
differences, draw the figures and write a self-contained HTML report.

Runs are grouped by one config key (``compare_by``, by default ``tier``) and
paired with the reference group's run of the same scenario and seed — the same
households, prices and shocks (common random numbers). For each outcome the
report gives each group's mean paired difference from the reference with a
95 % t-interval over seeds.

Used by the Hydra callback :class:`ReportCallback` at the end of a sweep
(``coopsim +experiment=compare_tiers``), or by ``coopsim-report <sweep dir>``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from coopsim.analysis.decomposition import html_section
from coopsim.analysis.figures import decile_gains, draw_all
from coopsim.analysis.html import write_html
from coopsim.analysis.maps import county_changes, county_codes, county_map, village_counties
from coopsim.analysis.reading import distribution, first_meta, fiscal_by_kind, group_title
from coopsim.analysis.robustness import robust_section
from coopsim.analysis.runs import collect, onsets_from_runs, resilience_table
from coopsim.analysis.statistics import final_years, paired_differences, per_run_outcomes
from coopsim.io.console import console_script
from coopsim.io.helptext import PlainHelp
from coopsim.io.sweeps import FAILED_CALLBACKS


def build_report(sweep_dir: Path, compare_by: str = "tier", reference: str = "none", last_years: int = 3,
                 title: str | None = None, runs_found: Any = None) -> Path:
    """Collect a sweep and write tables, figures and ``report.html`` into ``sweep_dir``.

    A decomposition of the tiers' gains written beside the runs
    (:func:`coopsim.analysis.decomposition.write`) leads the report."""
    tables = collect(sweep_dir, compare_by, runs_found)
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
    fiscal = fiscal_by_kind(tables["fiscal_year"], reference, last_years)
    fiscal.to_csv(sweep_dir / "fiscal_by_kind.csv", index=False)
    ref_years = final_years(tables["region_year"], last_years)
    persons = float(ref_years[ref_years["group"] == reference]["persons"].mean())
    who_gains = None
    if not tables["household_final"].empty:
        who_gains = distribution(tables["household_final"], reference)
        who_gains[0].to_csv(sweep_dir / "gains_by_decile.csv", index=False)
        who_gains[1].to_csv(sweep_dir / "gains_and_losses.csv", index=False)
        drawn = decile_gains(who_gains[0], sweep_dir / "figures" / "gains_by_decile.png")
        if drawn is not None:
            figures = {f"Change of income per person by decile, against {group_title(reference, compare_by)} "
                       "(each household against itself; 95 % t-interval)": drawn, **figures}
    region = first_meta(runs)["config"]["region"]
    codes = county_codes(region)
    if codes and not tables["household_final"].empty:  # a region of named counties: the map
        changes = county_changes(tables["household_final"], village_counties(region, tables["village_year"]), codes,
                                 reference)
        changes.to_csv(sweep_dir / "counties.csv", index=False)
        drawn = county_map(changes, sweep_dir / "figures" / "county_map.png", compare_by)
        if drawn is not None:
            figures = {f"Change of income per person by county, against {group_title(reference, compare_by)} "
                       "(each household against itself, mean over seeds; counties.csv has the 95 % t-intervals; "
                       "the model's counties differ only in their number of townships and by chance: no county "
                       "data of their own yet)": drawn, **figures}
    return write_html(sweep_dir / "report.html", title or sweep_dir.parent.name, compare_by, reference, runs,
                      diffs, resilience, figures, last_years, tables["region_year"],
                      lead=html_section(sweep_dir) + robust_section(sweep_dir, compare_by),
                      fiscal=fiscal, persons=persons, who_gains=who_gains)


try:
    from hydra.experimental.callback import Callback
except ImportError:  # pragma: no cover - hydra is a dependency
    Callback = object  # type: ignore[assignment,misc]


class ReportCallback(Callback):  # type: ignore[misc,valid-type]
    """Hydra callback: build the comparison report when a sweep ends."""

    def __init__(self, compare_by: str = "tier", reference: str = "none", last_years: int = 3) -> None:
        self.compare_by, self.reference, self.last_years = compare_by, reference, last_years

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        self.report(config)

    def report(self, config: Any, runs_found: Any = None) -> None:
        """Build the sweep's report (``runs_found``: its complete and damaged runs, if already at hand)."""
        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            path = build_report(sweep_dir, self.compare_by, self.reference, self.last_years,
                                title=str(config.get("experiment", sweep_dir.parent.name)), runs_found=runs_found)
        except Exception as err:
            FAILED_CALLBACKS.append(f"{sweep_dir}: {err}")
            print(f"coopsim: the report of {sweep_dir} failed: {err}", file=sys.stderr)
            raise
        print(f"coopsim: report written to {path}")


@console_script("coopsim-report")
def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="coopsim-report", description="Build the comparison report of a sweep.",
                                formatter_class=PlainHelp)
    p.add_argument("sweep_dir", type=Path)
    p.add_argument("--compare-by", default="tier", help="config key whose values are compared (default: tier)")
    p.add_argument("--reference", default="none", help="the value compared against (default: none)")
    p.add_argument("--last-years", type=int, default=3)
    args = p.parse_args(argv)
    print(build_report(args.sweep_dir, args.compare_by, args.reference, args.last_years))


if __name__ == "__main__":
    main()
