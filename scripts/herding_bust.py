"""A herding bust: prices and incomes when most villages plant one crop (issue 16).

Runs tier 1.0 on one region and seed twice, on common random numbers: with
every village's cooperative in one crop (``--crop``, as a campaign that
pushes one industry everywhere would have it) and households herding on
their village's crop (``--herding``), and as the model has it (cooperatives
choosing among their candidates, households herding 0.3). Regional prices fall when the
region's producing area of a crop outgrows what its wholesale markets and
processors absorb, and planting looks back on past prices (a cobweb), so
herding into one crop can boom and bust. Writes ``herding_bust.png`` (the
most-planted crop's producing area against the regional capacity, its
regional price factor, and income per person by year, both runs) and
``herding_bust.csv`` into ``--out``.

    python scripts/herding_bust.py --crop edible_fungi --out results/herding_bust region=small
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from coopsim.config import compose_config
from coopsim.engine.economy import Economy


def run(overrides: list[str]) -> tuple[Economy, pd.DataFrame]:
    eco = Economy(compose_config([*overrides, "progress=never", "resilience=false", "household_table=false"]))
    tables = eco.run()
    return eco, tables["region_year"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--crop", default="edible_fungi", help="the one crop every cooperative takes up")
    p.add_argument("--herding", type=float, default=0.9, help="households' herding on their village's crop")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, default=Path("results/herding_bust"))
    p.add_argument("overrides", nargs="*", default=["region=small"])
    args = p.parse_args()
    base = ["tier=v1", f"seed={args.seed}", *args.overrides]
    herd = [f"tier.cooperative.industries=[{args.crop}]", f"households.herding={args.herding}"]
    calm: list[str] = []
    (e_herd, y_herd), (e_calm, y_calm) = run([*base, *herd]), run([*base, *calm])
    m = e_herd.market
    crop = m.index_of(args.crop)
    name = args.crop
    months = np.arange(len(m.prices))
    dates = np.datetime64(f"{e_herd.cfg.start_year}-01") + months
    rows = pd.DataFrame({
        "month": dates.astype(str), "crop": name,
        "producing_share_of_capacity_one_crop": m.producing_mu[:, crop] / m.regional_capacity_mu[crop],
        "producing_share_of_capacity_as_modelled": e_calm.market.producing_mu[:, crop] / m.regional_capacity_mu[crop],
        "regional_price_factor_one_crop": m.regional_factor[:, crop],
        "regional_price_factor_as_modelled": e_calm.market.regional_factor[:, crop],
        "price_yuan_one_crop": m.prices[:, crop], "price_yuan_as_modelled": e_calm.market.prices[:, crop],
    })
    args.out.mkdir(parents=True, exist_ok=True)
    rows.to_csv(args.out / "herding_bust.csv", index=False)
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.5))
    axes[0].plot(dates, rows["producing_share_of_capacity_one_crop"], label="one crop")
    axes[0].plot(dates, rows["producing_share_of_capacity_as_modelled"], label="as modelled")
    axes[0].axhline(1.0, color="grey", linestyle="--", linewidth=0.8, label="regional capacity")
    axes[0].set_title(f"{name}: producing area / regional capacity")
    axes[1].plot(dates, rows["price_yuan_one_crop"], label="one crop")
    axes[1].plot(dates, rows["price_yuan_as_modelled"], label="as modelled")
    axes[1].set_title(f"{name}: regional price (yuan per {e_herd.cfg.market.commodities[name].unit})")
    axes[2].plot(y_herd["year"], y_herd["income_per_capita_mean_yuan"], marker="o", label="one crop")
    axes[2].plot(y_calm["year"], y_calm["income_per_capita_mean_yuan"], marker="o", label="as modelled")
    axes[2].set_title("income per person (yuan/yr)")
    for ax in axes:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out / "herding_bust.png", dpi=110)
    share = pd.Series(e_herd.hh.crop).value_counts(normalize=True).rename(index=dict(enumerate(m.names)))
    print(f"every cooperative in {name}; households' crops at the end: "
          + ", ".join(f"{k} {v:.0%}" for k, v in share.head(3).items()))
    print(f"{name}: producing area at most {rows['producing_share_of_capacity_one_crop'].max():.2f} x the regional "
          f"capacity with one crop ({rows['producing_share_of_capacity_as_modelled'].max():.2f} as modelled); lowest "
          f"regional price factor {rows['regional_price_factor_one_crop'].min():.2f} "
          f"({rows['regional_price_factor_as_modelled'].min():.2f})")
    print(pd.DataFrame({"year": y_herd["year"], "income_one_crop": y_herd["income_per_capita_mean_yuan"].round(0),
                        "income_as_modelled": y_calm["income_per_capita_mean_yuan"].round(0),
                        "gap": (y_herd["income_per_capita_mean_yuan"] - y_calm["income_per_capita_mean_yuan"]).round(0)
                        }).to_string(index=False))
    print(f"written {args.out / 'herding_bust.png'} and herding_bust.csv")


if __name__ == "__main__":
    main()
