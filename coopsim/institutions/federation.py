"""Township federations of village cooperatives (tier 2.0, "two contracts, one work").

One account per township. The federation contracts the *front end* (industry
planning, a pooled fund, technology, shared management) and the *back end*
(buying members' output at a price agreed before the season and selling it in
bulk); the village cooperatives do the work. Members invest part of their
surplus in joint operations whose income returns to the villages, weighted
toward weak ones ("strong villages lead weak villages"). A service fee and
overheads mean a badly run federation can fail: once it cannot pay what it
owes its members, it stops all services.

Each mechanism is a boolean lever of :class:`~coopsim.config.FederationConfig`
and reaches the cooperatives through the hooks of
:class:`~coopsim.institutions.base.Partner`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from coopsim.config.tiers import FederationConfig
from coopsim.institutions.base import (
    Cooperatives,
    CostTerms,
    Partner,
    PartnerYear,
    PlanningTerms,
    Sale,
    SalesTerms,
    WorkTerms,
)
from coopsim.money import Ledger, allocate, to_fen
from coopsim.rules.prices import local_price_factor
from coopsim.rules.services import technician_cost_yuan_per_year
from coopsim.world import World

if TYPE_CHECKING:
    from coopsim.markets.commodities import Market


class TownshipFederations(Partner):
    """The township federations of a region, one account per township."""

    block = "federation"
    level_name = "township"
    cfg: FederationConfig

    def __init__(self, cfg: FederationConfig, start_month: int, world: World, market: Market, ledger: Ledger) -> None:
        super().__init__(cfg, start_month, world, market, ledger)
        n = world.n_townships
        self.active = np.zeros(n, dtype=bool)
        self.failed = np.zeros(n, dtype=bool)
        self.agreed_index = np.ones((n, len(market.names)))
        self.debt_fen = np.zeros(n, dtype=np.int64)
        self.fund_capital_fen = np.zeros(n, dtype=np.int64)
        self.joint_capital_fen = np.zeros(n, dtype=np.int64)
        self.purchases_ytd_fen = np.zeros(world.n_villages, dtype=np.int64)
        #: The villages whose output goes through the back-end contract this month.
        self.marketing = np.zeros(world.n_villages, dtype=bool)
        #: A joint committee's one industry for each township's zone (a market index; -1: none chosen).
        self.zone_industry = np.full(n, -1, dtype=np.int64)

    # -- who is served -----------------------------------------------------
    def serving(self, founded: np.ndarray) -> np.ndarray:
        """Villages whose founded cooperative is a member of a working federation."""
        return founded & (self.active & ~self.failed)[self.world.village_township]

    def lever(self, name: str, founded: np.ndarray) -> np.ndarray:
        """Villages served by the federation mechanism ``name`` (a boolean lever)."""
        on = bool(getattr(self.cfg, name))
        return self.serving(founded) & on

    # -- founding and the season's prices -------------------------------------
    def open_month(self, t: int, founded: np.ndarray, rng: np.random.Generator) -> None:
        """Found each township's federation once its date has come and at least ``min_member_villages``
        of its villages have a cooperative to unite; each January, agree the season's prices."""
        due = ~self.active & (self.start_months <= t)
        if due.any():
            members = self.level.totals(founded.astype(np.int64))
            new = due & (members >= self.cfg.min_member_villages)
            if new.any():
                self.start(t, new)
        if self.active.any() and t % 12 == 0:
            self.agree_prices(t, self.active)

    def start(self, t: int, towns: np.ndarray) -> None:
        """Found the federations of ``towns`` (a mask); the state seeds their pooled funds."""
        self.active |= towns
        if self.cfg.one_industry:  # the zone's leading industry: the one with the most land planted there now
            self.zone_industry = np.where(towns, np.argmax(self.market.planted_mu, axis=1), self.zone_industry)
        if self.cfg.fund:
            seed = np.where(towns, int(to_fen(self.cfg.fund_seed_yuan)), 0).astype(np.int64)
            self.ledger.pay_block("state", "federation", seed, "federation_fund_seed")
            self.fund_capital_fen += seed
        self.agree_prices(t, towns)

    def bulk_local_factor(self) -> np.ndarray:
        """(townships, C) price factor of the federation's bulk sales: its township's market or, less
        ``bulk_haulage_share``, the county's wholesale market, whichever pays more. The county's buyers
        absorb only what all its townships' buyers do (its capacity), so selling there pays only where
        the township is glutted and the county is not."""
        m, w = self.market, self.world
        county = w.township_county
        planted = np.zeros((w.n_counties, m.planted_mu.shape[1]))
        capacity = np.zeros_like(planted)
        np.add.at(planted, county, m.planted_mu)
        np.add.at(capacity, county, m.capacity_mu)
        wider = local_price_factor(planted, capacity, m.flexibility[None, :])[county] * (1 - self.cfg.bulk_haulage_share)
        return np.maximum(m.local_factor(), wider)

    def agree_prices(self, t: int, towns: np.ndarray) -> None:
        """Set the season's purchase prices of ``towns`` (in January, or when a federation starts): the last
        year's average price index in its bulk market, less the selling cost of a large lot."""
        recent = self.market.price_index[max(t - 12, 0) : max(t, 1)].mean(axis=0)
        agreed = recent[None, :] * self.bulk_local_factor() * (1 - self.market.selling_margin(np.inf))
        self.agreed_index = np.where(towns[:, None], agreed, self.agreed_index)

    # -- the front-end contract: planning, technology, management, the fund ----
    def planning_terms(self, v: int, terms: PlanningTerms) -> None:
        """A working federation plans its members' industries (no herding, close to
        expected returns) with the whole township's plantings, its bulk market and its technology."""
        town = self.world.village_township[v]
        if not self.active[town] or self.failed[town]:
            return
        cfg = self.cfg
        if cfg.planning:
            terms.herding, terms.temperature = 0.0, cfg.planning_temperature
        if cfg.marketing:
            terms.one_lot, terms.county_haulage = True, cfg.bulk_haulage_share
        if cfg.technology:
            terms.technician_yuan_per_mu = min(terms.technician_yuan_per_mu, terms.shared_technician_yuan_per_mu)

    def zone_industries(self, villages: np.ndarray) -> np.ndarray | None:
        """A working joint committee keeps its zone's villages to the zone's one industry (``one_industry``)."""
        if not self.cfg.one_industry:
            return None
        town = self.world.village_township[villages]
        return np.where(self.active[town] & ~self.failed[town], self.zone_industry[town], -1)

    def work_terms(self, t: int, terms: WorkTerms, founded: np.ndarray) -> None:
        """Technicians shared across the township: each member pays its share, by land, of the
        technicians all members' land needs (at least one per township)."""
        served = self.lever("technology", founded)
        if not served.any():
            return
        land = np.where(served, terms.land_mu, 0.0)
        pool = self.level.totals(land)[self.world.village_township]
        shared = technician_cost_yuan_per_year(land, terms.technician_pay_yuan, terms.mu_per_technician, pool)
        terms.technician_yuan_per_year = np.where(served, shared, terms.technician_yuan_per_year)

    def cost_terms(self, terms: CostTerms, coops: Cooperatives) -> None:
        """Shared accountants keep several members' books (each pays its share of one); bulk purchase cuts
        the inputs' price for a procurement fee; members pay the service fee; the pooled fund lends before
        the bank, at its own rate."""
        founded, cfg = coops.founded, self.cfg
        terms.bookkeeping_yuan_month = np.where(self.lever("management", founded),
                                                terms.bookkeeping_yuan_month / cfg.cooperatives_per_accountant,
                                                terms.bookkeeping_yuan_month)
        terms.service_fee_share = terms.service_fee_share + np.where(self.serving(founded), cfg.service_fee_share, 0.0)
        bulk = self.lever("bulk_inputs", founded)
        terms.input_discount = np.where(bulk, cfg.bulk_input_discount, terms.input_discount)
        terms.procurement_share = np.where(bulk, cfg.procurement_share, terms.procurement_share)
        terms.fund_rate = cfg.fund_rate_annual
        terms.fund_room_fen = self.fund_room_fen(coops.fund_debt_fen, founded)

    def fund_room_fen(self, fund_debt_fen: np.ndarray, founded: np.ndarray) -> np.ndarray:
        """How much more each village may borrow from its federation's fund."""
        served = self.lever("fund", founded)
        lent = self.level.totals(fund_debt_fen)
        free = np.maximum(np.minimum(self.fund_capital_fen - lent, self.ledger.block("federation")), 0)
        per_member = np.maximum(int(to_fen(self.cfg.fund_limit_yuan_per_member)) - fund_debt_fen, 0)
        room = np.where(served, per_member, 0)
        # A township's free fund goes to its members in village order, each taking
        # its full room until the fund runs out: what the members before it asked for
        # (the exclusive prefix sum within the township) decides what is left.
        town = self.world.village_township
        before = np.cumsum(room) - room
        before -= before[self.level.village_starts][town]
        return np.clip(free[town] - before, 0, room)

    def lend(self, coops: Cooperatives, amounts_fen: np.ndarray) -> None:
        self.pay_down(coops, amounts_fen, "federation_fund_loans")

    def collect_costs(self, coops: Cooperatives, costs: dict[str, np.ndarray]) -> None:
        """The service fee and the fund's interest; the interest adds to the fund."""
        self.collect_from(coops, costs["service_fee"], "federation_service_fee")
        self.collect_from(coops, costs["procurement"], "federation_procurement_fee")
        self.collect_from(coops, costs["fund_interest"], "federation_fund_interest")
        self.fund_capital_fen += self.level.totals(costs["fund_interest"])

    # -- the back-end contract: buying at the agreed price, selling in bulk -------
    def sales_terms(self, t: int, terms: SalesTerms, founded: np.ndarray, township: np.ndarray,
                    industry: np.ndarray) -> None:
        """Members' output goes through the federation, at its bulk market's price."""
        self.marketing = self.lever("marketing", founded)
        terms.local = np.where(self.marketing, self.bulk_local_factor()[township, industry], terms.local)
        terms.channel = terms.channel | self.marketing

    def pool_lots(self, lot_yuan: np.ndarray, gross_yuan: np.ndarray, channel: np.ndarray) -> np.ndarray:
        """The members' output is sold as each township's one lot."""
        if not self.marketing.any():
            return lot_yuan
        pooled = self.level.totals(np.where(self.marketing, gross_yuan, 0.0))[self.world.village_township]
        return np.where(self.marketing, pooled, lot_yuan)

    def settle_channel(self, sale: Sale, revenue_fen: np.ndarray, coops: Cooperatives) -> np.ndarray:
        """Sell the members' output in bulk (market, floor payouts, processors pay the
        federation), then pay each member the agreed price, borrowing what cash
        does not cover."""
        via = self.marketing
        if not via.any():
            return revenue_fen
        led = self.ledger
        led.pay_block("market", "federation", self.level.totals(np.where(via, sale.to_market, 0)), "federation_sales")
        led.pay_block("enterprises", "federation", self.level.totals(np.where(via, sale.ordered, 0)),
                      "order_contract_sales")
        led.pay_block("state", "federation", self.level.totals(np.where(via, sale.guaranteed, 0)),
                      "floor_price_payout")
        for partner in coops.partners:
            partner.pay_sellers(self, via)
        town = sale.township
        agreed = np.where(via, to_fen(sale.quantity_ref_yuan * self.agreed_index[town, sale.industry]), 0)
        paid = np.floor(agreed * self.pay_or_borrow(self.level.totals(agreed))[town]).astype(np.int64)
        self.pay_down(coops, paid, "federation_purchases")
        self.purchases_ytd_fen += paid
        return np.where(via, paid, revenue_fen)

    # -- overheads and credit -------------------------------------------------
    def running_costs(self, t: int) -> None:
        self.pay_overhead()

    def pay_overhead(self) -> None:
        """Monthly staff and office costs of every working federation."""
        working = self.active & ~self.failed
        cost = np.where(working, int(to_fen(self.cfg.overhead_yuan_per_year / 12)), 0).astype(np.int64)
        paid = np.floor(cost * self.pay_or_borrow(cost)).astype(np.int64)
        self.ledger.collect_block("federation", "market", paid, "federation_overhead")

    def pay_or_borrow(self, due_fen: np.ndarray) -> np.ndarray:
        """Borrow what cash does not cover, up to the credit limit; return the share payable.

        A federation that cannot pay all it owes is marked failed.
        """
        led = self.ledger
        cash = led.block("federation")
        credit = np.maximum(int(to_fen(self.cfg.credit_limit_yuan)) - self.debt_fen, 0)
        borrow = np.minimum(np.maximum(due_fen - cash, 0), credit)
        led.pay_block("bank", "federation", borrow, "federation_loans")
        self.debt_fen += borrow
        can = cash + borrow
        ratio = np.minimum(np.divide(can, due_fen, out=np.ones(len(due_fen)), where=due_fen > 0), 1.0)
        self.failed |= ratio < 1.0
        return ratio

    # -- the year's end -------------------------------------------------------
    def collect_loans(self, coops: Cooperatives) -> np.ndarray:
        """Members repay the fund as far as their cash goes."""
        back = np.minimum(coops.fund_debt_fen, self.ledger.block("cooperative"))
        self.collect_from(coops, back, "federation_fund_repayment")
        return back

    def invest_surplus(self, coops: Cooperatives, surplus_fen: np.ndarray) -> np.ndarray:
        """Members put ``joint_investment_share`` of their surplus into joint operations."""
        served = self.lever("strong_lead_weak", coops.founded)
        invest = np.where(served, np.floor(np.maximum(surplus_fen, 0) * self.cfg.joint_investment_share), 0)
        invest = invest.astype(np.int64)
        self.collect_from(coops, invest, "joint_investment")
        per_town = self.level.totals(invest)
        self.ledger.collect_block("federation", "market", per_town, "joint_operation_assets")
        self.joint_capital_fen += per_town
        return invest

    def close_year(self, coops: Cooperatives, accounts: dict[str, np.ndarray], thin_fen: int) -> PartnerYear:
        """Joint income goes to the villages' collectives; the surplus is rebated."""
        year = self.year_end(coops.collective_income_last_fen, thin_fen)
        return PartnerYear(year["joint_income"], {"coop_federation_rebate_fen": year["rebate"]}, year["rebate"])

    def year_end(self, collective_income_fen: np.ndarray, thin_fen: int) -> dict[str, np.ndarray]:
        """Repay the bank, earn and return joint-operation income, rebate the surplus.

        Joint income goes to the member villages' collectives, thin villages
        (collective income under ``thin_fen``) weighted ``weak_village_weight``.
        The rest of the federation's cash above its fund capital and half a
        year's overhead is rebated to members in proportion to what it bought
        from them this year. Returns per-village joint income and rebates (fen).
        """
        led, w, cfg = self.ledger, self.world, self.cfg
        working = self.active & ~self.failed
        repay = np.minimum(self.debt_fen, led.block("federation"))
        led.collect_block("federation", "bank", repay, "federation_loan_repayment")
        self.debt_fen -= repay
        town = w.village_township
        joint_v = np.zeros(w.n_villages, dtype=np.int64)
        if cfg.strong_lead_weak:
            income = np.where(working, to_fen(self.joint_capital_fen / 100.0 * cfg.joint_return_annual), 0)
            led.pay_block("market", "federation", np.maximum(income, 0), "joint_operation_income")
            weights = np.where(collective_income_fen < thin_fen, cfg.weak_village_weight, 1.0)
            for tw in np.flatnonzero(income > 0):
                rows = np.flatnonzero(town == tw)
                joint_v[rows] = allocate(int(income[tw]), weights[rows])
            led.between_blocks("federation", "collective", self.level.village_starts, joint_v, "joint_income_return")
        keep = self.fund_capital_fen + int(to_fen(cfg.overhead_yuan_per_year / 2))
        spare = np.where(working, np.maximum(led.block("federation") - keep - self.debt_fen, 0), 0)
        rebate_v = np.zeros(w.n_villages, dtype=np.int64)
        for tw in np.flatnonzero(spare > 0):
            rows = np.flatnonzero(town == tw)
            if self.purchases_ytd_fen[rows].sum() > 0:
                rebate_v[rows] = allocate(int(spare[tw]), self.purchases_ytd_fen[rows])
        led.between_blocks("federation", "cooperative", self.level.village_starts, rebate_v, "federation_rebate")
        self.purchases_ytd_fen[:] = 0
        return {"joint_income": joint_v, "rebate": rebate_v}
