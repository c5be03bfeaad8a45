"""A month of cooperative operations: hire, produce, sell, pay — with the terms
of whichever partners the tier has (phase ``production``).

The cooperatives' own rules set the neutral terms of each stage; every
partner, in the tier's order, changes them through its hooks
(:class:`~coopsim.institutions.base.Partner`), and settles the money of its
own mechanisms. Output is sold by the cooperative itself (at its own margin,
into its township's market) or through a partner's back-end contract (a
federation buying at the price agreed before the season); processors buy part
of it, and the state pays the gap below a guaranteed (floor) price.
"""

from __future__ import annotations

import numpy as np

from coopsim.households.pay import HouseholdPay
from coopsim.households.state import MAX_WORKERS, Households
from coopsim.institutions.base import CostTerms, Sale, SalesTerms, WorkTerms
from coopsim.institutions.cooperative import VillageCooperatives
from coopsim.money import to_fen
from coopsim.rules.services import bookkeeping_yuan_per_year, extension_pays, technician_cost_yuan_per_year


def operate(t: int, coops: VillageCooperatives, hh: Households, days_per_worker: float) -> HouseholdPay:
    """Hire, produce, sell and pay for month ``t``; publish and return what the
    households are owed (they collect it in their own step)."""
    cfg, m = coops.cfg, coops.market
    founded = coops.founded
    farming = founded & (cfg.business_mode == "farm")  # contracting out: an outside grower farms the land
    land = coops.land_mu(hh)
    ind = np.maximum(coops.industry, 0)
    producing = farming & (t >= coops.planted_month + m.months_to_first_harvest[ind])
    work = work_terms(t, coops, land)
    extension = farming & extension_pays(cfg.extension_yield_gain, land * m.revenue_per_mu[ind],
                                         work.technician_yuan_per_year)
    trusted_mu, trusted_days = coops.trusted_by_village(hh)  # last month's trusteeship
    crop_days = np.where(farming, land * m.labour_days_per_mu[ind] / 12.0, 0.0)
    demand_days = crop_days + work.project_labour_yuan / max(cfg.day_wage_yuan, 1e-9) + trusted_days
    counts, days, fill, village_days = hire(coops, hh, demand_days, days_per_worker)
    uplift = np.where(extension, cfg.extension_yield_gain, 0.0)
    quantity_ref = np.where(producing, land * m.revenue_per_mu[ind] * m.harvest[t % 12, ind] * m.yield_index[t]
                            * (1 + uplift) * fill, 0.0)
    revenue = sell_output(t, quantity_ref, coops, hh, coops.members_by_village(hh))
    public = to_fen(work.project_yuan)
    coops.ledger.pay_block("state", "cooperative", public, "public_projects")
    coops.infrastructure_yuan += work.project_yuan  # the village's roads, water works, halls: the collective's
    revenue = revenue + outside_contracts(coops, work) + contract_out_rent(coops, founded & ~farming, land)
    terms = cost_terms(coops)
    costs = month_costs(t, coops, np.where(farming, land, 0.0), fill, revenue, work, terms)
    costs["extension"] = to_fen(np.where(extension, work.technician_yuan_per_year / 12.0, 0.0))
    costs["machines"] = to_fen(trusted_mu * cfg.machine_yuan_per_mu / 12.0)
    wages = to_fen(days * cfg.day_wage_yuan)
    pay = HouseholdPay(counts, days, wages, (counts * wages).sum(axis=1), np.ones(coops.world.n_villages),
                       coops.rent_by_village(hh))
    limit = to_fen(cfg.credit_limit_yuan * terms.credit_limit_factor)
    costs, pay = pay_within_means(coops, costs, pay, limit, terms.fund_room_fen, hh)
    pay_costs(coops, costs)
    coops.book_month(revenue, public, costs, pay.wages_by_village, pay.rent_by_village)
    coops.month_wage_days = village_days
    coops.household_pay = pay
    return pay


def contract_out_rent(coops: VillageCooperatives, leased: np.ndarray, land_mu: np.ndarray) -> np.ndarray:
    """What outside growers pay this month for the land of the cooperatives that contract it out (fen per
    village): they farm the cooperative's industry themselves, at their own cost and risk."""
    rent = to_fen(np.where(leased, land_mu * coops.cfg.contract_out_rent_yuan_per_mu / 12.0, 0.0))
    coops.ledger.pay_block("enterprises", "cooperative", rent, "contract_out_rent")
    return rent


def outside_contracts(coops: VillageCooperatives, work: WorkTerms) -> np.ndarray:
    """What the labour export teams' outside contracts pay the cooperatives this month (fen per village):
    the public part (road upkeep, greening) by the state, the rest by outside clients."""
    total = to_fen(np.broadcast_to(work.contract_yuan, coops.founded.shape))
    public = np.minimum(to_fen(np.broadcast_to(work.contract_public_yuan, coops.founded.shape)), total)
    coops.ledger.pay_block("state", "cooperative", public, "export_contracts_public")
    coops.ledger.pay_block("market", "cooperative", total - public, "export_contracts")
    return total


def work_terms(t: int, coops: VillageCooperatives, land_mu: np.ndarray) -> WorkTerms:
    """The month's work beyond the cooperatives' own crops, and what extension would cost each
    (technicians of its own, or shared through a partner)."""
    n, cfg = coops.world.n_villages, coops.cfg
    alone = technician_cost_yuan_per_year(land_mu, cfg.technician_yuan_per_year, cfg.mu_per_technician)
    terms = WorkTerms(np.zeros(n), np.zeros(n), np.zeros(n), land_mu, alone if cfg.extension else np.full(n, np.inf),
                      cfg.technician_yuan_per_year, cfg.mu_per_technician)
    for partner in coops.partners:
        partner.work_terms(t, terms, coops.founded)
    return terms


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


def sell_output(t: int, quantity_ref: np.ndarray, coops: VillageCooperatives, hh: Households,
                members: np.ndarray) -> np.ndarray:
    """Sell this month's output; return each cooperative's sales revenue (fen).

    ``quantity_ref`` is the output per village valued at reference prices;
    ``members``: the member households of each cooperative.
    """
    sale = price_sale(t, quantity_ref, coops, members)
    led, own = coops.ledger, ~sale.channel
    led.pay_block("market", "cooperative", np.where(own, sale.to_market, 0), "coop_sales")
    led.pay_block("enterprises", "cooperative", np.where(own, sale.ordered, 0), "order_contract_sales")
    led.pay_block("state", "cooperative", np.where(own, sale.guaranteed, 0), "floor_price_payout")
    revenue = np.where(own, sale.value + sale.guaranteed, 0)
    for partner in coops.partners:
        partner.pay_sellers(coops, own)
    for partner in coops.partners:
        revenue = partner.settle_channel(sale, revenue, coops)
    for partner in coops.partners:
        paid = partner.after_sales(sale, hh, coops.cfg.day_wage_yuan)
        if paid is not None:
            revenue = revenue + paid
    return revenue


def price_sale(t: int, quantity_ref: np.ndarray, coops: VillageCooperatives, members: np.ndarray) -> Sale:
    """Price the month's output under the partners' sales terms: what it sells
    for, what processors buy, what goes to the market, and the guarantee payouts.

    Selling costs follow the lot (:meth:`~coopsim.markets.commodities.Market.selling_margin`): a
    cooperative that markets sells its output as one lot, otherwise each of its ``members`` sells
    his part apart; a partner's channel may pool lots further.
    """
    m, w, cfg, founded = coops.market, coops.world, coops.cfg, coops.founded
    n = w.n_villages
    town, ind = w.village_township, np.maximum(coops.industry, 0)
    lots = np.ones(n) if cfg.marketing else np.maximum(members, 1).astype(np.float64)
    terms = SalesTerms(m.local_factor()[town, ind], lots, np.zeros(n), np.ones(n), np.zeros(n, dtype=bool))
    for partner in coops.partners:
        partner.sales_terms(t, terms, founded, town, ind)
    realised = m.price_index[t, ind] * terms.local * terms.premium  # the buyers' price relative to the reference
    contracted, ordered = np.zeros(n), np.zeros(n, dtype=np.int64)
    for partner in coops.partners:
        order = partner.order_terms(t, realised, founded, ind)
        if order is not None:  # the enterprise collects at the village: no selling cost
            contracted = contracted + order.share
            ordered = ordered + to_fen(quantity_ref * order.share * order.price_index)
    on_market = quantity_ref * (1 - contracted)
    gross = on_market * realised
    lot = gross / terms.lots
    for partner in coops.partners:
        lot = partner.pool_lots(lot, gross, terms.channel)
    sold = to_fen(gross * (1 - m.selling_margin(lot) - terms.fee_share))
    processed = np.zeros(n, dtype=np.int64)
    guaranteed = np.zeros(n, dtype=np.int64)
    for partner in coops.partners:
        bought = partner.buy_for_processing(sold, founded)
        if bought is not None:
            processed = processed + bought
        payout = partner.guarantee(on_market, realised, founded, ind)
        if payout is not None:
            guaranteed = guaranteed + payout
    return Sale(t, town, ind, quantity_ref, realised, sold + ordered, processed, sold - processed, guaranteed,
                terms.channel, ordered)


def cost_terms(coops: VillageCooperatives) -> CostTerms:
    """The cooperatives' management share, fees, credit and fund terms this month."""
    cfg, n = coops.cfg, coops.world.n_villages
    books = np.full(n, bookkeeping_yuan_per_year(cfg.bookkeeping_yuan_per_year) / 12)
    terms = CostTerms(cfg.management_cost_share, books, 0.0, 0.0, 0.0, cfg.loan_rate_annual,
                      np.full(n, cfg.loan_rate_annual), np.ones(n), 0.0, np.zeros(n, dtype=np.int64))
    for partner in coops.partners:
        partner.cost_terms(terms, coops)
    return terms


def month_costs(t: int, coops: VillageCooperatives, land: np.ndarray, fill: np.ndarray, revenue: np.ndarray,
                work: WorkTerms, terms: CostTerms) -> dict[str, np.ndarray]:
    """The month's costs of every cooperative (fen), before they are paid."""
    m, founded, ind = coops.market, coops.founded, np.maximum(coops.industry, 0)
    return {
        "inputs": np.where(founded, to_fen(land * m.input_yuan_per_mu(t)[ind] * fill * (1 - terms.input_discount)), 0),
        "procurement": np.where(founded, to_fen(land * m.input_yuan_per_mu(t)[ind] * fill * terms.procurement_share), 0),
        "management": np.where(founded, to_fen(np.maximum(terms.management_share, 0.0) * revenue / 100.0
                                               + terms.bookkeeping_yuan_month), 0),
        "service_fee": to_fen(terms.service_fee_share * revenue / 100.0),
        "materials": to_fen(work.project_materials_yuan),
        "interest": to_fen(coops.debt_fen / 100.0 * terms.loan_rate / 12.0),
        "fund_interest": to_fen(coops.fund_debt_fen / 100.0 * terms.fund_rate / 12.0),
    }


def pay_within_means(coops: VillageCooperatives, costs: dict[str, np.ndarray], pay: HouseholdPay,
                     limit_fen: np.ndarray, fund_room_fen: np.ndarray,
                     hh: Households) -> tuple[dict[str, np.ndarray], HouseholdPay]:
    """Borrow what cash does not cover (a partner's fund first, then the bank
    up to ``limit_fen``); beyond that, pay everything pro rata.

    Returns the amounts that will actually be paid.
    """
    outgoing = sum(costs.values()) + pay.wages_by_village + pay.rent_by_village
    cash = coops.ledger.block("cooperative")
    bank_room = np.maximum(limit_fen - coops.debt_fen, 0)
    ratio = np.minimum(np.divide(cash + fund_room_fen + bank_room, outgoing, out=np.ones(len(outgoing)),
                                 where=outgoing > 0), 1.0)
    if (ratio < 1).any():
        costs, pay = _scale_down(coops, costs, pay, ratio, hh)
        paid = sum(costs.values()) + pay.wages_by_village + pay.rent_by_village
        coops.unpaid_fen += outgoing - paid
        outgoing = paid
    short = np.maximum(outgoing - cash, 0)
    from_fund = np.minimum(short, fund_room_fen)
    if from_fund.any():
        for partner in coops.partners:
            partner.lend(coops, from_fund)
        coops.fund_debt_fen += from_fund
    from_bank = short - from_fund
    coops.ledger.pay_block("bank", "cooperative", from_bank, "coop_loans")
    coops.debt_fen += from_bank
    return costs, pay


def _scale_down(coops: VillageCooperatives, costs: dict[str, np.ndarray], pay: HouseholdPay, ratio: np.ndarray,
                hh: Households) -> tuple[dict[str, np.ndarray], HouseholdPay]:
    """Costs, wages and rent of the cooperatives that cannot pay in full, cut to ``ratio``."""
    costs = {k: np.floor(x * ratio).astype(np.int64) for k, x in costs.items()}
    wages = np.floor(pay.wages * ratio[:, None]).astype(np.int64)
    scaled = pay._replace(ratio=ratio)
    short_hh = np.flatnonzero((ratio < 1)[hh.village])
    cut = coops.rent_fen[short_hh] - scaled.rent_of(coops.rent_fen[short_hh], hh.village[short_hh])
    rent = pay.rent_by_village - np.bincount(hh.village[short_hh], weights=cut, minlength=len(ratio)).astype(np.int64)
    return costs, scaled._replace(wages=wages, wages_by_village=(pay.members_at_home * wages).sum(axis=1),
                                  rent_by_village=rent)


def pay_costs(coops: VillageCooperatives, costs: dict[str, np.ndarray]) -> None:
    """The cooperatives pay the market and the bank; the partners collect their
    fees and fund interest and pay what they subsidise."""
    led = coops.ledger
    led.collect_block("cooperative", "market", costs["inputs"], "coop_inputs")
    led.collect_block("cooperative", "market", costs["management"], "coop_management")
    led.collect_block("cooperative", "market", costs["extension"], "coop_extension")
    led.collect_block("cooperative", "market", costs["machines"], "trusteeship_machines")
    led.collect_block("cooperative", "market", costs["materials"], "project_materials")
    led.collect_block("cooperative", "bank", costs["interest"], "coop_interest")
    for partner in coops.partners:
        partner.collect_costs(coops, costs)
