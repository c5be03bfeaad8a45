"""The mechanisms that replaced assumed gains: each gain comes with its cost, on hand-computable cases."""

from __future__ import annotations

import numpy as np
import pytest

from coopsim.config import ConfigError
from coopsim.engine.economy import TICKS
from coopsim.institutions.operations import sell_output
from coopsim.money import to_fen
from coopsim.rules.founding import spread_months
from coopsim.rules.prices import local_price_factor
from tests.conftest import run_config
from tests.test_tiers import (
    FED_EARLY,
    PLAT_EARLY,
    WHOLESALE_ONLY,
    economy_at_month_start,
    fed_of,
    flows_of,
    plat_of,
)


def test_a_small_lot_loses_more_in_selling_than_a_large_one() -> None:
    """One rule for every seller: a household's lot of 500 yuan loses 0.08 + 200 / 500; the cooperative's
    lot of all its output loses 0.08 + 200 / lot; sold member by member (marketing off), each member's part."""
    eco = economy_at_month_start("tier=v1", "market.collection_cost_yuan=200")
    m = eco.market
    assert m.selling_margin(np.array([500.0, 40_000.0, 100.0])).tolist() == pytest.approx([0.48, 0.085, 0.58])
    apart = economy_at_month_start("tier=v1", "market.collection_cost_yuan=200", "ablate=cooperative.marketing")
    for e in (eco, apart):
        e.market.price_index[0, :] = 1.0
    members = np.full(6, 20.0)
    one = sell_output(0, np.full(6, 40_000.0), eco.coops, eco.hh, members)  # type: ignore[arg-type]
    split = sell_output(0, np.full(6, 40_000.0), apart.coops, apart.hh, members)  # type: ignore[arg-type]
    assert one.tolist() == [to_fen(40_000 * (1 - 0.085))] * 6  # 36,600 yuan
    assert split.tolist() == [to_fen(40_000 * (1 - 0.08 - 200 / 2000))] * 6  # 20 lots of 2,000: 32,800 yuan


def test_the_federation_sells_where_it_pays_and_its_sales_move_the_county_price() -> None:
    """Bulk sales go to the township's market or, less haulage, the county's; the county's buyers absorb
    only the county's capacity, so selling there pays only where the township is glutted and the county is not."""
    eco = economy_at_month_start("tier=v2", *FED_EARLY)
    fed, m = fed_of(eco), eco.market
    veg = m.index_of("vegetables")
    m.planted_mu[:] = 0.0
    m.planted_mu[0, veg] = 4 * m.capacity_mu[0, veg]  # township 0 glutted fourfold, township 1 empty
    factor = fed.bulk_local_factor()
    own = local_price_factor(4.0, 1.0, m.flexibility[veg])
    county = local_price_factor(4 * m.capacity_mu[0, veg], m.capacity_mu[:, veg].sum(), m.flexibility[veg]) * 0.96
    assert factor[0, veg] == pytest.approx(max(own, county)) and county > own
    assert factor[1, veg] == pytest.approx(1.0)  # its own market pays more than the county's less haulage
    m.planted_mu[1, veg] = 4 * m.capacity_mu[1, veg]  # the whole county glutted: nowhere to sell it
    assert fed.bulk_local_factor()[0, veg] == pytest.approx(own)


def test_processing_pays_its_costs_and_a_second_payout_by_contract() -> None:
    eco = economy_at_month_start("tier=v3", *FED_EARLY, *PLAT_EARLY, *WHOLESALE_ONLY, "tier.federation.marketing=false",
                                 "tier.platform.brand=false", "tier.platform.floor_price=false",
                                 "tier.platform.order_contracts=false")
    plat = plat_of(eco)
    eco.market.price_index[0, :] = 1.0
    revenue = sell_output(0, np.full(6, 10_000.0), eco.coops, eco.hh, np.ones(6))  # type: ignore[arg-type]
    value = 10_000 * 0.92  # the sale, less the wholesale margin
    bought = to_fen(value * 0.3)  # 30 % processed
    assert flows_of(eco, "platform_purchases") == 6 * bought
    assert flows_of(eco, "processed_sales") == to_fen(6 * value * 0.3 * 1.25)
    assert flows_of(eco, "processing_costs") == to_fen(6 * value * 0.3 * 0.12)
    # margin per yuan bought: 0.25 value added - 0.12 costs - 4 days x 90 yuan / 10,000 = 0.094; 30 % paid back
    rate = 0.3 * (0.25 - 0.12 - 4 * 90 / 10_000)
    assert plat.second_payout_rate(90.0) == pytest.approx(rate)
    assert flows_of(eco, "processing_second_payout") == 6 * int(bought * rate)
    assert revenue.tolist() == [to_fen(value) + int(bought * rate)] * 6


def test_the_brand_earns_a_premium_at_a_cost() -> None:
    on = economy_at_month_start("tier=v3", *FED_EARLY, *PLAT_EARLY, *WHOLESALE_ONLY, "tier.federation.marketing=false",
                                "tier.platform.processing=false", "tier.platform.floor_price=false",
                                "tier.platform.order_contracts=false")
    on.market.price_index[0, :] = 1.0
    revenue = sell_output(0, np.full(6, 10_000.0), on.coops, on.hh, np.ones(6))  # type: ignore[arg-type]
    # 8 % premium; the sellers lose the wholesale margin and 3 % for grading, packaging and certification
    assert revenue.tolist() == [to_fen(10_000 * 1.08 * (1 - 0.08 - 0.03))] * 6
    plat = plat_of(on)
    plat.run_costs()
    assert flows_of(on, "brand_promotion") == to_fen(2_000_000 / 12)  # one county's month of promotion


def test_collective_land_is_reclaimed_first() -> None:
    eco = economy_at_month_start("tier=v1")
    # six cooperatives each reclaim 60 mu at 1,500 yuan before farming them
    assert flows_of(eco, "coop_land_reclamation") == 6 * to_fen(60 * 1500)
    none = economy_at_month_start("tier=v1", "ablate=cooperative.collective_land")
    assert flows_of(none, "coop_land_reclamation") == 0


def test_federations_spread_over_townships_and_unite_three_villages_at_least() -> None:
    months = spread_months(30, 36, 59, 0.3, np.random.default_rng(5))
    assert (months == 36).sum() >= 9 and months.min() == 36 and months.max() <= 59 and (months > 36).any()
    assert spread_months(1, 48, 60, 0.3, np.random.default_rng(5)).tolist() == [48]  # at least one pioneer
    # a township of three villages whose cooperatives are not yet all founded has no federation yet
    eco = economy_at_month_start("tier=v2", *FED_EARLY)
    fed, founded = fed_of(eco), eco.coops.founded.copy()  # type: ignore[union-attr]
    fed.active[:] = False
    founded[0] = False  # township 0 (villages 0-2) has two cooperatives, township 1 three
    fed.open_month(1, founded, np.random.default_rng(0))
    assert fed.active.tolist() == [False, True]
    with pytest.raises(ConfigError, match=r"tier.federation.complete_year"):
        run_config("tier=v2", "tier.federation.complete_year=2019")


def test_what_partners_pay_at_the_years_close_is_distributed_the_next_year() -> None:
    """Regression: the federation's rebate and the reward fund reached the cooperatives after their
    year's distribution and were never booked as income, so they stayed in their cash for ever."""
    eco = economy_at_month_start("tier=v2", *FED_EARLY)
    eco.ledger.pay_block("state", "federation", np.full(2, to_fen(5_000_000)), "federation_fund_seed")  # spare cash
    eco.env.run(until=12 * TICKS)  # through December's close
    coops = eco.coops
    assert coops is not None
    rebate = np.array([a for (k, _p, _q), a in eco.ledger.flows.items() if k == "federation_rebate"]).sum()
    assert rebate > 0
    assert coops.ytd["year_end_income"].sum() == rebate + flows_of(eco, "reward_fund")
    assert coops.year_accounts["coop_federation_rebate_fen"].sum() == rebate
    eco.env.run(until=24 * TICKS)  # the next year's profit counts it
    assert (coops.year_accounts["coop_year_end_income_fen"] > 0).any()


def test_members_trust_the_land_they_cannot_farm_and_pay_for_the_work() -> None:
    """Production trusteeship: fees paid are the cooperatives' service income; the work is hired the month
    after and machines are paid for; switched off, no land is trusted and members' farms yield less."""
    from coopsim.run import simulate

    on = simulate(run_config("region=tiny", "tier=v1", "years=5", "progress=never", "seed=2"))
    off = simulate(run_config("region=tiny", "tier=v1", "years=5", "progress=never", "seed=2",
                              "ablate=cooperative.trusteeship"))
    flows = on["flows"].groupby("kind")["amount_fen"].sum()
    assert flows["trusteeship_fees"] > 0 and flows["trusteeship_machines"] > 0
    booked = on["village_year"]["coop_service_income_yuan"].sum() * 100
    assert booked == pytest.approx(flows["trusteeship_fees"])
    assert "trusteeship_fees" not in set(off["flows"]["kind"])
    assert off["village_year"]["coop_service_income_yuan"].sum() == 0
    farm_on = on["flows"].query("kind == 'farm_sales'")["amount_fen"].sum()
    farm_off = off["flows"].query("kind == 'farm_sales'")["amount_fen"].sum()
    assert farm_on > farm_off  # the trusted land yields a harvest the household keeps


def test_a_cooperative_that_contracts_its_land_out_collects_rent_and_farms_nothing() -> None:
    eco = economy_at_month_start("tier=v1", "tier.cooperative.business_mode=contract_out",
                                 "tier.cooperative.membership.join_probability=0",
                                 "tier.cooperative.membership.peer_influence=0")
    coops = eco.coops
    assert coops is not None
    land = coops.land_mu(eco.hh).copy()
    eco.env.run(until=12 * TICKS)
    assert flows_of(eco, "contract_out_rent") == 12 * int(to_fen(land * 600 / 12).sum())
    assert flows_of(eco, "coop_sales") == 0 and flows_of(eco, "coop_inputs") == 0 and flows_of(eco, "coop_extension") == 0
    with pytest.raises(ConfigError, match=r"tier.cooperative.business_mode"):
        run_config("tier=v1", "tier.cooperative.business_mode=lease")


def test_double_binding_the_enterprise_orders_at_the_contract_price_and_reneges_in_a_slump() -> None:
    """Half the output goes to the enterprise at 95 % of the contract's price, collected at the village; the
    rest is sold as usual. When the market is more than 20 % below the contract, the enterprise reneges."""
    eco = economy_at_month_start("tier=v3", *FED_EARLY, *PLAT_EARLY, *WHOLESALE_ONLY, "tier.federation.marketing=false",
                                 "tier.platform.brand=false", "tier.platform.processing=false",
                                 "tier.platform.floor_price=false")
    plat = plat_of(eco)
    plat.contract_index[:] = 1.0
    eco.market.price_index[0, :] = 0.9
    revenue = sell_output(0, np.full(6, 10_000.0), eco.coops, eco.hh, np.ones(6))  # type: ignore[arg-type]
    assert flows_of(eco, "order_contract_sales") == 6 * to_fen(5_000 * 0.95)
    assert revenue.tolist() == [to_fen(5_000 * 0.95) + to_fen(5_000 * 0.9 * 0.92)] * 6
    assert not plat.reneged.any()
    eco.market.price_index[1, :] = 0.7  # below 0.95 x (1 - 0.2) = 0.76: it reneges, all goes to the market
    revenue = sell_output(1, np.full(6, 10_000.0), eco.coops, eco.hh, np.ones(6))  # type: ignore[arg-type]
    assert plat.reneged.all() and flows_of(eco, "order_contract_sales") == 6 * to_fen(5_000 * 0.95)
    assert revenue.tolist() == [to_fen(10_000 * 0.7 * 0.92)] * 6


def test_the_cadres_capture_a_share_of_the_surplus_before_the_rules_split_it() -> None:
    from coopsim.run import simulate

    on = simulate(run_config("region=tiny", "tier=v1", "years=5", "progress=never", "seed=3"))
    vy = on["village_year"]
    captured, profit = vy["coop_captured_yuan"], vy["coop_profit_yuan"].clip(lower=0)
    assert (captured > 0).any() and (captured <= 0.05 * profit + 0.01).all()
    flows = on["flows"]
    assert flows[flows["kind"] == "coop_elite_capture"]["amount_fen"].sum() == pytest.approx(captured.sum() * 100)
    off = simulate(run_config("region=tiny", "tier=v1", "years=5", "progress=never", "seed=3",
                              "ablate=cooperative.elite_capture"))
    assert (off["village_year"]["coop_captured_yuan"] == 0).all()


def test_bulk_purchase_cuts_the_inputs_price_for_a_procurement_fee() -> None:
    base = economy_at_month_start("tier=v2", *FED_EARLY, "tier.federation.bulk_inputs=false")
    bulk = economy_at_month_start("tier=v2", *FED_EARLY)
    for eco in (base, bulk):
        eco.env.run(until=TICKS)
    inputs = flows_of(base, "coop_inputs")
    assert inputs > 0
    assert flows_of(bulk, "coop_inputs") == pytest.approx(inputs * 0.92, abs=6)
    assert flows_of(bulk, "federation_procurement_fee") == pytest.approx(inputs * 0.02, abs=6)
