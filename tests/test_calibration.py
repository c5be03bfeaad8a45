"""Calibration: the loss, the outcomes, a reproducible search, and the shipped fitted values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf

from coopsim.config import CONFIG_DIR
from coopsim.studies import calibration
from coopsim.studies.calibration import PARAMETERS, TARGETS, Target, ensemble, loss, outcomes
from tests.conftest import compose_dict, run_config


def test_a_target_costs_nothing_inside_its_range_and_squares_the_gap_outside() -> None:
    t = Target("away_share", 0.64, 0.79, 0.03, "")
    assert t.loss(0.70) == 0.0 and t.loss(0.64) == 0.0
    assert t.loss(0.58) == pytest.approx((0.06 / 0.03) ** 2)  # 4
    assert t.loss(0.82) == pytest.approx(1.0)
    point = Target("income", 8473, 8473, 250, "")
    assert point.loss(8973) == pytest.approx(4.0)


def test_outcomes_of_a_hand_made_table() -> None:
    # income 8,000 -> 9,000 -> 9,900 -> 10,890: growth 12.5 %, then 10 %, 10 % (mean of 2019 and 2020: 10 %)
    ry = pd.DataFrame({"year": [2017, 2018, 2019, 2020],
                       "income_per_capita_mean_yuan": [8000.0, 9000.0, 9900.0, 10890.0],
                       "income_wages_per_capita_yuan": [1000.0, 1000.0, 1000.0, 1000.0],
                       "income_remittances_per_capita_yuan": [3000.0, 3500.0, 3950.0, 4445.0],
                       "away_share_working_months": [0.6, 0.7, 0.7, 0.6],
                       "consumption_per_capita_yuan": [8000.0, 8900.0, 9000.0, 9100.0],
                       "net_transfer_income_per_capita_yuan": [2000.0, 2250.0, 2475.0, 2700.0],
                       "net_property_income_per_capita_yuan": [80.0, 90.0, 99.0, 100.0],
                       "gini": [0.30, 0.31, 0.35, 0.36],
                       "dibao_recipient_rate": [0.09, 0.08, 0.07, 0.07]})
    out = outcomes(ry, run_config("start_year=2017", "labour.local_day_wage_yuan=100", "labour.local_wage_growth=0.1"))
    assert out["income_per_capita_2017_yuan"] == 8000.0 and out["income_per_capita_2018_yuan"] == 9000.0
    assert out["income_growth_2019_2020"] == pytest.approx(0.10)
    assert out["away_share"] == pytest.approx(0.65)
    # labour income / all income over the 4 years: (4 x 1,000 + 14,895) / 37,790 = 18,895 / 37,790
    assert out["labour_income_share"] == pytest.approx(0.5)
    assert out["local_day_wage_2022_yuan"] == pytest.approx(100 * 1.1**5)
    assert out["transfer_share_2019"] == pytest.approx(0.25) and out["property_share_2019"] == pytest.approx(0.01)
    assert out["gini_2019"] == 0.35 and out["dibao_recipient_rate_2018"] == 0.08
    assert out["consumption_2018_yuan"] == 8900.0
    # the loss adds the targets': 2017 is 473 below 8,473 (scale 250), 2018 354 below 9,354
    expected = sum(t.loss(out[t.name]) for t in TARGETS)
    assert loss(out) == pytest.approx(expected) and expected > (473 / 250) ** 2


def test_the_ensemble_keeps_every_trial_within_one_of_the_best_loss() -> None:
    good = {t.name: (t.low + t.high) / 2 for t in TARGETS}
    off = dict(good, gini_2019=0.40 + 0.03)  # 1.5 scales above its range: loss 2.25 more than the best
    edge = dict(good, gini_2019=0.40 + 0.019)  # just within one scale: still in
    trials = pd.DataFrame([{"trial": i, **v, "loss": loss(v)} for i, v in enumerate((off, good, edge))])
    assert ensemble(trials)["trial"].tolist() == [1, 2]  # best first; the trial 1.5 scales off one target is out
    missed = trials.assign(loss=trials["loss"] + 3.0)  # a target every trial misses shifts all alike
    assert ensemble(missed)["trial"].tolist() == [1, 2]


def test_calibration_runs_reproducibly_and_saves_a_config_group(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--trials", "3", "--seeds", "1", "--jobs", "1", "region=tiny", "tier=v2", "start_year=2017", "years=4"]
    calibration.main([*args, "--out", str(tmp_path / "a"), "--save", str(tmp_path / "fit.yaml")])
    calibration.main([*args, "--out", str(tmp_path / "b")])
    assert "loss" in capsys.readouterr().out
    a, b = (pd.read_csv(tmp_path / d / "trials.csv") for d in "ab")
    pd.testing.assert_frame_equal(a, b)  # seeded sampler, fixed model seeds: the same search
    assert len(a) == 3 and a["loss"].notna().all()
    for key, (low, high) in PARAMETERS.items():
        assert a[key].between(low, high).all()
    fit = pd.read_csv(tmp_path / "a" / "fit.csv")
    assert list(fit["target"]) == [t.name for t in TARGETS]
    assert fit["loss_after"].sum() == pytest.approx(a["loss"].min())
    saved = OmegaConf.to_container(OmegaConf.load(tmp_path / "fit.yaml"))
    best = a.loc[a["loss"].idxmin()]
    assert isinstance(saved, dict)
    for key in PARAMETERS:
        group, name = key.split(".", 1)
        assert saved[group][name] == pytest.approx(best[key], rel=1e-3)


def test_the_shipped_calibration_is_the_default_and_within_its_ranges() -> None:
    fitted = OmegaConf.to_container(OmegaConf.load(CONFIG_DIR / "calibration" / "bijie.yaml"))
    assert isinstance(fitted, dict)
    default, estimates = compose_dict(), compose_dict("calibration=none")
    assert set(f"{g}.{k}" for g, values in fitted.items() for k in values) == set(PARAMETERS)
    for group, values in fitted.items():
        for name, value in values.items():
            low, high = PARAMETERS[f"{group}.{name}"]
            assert low <= value <= high, f"{group}.{name}"
            assert default[group][name] == value
    assert default["labour"]["leave_probability"] != estimates["labour"]["leave_probability"]


def test_no_parameter_or_target_rests_on_a_held_out_fact() -> None:
    import csv

    from coopsim.config.parameters import vocabulary

    root = Path(__file__).resolve().parents[1]
    with (root / "data" / "heldout_sources.csv").open(encoding="utf-8") as f:
        held_out = {row["parameter"] for row in csv.DictReader(f)}
    assert held_out  # the file holds the facts kept for validation
    used = " ".join([p.source for p in vocabulary().values()] + [t.source for t in TARGETS])
    assert not [name for name in held_out if name in used]
