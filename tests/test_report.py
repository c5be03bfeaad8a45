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
