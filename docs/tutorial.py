"""Writes ``docs/tutorial.ipynb`` — the tutorial notebook — from the cells below, and runs it.

    python docs/tutorial.py            # write the notebook and run it (its outputs stored, to read on the web)

The test suite runs the notebook again (tests/test_tutorial.py) and checks that it runs without an error and
that its printed outputs are the ones stored: edit the cells here, never the notebook by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / "tutorial.ipynb"

CELLS: list[tuple[str, str]] = [
    ("markdown", """\
# coopsim in one notebook

coopsim simulates a rural economy modelled on Bijie prefecture, Guizhou: households farm, migrate for work
and send money home; village cooperatives (tier **1.0**), township federations (**2.0**) and a county
platform (**3.0**) buy, sell, lend and hire for them — each advantage a named mechanism with its costs —
or there are no cooperatives at all (**none**). Every yuan is counted in integer fen in a double-entry
ledger, and a run that creates or loses money fails.

In this notebook you will

1. compose a configuration in Python, exactly as the `coopsim` command would;
2. run it and read its tables;
3. compare two tiers on the same households, prices and draws (common random numbers);
4. draw one figure.

It runs the small test region `tiny` (600 households, 6 villages), so every run takes a fraction of a
second. The numbers of `region=small` or `region=county` differ; the way to read them does not."""),
    ("markdown", """\
## 1. A configuration

`compose_config` takes the same overrides as the command line (`coopsim region=tiny tier=v2 seed=1`) and
returns a validated, read-only `RunConfig`. A bad value stops here, with the key, the value and what is
allowed."""),
    ("code", """\
from coopsim import ConfigError, compose_config, simulate

cfg = compose_config(["region=tiny", "tier=v2", "seed=1"])
print(f"{cfg.region.households:,} households in {cfg.region.villages} villages, "
      f"{cfg.start_year}-{cfg.start_year + cfg.years - 1}, tier {cfg.tier.name}, seed {cfg.seed}")
print("the federation starts in", cfg.tier.federation.start_year)

try:
    compose_config(["region=tiny", "labour.leave_probability=1.5"])
except ConfigError as err:
    print("refused:", err)"""),
    ("markdown", """\
## 2. A run and its tables

`simulate` runs the region month by month for `years` years and returns a dict of pandas tables. The
one to start with is `region_year`: one row a year, money in yuan (units are in the column names), rates as
shares of people or households."""),
    ("code", """\
tables = simulate(cfg)
print(sorted(tables))
year = tables["region_year"]
year[["year", "income_per_capita_mean_yuan", "income_per_capita_median_yuan", "poverty_rate", "gini",
      "coop_member_households", "fiscal_cost_yuan"]].round(3)"""),
    ("markdown", """\
Where does a household's income come from? The income columns split the mean income per person into its
sources; they add up to the mean."""),
    ("code", """\
sources = ["income_own_farm_per_capita_yuan", "income_land_rent_per_capita_yuan", "income_wages_per_capita_yuan",
           "income_dividends_per_capita_yuan", "income_remittances_per_capita_yuan",
           "income_transfers_per_capita_yuan"]
last = year.iloc[-1]
for column in sources:
    print(f"{column.removeprefix('income_').removesuffix('_per_capita_yuan'):12s} {last[column]:>9,.0f} yuan")
print(f"{'sum':12s} {last[sources].sum():>9,.0f} yuan  (mean income {last['income_per_capita_mean_yuan']:,.0f})")"""),
    ("markdown", """\
## 3. Two tiers on common random numbers

A tier's effect is the difference between two runs that share everything else: the same seed gives the same
households, the same prices and the same draws, so the only difference is the tier. Here are 1.0 (village
cooperatives) and 2.0 (township federations) on five seeds, and the paired difference of the mean income per
person over the last three years, with a t-interval (five seeds are few: the interval says so)."""),
    ("code", """\
import numpy as np
import pandas as pd
from scipy import stats

seeds = [1, 2, 3, 4, 5]
runs = {(tier, seed): simulate(compose_config(["region=tiny", f"tier={tier}", f"seed={seed}"]))["region_year"]
        for tier in ("v1", "v2") for seed in seeds}

def last_years(table, column, n=3):
    return table[column].iloc[-n:].mean()

gain = pd.Series({seed: last_years(runs["v2", seed], "income_per_capita_mean_yuan")
                  - last_years(runs["v1", seed], "income_per_capita_mean_yuan") for seed in seeds}, name="gain_yuan")
low, high = stats.t.interval(0.95, len(gain) - 1, loc=gain.mean(), scale=stats.sem(gain))
print(gain.round(1).to_string())
print(f"2.0 - 1.0: {gain.mean():+,.0f} yuan a person a year (95 % t-interval {low:+,.0f} to {high:+,.0f}, "
      f"n = {len(gain)} seeds)")"""),
    ("markdown", """\
The public money differs too: the federations cost the state something, and some of it comes back. The same
pairing gives the difference in what the state pays a year (all it pays in the region: pensions, dibao,
subsidies and the tiers' grants)."""),
    ("code", """\
cost = pd.Series({seed: last_years(runs["v2", seed], "fiscal_cost_yuan")
                  - last_years(runs["v1", seed], "fiscal_cost_yuan") for seed in seeds})
persons = np.mean([runs["v1", seed]["persons"].iloc[-1] for seed in seeds])
print(f"extra public money: {cost.mean() / 1e3:+,.1f} thousand yuan a year, "
      f"{cost.mean() / persons:+,.1f} yuan a person")"""),
    ("markdown", """\
## 4. One figure

Mean income per person by year under each tier (the mean over the seeds), and below it the paired difference
with its 95 % t-interval. Read the lower panel: a band that does not cross zero is a difference the seeds
agree on. Until the federations start (2020) the two tiers are the same economy, to the fen: that is what
common random numbers buy."""),
    ("code", """\
import matplotlib.pyplot as plt

income = {tier: pd.concat([runs[tier, s].set_index("year")["income_per_capita_mean_yuan"] for s in seeds], axis=1)
          for tier in ("v1", "v2")}
diff = income["v2"] - income["v1"]
half = stats.t.ppf(0.975, len(seeds) - 1) * diff.std(axis=1, ddof=1) / np.sqrt(len(seeds))

fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6), sharex=True, height_ratios=[2, 1])
for tier, label in (("v1", "1.0 village cooperatives"), ("v2", "2.0 township federations")):
    top.plot(income[tier].index, income[tier].mean(axis=1), marker="o", label=label)
top.set_ylabel("income per person (yuan a year)")
top.legend()
bottom.axhline(0, color="grey", lw=0.8)
bottom.plot(diff.index, diff.mean(axis=1), color="black", marker="o")
bottom.fill_between(diff.index, diff.mean(axis=1) - half, diff.mean(axis=1) + half, alpha=0.3)
bottom.set_ylabel("2.0 - 1.0 (yuan)")
bottom.set_xlabel("year")
fig.tight_layout()
plt.show()
print("the same before 2020, in every seed:", bool((diff.loc[:2019] == 0).all().all()))"""),
    ("markdown", """\
## Where next

- The same comparison over every tier and three scenarios, with a report: `coopsim +experiment=compare_tiers`.
- A shock: `compose_config(["region=tiny", "tier=v2", "scenario=price_collapse"])` — and
  `coopsim.simulate_scenario` runs its no-shock counterfactual beside it.
- Switch one mechanism off to see what it is worth: `compose_config([..., "ablate=federation.marketing"])`.
- What every parameter means, its unit, range and source: `docs/ODD.md`, section 9.
- The whole answer over the parameters' uncertainty: `coopsim +experiment=robust_tiers`."""),
]


def build():
    """The notebook (nbformat) from :data:`CELLS`."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(src) if kind == "markdown" else nbformat.v4.new_code_cell(src)
                for kind, src in CELLS]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    return nb


def execute(nb, cwd: Path = HERE, timeout: int = 600):
    """Run every cell (a fresh python3 kernel in ``cwd``); the notebook with its outputs."""
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def main() -> None:
    import nbformat

    nb = execute(build())
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # the kernel's timestamps: not worth a diff
    nbformat.write(nb, NOTEBOOK)
    print(f"wrote {NOTEBOOK}", file=sys.stderr)


if __name__ == "__main__":
    main()
