"""A month of cooperative operations: hire, produce, sell, pay — with the
federation's and the platform's mechanisms where a tier has them.

Sales go through one of two channels: the cooperative sells by itself (at its
own margin, into its township's market) or, under the federation's back-end
contract, the federation buys at the price agreed before the season and sells
in bulk. Under the platform, part of what is sold is processed by the
platform, a brand premium is earned, and a floor price is paid by the state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from coopsim.cooperative import HouseholdPay
from coopsim.households import MAX_WORKERS, Households
from coopsim.ledger import segment_sums, to_fen
from coopsim.platform import floor_payout_yuan

if TYPE_CHECKING:
    from coopsim.cooperative import VillageCooperatives
    from coopsim.federation import TownshipFederations
    from coopsim.platform import CountyPlatforms


def _none(n: int) -> np.ndarray:
    return np.zeros(n, dtype=bool)


def sell_output(t: int, quantity_ref: np.ndarray, coops: VillageCooperatives, hh: Households,
                fed: TownshipFederations | None, plat: CountyPlatforms | None) -> np.ndarray:
    """Sell this month's output; return each cooperative's sales revenue (fen).

    ``quantity_ref`` is the output per village valued at reference prices.
    """
    m, w, led, cfg = coops.market, coops.world, coops.ledger, coops.cfg
    n = w.n_villages
    town, ind = w.village_township, np.maximum(coops.industry, 0)
    index = m.price_index[t, ind]
    via_fed = fed.lever("marketing", coops.founded) if fed is not None else _none(n)
    brand = plat.lever("brand", coops.founded) if plat is not None else _none(n)
    premium = np.where(brand, 1 + plat.cfg.brand_premium, 1.0) if plat is not None else np.ones(n)
    local = m.local_factor()[town, ind]
    if fed is not None:
        local = np.where(via_fed, fed.bulk_local_factor()[town, ind], local)
    realised = index * local * premium  # the buyers' price relative to the reference price
    margin = np.where(via_fed, fed.cfg.marketing_margin if fed is not None else 0.0, cfg.sales_margin)
    value = to_fen(quantity_ref * realised * (1 - margin))
    processed = plat.lever("processing", coops.founded) if plat is not None else _none(n)
    to_platform = np.where(processed, np.floor(value * plat.cfg.processing_share), 0).astype(np.int64) \
        if plat is not None else np.zeros(n, dtype=np.int64)
    to_market = value - to_platform
    floor = plat.lever("floor_price", coops.founded) if plat is not None else _none(n)
    payout = np.where(floor, to_fen(floor_payout_yuan(quantity_ref, realised, plat.cfg.floor_share)), 0) \
        if plat is not None else np.zeros(n, dtype=np.int64)

    own = ~via_fed
    led.pay_block("market", "cooperative", np.where(own, to_market, 0), "coop_sales")
    led.pay_block("state", "cooperative", np.where(own, payout, 0), "floor_price_payout")
    revenue = np.where(own, value + payout, 0)
    if plat is not None:
        bought = to_platform
        led.between_blocks("platform", "cooperative", plat.village_starts, np.where(own, bought, 0),
                           "platform_purchases")
    if fed is not None and via_fed.any():
        starts = fed.village_starts
        fed_market = segment_sums(np.where(via_fed, to_market, 0), starts)
        led.pay_block("market", "federation", fed_market, "federation_sales")
        led.pay_block("state", "federation", segment_sums(np.where(via_fed, payout, 0), starts), "floor_price_payout")
        if plat is not None:
            _platform_buys_from_federations(plat, fed, np.where(via_fed, to_platform, 0))
        agreed = np.where(via_fed, to_fen(quantity_ref * fed.agreed_index[town, ind]), 0)
        paid = np.floor(agreed * fed.pay_or_borrow(segment_sums(agreed, starts))[town]).astype(np.int64)
        led.between_blocks("federation", "cooperative", starts, paid, "federation_purchases")
        fed.purchases_ytd_fen += paid
        revenue = np.where(via_fed, paid, revenue)
    if plat is not None:
        plat.wage_per_worker_fen[:] = 0
        if to_platform.any():
            plat.process(to_platform, hh, cfg.day_wage_yuan)
    return revenue


def _platform_buys_from_federations(plat: CountyPlatforms, fed: TownshipFederations, per_village: np.ndarray) -> None:
    """The platform pays each federation for the processed share of what it sells."""
    per_town = segment_sums(per_village, fed.village_starts)
    county_starts = np.searchsorted(plat.world.township_county, np.arange(plat.world.n_counties))
    plat.ledger.between_blocks("platform", "federation", county_starts, per_town, "platform_purchases")


def hire(coops: VillageCooperatives, hh: Households, demand_days: np.ndarray,
         days_per_worker: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fill each cooperative's labour demand from its members' workers at home.

    Every member worker at home offers ``days_per_worker``; a cooperative
    takes the same share of every offer. Returns the member households by
    village and workers at home (0..MAX_WORKERS), the days worked by such a
    household (both (villages, MAX_WORKERS + 1)), the share of demand filled
    and the days worked per village.
    """
    w, levels = coops.world, MAX_WORKERS + 1
    key = (hh.village.astype(np.int64) * levels + hh.at_home())[hh.coop_member]
    counts = np.bincount(key, minlength=w.n_villages * levels).reshape(w.n_villages, levels)
    offered = np.arange(levels) * days_per_worker
    supply = counts @ offered
    take = np.minimum(np.divide(demand_days, supply, out=np.zeros_like(supply), where=supply > 0), 1.0)
    fill = np.divide(np.minimum(supply, demand_days), demand_days, out=np.ones_like(supply), where=demand_days > 0)
    return counts, offered[None, :] * take[:, None], fill, supply * take


def _month_costs(t: int, coops: VillageCooperatives, land: np.ndarray, fill: np.ndarray, revenue: np.ndarray,
                 project: np.ndarray, fed: TownshipFederations | None, plat: CountyPlatforms | None
                 ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """The month's costs of every cooperative (fen), whether it borrows at the
    platform's cheaper rate, and the state's interest subsidy to the bank."""
    cfg, m, founded = coops.cfg, coops.market, coops.founded
    n, ind = len(founded), np.maximum(coops.industry, 0)
    materials = to_fen(project * (1 - plat.cfg.project_labour_share - plat.cfg.project_margin_share)) \
        if plat is not None else np.zeros(n, dtype=np.int64)
    mgmt_share = cfg.management_cost_share - (np.where(fed.lever("management", founded), fed.cfg.management_cost_saving,
                                                       0.0) if fed is not None else 0.0)
    costs = {
        "inputs": np.where(founded, to_fen(land * m.input_yuan_per_mu(t)[ind] * fill), 0),
        "management": np.where(founded, to_fen(np.maximum(mgmt_share, 0.0) * revenue / 100.0), 0),
        "service_fee": to_fen(np.where(fed.serving(founded), fed.cfg.service_fee_share, 0.0) * revenue / 100.0)
        if fed is not None else np.zeros(n, dtype=np.int64),
        "materials": materials,
    }
    cheap = plat.lever("credit", founded) if plat is not None else np.zeros(n, dtype=bool)
    rate = np.where(cheap, plat.cfg.credit_rate_annual if plat is not None else 0.0, cfg.loan_rate_annual)
    costs["interest"] = to_fen(coops.debt_fen / 100.0 * rate / 12.0)
    subsidy = to_fen(coops.debt_fen / 100.0 * np.maximum(cfg.loan_rate_annual - rate, 0.0) / 12.0)
    fund_rate = fed.cfg.fund_rate_annual if fed is not None else 0.0
    costs["fund_interest"] = to_fen(coops.fund_debt_fen / 100.0 * fund_rate / 12.0)
    return costs, cheap, subsidy


def _pay_costs(coops: VillageCooperatives, costs: dict[str, np.ndarray], subsidy: np.ndarray,
               fed: TownshipFederations | None, plat: CountyPlatforms | None) -> None:
    """The cooperatives pay the market, the bank and their federation; the state subsidises credit."""
    led = coops.ledger
    led.collect_block("cooperative", "market", costs["inputs"], "coop_inputs")
    led.collect_block("cooperative", "market", costs["management"], "coop_management")
    led.collect_block("cooperative", "market", costs["materials"], "project_materials")
    led.collect_block("cooperative", "bank", costs["interest"], "coop_interest")
    if fed is not None:
        led.between_blocks("federation", "cooperative", fed.village_starts, costs["service_fee"],
                           "federation_service_fee", to_members=False)
        led.between_blocks("federation", "cooperative", fed.village_starts, costs["fund_interest"],
                           "federation_fund_interest", to_members=False)
        fed.fund_capital_fen += segment_sums(costs["fund_interest"], fed.village_starts)
    if plat is not None:
        led.pay("state", "bank", int(subsidy.sum()), "credit_interest_subsidy")


def operate(t: int, coops: VillageCooperatives, hh: Households, days_per_worker: float,
            fed: TownshipFederations | None = None, plat: CountyPlatforms | None = None) -> HouseholdPay:
    """Hire, produce, sell and pay for month ``t``; return what the households are owed
    (they collect it in their own step)."""
    cfg, m, w, led = coops.cfg, coops.market, coops.world, coops.ledger
    n = w.n_villages
    founded = coops.founded
    land = coops.land_mu(hh)
    ind = np.maximum(coops.industry, 0)
    producing = founded & (t >= coops.planted_month + m.months_to_first_harvest[ind])
    project = plat.project_month_yuan * founded if plat is not None else np.zeros(n)
    project_labour = project * (plat.cfg.project_labour_share if plat is not None else 0.0)
    demand_days = land * m.labour_days_per_mu[ind] / 12.0 + project_labour / max(cfg.day_wage_yuan, 1e-9)
    counts, days, fill, village_days = hire(coops, hh, demand_days, days_per_worker)

    uplift: float | np.ndarray = cfg.scale_yield_uplift
    if fed is not None:
        uplift = uplift + np.where(fed.lever("technology", founded), fed.cfg.technology_yield_uplift, 0.0)
    quantity_ref = np.where(producing, land * m.revenue_per_mu[ind] * m.harvest[t % 12, ind] * (1 + uplift) * fill, 0.0)
    revenue = sell_output(t, quantity_ref, coops, hh, fed, plat)

    public = to_fen(project)
    led.pay_block("state", "cooperative", public, "public_projects")
    costs, cheap, subsidy = _month_costs(t, coops, land, fill, revenue, project, fed, plat)
    wages = to_fen(days * cfg.day_wage_yuan)
    pay = HouseholdPay(counts, days, wages, (counts * wages).sum(axis=1), np.ones(n),
                       coops.rent_by_village(hh))
    limit = to_fen(cfg.credit_limit_yuan * np.where(cheap, plat.cfg.credit_limit_multiplier if plat else 1.0, 1.0))
    fund_room = fed.fund_room_fen(coops.fund_debt_fen, founded) if fed is not None else np.zeros(n, dtype=np.int64)
    costs, pay = coops.pay_within_means(costs, pay, limit, fund_room, hh)
    _pay_costs(coops, costs, subsidy, fed, plat)
    coops.book_month(revenue, public, costs, pay.wages_by_village, pay.rent_by_village)
    coops.month_wage_days = village_days
    return pay
