"""Scenarios: price shocks, city shocks, migration, and resilience against the no-shock run."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from coopsim.analysis.resilience import recovery_months
from coopsim.config import ConfigError, parse_config
from coopsim.engine.economy import Economy
from coopsim.households import AWAY, HOME
from coopsim.markets.labour import _keep_a_carer
from coopsim.markets.shocks import city_conditions, price_multiplier
from coopsim.rules.migration import chain_finding, destination_choice
from coopsim.run import simulate, simulate_scenario
from tests.conftest import compose_dict, run_config

TINY = ("region=tiny", "years=8", "progress=never")


def tables_equal(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert set(a) == set(b)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)


@pytest.mark.parametrize("scenario, zero", [
    ("price_collapse", ["scenario.shocks.price_collapse.magnitude=0"]),
    ("city_crisis", [f"scenario.shocks.crisis_{s}.{k}=0" for s in ("construction", "manufacturing", "services")
                     for k in ("job_loss", "wage_change", "job_finding_change")]),
])
def test_a_shock_of_magnitude_zero_changes_nothing(scenario: str, zero: list[str]) -> None:
    base = simulate(run_config(*TINY, "tier=v1"))
    shocked = simulate(run_config(*TINY, "tier=v1", f"scenario={scenario}", *zero))
    tables_equal(base, shocked)


def test_composed_price_shocks_multiply_so_log_effects_add() -> None:
    cfgs = {s: run_config(*TINY, f"scenario={s}") for s in ("price_collapse", "pork_collapse", "vegetable_gluts")}
    both = run_config(*TINY, "scenario=[price_collapse,pork_collapse,vegetable_gluts]")
    assert both.scenario == "pork_collapse+price_collapse+vegetable_gluts"
    names = tuple(sorted(both.market.commodities))

    def log_factor(cfg: object) -> np.ndarray:
        rng = np.random.default_rng(1)
        return np.log(price_multiplier(cfg.shocks, names, 2017, 96, rng))  # type: ignore[attr-defined]

    # The stochastic regime draws its own numbers in name order, so each part is
    # reproduced exactly by drawing the parts in the same order.
    rng = np.random.default_rng(1)
    parts = sum(np.log(price_multiplier(cfgs[s].shocks, names, 2017, 96, rng))
                for s in ("pork_collapse", "price_collapse", "vegetable_gluts"))
    np.testing.assert_allclose(log_factor(both), parts, atol=1e-12)
    # and in a run: the shocked price path is the base path times the factor
    tables = simulate(both)
    base = simulate(run_config(*TINY))
    ratio = (tables["prices"]["price_yuan"] / base["prices"]["price_yuan"]).to_numpy().reshape(96, -1)
    assert ratio.min() > 0 and not np.allclose(ratio, 1.0)


def test_city_shocks_hit_sectors_unequally() -> None:
    cfg = run_config(*TINY, "scenario=city_crisis")
    cond = city_conditions(cfg.shocks, cfg.labour.destination_names, 2017, 96)
    onset = (2022 - 2017) * 12 + 9
    construction, manufacturing, services = cond.job_loss[onset, 0]
    assert construction == pytest.approx(0.15) and manufacturing == pytest.approx(0.10)
    assert services == pytest.approx(0.03)
    assert cond.wage_factor[onset, 0].tolist() == pytest.approx([0.8, 0.9, 0.95])
    assert cond.job_loss[onset + 12].max() == 0 and not cond.travel_stop.any()


def test_price_collapse_hurts_and_recovery_is_measured() -> None:
    tables = simulate_scenario(run_config(*TINY, "tier=v1", "scenario=price_collapse"))
    r = tables["resilience"].iloc[0]
    assert r["onset_t"] == 62 and r["depth"] > 0.02 and r["cumulative_loss_per_capita_yuan"] > 0
    assert r["trough_t"] >= r["onset_t"]
    resp = tables["income_response"]
    # identical before the shock (common random numbers); the 3-month average
    # of the month before the onset already sees the onset month
    assert (resp["ratio"][:61] == 1.0).all() and resp["ratio"][61] < 1.0
    assert recovery_months(np.array([1, 1, .8, .9, .96, 1]), onset=1) == 3.0
    assert np.isnan(recovery_months(np.array([1, .5, .6]), onset=1))


def test_city_crisis_sends_migrants_home() -> None:
    tables = simulate_scenario(run_config(*TINY, "tier=none", "scenario=city_crisis"))
    r = tables["resilience"].iloc[0]
    assert r["returns_extra"] > 0 and r["migrants_away_change_min"] < 0 and r["depth"] > 0


def test_lockdown_stops_travel() -> None:
    tables = simulate(run_config(*TINY, "tier=none", "scenario=lockdown_return"))
    m = tables["region_month"].set_index("t")
    base = simulate(run_config(*TINY, "tier=none")).get("region_month").set_index("t")
    feb2020, mar2020, may2020 = 37, 38, 40
    assert (m.loc[feb2020:feb2020 + 2, "left"] == 0).all() and base.loc[mar2020, "left"] > 0
    # those home for the festival are stuck in March and go back when travel opens in May
    assert m.loc[mar2020, "festival_back"] == 0 < base.loc[mar2020, "festival_back"]
    assert m.loc[may2020, "festival_back"] > 0 and base.loc[may2020, "festival_back"] == 0
    assert m.loc[mar2020, "away_share"] < 0.5 * base.loc[mar2020, "away_share"]


def test_destination_sampling_matches_its_probabilities() -> None:
    # chi-square on a fixed seed: 20,000 draws against the softmax probabilities
    rng = np.random.default_rng(123)
    net = np.array([2000.0, 3000.0, 2500.0, 2800.0])
    find = np.array([[0.8, 0.6, 0.6, 0.65]])
    v = rng.random((20_000, 1))
    dest, sector = destination_choice(v, net, np.repeat(find, 20_000, axis=0), 0.5, np.full((4, 3), 1 / 3))
    value = np.log(net * find[0]) / 0.5
    p = np.exp(value - value.max())
    p /= p.sum()
    observed = np.bincount(dest.ravel(), minlength=4)
    chi2 = ((observed - 20_000 * p) ** 2 / (20_000 * p)).sum()
    assert chi2 < 16.27  # 3 degrees of freedom, 0.1 % level
    assert abs(np.bincount(sector.ravel(), minlength=3) / 20_000 - 1 / 3).max() < 0.02


def test_chain_migration_raises_the_flow_to_a_city_with_ties() -> None:
    # paired: the same uniforms, with and without fellow villagers in city 1
    v = np.random.default_rng(7).random((5000, 1))
    net = np.array([2000.0, 2000.0, 2000.0])
    shares = np.full((3, 3), 1 / 3)
    base_find = np.array([0.6, 0.6, 0.6])
    none = destination_choice(v, net, chain_finding(base_find, np.zeros((5000, 3)), 3.0), 0.5, shares)[0]
    ties = np.tile([0.2, 0.6, 0.2], (5000, 1))
    some = destination_choice(v, net, chain_finding(base_find, ties, 3.0), 0.5, shares, 3.0 * ties)[0]
    assert (some == 1).sum() > 1.5 * (none == 1).sum()


def test_chain_migration_concentrates_villages_in_a_run() -> None:
    # paired on one seed: with strong chains each village's migrants gather in
    # fewer cities (a higher Herfindahl index of destinations within villages)
    def concentration(strength: float) -> float:
        eco = Economy(run_config(*TINY, "tier=none", f"labour.chain_strength={strength}"))
        eco.run()
        hh, n_dest = eco.hh, len(eco.labour_market.names)
        away = hh.worker_status == AWAY
        key = hh.village[:, None] * n_dest + hh.worker_destination
        counts = np.bincount(key[away], minlength=eco.world.n_villages * n_dest).reshape(-1, n_dest)
        share = counts / counts.sum(axis=1, keepdims=True)
        return float((share**2).sum(axis=1).mean())
    assert concentration(8.0) > concentration(0.0) + 0.05


def test_a_carer_stays_home() -> None:
    before = np.array([[HOME, HOME], [HOME, HOME], [HOME, AWAY]], dtype=np.int8)
    after = np.array([[AWAY, AWAY], [AWAY, AWAY], [AWAY, AWAY]], dtype=np.int8)
    out = _keep_a_carer(before, after, np.array([True, False, True]))
    assert out.tolist() == [[AWAY, HOME], [AWAY, AWAY], [HOME, AWAY]]


def test_migration_pattern_without_shocks(tiny_none: dict[str, pd.DataFrame]) -> None:
    m = tiny_none["region_month"]
    working = m[m["month"].between(3, 12)]
    assert 0.45 < working["away_share"].mean() < 0.85
    assert m[m["month"] == 1]["away_share"].mean() < 0.4 * working["away_share"].mean()
    remit = m["income_remittances_per_capita_yuan"].sum() / m["income_per_capita_yuan"].sum()
    assert 0.3 < remit < 0.7


BAD = [
    (["scenario=price_collapse", "scenario.shocks.price_collapse.commodity=durian"],
     r"'scenario.shocks.price_collapse.commodity' = 'durian': unknown commodity; use 'all' or one of"),
    (["scenario=price_collapse", "scenario.shocks.price_collapse.onset_year=2040"],
     r"'scenario.shocks.price_collapse.onset_year' = 2040: the onset \(2040-03\) must fall within the run"),
    (["scenario=price_collapse", "scenario.shocks.price_collapse.duration_months=-3"],
     r"'scenario.shocks.price_collapse.duration_months' = -3: must be between 0 and 1200"),
    (["scenario=price_collapse", "scenario.shocks.price_collapse.magnitude=-1.2"],
     r"'scenario.shocks.price_collapse.magnitude' = -1.2: must be > -1.0"),
    (["scenario=price_collapse", "scenario.shocks.price_collapse.kind=meteor"],
     r"'scenario.shocks.price_collapse.kind' = 'meteor': must be one of price, price_regime"),
    (["scenario=city_crisis", "scenario.shocks.crisis_services.destination=mars"],
     r"'scenario.shocks.crisis_services.destination' = 'mars': unknown destination"),
    (["scenario=city_crisis", "scenario.shocks.crisis_services.sector=farming"],
     r"'scenario.shocks.crisis_services.sector' = 'farming': must be one of all, construction"),
]


@pytest.mark.parametrize(("overrides", "message"), BAD, ids=[o[-1] for o, _ in BAD])
def test_bad_scenarios_are_rejected_before_the_run(overrides: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(compose_dict("region=tiny", *overrides))


def test_scenario_label_and_counterfactual_share_everything_but_shocks() -> None:
    cfg = run_config(*TINY, "scenario=[price_collapse,city_crisis]")
    assert cfg.scenario == "crisis_construction+crisis_manufacturing+crisis_services+price_collapse"
    assert dataclasses.replace(cfg, shocks=()).scenario == "baseline"
