"""Paired statistics of many runs: each run's outcomes over its final years,
and each group's difference from a reference group on the same seeds (common
random numbers), with a 95 % t-interval over seeds (a percentile bootstrap on request)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from coopsim.analysis.outcomes import HEADLINE, names

#: The bootstrap's own seed (intervals are reproducible).
BOOTSTRAP_SEED = 20170401


def final_years(region_year: pd.DataFrame, last_years: int) -> pd.DataFrame:
    """The rows of the final ``last_years`` years (the years every study averages its outcomes over)."""
    return region_year[region_year["year"] > region_year["year"].max() - last_years]


def per_run_outcomes(region_year: pd.DataFrame, last_years: int) -> pd.DataFrame:
    """Each run's outcomes averaged over its final ``last_years`` years."""
    final = final_years(region_year, last_years)
    return final.groupby(["scenario", "group", "seed"])[names(HEADLINE)].mean().reset_index()


def bootstrap_ci(values: np.ndarray, rng: np.random.Generator, n_boot: int = 4000) -> tuple[float, float]:
    """Percentile bootstrap 95 % interval of the mean (NaN for fewer than two values)."""
    values = np.asarray(values, dtype=float)
    if values.size < 2:
        return float("nan"), float("nan")
    means = rng.choice(values, size=(n_boot, values.size), replace=True).mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def mean_interval(values: np.ndarray) -> tuple[float, float, float]:
    """The mean of ``values`` and its 95 % t-interval (NaN for none; no interval for one value).

    >>> [round(x, 3) for x in mean_interval(np.array([1.0, 2.0, 3.0]))]
    [2.0, -0.484, 4.484]
    """
    from scipy import stats

    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    if values.size < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size))
    return mean, mean - half, mean + half


def paired_differences(per_run: pd.DataFrame, reference: str, method: str = "t") -> pd.DataFrame:
    """Each group's paired difference from ``reference`` per scenario and outcome, with a 95 % interval over
    seeds: a t-interval (``method="t"``, the default: honest for few seeds, where a percentile bootstrap is
    35-40 % too narrow) or a percentile bootstrap (``"bootstrap"``)."""
    if method not in ("bootstrap", "t"):
        raise ValueError(f"method={method!r}: allowed bootstrap, t")
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    rows = []
    for scenario, sc in per_run.groupby("scenario", sort=False):
        ref = sc[sc["group"] == reference].set_index("seed")
        for group, g in sc.groupby("group", sort=False):
            if group == reference:
                continue
            g = g.set_index("seed")
            seeds = g.index.intersection(ref.index)
            for o in HEADLINE:
                d = (g.loc[seeds, o.name] - ref.loc[seeds, o.name]).to_numpy()
                lo, hi = bootstrap_ci(d, rng) if method == "bootstrap" else mean_interval(d)[1:]
                rows.append({"scenario": scenario, "group": group, "outcome": o.name, "label": o.label,
                             "reference_mean": ref.loc[seeds, o.name].mean(), "group_mean": g.loc[seeds, o.name].mean(),
                             "difference": d.mean(), "ci_low": lo, "ci_high": hi,
                             "min_difference": d.min(), "max_difference": d.max(), "seeds": len(seeds),
                             "higher_is_better": o.higher_is_better})
    return pd.DataFrame(rows)
