"""The village cooperatives' year end (December, phase ``year_end``).

Each cooperative repays its loans (the bank, then its partners' funds), puts
part of its surplus into its partners' joint operations, splits the rest of
its surplus (reserve, guaranteed dividend, members / collective / managers)
and pays it out; then the partners close their own year (joint income,
rebates, rewards), loss-making industries are reviewed, and each village
collective pays its secretary's performance pay and spends on public goods.
The year's accounts are kept on the cooperatives (``year_accounts``) for the
results.
"""

from __future__ import annotations

import numpy as np

from coopsim.households.state import Households
from coopsim.institutions.cooperative import COSTS, INCOME, YTD, VillageCooperatives
from coopsim.money import allocate, segment_sums, split_equally, to_fen
from coopsim.rules.distribution import Distributions, allocate_rows, split_surpluses


def close_year(coops: VillageCooperatives, hh: Households, t: int, rng: np.random.Generator, thin_fen: int,
               performance_share: float, year: int) -> dict[str, np.ndarray]:
    """Close month ``t`` (December of ``year``): state funds into the collective's shares, distribute, let the
    partners close their year, review industries (two uniforms per village from ``rng``), spend on public
    goods, depreciate the collective's non-operating assets. Returns the year's accounts (fen by village), also
    kept as ``coops.year_accounts``."""
    coops.put_funds_into_shares(year)
    accounts = distribute(coops, hh)
    for partner in coops.partners:
        year = partner.close_year(coops, accounts, thin_fen)
        if year.collective_income_fen is not None:
            coops.collective_income_fen += year.collective_income_fen
            accounts["collective_income_fen"] = coops.collective_income_fen
        accounts.update(year.accounts)
        if year.coop_income_fen is not None:  # cash received after this year's distribution: next year's income
            coops.ytd["year_end_income"] += year.coop_income_fen
    u = rng.random((coops.world.n_villages, 2))
    coops.review(t, accounts["coop_profit_fen"], u, coops.land_mu(hh), coops.members_by_village(hh))
    accounts["coop_industry"] = coops.industry.copy()
    coops.year_accounts = accounts
    spend_collective(coops, hh, performance_share)
    return accounts


def distribute(coops: VillageCooperatives, hh: Households) -> dict[str, np.ndarray]:
    """Repay loans, invest in joint operations, split each surplus, pay members,
    the collective, the capable persons and the managers.

    Returns the year's per-village accounts (fen) and starts the next year's.
    """
    led, starts = coops.ledger, coops.world.village_starts
    coops.register_shares(hh)
    costs = np.sum([coops.ytd[k] for k in COSTS], axis=0)
    profit = np.sum([coops.ytd[k] for k in INCOME], axis=0) - costs
    _repay_loans(coops)
    working_capital = costs * coops.cfg.working_capital_months // 12
    surpluses = np.minimum(np.maximum(profit, 0), np.maximum(led.block("cooperative") - working_capital, 0))
    joint = np.zeros(coops.world.n_villages, dtype=np.int64)
    for partner in coops.partners:
        invested = partner.invest_surplus(coops, surpluses)
        if invested is not None:
            surpluses -= invested
            joint += invested
    captured = _elite_capture(coops, hh, surpluses)
    surpluses -= segment_sums(captured, starts)
    law = coops.cfg.distribution.rule == "law"
    # the first part: the guaranteed dividends (village practice) or the refund by transactions (the law)
    to_hh_guaranteed, to_hh_dividend, to_managers, to_collective, to_capable_persons = (
        _shares_out_by_law if law else _shares_out)(coops, hh, surpluses)
    coops.transactions_fen[:] = 0
    led.between_blocks("cooperative", "household", starts, to_hh_guaranteed,
                       "coop_return_by_transactions" if law else "coop_guaranteed_dividend")
    led.between_blocks("cooperative", "household", starts, to_hh_dividend, "coop_dividend")
    led.between_blocks("cooperative", "household", starts, to_managers, "coop_manager_share")
    led.parallel("cooperative", "collective", to_collective, "coop_collective_share")
    led.collect_block("cooperative", "capable_persons", to_capable_persons, "coop_capable_dividend")
    hh.earn("dividends", to_hh_guaranteed + to_hh_dividend)
    hh.earn("wages", to_managers)
    coops.dividends_fen = segment_sums(to_hh_guaranteed + to_hh_dividend, starts)
    coops.collective_income_last_fen = coops.collective_income_fen
    coops.collective_income_fen = to_collective
    accounts = _close_accounts(coops, profit, joint, segment_sums(to_managers, starts))
    accounts["coop_captured_fen"] = segment_sums(captured, starts)
    return accounts


def _elite_capture(coops: VillageCooperatives, hh: Households, surpluses: np.ndarray) -> np.ndarray:
    """The village cadres' households take ``elite_capture_share`` of each positive surplus before it is
    split by the rules, shared equally among them (fen by household)."""
    share = coops.cfg.distribution.elite_capture_share
    if share <= 0:
        return np.zeros(hh.n, dtype=np.int64)
    founded = coops.founded
    taken = np.where(founded, np.floor(share * np.maximum(surpluses, 0)), 0).astype(np.int64)
    to_cadres = split_equally(taken, hh.cadre & founded[hh.village], hh.village)
    coops.ledger.between_blocks("cooperative", "household", coops.world.village_starts, to_cadres,
                                "coop_elite_capture")
    hh.earn("dividends", to_cadres)
    return to_cadres


def _close_accounts(coops: VillageCooperatives, profit: np.ndarray, joint: np.ndarray,
                    managers: np.ndarray) -> dict[str, np.ndarray]:
    """The year's accounts by village (fen); the next year's start at zero."""
    accounts = {f"coop_{k}_fen": coops.ytd[k].copy() for k in YTD}
    accounts["coop_profit_fen"] = profit
    accounts["coop_joint_investment_fen"] = joint
    accounts["coop_dividends_fen"] = coops.dividends_fen
    accounts["coop_managers_fen"] = managers
    accounts["collective_income_fen"] = coops.collective_income_fen
    accounts["coop_unpaid_fen"] = coops.unpaid_fen.copy()
    coops.unpaid_fen[:] = 0
    for k in YTD:
        coops.ytd[k][:] = 0
    return accounts


def _repay_loans(coops: VillageCooperatives) -> None:
    """Repay the bank, then the partners' funds, as far as cash goes."""
    led = coops.ledger
    repay = np.minimum(coops.debt_fen, led.block("cooperative"))
    led.collect_block("cooperative", "bank", repay, "coop_loan_repayment")
    coops.debt_fen -= repay
    for partner in coops.partners:
        back = partner.collect_loans(coops)
        if back is not None:
            coops.fund_debt_fen -= back


def _shares_out(coops: VillageCooperatives, hh: Households,
                surpluses: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split each surplus (:func:`~coopsim.rules.distribution.split_surpluses`), keep
    the reserve, and share out the parts: guaranteed dividends and dividends to
    member households, managers' shares to cadre households (fen by household),
    the collective's and the capable persons' parts (fen by village)."""
    d, founded = coops.cfg.distribution, coops.founded
    cash = coops.ledger.block("cooperative").copy()
    to_hh_dividend = np.zeros(hh.n, dtype=np.int64)
    to_collective = np.zeros(coops.world.n_villages, dtype=np.int64)
    to_capable_persons = np.zeros(coops.world.n_villages, dtype=np.int64)
    guaranteed_fen = int(to_fen(d.guaranteed_dividend_yuan))
    in_coop = hh.coop_member & founded[hh.village]
    reserve = np.minimum(coops.reserve_fen, cash - surpluses)
    split = split_surpluses(np.where(founded, surpluses, 0), reserve, coops.members_by_village(hh), guaranteed_fen,
                            d.accumulation_share, d.members_share, d.collective_share, d.managers_share)
    split = Distributions(*(np.where(founded, x, 0) for x in split))
    drawn = np.maximum(split.guaranteed - (np.maximum(surpluses, 0) - split.accumulation), 0)
    coops.reserve_fen += np.where(founded, split.accumulation - drawn, 0)
    to_collective += split.collective
    _split_dividends(coops, split.dividends, hh, to_hh_dividend, to_collective, to_capable_persons)
    to_hh_guaranteed = split_equally(split.guaranteed, in_coop, hh.village)
    to_managers = split_equally(split.managers, hh.cadre & founded[hh.village], hh.village)
    return to_hh_guaranteed, to_hh_dividend, to_managers, to_collective, to_capable_persons


def _shares_out_by_law(coops: VillageCooperatives, hh: Households,
                       surpluses: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The cooperative law's split: ``accumulation_share`` of each surplus kept as reserve; of the rest
    (the distributable surplus), ``transaction_share`` (>= 60 %) returned to member households in
    proportion to their transactions with the cooperative this year (wages and land rent; by shares
    where nobody traded), the remainder by shares (the collective's, the capable person's and each member
    household's). No guaranteed dividend and no managers' share (their pay is a cost). Returns the same
    five parts as :func:`_shares_out`, the refund by transactions in the place of the guaranteed dividends."""
    d, founded = coops.cfg.distribution, coops.founded
    surplus = np.where(founded, np.maximum(surpluses, 0), 0)
    accumulation = np.floor(d.accumulation_share * surplus).astype(np.int64)
    coops.reserve_fen += accumulation
    parts = allocate_rows(surplus - accumulation, np.array([d.transaction_share, 1.0 - d.transaction_share]))
    to_hh_refund = np.zeros(hh.n, dtype=np.int64)
    by_shares = parts[:, 1].copy()
    for v in np.flatnonzero(parts[:, 0] > 0):
        sl = coops.world.households_of(int(v))
        members = np.flatnonzero(hh.coop_member[sl]) + sl.start
        transactions = coops.transactions_fen[members].astype(np.float64)
        if members.size == 0 or transactions.sum() <= 0:
            by_shares[v] += parts[v, 0]  # nobody traded: all by shares
            continue
        to_hh_refund[members] = allocate(int(parts[v, 0]), transactions)
    to_hh_dividend = np.zeros(hh.n, dtype=np.int64)
    to_collective = np.zeros(coops.world.n_villages, dtype=np.int64)
    to_capable_persons = np.zeros(coops.world.n_villages, dtype=np.int64)
    _split_dividends(coops, by_shares, hh, to_hh_dividend, to_collective, to_capable_persons)
    return to_hh_refund, to_hh_dividend, np.zeros(hh.n, dtype=np.int64), to_collective, to_capable_persons


def _split_dividends(coops: VillageCooperatives, dividends: np.ndarray, hh: Households, to_households: np.ndarray,
                     to_collective: np.ndarray, to_capable_persons: np.ndarray) -> None:
    """Each cooperative's dividends by shares: the collective's, the capable
    person's and each member household's (largest remainder, to the fen)."""
    assert coops.household_fraction is not None
    for v in np.flatnonzero(coops.founded & (dividends > 0)):
        sl = coops.world.households_of(int(v))
        members = np.flatnonzero(hh.coop_member[sl]) + sl.start
        weights = np.concatenate(([coops.collective_fraction[v], coops.capable_fraction[v]],
                                  coops.household_fraction[members]))
        parts = allocate(int(dividends[v]), weights)
        to_collective[v] += parts[0]
        to_capable_persons[v] = parts[1]
        to_households[members] = parts[2:]


def spend_collective(coops: VillageCooperatives, hh: Households, performance_share: float) -> np.ndarray:
    """The collective pays the secretary's performance pay and spends on public goods.

    Performance pay is ``performance_share`` of the growth in collective
    income over last year; then ``collective_spending_share`` of what the
    collective holds goes to village public goods. Returns the pay per household.
    """
    led = coops.ledger
    growth = np.maximum(coops.collective_income_fen - coops.collective_income_last_fen, 0)
    bonus_v = np.minimum(to_fen(performance_share * growth / 100.0), led.block("collective"))
    bonus = np.where(hh.secretary, bonus_v[hh.village], 0)
    led.between_blocks("collective", "household", coops.world.village_starts, bonus, "secretary_performance_pay")
    hh.earn("wages", bonus)
    spend = to_fen(coops.cfg.collective_spending_share * led.block("collective") / 100.0)
    led.collect_block("collective", "market", spend, "collective_public_goods")
    coops.infrastructure_yuan *= 1.0 - coops.cfg.infrastructure_depreciation
    coops.infrastructure_yuan += spend / 100.0
    return bonus
