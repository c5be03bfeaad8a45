"""Places: regions read from tables of townships, the Longling and Songtao designs, the three_designs experiment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coopsim.config import ConfigError, compose_config
from coopsim.run import simulate
from coopsim.world import build_world
from tests.test_experiments import GOLDEN

ROOT = Path(__file__).resolve().parents[1]


def check_golden_text(text: str, name: str) -> None:
    """The designs' table against ``tests/golden/<name>.csv`` (rewritten with ``COOPSIM_UPDATE_GOLDEN=1``)."""
    path = GOLDEN / f"{name}.csv"
    if os.environ.get("COOPSIM_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no golden summary {path}: run with COOPSIM_UPDATE_GOLDEN=1 and commit it"
    assert text == path.read_text(encoding="utf-8"), f"{name}: the designs' table differs from {path}"


@pytest.mark.parametrize(("region", "counties", "townships", "villages", "households"), [
    ("bijie", 8, 279, 3700, 1_300_000),
    ("longling", 1, 10, 116, 75_340),
    ("songtao", 1, 28, 489, 141_146),
])
def test_the_three_regions_have_the_sizes_of_their_sources(region: str, counties: int, townships: int,
                                                            villages: int, households: int) -> None:
    """Sizes against configs/region/*_townships.csv and data/places_sources.csv (NBS 2023 codes, census, yearbook)."""
    r = compose_config([f"region={region}"]).region
    table = pd.read_csv(ROOT / "configs" / "region" / f"{region}_townships.csv", dtype={"code": str})
    assert (r.counties, sum(r.townships), r.villages, r.households) == (counties, townships, villages, households)
    assert list(r.township_codes) == table.sort_values("county_code", kind="stable")["code"].tolist()
    if "villages" in table:  # the table's own figures, township by township
        assert list(r.township_villages) == table["villages"].tolist()
        listed = table["households"].dropna().astype(int)
        assert [r.township_households[i] for i in listed.index] == listed.tolist()
    w = build_world(r, np.random.default_rng(1)) if households < 200_000 else None
    if w is not None:
        assert np.bincount(w.village_township).tolist() == list(r.township_villages)
        first = np.r_[0, np.cumsum(r.township_villages)]
        per_town = [int(w.village_households[first[t]:first[t + 1]].sum()) for t in range(townships)]
        assert [p for p, h in zip(per_town, r.township_households, strict=True) if h] == \
            [h for h in r.township_households if h]  # the table's own, township by township
        assert sum(per_town) == households
        assert w.graph.nodes["township:0"]["code"] == r.township_codes[0]


def _table(tmp_path: Path, text: str) -> str:
    path = tmp_path / "county.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_any_county_from_a_table_of_its_townships_runs(tmp_path: Path) -> None:
    """Two townships with their villages, one with its households: the other takes the rest, by villages."""
    csv = _table(tmp_path, "code,name,county_code,county_name,villages,households\n"
                           "530523101,A,530523,My county,3,\n530523102,B,530523,My county,2,400\n")
    cfg = compose_config(["region=from_table", f"region.townships_file={csv}", "region.households=900",
                          "tier=v1", "years=3", "progress=never", "seed=1"])
    r = cfg.region
    assert (r.villages, r.households, r.township_households, r.county_names) == (5, 900, (0, 400), ("My county",))
    w = build_world(r, np.random.default_rng(1))  # the blank township takes what the other leaves
    assert [int(w.village_households[w.village_township == t].sum()) for t in (0, 1)] == [500, 400]
    tables = simulate(cfg)
    assert tables["region_year"]["households"].iloc[-1] == 900
    crops = compose_config(["region=from_table", f"region.townships_file={csv}", "region.households=900",
                            "region.crops=[tea,pigs]", "+region.own_farm_mix={tea: 0.6, pigs: 0.4}"])
    assert crops.households.crops == crops.tier.cooperative.industries == ("tea", "pigs")


@pytest.mark.parametrize(("text", "override", "says"), [
    ("code,name\n530523101,A\n", [], "has no column county_code"),
    ("code,name,county_code\n53052310,A,530523\n", [], "a 9-digit national code"),
    ("code,name,county_code\n530523101,A,530523\n530523101,B,530523\n", [], "listed twice"),
    ("code,name,county_code\n530523101,A,520628\n", [], "the first 6 digits of 530523101"),
    ("code,name,county_code,villages\n530523101,A,530523,three\n", [], "column 'villages' = 'three'"),
    ("code,name,county_code,villages\n530523101,A,530523,3\n", [], "gives no households"),
    ("code,name,county_code,villages\n530523101,A,530523,3\n", ["region.villages=4", "region.households=900"],
     "must agree with the villages"),
    ("code,name,county_code\n530523101,A,530523\n", ["region.households=900"], "1 townships of county.csv have no "
                                                                               "villages"),
    ("code,name,county_code,villages,households\n530523101,A,530523,3,20\n", [], "at least 10 a village"),
    ("code,name,county_code\n", [], "has no townships"),
])
def test_a_bad_table_stops_before_the_run_naming_what_is_wrong(tmp_path: Path, text: str, override: list[str],
                                                               says: str) -> None:
    csv = _table(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        compose_config(["region=from_table", f"region.townships_file={csv}", *override])
    assert says in str(err.value)
    assert "region." in str(err.value)  # the key


def test_a_missing_table_names_the_shipped_ones() -> None:
    with pytest.raises(ConfigError, match="longling_townships.csv"):
        compose_config(["region=from_table", "region.townships_file=nowhere.csv"])
    with pytest.raises(ConfigError, match="region.townships_file"):
        compose_config(["region=from_table"])


def test_a_regions_crops_are_what_its_households_grow_and_its_cooperatives_choose() -> None:
    cfg = compose_config(["region=songtao", "tier=v1"])
    assert cfg.households.crops == cfg.region.crops == cfg.tier.cooperative.industries
    assert dict(cfg.households.own_farm_mix) == dict(cfg.region.own_farm_mix)
    with pytest.raises(ConfigError, match="region.own_farm_mix"):
        compose_config(["region=songtao", "region.own_farm_mix={tea: 1.0, potatoes: 0.0}"])


def test_longlings_cooperatives_reach_only_their_share_of_villages() -> None:
    cfg = compose_config(["region=longling", "tier=longling", "years=8", "progress=never", "seed=2",
                          "household_table=false"])
    villages = simulate(cfg)["village_year"]
    last = villages[villages["year"] == villages["year"].max()]
    assert (last["coop_industry"] != "").sum() == round(0.7167 * 116)


def test_a_joint_committee_keeps_its_zone_to_one_industry() -> None:
    cfg = compose_config(["region=small", "tier=songtao", "years=8", "progress=never", "seed=2",
                          "household_table=false"])
    villages = simulate(cfg)["village_year"]
    last = villages[(villages["year"] == villages["year"].max()) & (villages["coop_industry"] != "")]
    zones = last.groupby("township")["coop_industry"].nunique()
    mixed = compose_config(["region=small", "tier=songtao", "tier.federation.one_industry=false", "years=8",
                            "progress=never", "seed=2", "household_table=false"])
    other = simulate(mixed)["village_year"]
    apart = other[other["year"] == other["year"].max()].groupby("township")["coop_industry"].nunique()
    # every zone whose committee still works grows one crop (a committee that failed keeps none to it)
    assert (zones == 1).sum() >= 4 and (zones == 1).sum() > (apart == 1).sum() and apart.max() > 1


def test_the_enterprise_takes_no_public_money_and_its_owners_settle_each_month() -> None:
    tables = simulate(compose_config(["region=tiny", "tier=longling", "years=8", "progress=never", "seed=3",
                                      "scenario=price_collapse"]))
    flows = tables["flows"]
    ent = flows[(flows["payer"] == "enterprise") | (flows["payee"] == "enterprise")]
    assert not ent.empty and not ent[(ent["payer"] == "state") | (ent["payee"] == "state")]["amount_fen"].any()
    assert set(ent["kind"]) >= {"enterprise_purchases", "processed_sales", "processing_wages",
                                "enterprise_profit_to_owners"}
    closing = tables["ledger_closing"].set_index("account_group")["balance_fen"]
    assert abs(closing.get("enterprise", 0)) < closing.abs().max()  # what is left since the last settlement


def test_three_designs_writes_its_table_and_decomposition(tmp_path: Path) -> None:
    """The canned experiment on the tiny region: the designs' table with intervals, a decomposition."""
    out = tmp_path / "sweep"
    done = subprocess.run(
        [sys.executable, "-m", "coopsim.cli", "-m", "+experiment=three_designs", "region=tiny", "seed=1,2",
         "scenario=baseline", f"hydra.sweep.dir={out}", "hydra.callbacks.report.decomposition_region=tiny",
         "hydra.callbacks.report.designs=[longling]", "hydra.callbacks.report.decomposition_seeds=2"],
        capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    table = pd.read_csv(out / "designs.csv")
    assert set(table["design"]) == {"bijie", "longling", "songtao"} and set(table["seeds"]) == {2}
    income = table[table["outcome"] == "income_per_capita_mean_yuan"]
    assert (income["ci_low"] <= income["difference"]).all() and (income["difference"] <= income["ci_high"]).all()
    page = (out / "three_designs.md").read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "What transfers" in html and "src=\"http" not in html
    assert "enterprise.order_contracts" in page and "What transfers" in page
    dec = pd.read_csv(out / "decomposition_longling" / "decomposition.csv")
    assert {"federation.marketing", "enterprise.processing", "total"} <= set(dec["mechanism"])
    golden = table.drop(columns=["label"]).to_csv(index=False, float_format="%.6g", lineterminator="\n")
    check_golden_text(golden, "three_designs")
