"""The comparison report's statistics on hand-computable cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coopsim.analysis.outcomes import HEADLINE, names
from coopsim.analysis.statistics import bootstrap_ci, paired_differences


def per_run(rows: list[tuple[str, str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"scenario": sc, "group": g, "seed": s, **dict.fromkeys(names(HEADLINE), 0.0),
                          "income_per_capita_mean_yuan": x} for sc, g, s, x in rows])


def test_paired_differences_use_the_same_seeds() -> None:
    data = per_run([("baseline", "none", 1, 100.0), ("baseline", "none", 2, 300.0), ("baseline", "none", 3, 200.0),
                    ("baseline", "v1", 1, 110.0), ("baseline", "v1", 2, 330.0)])  # v1 has no seed 3
    d = paired_differences(data, "none").set_index("outcome").loc["income_per_capita_mean_yuan"]
    # seeds 1 and 2 only: differences +10 and +30 -> mean +20; the reference mean on those seeds is 200
    assert d["difference"] == 20.0 and d["seeds"] == 2 and d["reference_mean"] == 200.0
    assert d["ci_low"] >= 10.0 and d["ci_high"] <= 30.0


def test_bootstrap_interval_of_a_constant_is_that_constant() -> None:
    rng = np.random.default_rng(0)
    assert bootstrap_ci(np.array([5.0, 5.0, 5.0]), rng) == (5.0, 5.0)
    assert all(np.isnan(bootstrap_ci(np.array([5.0]), rng)))


def test_bootstrap_interval_covers_the_mean_and_is_reproducible() -> None:
    values = np.random.default_rng(3).normal(10.0, 2.0, 40)
    lo, hi = bootstrap_ci(values, np.random.default_rng(1))
    assert lo < values.mean() < hi
    # roughly mean +- 1.96 standard errors
    se = values.std(ddof=1) / np.sqrt(len(values))
    assert hi - lo == pytest.approx(2 * 1.96 * se, rel=0.2)
    assert (lo, hi) == bootstrap_ci(values, np.random.default_rng(1))


def test_who_gains_pairs_each_household_with_itself_under_the_reference() -> None:
    from coopsim.analysis.reading import distribution

    rows = []
    for seed in (1, 2, 3):
        for h in range(20):
            base = 1000.0 * (h + 1)  # households 0-1 the poorest tenth, 18-19 the richest
            poor = h < 4
            change = (100.0 + seed if poor else -50.0) if h % 5 else 0.0  # every fifth household unchanged
            for group, income in (("none", base), ("v1", base + change)):
                rows.append({"scenario": "baseline", "seed": seed, "household": h, "group": group, "members": 2,
                             "registered_poor": poor, "income_per_capita_final_yuan": income})
    deciles, shares = distribution(pd.DataFrame(rows), "none")
    assert list(deciles["decile"]) == list(range(1, 11)) and set(deciles["group"]) == {"v1"}
    first = deciles.set_index("decile").loc[1]  # households 0 (unchanged) and 1 (+100 + seed): mean 51 over seeds
    assert first["change_yuan"] == pytest.approx(51.0) and first["ci_low"] < 51.0 < first["ci_high"]
    assert deciles.set_index("decile").loc[10, "change_yuan"] == pytest.approx(-50.0)  # households 18 and 19
    s = shares.iloc[0]
    assert s["gain_share"] == pytest.approx(3 / 20) and s["lose_share"] == pytest.approx(13 / 20)
    assert s["registered_poor_change_yuan"] == pytest.approx(3 * 102.0 / 4)  # households 1-3 gain, 0 does not
    assert s["others_change_yuan"] == pytest.approx(-50.0 * 13 / 16)
