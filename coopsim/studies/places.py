"""Three places, three designs: what transfers from one county to another (``+experiment=three_designs``).

The sweep runs every design — Bijie's tiers up to 3.0 (``v3``), Longling's
(``longling``) and Songtao's (``songtao``) — and no cooperatives (``none``)
on every county — a Bijie county (``region=county``), Longling and Songtao —
under the baseline, a price collapse and a city crisis, on the same seeds.
The seeds are common random numbers: on one county, every design meets the
same households, prices and shocks. So the table shows each design on its
own county (the diagonal) and on the others' (the same county, another
design): what transfers and what does not.

When the sweep ends, :class:`ThreeDesignsReport` writes ``designs.csv``
(each design against ``none`` on each county and scenario: income per person,
poverty, collective income per village, the state's cost, with 95 %
t-intervals over seeds) and decomposes each design's gain over the village
cooperatives it builds on into its mechanisms, on its own county
(:mod:`coopsim.analysis.decomposition`, under the baseline, on the first
``decomposition_seeds`` seeds), into ``decomposition_<design>/``; then
``three_designs.md`` with both (and Longling's 2023 figures against the
held-out reported ones, ``longling_2023.csv``), and ``report.html``: the
page with a figure of each design's gain on each county.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.experimental.callback import Callback

from coopsim.analysis import decomposition
from coopsim.analysis.figures import designs_figure
from coopsim.analysis.html import markdown_page
from coopsim.analysis.outcomes import OUTCOMES
from coopsim.analysis.runs import collect
from coopsim.analysis.statistics import paired_differences, per_run_outcomes
from coopsim.analysis.validation import LONGLING_2023, facts_table, load_run
from coopsim.config import DESIGNS, TIER_PARENT, TIER_TITLES
from coopsim.io.sweeps import FAILED_CALLBACKS, complete_runs
from coopsim.studies.study import SWEPT, run_decomposition

#: Each design's own county (``region=``).
HOME = {"bijie": "county", "longling": "longling", "songtao": "songtao"}
#: The outcomes of the designs' table: income, poverty, collective income, the state's cost.
SHOWN = ("income_per_capita_mean_yuan", "poverty_rate", "collective_income_per_village_yuan", "fiscal_cost_yuan")
#: What the decomposition of each design splits: its tiers above the village cooperatives (Bijie's 2.0 and 3.0).
DECOMPOSED = {"bijie": ("v2", "v3"), "longling": ("longling",), "songtao": ("songtao",)}
#: The table's headers where its unit differs from the outcome's own.
HEADS = {"poverty_rate": "poverty rate (percentage points)", "fiscal_cost_yuan": "fiscal cost (million yuan/yr)"}
#: Each county's name, as a reader meets it.
PLACE_TITLES = {"county": "a Bijie county", "longling": "Longling", "songtao": "Songtao"}


def design_table(per_run: pd.DataFrame, reference: str = "none") -> pd.DataFrame:
    """Each design against ``reference`` on each county and scenario (paired on seeds), for :data:`SHOWN`.

    ``per_run`` has one row per run: ``region``, ``scenario``, ``group`` (the tier), ``seed`` and the outcomes.
    """
    tier_design = {tier: design for design, tier in DESIGNS.items()}
    parts = []
    for region, sub in per_run.groupby("region", sort=False):
        diff = paired_differences(sub.drop(columns="region"), reference)
        diff = diff[diff["outcome"].isin(SHOWN) & diff["group"].isin(list(tier_design))]
        parts.append(diff.assign(region=region, design=diff["group"].map(tier_design),
                                 home=lambda d, r=region: d["design"].map(HOME) == r))
    cols = ["region", "design", "group", "home", "scenario", "outcome", "label", "reference_mean", "group_mean",
            "difference", "ci_low", "ci_high", "seeds"]
    out = pd.concat(parts, ignore_index=True)[cols]
    order = {"scenario": list(dict.fromkeys(out["scenario"])), "region": list(HOME.values()), "design": list(HOME)}
    return out.sort_values(["scenario", "region", "design"],
                           key=lambda c: c.map({v: i for i, v in enumerate(order[str(c.name)])}),
                           kind="stable").reset_index(drop=True)


def _cell(row: pd.Series, outcome: str) -> str:
    scale = {"poverty_rate": 100.0, "fiscal_cost_yuan": 1e-6}.get(outcome, 1.0)
    x, lo, hi = (row[c] * scale for c in ("difference", "ci_low", "ci_high"))
    digits = 2 if scale != 1.0 else 0
    return f"{x:+,.{digits}f} [{lo:+,.{digits}f}, {hi:+,.{digits}f}]"


def table_markdown(table: pd.DataFrame) -> str:
    """The designs' table as Markdown: one block per scenario, a row per county and design."""
    out = []
    heads = [HEADS.get(o, OUTCOMES[o].label) for o in SHOWN]
    for scenario, sc in table.groupby("scenario", sort=False):
        out += [f"**{scenario}** — each design against no cooperatives on the same county and seeds "
                "(difference [95 % t-interval]; * the design on its own county)", "",
                "| county | design | " + " | ".join(heads) + " |", "|---|---|" + "---:|" * len(heads)]
        for (region, design), g in sc.groupby(["region", "design"], sort=False):
            cells = g.set_index("outcome")
            row = [_cell(cells.loc[o], o) if o in cells.index else "" for o in SHOWN]
            star = " *" if bool(g["home"].iloc[0]) else ""
            out.append(f"| {PLACE_TITLES.get(region, region)} | {design}{star} | " + " | ".join(row) + " |")
        out.append("")
    seeds = sorted(set(table["seeds"]))
    out.append(f"Seeds per comparison: {', '.join(map(str, seeds))}.")
    return "\n".join(out)


def transfer_markdown(table: pd.DataFrame, scenario: str = "baseline") -> str:
    """Each design's income gain on its own county against its gain on the others' (``scenario``)."""
    t = table[(table["scenario"] == scenario) & (table["outcome"] == "income_per_capita_mean_yuan")]
    lines = [f"**What transfers** ({scenario}): income gain per person a year against no cooperatives, "
             "by design (rows) and county (columns)", "",
             "| design | " + " | ".join(PLACE_TITLES.get(r, r) for r in HOME.values()) + " |",
             "|---|" + "---:|" * len(HOME)]
    for design in HOME:
        row = []
        for region in HOME.values():
            hit = t[(t["design"] == design) & (t["region"] == region)]
            row.append("" if hit.empty else f"{hit['difference'].iloc[0]:+,.0f}" + (" *" if HOME[design] == region
                                                                                  else ""))
        lines.append(f"| {design} | " + " | ".join(row) + " |")
    return "\n".join(lines)


def longling_markdown(facts: pd.DataFrame) -> str:
    """Longling's 2023 figures, reported against modelled (a held-out comparison)."""
    lines = [f"**Longling, 2023: reported (held out, never fitted; unverified) against the model** (tier=longling on "
             f"region=longling, baseline, mean over {int(facts['seeds'].iloc[0])} seeds [range])", "",
             "| figure | reported | model |", "|---|---|---:|"]
    lines += [f"| {r.fact} | {r.reported} | {r.model:,.0f} [{r.model_min:,.0f}, {r.model_max:,.0f}] |"
              for r in facts.itertuples()]
    return "\n".join(lines)


def write_page(sweep_dir: Path, table: pd.DataFrame, decompositions: dict[str, str], region: str | None = None,
               longling: pd.DataFrame | None = None) -> str:
    """``three_designs.md``: the designs' table, what transfers, Longling's 2023 figures and each design's
    decomposition."""
    parts = ["# Three places, three designs", "",
             "Designs: " + "; ".join(f"`{d}` = {TIER_TITLES[t]}" for d, t in DESIGNS.items()) + ".", "",
             transfer_markdown(table), "", table_markdown(table)]
    if longling is not None:
        parts += ["", longling_markdown(longling)]
    for design, text in decompositions.items():
        parts += ["", f"## {design}: its gain over the village cooperatives it builds on "
                      f"({', '.join(f'{t} over {TIER_PARENT[t]}' for t in DECOMPOSED[design])}), on "
                      f"{PLACE_TITLES.get(region or HOME[design], region)}", "", text]
    text = "\n".join(parts) + "\n"
    (sweep_dir / "three_designs.md").write_text(text, encoding="utf-8")
    return text


def write_report(sweep_dir: Path, table: pd.DataFrame, page: str) -> Path:
    """``report.html``: the page (``three_designs.md``'s text) as one self-contained HTML page, with the designs'
    figure."""
    figures = sweep_dir / "figures"
    figures.mkdir(exist_ok=True)
    designs_figure(table, figures / "income_gain_by_design_and_county.png", PLACE_TITLES)
    return markdown_page(sweep_dir / "report.html", "three_designs: three places, three designs",
                         page, figures)


def longling_2023(complete: Sequence[tuple[Path, dict[str, Any]]]) -> pd.DataFrame | None:
    """Longling's 2023 cooperative figures as reported (held out) beside the runs of Longling's design on Longling
    under the baseline (mean over seeds and their range); None without such runs or without 2023."""
    runs = [run for run, meta in complete
            if meta["tier"] == "longling" and meta["region"] == "longling" and meta["scenario"] in ("", "baseline")
            and int(meta["config"]["start_year"]) <= 2023 < int(meta["config"]["start_year"]) + int(meta["years"])]
    return facts_table([load_run(r) for r in runs], LONGLING_2023).assign(seeds=len(runs)) if runs else None


def per_run_by_region(sweep_dir: Path, last_years: int, runs_found: Any = None) -> pd.DataFrame:
    """One row per complete run of the sweep: its county, scenario, tier, seed and outcomes."""
    years = collect(sweep_dir, "tier", runs_found=runs_found)["region_year"]
    return pd.concat([per_run_outcomes(y, last_years).assign(region=region)
                      for region, y in years.groupby("region", sort=False)], ignore_index=True)


class ThreeDesignsReport(Callback):  # type: ignore[misc,valid-type]
    """Hydra callback: the designs' table and each design's decomposition when the sweep ends."""

    def __init__(self, last_years: int = 3, decomposition_seeds: int = 3, jobs: int = 2,
                 designs: Sequence[str] = tuple(HOME), decomposition_region: str | None = None) -> None:
        self.last_years, self.decomposition_seeds, self.jobs = last_years, decomposition_seeds, jobs
        self.designs = list(designs)
        #: One county for every design's decomposition (a quick look: region=small), instead of each its own.
        self.region = decomposition_region

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            found = complete_runs(sweep_dir)
            per_run = per_run_by_region(sweep_dir, self.last_years, found)
            table = design_table(per_run)
            table.to_csv(sweep_dir / "designs.csv", index=False)
            overrides = [o for o in config.hydra.overrides.task
                         if o.split("=")[0].lstrip("+~") not in (*SWEPT, "region")]
            seeds = sorted(set(per_run["seed"]))[: self.decomposition_seeds]
            texts = {}
            for design in self.designs:
                start = time.perf_counter()
                out = sweep_dir / f"decomposition_{design}"
                out.mkdir(exist_ok=True)
                region = self.region or HOME[design]
                _, _, dec, overview = run_decomposition([*overrides, f"region={region}"], seeds,
                                                        DECOMPOSED[design], self.jobs, self.last_years)
                texts[design] = decomposition.write(out, dec, overview)
                print(f"coopsim: decomposition of {design} on {region} (seeds {', '.join(map(str, seeds))}) "
                      f"in {time.perf_counter() - start:.0f} s")
            longling = longling_2023(found[0])
            if longling is not None:
                longling.to_csv(sweep_dir / "longling_2023.csv", index=False)
            report = write_report(sweep_dir, table, write_page(sweep_dir, table, texts, self.region, longling))
        except Exception as err:
            FAILED_CALLBACKS.append(f"{sweep_dir}: three designs: {err}")
            print(f"coopsim: the three designs' report of {sweep_dir} failed: {err}", file=sys.stderr)
            raise
        print(f"coopsim: report written to {report} (and three_designs.md)")
