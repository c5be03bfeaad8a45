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
    # the t-interval (the default): 20 +- t(0.975, 1 df) x sd / sqrt(2) = 20 +- 12.706 x 14.142 / 1.414
    assert d["ci_low"] == pytest.approx(20.0 - 127.062, abs=0.01) and d["ci_high"] == pytest.approx(147.062, abs=0.01)
    boot = paired_differences(data, "none", method="bootstrap").set_index("outcome").loc["income_per_capita_mean_yuan"]
    assert boot["difference"] == 20.0 and boot["ci_low"] >= 10.0 and boot["ci_high"] <= 30.0  # inside the values


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
                rows.append({"scenario": "baseline", "seed": seed, "household": h, "village": h, "group": group, "members": 2,
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


def test_the_county_map_pairs_each_household_with_itself_county_by_county(tmp_path) -> None:
    """Bijie's counties (named with their national codes) get a map: the change of income per person of each
    county's households against the reference, from the boundaries shipped with the package."""
    import yaml

    from coopsim.analysis.maps import boundaries, county_changes, county_codes, county_map, village_counties
    from coopsim.config import CONFIG_DIR
    from coopsim.config.regions import expand_region

    region = yaml.safe_load((CONFIG_DIR / "region" / "bijie.yaml").read_text(encoding="utf-8"))
    region = expand_region(region)  # its townships from its table, as a run's config has them
    codes = county_codes(region)
    assert codes is not None and len(codes) == 8 and set(codes) == set(boundaries())
    assert county_codes({"county_names": []}) is None and county_codes({"county_names": ["A 999999"]}) is None
    # one village per township; townships numbered county by county
    n_town = sum(region["townships"])
    village_year = pd.DataFrame({"village": np.arange(n_town), "township": np.arange(n_town)})
    counties = village_counties(region, village_year)
    assert counties.iloc[0] == 0 and counties.iloc[-1] == 7 and counties.value_counts().sort_index().tolist() \
        == region["townships"]
    rows = []
    for seed in (1, 2):
        for v in range(n_town):
            county = int(counties.iloc[v])
            for group, income in (("none", 1000.0), ("v3", 1000.0 + 10.0 * county + seed)):
                rows.append({"scenario": "baseline", "seed": seed, "household": v, "village": v, "group": group,
                             "members": 1 + v % 3, "registered_poor": False, "income_per_capita_final_yuan": income})
    changes = county_changes(pd.DataFrame(rows), counties, codes, "none").set_index("county")
    assert changes.loc[codes[0], "change_yuan"] == pytest.approx(1.5)  # +0 +seed: 1 and 2
    assert changes.loc[codes[7], "change_yuan"] == pytest.approx(71.5)
    assert changes.loc[codes[7], "ci_low"] < 71.5 < changes.loc[codes[7], "ci_high"]
    assert changes.loc[codes[3], "reference_income_yuan"] == pytest.approx(1000.0)
    path = county_map(changes.reset_index(), tmp_path / "map.png")
    assert path is not None and path.read_bytes().startswith(b"\x89PNG")


def test_the_report_shows_the_newest_robust_ranking_of_its_results_tree(tmp_path) -> None:
    from coopsim.analysis.robustness import robust_section

    sweep = tmp_path / "results" / "compare_tiers" / "2026-12-02_10-00-00"
    sweep.mkdir(parents=True)
    assert "coopsim +experiment=robust_tiers" in robust_section(sweep)  # none yet: what gives it
    assert robust_section(sweep, compare_by="scenario") == ""
    analysis = tmp_path / "results" / "robust_tiers" / "2026-12-01_09-00-00" / "analysis"
    analysis.mkdir(parents=True)
    pd.DataFrame([{"pair": "v3 vs v2", "outcome": "income_per_capita_mean_yuan", "p_higher_tier_better": 0.875,
                   "gain_mean": 158.2, "gain_p05": -40.0, "gain_median": 150.0, "gain_p95": 380.0, "n": 400},
                  {"pair": "v3 vs v2", "outcome": "poverty_rate", "p_higher_tier_better": 0.5,
                   "gain_mean": 0.0, "gain_p05": 0.0, "gain_median": 0.0, "gain_p95": 0.0, "n": 400}]
                 ).to_csv(analysis / "pairs.csv", index=False)
    section = robust_section(sweep)
    assert "3.0 county platform against 2.0 township federations" in section
    assert "<td>88 %</td><td>+158</td><td>-40</td><td>+150</td><td>+380</td><td>400</td>" in section
    assert section.count("<tr>") == 2  # the header and the income row
