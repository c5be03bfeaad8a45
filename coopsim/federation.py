"""Township federations of village cooperatives (tier 2.0, "two contracts, one work").

One row per township. The federation contracts the *front end* (industry
planning, a pooled fund, technology, shared management) and the *back end*
(buying members' output at a price agreed before the season and selling it in
bulk); the village cooperatives do the work. Members invest part of their
surplus in joint operations whose income returns to the villages, weighted
toward weak ones ("strong villages lead weak villages"). A service fee and
overheads mean a badly run federation can fail: once it cannot pay what it
owes its members, it stops all services.
"""

from __future__ import annotations

import numpy as np

from coopsim.config_tiers import FederationConfig
from coopsim.ledger import Ledger, allocate, segment_sums, to_fen
from coopsim.market import Market
from coopsim.rules.prices import local_price_factor
from coopsim.world import World


class TownshipFederations:
    """The township federations of a region, one row per township."""

    def __init__(self, cfg: FederationConfig, start_month: int, world: World, market: Market,
                 ledger: Ledger) -> None:
        self.cfg, self.world, self.market, self.ledger = cfg, world, market, ledger
        n = world.n_townships
        self.start_month = start_month
        self.active = np.zeros(n, dtype=bool)
        self.failed = np.zeros(n, dtype=bool)
        self.agreed_index = np.ones((n, len(market.names)))
        self.debt_fen = np.zeros(n, dtype=np.int64)
        self.fund_capital_fen = np.zeros(n, dtype=np.int64)
        self.joint_capital_fen = np.zeros(n, dtype=np.int64)
        self.purchases_ytd_fen = np.zeros(world.n_villages, dtype=np.int64)
        self.village_starts = np.flatnonzero(np.diff(np.r_[-1, world.village_township])).astype(np.int64)

    # -- who is served -----------------------------------------------------
    def serving(self, founded: np.ndarray) -> np.ndarray:
        """Villages whose founded cooperative is a member of a working federation."""
        return founded & (self.active & ~self.failed)[self.world.village_township]

    def lever(self, name: str, founded: np.ndarray) -> np.ndarray:
        """Villages served by the federation mechanism ``name`` (a boolean lever)."""
        on = bool(getattr(self.cfg, name))
        return self.serving(founded) & on

    # -- founding and the season's prices -------------------------------------
    def start(self, t: int) -> None:
        """Found every township's federation; the state seeds the pooled fund."""
        self.active[:] = True
        if self.cfg.fund:
            seed = np.full(self.world.n_townships, int(to_fen(self.cfg.fund_seed_yuan)), dtype=np.int64)
            self.ledger.pay_block("state", "federation", seed, "federation_fund_seed")
            self.fund_capital_fen += seed
        self.agree_prices(t)

    def bulk_local_factor(self) -> np.ndarray:
        """(townships, C) price factor for bulk sales that reach ``market_reach`` times further."""
        m = self.market
        return local_price_factor(m.planted_mu, m.capacity_mu * self.cfg.market_reach, m.flexibility[None, :])

    def agree_prices(self, t: int) -> None:
        """Set the season's purchase prices (January): the last year's average
        price index at bulk-market reach, less the bulk selling margin."""
        recent = self.market.price_index[max(t - 12, 0) : max(t, 1)].mean(axis=0)
        self.agreed_index = recent[None, :] * self.bulk_local_factor() * (1 - self.cfg.marketing_margin)

    # -- the pooled fund ------------------------------------------------------
    def fund_room_fen(self, fund_debt_fen: np.ndarray, founded: np.ndarray) -> np.ndarray:
        """How much more each village may borrow from its federation's fund."""
        served = self.lever("fund", founded)
        lent = segment_sums(fund_debt_fen, self.village_starts)
        free = np.maximum(np.minimum(self.fund_capital_fen - lent, self.ledger.block("federation")), 0)
        per_member = np.maximum(int(to_fen(self.cfg.fund_limit_yuan_per_member)) - fund_debt_fen, 0)
        room = np.where(served, per_member, 0)
        # A township's free fund goes to its members in village order, each taking
        # its full room until the fund runs out: what the members before it asked for
        # (the exclusive prefix sum within the township) decides what is left.
        town = self.world.village_township
        before = np.cumsum(room) - room
        before -= before[self.village_starts][town]
        return np.clip(free[town] - before, 0, room)

    # -- the year's end -------------------------------------------------------
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
            led.between_blocks("federation", "collective", self.village_starts, joint_v, "joint_income_return")
        keep = self.fund_capital_fen + int(to_fen(cfg.overhead_yuan_per_year / 2))
        spare = np.where(working, np.maximum(led.block("federation") - keep - self.debt_fen, 0), 0)
        rebate_v = np.zeros(w.n_villages, dtype=np.int64)
        for tw in np.flatnonzero(spare > 0):
            rows = np.flatnonzero(town == tw)
            if self.purchases_ytd_fen[rows].sum() > 0:
                rebate_v[rows] = allocate(int(spare[tw]), self.purchases_ytd_fen[rows])
        led.between_blocks("federation", "cooperative", self.village_starts, rebate_v, "federation_rebate")
        self.purchases_ytd_fen[:] = 0
        return {"joint_income": joint_v, "rebate": rebate_v}

    def invest_joint(self, surplus_fen: np.ndarray, founded: np.ndarray) -> np.ndarray:
        """Members put ``joint_investment_share`` of their surplus into joint operations."""
        served = self.lever("strong_lead_weak", founded)
        invest = np.where(served, np.floor(np.maximum(surplus_fen, 0) * self.cfg.joint_investment_share), 0)
        invest = invest.astype(np.int64)
        led = self.ledger
        led.between_blocks("federation", "cooperative", self.village_starts, invest, "joint_investment",
                           to_members=False)
        per_town = segment_sums(invest, self.village_starts)
        led.collect_block("federation", "market", per_town, "joint_operation_assets")
        self.joint_capital_fen += per_town
        return invest

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
