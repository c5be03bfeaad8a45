"""The economy from its sources (issue 16): transfers by kind to the households that qualify, the means test,
illness, leased land, the registration of the poor, the poverty line by year and the statistics' measures."""

from __future__ import annotations

import numpy as np
import pytest

from coopsim.config import ConfigError
from coopsim.engine.economy import Economy
from coopsim.money import to_fen
from coopsim.rules.measures import gini, quintile_shares
from coopsim.rules.series import by_year, monthly
from tests.conftest import run_config, tiny_tables

TINY = ("region=tiny", "years=4", "progress=never", "resilience=false")


def economy(*overrides: str) -> Economy:
    return Economy(run_config(*TINY, *overrides))


def paid(e: Economy, t: int) -> np.ndarray:
    """What each household receives from the state's transfers in month ``t`` (fen), the month's standards set
    as the month opens (and those supported recounted, as each January)."""
    e.livelihoods._standards_year = -1
    e.livelihoods.open_month(t)
    before = e.ledger.block("household")
    rows = slice(0, e.hh.n)
    e.livelihoods._transfers(t, rows)
    return e.ledger.block("household") - before


def test_each_transfer_goes_to_the_households_that_qualify() -> None:
    e = economy("state.other_transfers_yuan_month_per_person=0", "state.poverty_support_yuan_month_per_person=0",
                "state.dibao_take_up=0")
    hh, state = e.hh, e.cfg.state
    assert not e.livelihoods.dibao_fen.any()  # nobody enrolled
    january_2017, january_2018 = 0, 12
    for t in (january_2017, january_2018):
        got = paid(e, t)
        pension = by_year(state.pension_yuan_month_by_year, 2017 + t // 12)
        assert (got == to_fen(hh.elderly * pension)).all()  # the pension only, and only to the elderly
        assert (got[hh.elderly == 0] == 0).all() and (got[hh.elderly > 0] > 0).all()
    assert by_year(state.pension_yuan_month_by_year, 2018) > by_year(state.pension_yuan_month_by_year, 2017)
    may = paid(e, 4) - paid(e, 3)  # the farm subsidy comes once a year, per contracted mu
    assert may == pytest.approx(to_fen(hh.land_mu * by_year(state.farm_subsidy_yuan_mu_by_year, 2017)), abs=1)


def test_poverty_support_goes_to_registered_poor_and_monitored_households_only() -> None:
    e = economy("state.other_transfers_yuan_month_per_person=0", "state.dibao_take_up=0")
    e.livelihoods.pension[:] = 0.0
    hh = e.hh
    got = paid(e, 0)
    assert (got[~hh.registered_poor] == 0).all()
    assert (got[hh.registered_poor] == to_fen(hh.members * 100.0)[hh.registered_poor]).all()
    hh.monitored[:5] = ~hh.registered_poor[:5]
    assert (paid(e, 0)[:5][~hh.registered_poor[:5]] > 0).all()


def test_the_minimum_living_allowance_tops_income_up_to_the_standard() -> None:
    e = economy("state.dibao_take_up=1")
    hh, lv = e.hh, e.livelihoods
    standard = by_year(e.cfg.state.dibao_standard_yuan_year_by_year, 2018)
    income = hh.members * np.linspace(0.0, 2 * standard, hh.n)  # yuan a year, per person from 0 to twice the standard
    lv.assess_transfers(income, 2017)
    below = income / hh.members < standard
    assert (lv.dibao_fen[~below] == 0).all()
    expected = to_fen((standard - income / hh.members) * hh.members / 12.0)
    assert (lv.dibao_fen[below] == expected[below]).all()
    half = economy("state.dibao_take_up=0.5").livelihoods
    half.assess_transfers(income, 2017)
    enrolled = half.dibao_fen > 0
    assert 0 < enrolled.sum() < below.sum()  # targeting misses some of the eligible
    assert (hh.dibao_draw[enrolled] < 0.5).all()


def test_registered_poor_exit_when_their_income_reaches_the_line_and_monitoring_follows() -> None:
    e = economy("state.dibao_take_up=0")
    hh, lv = e.hh, e.livelihoods
    line = by_year(e.cfg.poverty_line_yuan_by_year, 2018)
    income = np.where(np.arange(hh.n) % 2 == 0, 2 * line, 0.5 * line) * hh.members
    lv.assess_transfers(income, 2018)
    out = hh.registered_poor & (np.arange(hh.n) % 2 == 0)
    assert (hh.poverty_exit_year[out] == 2018).all() and (hh.poverty_exit_year[~out] == 0).all()
    assert not hh.monitored.any()  # no monitoring before 2021
    lv.assess_transfers(income, 2020)
    monitoring_line = by_year(e.cfg.state.monitoring_line_yuan_by_year, 2021)
    assert (hh.monitored == (~hh.registered_poor & (income / hh.members < monitoring_line))).all()


def test_the_registered_poor_are_the_weakest_by_means_and_the_three_guarantees() -> None:
    hh = Economy(run_config("region=small", "years=4", "progress=never")).hh
    means = hh.productivity * hh.land_mu * hh.land_quality / hh.members
    poor = hh.registered_poor
    assert np.median(means[poor]) < 0.6 * np.median(means[~poor])
    assert hh.unsafe_housing[poor].mean() > 2 * hh.unsafe_housing[~poor].mean()
    assert hh.disabled[poor].mean() > hh.disabled[~poor].mean()
    assert ((hh.elderly >= 0) & (hh.elderly <= hh.members - hh.working_age)).all()


def test_illness_costs_money_and_work() -> None:
    healthy = tiny_tables("households.illness_probability_year=0")
    sick = tiny_tables("households.illness_probability_year=0.2")
    assert "medical_costs" not in set(healthy["flows"]["kind"])
    assert sick["flows"].query("kind == 'medical_costs'")["amount_fen"].sum() > 0
    h, s = healthy["region_year"], sick["region_year"]
    assert (s["income_wages_per_capita_yuan"] < h["income_wages_per_capita_yuan"]).all()  # work lost
    assert s["medical_costs_per_capita_yuan"].gt(0).all() and h["medical_costs_per_capita_yuan"].eq(0).all()


def test_idle_land_leased_to_tenants_is_property_income() -> None:
    none = tiny_tables("tier=none", "households.land_lease_chance=0")
    lease = tiny_tables("tier=none", "households.land_lease_chance=1")
    assert none["region_year"]["net_property_income_per_capita_yuan"].eq(0).all()  # tier none: no coop rent either
    assert lease["region_year"]["net_property_income_per_capita_yuan"].gt(0).all()


def test_the_statistics_four_sources_add_up_to_income() -> None:
    y = tiny_tables()["region_year"]
    four = y[["wage_income_per_capita_yuan", "net_business_income_per_capita_yuan",
              "net_property_income_per_capita_yuan", "net_transfer_income_per_capita_yuan"]].sum(axis=1)
    assert four.to_numpy() == pytest.approx(y["income_per_capita_mean_yuan"].to_numpy(), rel=1e-9)
    kinds = y.filter(regex=r"^transfer_.*_per_capita_yuan$").sum(axis=1)
    assert kinds.to_numpy() == pytest.approx(y["net_transfer_income_per_capita_yuan"].to_numpy(), rel=1e-9)
    shares = y.filter(regex=r"^income_share_q\d$")
    assert shares.sum(axis=1).to_numpy() == pytest.approx(1.0)
    assert (shares.diff(axis=1).iloc[:, 1:] > 0).all().all()  # each fifth richer than the one below
    assert (y["poverty_line_yuan"] == [2952, 2995, 3218, 4000]).all()
    assert y["poverty_entry_rate"].iloc[1:].between(0, 1).all() and np.isnan(y["poverty_entry_rate"].iloc[0])


def test_quintile_shares_and_gini_agree_on_a_known_distribution() -> None:
    x, w = np.array([1.0, 2.0, 3.0, 4.0, 10.0]), np.ones(5)
    assert quintile_shares(x, w).tolist() == pytest.approx([0.05, 0.1, 0.15, 0.2, 0.5])
    assert gini(x, w) == pytest.approx(0.4)  # sum |xi - xj| / (2 n^2 mean) for these five


def test_series_by_year_hold_between_and_beyond_their_years() -> None:
    s = {2016: 3.0, 2020: 5.0}
    assert [by_year(s, y) for y in (2010, 2016, 2019, 2020, 2030)] == [3.0, 3.0, 3.0, 5.0, 5.0]
    assert monthly(s, 2019, 24).tolist() == [3.0] * 12 + [5.0] * 12


@pytest.mark.parametrize(("override", "message"), [
    ("~state.pension_yuan_month_by_year", "is required but missing"),
    ("labour.migrant_wage_yuan_month_by_year.2019=0", "every year's wage must be > 0"),
    ("state.dibao_standard_yuan_year_by_year.2019=-1", "must be between 0 and"),
])
def test_bad_series_stop_before_the_run(override: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        run_config(*TINY, override)


def test_a_crop_every_village_plants_busts_its_regional_price() -> None:
    from coopsim.run import simulate

    small = ("region=small", "tier=v1", "years=4", "progress=never", "resilience=false", "household_table=false")
    one = Economy(run_config(*small, "tier.cooperative.industries=[edible_fungi]"))
    one.run()
    diverse = Economy(run_config(*small))
    diverse.run()
    c = one.market.index_of("edible_fungi")
    assert one.market.producing_mu[-1, c] > 2 * one.market.regional_capacity_mu[c]
    assert one.market.regional_factor[-12:, c].max() < 0.7  # the bust: the regional price well below the drawn one
    assert (one.market.regional_factor[:, c] <= 1.0).all() and diverse.market.regional_factor[-12:, c].min() > 0.9
    # the price path's noise is common: where neither run's supply binds, the prices are the same
    free = (one.market.regional_factor == 1.0) & (diverse.market.regional_factor == 1.0)
    assert (one.market.prices[free] == diverse.market.prices[free]).all()
    assert simulate(run_config(*small, "tier.cooperative.industries=[edible_fungi]"))["ledger_closing"][
        "balance_fen"].sum() == 0


def test_the_history_scenario_replays_the_prices_as_they_happened() -> None:
    from coopsim.run import simulate

    prices = simulate(run_config("region=tiny", "tier=none", "years=6", "progress=never", "resilience=false",
                                 "scenario=history_2017_2022"))["prices"]
    pigs = prices[prices.commodity == "pigs"].set_index(["year", "month"])["price_yuan"]
    # the live-hog price in its dated months (the region's supply response leaves it alone here: tiny herds)
    for (year, month), yuan in {(2018, 5): 10.59, (2019, 11): 33.98, (2020, 7): 36.25, (2021, 9): 13.42}.items():
        assert pigs[(year, month)] == pytest.approx(yuan)
    assert pigs[(2020, 9)] == pytest.approx(36.25 + (29.72 - 36.25) / 2)  # linear between July and November


def test_collective_assets_count_shares_state_funds_and_infrastructure() -> None:
    v1 = tiny_tables("tier=v1")["region_year"].set_index("year")
    none = tiny_tables("tier=none")["region_year"].set_index("year")
    no_funds = tiny_tables("tier=v1", "tier.cooperative.funds_into_shares_yuan_per_year=0")["region_year"].set_index(
        "year")
    assert (none["collective_non_operating_assets_per_village_yuan"] == 0).all()
    assert (v1["collective_non_operating_assets_per_village_yuan"].iloc[1:] > 0).all()  # projects and public goods
    total = v1["collective_operating_assets_per_village_yuan"] + v1["collective_non_operating_assets_per_village_yuan"]
    assert total.to_numpy() == pytest.approx(v1["collective_assets_per_village_yuan"].to_numpy())
    gap = v1["collective_operating_assets_per_village_yuan"] - no_funds["collective_operating_assets_per_village_yuan"]
    assert gap[2020] > gap[2019] > gap[2018] > 0  # the state's funds, year after year to 2020
    e = economy("tier=v1")
    e.run()
    coops = e.coops
    assert coops is not None and coops.founded.all()
    decembers = np.array([sum(1 for y in range(2017, 2021) if y * 12 + 11 >= 2017 * 12 + m) for m in coops.founded_month])
    expected = to_fen(645_000.0) + decembers * to_fen(50_000.0)  # put in at founding, then one payment a December
    assert (coops.collective_share_value_fen == expected).all()
