"""Tiers 2.0 and 3.0: each mechanism does what it says on a hand-computable case."""

from __future__ import annotations

import numpy as np
import pytest

from coopsim.config import ConfigError, parse_config
from coopsim.engine.economy import TICKS, Economy
from coopsim.institutions import CountyPlatforms, TownshipFederations
from coopsim.institutions.government import CountyGovernments, project_sizes_yuan
from coopsim.institutions.operations import sell_output
from coopsim.institutions.platform import floor_payout_yuan
from coopsim.money import to_fen
from coopsim.rules.services import technician_cost_yuan_per_year
from coopsim.run import simulate
from tests.conftest import compose_dict, run_config

# Everything starts in January 2017: all six cooperatives found in month 0,
# the federations and platform too.
EARLY = ("region=tiny", "progress=never", "years=2",
         "tier.cooperative.rollout.pilot_month=1", "tier.cooperative.rollout.pilot_share=1.0",
         "tier.cooperative.rollout.complete_year=2017", "tier.cooperative.rollout.complete_month=1")
FED_EARLY = ("tier.federation.start_year=2017", "tier.federation.pioneer_share=1.0", "tier.federation.complete_year=2017")
PLAT_EARLY = ("tier.platform.start_year=2017", "tier.platform.pioneer_share=1.0", "tier.platform.complete_year=2017")
#: Selling costs the wholesale margin only (no fixed cost per lot), for round numbers.
WHOLESALE_ONLY = ("market.collection_cost_yuan=0",)
GOV_EARLY = ("tier.government.start_year=2017",)


def economy_at_month_start(*overrides: str) -> Economy:
    """An economy stopped after month 0's founding and institutions, before production."""
    eco = Economy(run_config(*EARLY, *overrides))
    eco.env.run(until=29)  # ticks: after founding and joining, before production
    assert eco.coops is not None and eco.coops.founded.all()
    for partner in eco.partners:  # a federation unites cooperatives that exist: its month opens again, now they do
        if isinstance(partner, TownshipFederations):
            partner.open_month(0, eco.coops.founded, np.random.default_rng(0))
    eco.market.planted_mu[:] = 0.0  # no glut: local price factor 1
    return eco


def fed_of(eco: Economy) -> TownshipFederations:
    fed = eco.partner("federation")
    assert isinstance(fed, TownshipFederations)
    return fed


def plat_of(eco: Economy) -> CountyPlatforms:
    plat = eco.partner("platform")
    assert isinstance(plat, CountyPlatforms)
    return plat


def flows_of(eco: Economy, kind: str) -> int:
    return sum(a for (k, _p, _q), a in eco.ledger.flows.items() if k == kind)


def test_floor_price_pays_the_gap_times_the_quantity() -> None:
    eco = economy_at_month_start("tier=v3", *FED_EARLY, *PLAT_EARLY, *WHOLESALE_ONLY, "tier.federation.marketing=false",
                                 "tier.platform.brand=false", "tier.platform.processing=false")
    plat_of(eco).contract_index[:] = 1.0  # contracts written at the reference price
    eco.market.price_index[0, :] = 0.5
    quantity = np.full(eco.world.n_villages, 1000.0)  # 1,000 yuan worth at the reference price
    revenue = sell_output(0, quantity, eco.coops, eco.hh, np.ones(6))  # type: ignore[arg-type]
    # floor 0.85 of the reference price, realised 0.5: gap 0.35 x 1,000 = 350 yuan each
    assert flows_of(eco, "floor_price_payout") == 6 * 350_00
    # the cooperative sells at 0.5 less the 8 % wholesale margin (460 yuan) and gets the 350 from the state
    assert revenue.tolist() == [460_00 + 350_00] * 6
    assert floor_payout_yuan(np.array([1000.0]), np.array([0.9]), 0.85).tolist() == [0.0]


def test_the_floor_follows_the_prices_the_contract_is_written_against() -> None:
    """Regression: the floor was a share of the reference price, which a rising price trend left
    far below every price, so it never paid, even in a collapse of 40 %."""
    eco = economy_at_month_start("tier=v3", *FED_EARLY, *PLAT_EARLY)
    plat = plat_of(eco)
    eco.market.price_index[:24, :] = np.linspace(1.0, 2.0, 24)[:, None]  # prices that doubled over two years
    plat.open_month(12, eco.coops.founded, np.random.default_rng(0))  # type: ignore[union-attr]
    np.testing.assert_allclose(plat.contract_index, np.linspace(1.0, 2.0, 24)[:12].mean())  # January: last year's
    tables = simulate(run_config("region=small", "tier=v3", "scenario=price_collapse", "seed=1", "progress=never",
                                 "household_table=false"))
    fiscal = tables["fiscal_year"]
    payout = fiscal[fiscal["kind"] == "floor_price_payout"].groupby("year")["yuan"].sum()
    assert payout[2022] > 1e6  # the collapse (from March 2022) is paid for: 4.0 M yuan on this seed


def test_no_floor_payout_above_the_floor() -> None:
    eco = economy_at_month_start("tier=v3", *FED_EARLY, *PLAT_EARLY, "tier.federation.marketing=false",
                                 "tier.platform.brand=false", "tier.platform.processing=false")
    plat_of(eco).contract_index[:] = 1.0
    eco.market.price_index[0, :] = 1.2
    sell_output(0, np.full(6, 1000.0), eco.coops, eco.hh, np.ones(6))  # type: ignore[arg-type]
    assert flows_of(eco, "floor_price_payout") == 0


def test_back_end_contract_pays_the_agreed_price_and_sells_in_bulk() -> None:
    eco = economy_at_month_start("tier=v2", *FED_EARLY, *WHOLESALE_ONLY)
    fed = fed_of(eco)
    assert fed.serving(eco.coops.founded).all()  # type: ignore[union-attr]
    fed.agreed_index[:] = 0.9  # agreed before the season
    eco.market.price_index[0, :] = 0.6  # the price then falls
    revenue = sell_output(0, np.full(6, 1000.0), eco.coops, eco.hh, np.ones(6))  # type: ignore[arg-type]
    # members are paid the agreed 0.9 x 1,000 = 900 yuan; the federation sells at
    # 0.6 less the 8 % wholesale margin = 552 yuan and carries the loss
    assert revenue.tolist() == [900_00] * 6
    assert flows_of(eco, "federation_purchases") == 6 * 900_00
    assert flows_of(eco, "federation_sales") == 6 * 552_00


def test_agreed_price_is_last_years_average_at_bulk_reach() -> None:
    eco = economy_at_month_start("tier=v2", *FED_EARLY)
    fed = fed_of(eco)
    eco.market.price_index[:12, :] = np.linspace(0.5, 1.6, 12)[:, None]  # mean 1.05
    fed.agree_prices(12, np.ones(2, dtype=bool))
    # a large lot loses the wholesale margin only (8 %)
    assert fed.agreed_index == pytest.approx(np.full_like(fed.agreed_index, 1.05 * 0.92))


def test_shared_technicians_and_accountants() -> None:
    """Extension alone costs a whole technician and is hired only where it pays; shared across the township
    each member pays its share by land; shared accountants cost each member a sixth of one."""
    fixed = ("tier.cooperative.membership.join_probability=0", "tier.cooperative.membership.peer_influence=0",
             *FED_EARLY, *WHOLESALE_ONLY, "tier.federation.marketing=false")  # the land stays what it was at founding
    base = economy_at_month_start("tier=v2", *fixed, "tier.federation.technology=false",
                                  "tier.federation.management=false")
    tech = economy_at_month_start("tier=v2", *fixed)
    for eco in (base, tech):  # the same industry, already past its first harvest
        eco.coops.industry[:] = eco.market.index_of("vegetables")  # type: ignore[union-attr]
        eco.coops.planted_month[:] = -12  # type: ignore[union-attr]
        eco.env.run(until=11 * TICKS + 50)
    coops = base.coops
    assert coops is not None and tech.coops is not None
    land = coops.land_mu(base.hh)
    np.testing.assert_array_equal(land, tech.coops.land_mu(tech.hh))
    alone = technician_cost_yuan_per_year(land, 60_000, 1000)
    town = base.world.village_township
    shared = technician_cost_yuan_per_year(land, 60_000, 1000, np.bincount(town, weights=land)[town])
    pays_alone, pays_shared = 0.1 * land * 6000 >= alone, 0.1 * land * 6000 >= shared
    assert (pays_shared & ~pays_alone).any()  # sharing makes extension pay where alone it does not
    b, t = coops.ytd, tech.coops.ytd
    producing = (b["revenue"] > 0) & (t["revenue"] > 0)
    assert producing.any()
    # same labour, land and prices: revenue scales by the yield gain where extension is hired
    np.testing.assert_allclose(t["revenue"][producing] / b["revenue"][producing],
                               ((1 + 0.1 * pays_shared) / (1 + 0.1 * pays_alone))[producing], rtol=1e-4)
    # what the technicians cost: twelve months (January to December) of the yearly cost, to the fen each month
    np.testing.assert_allclose(b["extension"], np.where(pays_alone, to_fen(alone / 12) * 12, 0), atol=0)
    np.testing.assert_allclose(t["extension"], np.where(pays_shared, to_fen(shared / 12) * 12, 0), atol=0)
    # management: 5 % of revenue plus the books — 24,000 yuan a year alone, a sixth of that shared
    np.testing.assert_allclose(b["management"][producing], 0.05 * b["revenue"][producing] + 12 * 2000_00, atol=12)
    np.testing.assert_allclose(t["management"][producing], 0.05 * t["revenue"][producing] + 12 * to_fen(4000 / 12),
                               atol=12)
    # service fee: 2 % of revenue goes to the federation
    np.testing.assert_allclose(t["service_fee"][producing], 0.02 * t["revenue"][producing], atol=11)


def test_pooled_fund_lends_before_the_bank_and_charges_its_rate() -> None:
    eco = economy_at_month_start("tier=v2", *FED_EARLY, "tier.cooperative.startup_grant_yuan=0")  # cash is short
    eco.env.run(until=12 * TICKS)
    coops, fed = eco.coops, fed_of(eco)
    assert coops is not None
    assert flows_of(eco, "federation_fund_loans") > 0
    lent_by_town = np.bincount(eco.world.village_township, weights=coops.fund_debt_fen)
    assert (lent_by_town <= fed.fund_capital_fen + 1).all()
    assert (coops.fund_debt_fen <= to_fen(300_000)).all()


def test_strong_villages_lead_weak_ones() -> None:
    eco = economy_at_month_start("tier=v2", *FED_EARLY)
    fed = fed_of(eco)
    fed.joint_capital_fen[:] = 1_000_000_00  # 1 M yuan of joint operations per township
    before = eco.ledger.block("collective")
    collective = np.array([0, 100_000_00, 0, 100_000_00, 100_000_00, 100_000_00])  # last year's income
    out = fed.year_end(collective, thin_fen=50_000_00)
    # 8 % return = 80,000 yuan per township; township 0 (villages 0-2): weights 2, 1, 2
    assert out["joint_income"][:3].tolist() == [32_000_00, 16_000_00, 32_000_00]
    # township 1 (villages 3-5): thin village 3? no - none thin there: equal thirds
    assert out["joint_income"][3:].sum() == 80_000_00 and np.ptp(out["joint_income"][3:]) <= 1
    assert (eco.ledger.block("collective") - before).tolist() == out["joint_income"].tolist()


def test_a_badly_run_federation_fails_and_stops_serving() -> None:
    eco = economy_at_month_start("tier=v2", *FED_EARLY, "tier.federation.overhead_yuan_per_year=1e9",
                                 "tier.federation.credit_limit_yuan=0", "tier.federation.fund=false")
    eco.env.run(until=TICKS)
    fed = fed_of(eco)
    assert fed.failed.all()
    assert not fed.serving(eco.coops.founded).any()  # type: ignore[union-attr]
    eco.env.run(until=25 * TICKS)  # the run goes on; members sell by themselves again
    assert eco.ledger.verify()


def gov_of(eco: Economy) -> CountyGovernments:
    gov = eco.partner("government")
    assert isinstance(gov, CountyGovernments)
    return gov


def test_reward_fund_shares_the_regions_part_among_qualifiers() -> None:
    """Under 1.0 already (the rule is the prefecture's, for every cooperative), on operating income."""
    eco = economy_at_month_start("tier=v1", *GOV_EARLY)
    gov = gov_of(eco)
    last = to_fen(np.array([300_000, 300_000, 300_000, 0, 400_000, 250_000.0]))
    now = to_fen(np.array([330_000, 340_000, 320_000, 500_000, 400_000, 290_000.0]))
    gov.operating_last_fen = last
    # revenue is not operating income: a year of large revenue and no surplus earns nothing
    assert gov.close_year(eco.coops, {"coop_profit_fen": np.zeros(6, dtype=np.int64),  # type: ignore[arg-type]
                                      "coop_revenue_fen": now * 10}, 0).accounts["coop_reward_fen"].sum() == 0
    gov.operating_last_fen = last
    reward = gov.close_year(eco.coops, {"coop_profit_fen": now, "coop_revenue_fen": now},  # type: ignore[arg-type]
                            0).accounts["coop_reward_fen"]
    # qualify: >= 300,000 and >= 10 % growth -> villages 0 and 1 (2 grew 6.7 %, 3 had no
    # last year, 4 did not grow, 5 is under 300,000). Region's fund: 10 M x 6 / 3,700.
    fund = to_fen(10_000_000 * 6 / 3700)
    assert reward.tolist() == [fund // 2 + fund % 2, fund // 2, 0, 0, 0, 0]
    assert flows_of(eco, "reward_fund") == fund


def test_projects_under_four_million_pay_wages() -> None:
    assert project_sizes_yuan(5_000_000, 2_000_000).sum() == pytest.approx(5_000_000)
    assert (project_sizes_yuan(9_000_000, 4_000_000) < 4_000_000).all()
    eco = economy_at_month_start("tier=v1", *GOV_EARLY)
    eco.env.run(until=24 * TICKS)
    # under 1.0 already; projects are let in January to cooperatives founded by then: in 2018 only.
    # The tiny region's budget: 150,000 x 6 villages = 900,000 yuan a year
    assert flows_of(eco, "public_projects") == pytest.approx(900_000_00, abs=6)
    with pytest.raises(ConfigError, match="project_max_yuan. = 5000000.0: must be <= 4000000.0"):
        parse_config(compose_dict("tier=v1", "tier.government.project_max_yuan=5000000"))
    late = economy_at_month_start("tier=v1")  # the rules from January 2018 (after the pilots)
    late.env.run(until=12 * TICKS)
    assert flows_of(late, "public_projects") == 0 and not gov_of(late).active


def test_cheaper_credit_is_subsidised_by_the_state() -> None:
    eco = economy_at_month_start("tier=v3", *FED_EARLY, *PLAT_EARLY, "tier.federation.fund=false")
    eco.coops.debt_fen[:] = 1_200_000  # 12,000 yuan each  # type: ignore[union-attr]
    eco.env.run(until=50)
    # the gap 4.35 % - 2 % on 72,000 yuan for a month = 141 yuan
    assert flows_of(eco, "credit_interest_subsidy") == pytest.approx(72_000_00 * 0.0235 / 12, abs=6)


def test_labour_export_teams_take_outside_contracts_for_local_wages_and_a_margin() -> None:
    """Village teams take the contracts the platform brings: paid half by the state, half by outside clients;
    their wages are days at home taken from casual local work; no city wage, no migration changed by fiat."""
    base = (*EARLY, "tier=v3", *FED_EARLY, *PLAT_EARLY, "tier.government.projects=false")
    with_teams, without = Economy(run_config(*base)), Economy(run_config(*base, "ablate=platform.labour_export"))
    for eco in (with_teams, without):
        eco.env.run(until=12 * TICKS)
    # 6 villages x 120,000 yuan a year, from January 2017: half from the state, half from outside clients
    assert flows_of(with_teams, "export_contracts_public") == 6 * 60_000_00
    assert flows_of(with_teams, "export_contracts") == 6 * 60_000_00
    assert flows_of(without, "export_contracts_public") == flows_of(without, "export_contracts") == 0
    # the teams' work is paid as cooperative wages, and it takes days from casual local work
    assert flows_of(with_teams, "coop_wages") > flows_of(without, "coop_wages")
    assert flows_of(with_teams, "local_wages") < flows_of(without, "local_wages")
    with pytest.raises(ConfigError, match="export_labour_share \\+ export_margin_share must be <= 1"):
        parse_config(compose_dict("tier=v3", "tier.platform.export_labour_share=0.95"))


@pytest.mark.parametrize(("overrides", "message"), [
    (["tier=v1", "+tier.federation.marketing=false"], r"'tier.federation' = .*does not apply to tier 'v1'"),
    (["tier=v2", "+tier.platform.floor_price=false"], r"'tier.platform' = .*does not apply to tier 'v2'"),
    (["tier=v3", "tier.federation.marketing=sometimes"], r"'tier.federation.marketing' = 'sometimes': must be true"),
])
def test_levers_outside_their_tier_are_errors(overrides: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(compose_dict("region=tiny", *overrides))


def test_cli_names_the_tier_a_lever_needs() -> None:
    from coopsim.cli import lever_errors

    assert lever_errors(["tier=v1", "tier.federation.marketing=false"]) == [
        "config key 'tier.federation.marketing' = False: does not apply to tier 'v1' (it has no federation); "
        "the tiers with a federation are v2, v3, longling, songtao"]
    assert len(lever_errors(["-m", "tier=v2,v3", "tier.platform.brand=false"])) == 1
    assert lever_errors(["tier=v3", "tier.platform.brand=false"]) == []
    assert lever_errors(["tier.federation.planning=false"]) != []  # the default tier is v1
