"""Whole-run behaviour of the foundation tiers on the tiny region."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coopsim.engine.economy import TICKS, Economy
from coopsim.households import INCOME_SOURCES
from coopsim.rules.shares import ShareRegister, share_rules_hold
from coopsim.run import simulate
from tests.conftest import run_config, tiny_tables

INTO_HOUSEHOLDS = {"own_farm": ["farm_sales"], "land_rent": ["coop_land_rent", "land_lease_rent"],
                   "wages": ["coop_wages", "local_wages", "secretary_base_pay", "coop_manager_share",
                             "secretary_performance_pay"],
                   "dividends": ["coop_guaranteed_dividend", "coop_dividend", "coop_elite_capture"],
                   "remittances": ["remittances"],
                   "transfers": ["pension", "dibao", "farm_subsidy", "poverty_support", "other_transfers"]}


@pytest.mark.parametrize("tier", ["none", "v1"])
def test_income_by_source_equals_money_received(tier: str, request: pytest.FixtureRequest) -> None:
    tables = request.getfixturevalue(f"tiny_{tier}")
    flows = tables["flows"]
    to_hh = flows[flows.payee == "household"].groupby("kind")["amount_fen"].sum()
    inputs = flows[flows.kind.isin(["farm_inputs", "trusteeship_fees"])]["amount_fen"].sum()  # the farm's costs
    month = tables["region_month"]
    persons = month["persons"].iloc[0]
    for source in INCOME_SOURCES:
        booked = (month[f"income_{source}_per_capita_yuan"] * persons).sum()
        received = sum(int(to_hh.get(k, 0)) for k in INTO_HOUSEHOLDS[source]) / 100
        if source == "own_farm":
            received -= inputs / 100
        assert booked == pytest.approx(received, abs=0.01 * len(month)), source


@pytest.mark.parametrize("tier", ["none", "v1"])
def test_ledger_closes_at_zero(tier: str, request: pytest.FixtureRequest) -> None:
    closing = request.getfixturevalue(f"tiny_{tier}")["ledger_closing"]
    assert closing["balance_fen"].sum() == 0
    assert (closing.set_index("account_group").loc[["household", "cooperative", "collective"], "balance_fen"] >= 0).all()


def test_v1_cooperatives_follow_their_rules() -> None:
    eco = Economy(run_config("region=tiny", "years=4", "tier=v1", "progress=never"))
    eco.run()
    coops, hh, sh = eco.coops, eco.hh, eco.cfg.tier.cooperative.shareholding  # type: ignore[union-attr]
    assert coops is not None and coops.founded.all()  # the rollout completes in October 2019
    assert hh.coop_member[hh.registered_poor | hh.cadre].all()  # poor and cadres are all members
    coops.register_shares(hh)
    for v in range(eco.world.n_villages):
        sl = eco.world.households_of(v)
        members = np.flatnonzero(hh.coop_member[sl]) + sl.start
        reg = ShareRegister(coops.collective_fraction[v], coops.capable_fraction[v], coops.household_fraction[members])
        assert share_rules_hold(reg, sh.collective_min, sh.villagers_min, sh.single_holder_max)


def test_tier_none_has_no_cooperative_money(tiny_none: dict[str, pd.DataFrame]) -> None:
    kinds = set(tiny_none["flows"]["kind"])
    assert not {k for k in kinds if k.startswith("coop_")}
    assert (tiny_none["region_year"]["coop_member_households"] == 0).all()
    assert (tiny_none["region_year"]["thin_village_share"] == 1.0).all()


def test_v1_pays_guaranteed_dividends_and_land_rent(tiny_v1: dict[str, pd.DataFrame]) -> None:
    flows = tiny_v1["flows"].groupby("kind")["amount_fen"].sum()
    assert flows["coop_land_rent"] > 0 and flows["coop_wages"] > 0
    assert flows["coop_startup_grant"] == 6 * 200_000 * 100  # one grant per village, from the state
    year = tiny_tables("tier=v1", "households.land_lease_chance=0")["household_year"]  # no tenants: coop rent only
    assert (year.loc[~year.coop_member, "income_land_rent_yuan"] == 0).all()


def test_spring_festival_brings_migrants_home(tiny_none: dict[str, pd.DataFrame]) -> None:
    m, w = tiny_none["region_month"], tiny_none["region_week"]
    dec, mar = (m.loc[m.month == k, "away_share"].mean() for k in (12, 3))
    season = w[pd.to_datetime(w["date"]).dt.month.isin([1, 2])].groupby("year")["away_share"].min()
    assert (season < 0.5 * dec).all() and mar > 1.5 * season.mean()


def test_fiscal_table_adds_up_to_the_fiscal_cost(tiny_v1: dict[str, pd.DataFrame]) -> None:
    fiscal = tiny_v1["fiscal_year"].groupby("year")["yuan"].sum()
    year = tiny_v1["region_year"].set_index("year")["fiscal_cost_yuan"]
    pd.testing.assert_series_equal(fiscal, year, check_names=False)
    assert {"pension", "dibao", "farm_subsidy", "poverty_support", "other_transfers", "secretary_base_pay",
            "coop_startup_grant"} <= set(
        tiny_v1["fiscal_year"]["kind"])


def test_herding_copies_the_crop_the_neighbours_grow() -> None:
    """Regression: herding took the neighbours' crop's market index for its position among the
    candidate industries, and so copied another crop (or, with fewer candidates, crashed)."""
    for industries in ("[vegetables,tea,cocoons,pigs,beef_cattle,rosa_roxburghii,edible_fungi,potatoes]",
                       "[potatoes,vegetables,pigs,beef_cattle]"):
        eco = Economy(run_config("region=tiny", "tier=v1", f"tier.cooperative.industries={industries}"))
        coops, m = eco.coops, eco.market
        assert coops is not None
        v = 0
        neighbours = eco.world.neighbours[v]
        for crop in ("pigs", "beef_cattle"):
            coops.founded[:] = False
            coops.founded[neighbours] = True
            coops.industry[neighbours] = m.index_of(crop)
            coops.found(v, 0, eco.hh, np.array([0.0, 0.5, 0.5]))  # u_herd = 0 < herding: copy the neighbours
            assert m.names[coops.industry[v]] == crop


def test_a_subset_of_industries_runs() -> None:
    tables = simulate(run_config("region=tiny", "tier=v1", "progress=never",
                                 "tier.cooperative.industries=[potatoes,vegetables,pigs,beef_cattle]"))
    grown = set(tables["village_year"]["coop_industry"]) - {""}
    assert grown and grown <= {"potatoes", "vegetables", "pigs", "beef_cattle"}


def test_the_law_returns_sixty_percent_of_the_distributable_surplus_by_transactions() -> None:
    """distribution.rule=law: reserve, then transaction_share of the rest to member households in proportion to
    the wages and rent they were paid this year, the rest by shares; no guaranteed dividend, no managers' share."""
    from coopsim.config import ConfigError
    from coopsim.institutions.year_end import _shares_out_by_law

    law = ("tier.cooperative.distribution.rule=law",)
    with pytest.raises(ConfigError, match="transaction_share' = 0.5: the cooperative law returns at least 60%"):
        run_config("region=tiny", "tier=v1", *law, "tier.cooperative.distribution.transaction_share=0.5")
    eco = Economy(run_config("region=tiny", "tier=v1", "progress=never", "years=3", *law,
                             "tier.cooperative.rollout.pilot_month=1", "tier.cooperative.rollout.pilot_share=1.0",
                             "tier.cooperative.rollout.complete_year=2017", "tier.cooperative.rollout.complete_month=1"))
    eco.env.run(until=11 * TICKS + 50)  # into December of the first year, before the year end
    coops, hh = eco.coops, eco.hh
    assert coops is not None and coops.founded.all()
    coops.register_shares(hh)
    members = np.flatnonzero(hh.coop_member & (hh.village == 0))
    assert members.size >= 2
    coops.transactions_fen[:] = 0
    coops.transactions_fen[members[0]], coops.transactions_fen[members[1]] = 3_000_00, 1_000_00  # 3 : 1
    surplus = np.zeros(eco.world.n_villages, dtype=np.int64)
    surplus[0] = 100_000_00
    reserve_before = coops.reserve_fen[0]
    refund, dividend, managers, collective, capable = _shares_out_by_law(coops, hh, surplus)
    # 10 % reserve; of the 90,000 yuan left, 60 % (54,000) by transactions, 3 : 1; 36,000 by shares
    assert coops.reserve_fen[0] - reserve_before == 10_000_00
    assert refund[members[0]] == 40_500_00 and refund[members[1]] == 13_500_00 and refund.sum() == 54_000_00
    assert dividend.sum() + collective[0] + capable[0] == 36_000_00
    assert collective[0] >= 0.2 * 36_000_00 - 1  # the collective holds at least 20 % of the shares
    assert managers.sum() == 0
    # a whole run under the law balances, refunds by transactions, and pays no guaranteed dividend
    tables = simulate(run_config("region=tiny", "tier=v1", "years=4", *law))
    kinds = tables["flows"].groupby("kind")["amount_fen"].sum()
    assert kinds.get("coop_return_by_transactions", 0) > 0
    assert kinds.get("coop_guaranteed_dividend", 0) == 0 and kinds.get("coop_manager_share", 0) == 0
