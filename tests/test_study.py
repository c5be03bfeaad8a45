"""Studies over many runs: levers listed from the schema, effects paired on seeds."""

from __future__ import annotations

import pandas as pd
import pytest

from coopsim.analysis.outcomes import HEADLINE, names
from coopsim.analysis.statistics import paired_differences, per_run_outcomes
from coopsim.config import tier_levers
from coopsim.config.mechanisms import tier_mechanisms
from coopsim.studies.study import run_study


def test_every_lever_of_a_tier_is_one_of_its_mechanisms() -> None:
    v1 = ["cooperative.marketing", "cooperative.trusteeship", "cooperative.extension", "government.projects",
          "government.reward_fund"]
    assert tier_levers("v1") == v1
    assert tier_levers("v2") == [*v1, "federation.planning", "federation.fund", "federation.technology",
                                 "federation.management", "federation.bulk_inputs", "federation.marketing",
                                 "federation.strong_lead_weak"]
    assert len(tier_levers("v3")) == 5 + 7 + 6 and "platform.order_contracts" in tier_levers("v3")
    for tier in ("v1", "v2", "v3"):
        assert set(tier_levers(tier)) <= {m.name for m in tier_mechanisms(tier)}


def test_paired_effects_hand_computed() -> None:
    rows = []
    for group, seed, income in [("ref", 1, 100.0), ("ref", 2, 200.0), ("x", 1, 110.0), ("x", 2, 190.0)]:
        rows.append({"scenario": "baseline", "group": group, "seed": seed, **dict.fromkeys(names(HEADLINE), 0.0),
                     "income_per_capita_mean_yuan": income})
    effects = paired_differences(pd.DataFrame(rows), "ref").set_index("outcome")
    # seed 1: +10, seed 2: -10 -> mean 0, min -10, max +10
    assert effects.loc["income_per_capita_mean_yuan", ["difference", "min_difference", "max_difference"]
                       ].tolist() == [0.0, -10.0, 10.0]
    assert effects.loc["gini", "difference"] == 0.0


@pytest.mark.parametrize("tier", ["v2"])
def test_switching_marketing_off_changes_outcomes_on_the_same_seed(tier: str) -> None:
    years = run_study({"on": [f"tier={tier}", "region=tiny", "years=5"],
                       "off": [f"tier={tier}", "region=tiny", "years=5", "tier.federation.marketing=false"]},
                      seeds=[3], jobs=1)
    per_seed = per_run_outcomes(years, last_years=2)
    effects = paired_differences(per_seed, "on").set_index("outcome")
    assert effects.loc["income_per_capita_mean_yuan", "difference"] != 0
    # the same seed: identical years 2017-2019, before the federations start in 2020
    early = years[years["year"] < 2020]
    on, off = (early[early["group"] == v].drop(columns="group").reset_index(drop=True) for v in ("on", "off"))
    pd.testing.assert_frame_equal(on, off)
