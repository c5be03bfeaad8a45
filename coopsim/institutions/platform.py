"""County state-owned platform companies (tier 3.0).

One account per county. The platform allies the rural collective economy with the
county's state economy: order contracts with floor prices ("double binding"),
processing and a county brand, cheaper credit, and outside contracts for the
villages' labour export teams. (Public projects and the prefecture's reward
fund apply to every cooperative: :mod:`coopsim.institutions.government`.) Every
public yuan is a ledger flow from the ``state`` account, and the platform's
losses are covered by the state, so the fiscal cost is in the results.

Each mechanism is a boolean lever of :class:`~coopsim.config.PlatformConfig`
and reaches the cooperatives and the households through the hooks of
:class:`~coopsim.institutions.base.Partner`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from coopsim.config.tiers import ContractsConfig, PlatformConfig
from coopsim.institutions.base import (
    Accounts,
    Cooperatives,
    CostTerms,
    OrderTerms,
    Partner,
    Sale,
    SalesTerms,
    WorkTerms,
)
from coopsim.money import Ledger, to_fen
from coopsim.world import World

if TYPE_CHECKING:
    from coopsim.households.state import Households
    from coopsim.markets.commodities import Market


def floor_payout_yuan(quantity_ref_yuan: np.ndarray, realised_index: np.ndarray,
                      floor_index: float | np.ndarray) -> np.ndarray:
    """Floor-price payout: the gap below the floor times the quantity.

    Prices are relative to the commodity's reference price: ``quantity_ref_yuan``
    is the quantity sold valued at the reference price, ``floor_index`` the
    floor and ``realised_index`` the price obtained, so quantity x (floor price
    - realised price) = quantity_ref x (floor_index - realised_index).

    >>> floor_payout_yuan(np.array([1000.0, 1000.0]), np.array([0.6, 1.1]), 0.85).round(6).tolist()
    [250.0, 0.0]
    """
    return np.asarray(quantity_ref_yuan) * np.maximum(np.asarray(floor_index) - np.asarray(realised_index), 0.0)


class ContractPartner(Partner):
    """A partner that binds the cooperatives with order contracts ("double binding") and processes part of what
    they sell, one account per county: the county platform (3.0) and the leading enterprises of Longling's and
    Songtao's designs. What each adds (the state's floor, brand, credit and contracts; the owners' margin) is its
    own class's."""

    level_name = "county"
    cfg: ContractsConfig

    def __init__(self, cfg: ContractsConfig, start_month: int, world: World, market: Market, ledger: Ledger) -> None:
        super().__init__(cfg, start_month, world, market, ledger)
        self.active = np.zeros(world.n_counties, dtype=bool)
        self.village_county = self.level.of_village
        self.household_starts = world.village_starts[self.level.village_starts]  # first household row of each county
        #: This month's processing wage per worker at home, by county (fen).
        self.wage_per_worker_fen = np.zeros(world.n_counties, dtype=np.int64)
        #: What it bought this month to process, by village (fen).
        self.bought_fen = np.zeros(world.n_villages, dtype=np.int64)
        #: Each county's price of each commodity, relative to its reference, that this year's order contracts are
        #: written against: the mean of the twelve months before (set each January and when it starts there).
        self.contract_index = np.ones((world.n_counties, len(market.names)))
        #: The villages whose enterprise reneged on its order contract this month.
        self.reneged = np.zeros(world.n_villages, dtype=bool)
        #: Who it bought from this month, and how much (paid the second payout once the output is processed).
        self._sellers: list[tuple[Accounts, np.ndarray]] = []

    # -- order contracts and processing ------------------------------------------------
    def lever(self, name: str, founded: np.ndarray) -> np.ndarray:
        """Villages reached by mechanism ``name`` (a boolean lever of its config)."""
        return founded & self.active[self.village_county] & bool(getattr(self.cfg, name))

    def open_month(self, t: int, founded: np.ndarray, rng: np.random.Generator) -> None:
        """Start in each county on its date; write the year's order contracts there and each January."""
        new = ~self.active & (self.start_months == t)
        self.active |= new
        due = new | (self.active if t % 12 == 0 else False)
        if np.any(due):
            self.write_contracts(t, due)

    def write_contracts(self, t: int, counties: np.ndarray) -> None:
        """Write this year's order contracts in ``counties`` (a mask) against the prices of the twelve months
        before (so the floor follows the prices farmers actually see, trend and all)."""
        recent = self.market.price_index[max(t - 12, 0): max(t, 1)].mean(axis=0)
        self.contract_index = np.where(counties[:, None], recent[None, :], self.contract_index)

    def order_terms(self, t: int, realised: np.ndarray, founded: np.ndarray, industry: np.ndarray) -> OrderTerms:
        """Double binding: the leading enterprises it brings in take ``order_share`` of contracted villages'
        output at ``order_price_share`` of the price the year's contract is written against — and renege,
        leaving it to the market, in a month when the market is more than ``renege_gap`` below that price."""
        cfg = self.cfg
        contract = self.contract_index[self.village_county, industry] * cfg.order_price_share
        keeps = realised >= contract * (1 - cfg.renege_gap)
        bound = self.lever("order_contracts", founded)
        self.reneged = bound & ~keeps
        return OrderTerms(np.where(bound & keeps, cfg.order_share, 0.0), contract)

    def buy_for_processing(self, value_fen: np.ndarray, founded: np.ndarray) -> np.ndarray:
        """It buys ``processing_share`` of what contracted villages sell."""
        processed = self.lever("processing", founded)
        self.bought_fen = np.where(processed, np.floor(value_fen * self.cfg.processing_share), 0).astype(np.int64)
        return self.bought_fen

    def second_payout_rate(self, day_wage_yuan: float) -> float:
        """What the contract pays back per yuan bought, once processed: ``processing_rebate_share`` of the
        processing margin expected on it (value added less processing costs and wages), never negative."""
        cfg = self.cfg
        margin = cfg.processing_value_added - cfg.processing_cost_share \
            - cfg.processing_days_per_10k_yuan * day_wage_yuan / 10_000
        return cfg.processing_rebate_share * max(margin, 0.0)

    def pay_sellers(self, seller: Accounts, mask: np.ndarray) -> None:
        """Pay for what it bought to process (the second payout on it follows the processing)."""
        bought = seller.level.totals(np.where(mask, self.bought_fen, 0))
        self.pay_down(seller, bought, f"{self.block}_purchases")
        self._sellers.append((seller, bought))

    def after_sales(self, sale: Sale, hh: Households, day_wage_yuan: float) -> np.ndarray | None:
        """Process what it bought; pay the sellers the contract's second payout on it. Returns what the
        cooperatives were paid (fen by village; a federation's share reaches them through its rebate)."""
        self.wage_per_worker_fen[:] = 0
        if self.bought_fen.any():
            self.process(self.bought_fen, hh, day_wage_yuan)
        rate = self.second_payout_rate(day_wage_yuan)
        to_coops = None
        for seller, bought in self._sellers:
            payout = np.floor(bought * rate).astype(np.int64)
            if rate > 0 and bought.any():
                self.pay_down(seller, payout, "processing_second_payout")
            if seller.block == "cooperative":
                to_coops = payout
        self._sellers = []
        return to_coops

    def process(self, bought_fen: np.ndarray, hh: Households, day_wage_yuan: float) -> int:
        """Sell processed output with value added; set this month's processing wages.

        ``bought_fen`` is what the platform paid sellers this month, per
        village. Wages (``processing_days_per_10k_yuan`` per 10,000 yuan
        processed, at ``day_wage_yuan``) go equally to each county's workers at
        home: :attr:`wage_per_worker_fen` each (whole fen; the last fraction of
        a fen per worker stays with the platform). The households collect them
        in their own step. Returns the wages owed (fen).
        """
        led, cfg = self.ledger, self.cfg
        per_county = self.level.totals(bought_fen)
        sales = to_fen(per_county / 100.0 * (1 + cfg.processing_value_added))
        led.pay_block("market", self.block, sales, "processed_sales")
        led.collect_block(self.block, "market", to_fen(per_county / 100.0 * cfg.processing_cost_share),
                          "processing_costs")
        wage_total = to_fen(per_county / 100.0 / 10_000 * cfg.processing_days_per_10k_yuan * day_wage_yuan)
        workers = np.add.reduceat(hh.home_workers, self.household_starts)
        self.wage_per_worker_fen = wage_total // np.maximum(workers, 1)
        return int((self.wage_per_worker_fen * workers).sum())

    def pay_workers_at_home(self, rows: slice, home_workers: np.ndarray, county: np.ndarray) -> np.ndarray | None:
        """Workers at home collect this month's processing wages (the same per worker in a county)."""
        if not self.wage_per_worker_fen.any():
            return None
        wages = home_workers * self.wage_per_worker_fen[county]
        starts = np.flatnonzero(np.diff(county, prepend=-1))
        self.ledger.groups_pay_rows(self.block, county[starts], starts, "household", rows, wages, "processing_wages")
        return wages


class CountyPlatforms(ContractPartner):
    """The county platforms of a region, one account per county: the contracts and processing, with the
    state behind them (floor prices, a brand, cheaper credit, labour-export contracts, its losses covered)."""

    block = "platform"
    cfg: PlatformConfig

    def __init__(self, cfg: PlatformConfig, start_month: int, world: World, market: Market, ledger: Ledger) -> None:
        super().__init__(cfg, start_month, world, market, ledger)
        #: This month's interest subsidy to the bank on the cooperatives' cheaper credit (fen).
        self.subsidy_fen = np.zeros(world.n_villages, dtype=np.int64)

    def work_terms(self, t: int, terms: WorkTerms, founded: np.ndarray) -> None:
        """The outside contracts the platform brings each village's labour export team: wages to members at
        home, materials, a margin kept."""
        cfg = self.cfg
        contract = np.where(self.lever("labour_export", founded), cfg.export_contracts_yuan_per_village_year / 12.0,
                            0.0)
        terms.contract_yuan = terms.contract_yuan + contract
        terms.contract_public_yuan = terms.contract_public_yuan + contract * cfg.export_public_share
        terms.project_labour_yuan = terms.project_labour_yuan + contract * cfg.export_labour_share
        terms.project_materials_yuan = terms.project_materials_yuan + contract * (
            1 - cfg.export_labour_share - cfg.export_margin_share)

    def sales_terms(self, t: int, terms: SalesTerms, founded: np.ndarray, township: np.ndarray,
                    industry: np.ndarray) -> None:
        """The county brand earns a premium on what meets its grade; grading, packaging and
        certification cost the sellers ``brand_fee_share`` of the branded sales."""
        branded = self.lever("brand", founded)
        terms.premium = np.where(branded, 1 + self.cfg.brand_premium, terms.premium)
        terms.fee_share = terms.fee_share + np.where(branded, self.cfg.brand_fee_share, 0.0)

    def guarantee(self, quantity_ref_yuan: np.ndarray, realised: np.ndarray, founded: np.ndarray,
                  industry: np.ndarray) -> np.ndarray:
        """The state pays contracted villages the gap below the floor: ``floor_share`` of the price
        their contract was written against."""
        floor = self.lever("floor_price", founded)
        floor_index = self.cfg.floor_share * self.contract_index[self.village_county, industry]
        return np.where(floor, to_fen(floor_payout_yuan(quantity_ref_yuan, realised, floor_index)), 0)

    def cost_terms(self, terms: CostTerms, coops: Cooperatives) -> None:
        """Contracted cooperatives borrow at ``credit_rate_annual`` with a higher limit;
        the state pays the bank the gap to its rate (on what they owed before this month)."""
        cheap = self.lever("credit", coops.founded)
        terms.loan_rate = np.where(cheap, self.cfg.credit_rate_annual, terms.loan_rate)
        terms.credit_limit_factor = np.where(cheap, self.cfg.credit_limit_multiplier, terms.credit_limit_factor)
        self.subsidy_fen = to_fen(coops.debt_fen / 100.0 * np.maximum(terms.bank_rate - terms.loan_rate, 0.0) / 12.0)

    def collect_costs(self, coops: Cooperatives, costs: dict[str, np.ndarray]) -> None:
        self.ledger.pay("state", "bank", int(self.subsidy_fen.sum()), "credit_interest_subsidy")

    def running_costs(self, t: int) -> None:
        self.run_costs()

    def run_costs(self) -> None:
        """Monthly overhead and the brand's promotion; the state covers whatever the platform cannot pay."""
        led, cfg = self.ledger, self.cfg
        cost = np.where(self.active, int(to_fen(cfg.overhead_yuan_per_year / 12)), 0).astype(np.int64)
        led.collect_block("platform", "market", cost, "platform_overhead")
        if cfg.brand:
            promotion = np.where(self.active, int(to_fen(cfg.brand_budget_yuan_per_year / 12)), 0).astype(np.int64)
            led.collect_block("platform", "market", promotion, "brand_promotion")
        cover = np.maximum(-led.block("platform"), 0)
        led.pay_block("state", "platform", cover, "platform_loss_cover")
