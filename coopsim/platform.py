"""County state-owned platform companies (tier 3.0).

One row per county. The platform allies the rural collective economy with the
county's state economy: order contracts with floor prices ("double binding"),
processing and a county brand, cheaper credit, public projects contracted to
cooperatives, labour export teams and the prefecture's reward fund. Every
public yuan is a ledger flow from the ``state`` account, and the platform's
losses are covered by the state, so the fiscal cost is in the results.
"""

from __future__ import annotations

import numpy as np

from coopsim.config_tiers import PlatformConfig
from coopsim.households import Households
from coopsim.ledger import Ledger, allocate, segment_sums, to_fen
from coopsim.world import World


def floor_payout_yuan(quantity_ref_yuan: np.ndarray, realised_index: np.ndarray, floor_share: float) -> np.ndarray:
    """Floor-price payout: the gap below the floor times the quantity.

    ``quantity_ref_yuan`` is the quantity sold valued at the reference price,
    so quantity x (floor price - realised price) = quantity_ref x (floor_share
    - realised_index).

    >>> floor_payout_yuan(np.array([1000.0, 1000.0]), np.array([0.6, 1.1]), 0.85).round(6).tolist()
    [250.0, 0.0]
    """
    return np.asarray(quantity_ref_yuan) * np.maximum(floor_share - np.asarray(realised_index), 0.0)


def project_sizes_yuan(budget_yuan: float, max_yuan: float) -> np.ndarray:
    """Split a county's yearly project budget into equal projects under the size cap.

    >>> project_sizes_yuan(5_000_000, 2_000_000).tolist()
    [1666666.6666666667, 1666666.6666666667, 1666666.6666666667]
    """
    if budget_yuan <= 0:
        return np.zeros(0)
    n = int(np.ceil(budget_yuan / max_yuan))
    return np.full(n, budget_yuan / n)


class CountyPlatforms:
    """The county platforms of a region, one row per county."""

    def __init__(self, cfg: PlatformConfig, start_month: int, world: World, ledger: Ledger) -> None:
        self.cfg, self.world, self.ledger = cfg, world, ledger
        self.start_month = start_month
        self.active = np.zeros(world.n_counties, dtype=bool)
        self.village_county = world.township_county[world.village_township]
        self.village_starts = np.flatnonzero(np.diff(np.r_[-1, self.village_county])).astype(np.int64)
        self.household_starts = world.village_starts[self.village_starts]  # first household row of each county
        #: This month's processing wage per worker at home, by county (fen).
        self.wage_per_worker_fen = np.zeros(world.n_counties, dtype=np.int64)
        self.project_month_yuan = np.zeros(world.n_villages)
        self.placements = 0

    def lever(self, name: str, founded: np.ndarray) -> np.ndarray:
        """Villages reached by platform mechanism ``name`` (a boolean lever)."""
        return founded & self.active[self.village_county] & bool(getattr(self.cfg, name))

    def start(self) -> None:
        self.active[:] = True

    # -- public projects --------------------------------------------------------
    def plan_projects(self, founded: np.ndarray, u: np.ndarray) -> np.ndarray:
        """January: contract this year's projects to founded cooperatives.

        Each county's budget (``projects_yuan_per_village_year`` x its
        villages) is split into equal projects under ``project_max_yuan``,
        each given to a founded cooperative of the county picked with one
        uniform of ``u`` (one per village, from the ``institutions`` stream).
        Sets and returns the monthly project money per village.
        """
        self.project_month_yuan = np.zeros(self.world.n_villages)
        if not self.cfg.projects:
            return self.project_month_yuan
        for c in np.flatnonzero(self.active):
            villages = np.flatnonzero((self.village_county == c) & founded)
            if villages.size == 0:
                continue
            budget = self.cfg.projects_yuan_per_village_year * int((self.village_county == c).sum())
            sizes = project_sizes_yuan(budget, self.cfg.project_max_yuan)
            draws = np.resize(u[self.village_county == c], len(sizes))
            picks = villages[np.minimum((draws * villages.size).astype(int), villages.size - 1)]
            np.add.at(self.project_month_yuan, picks, sizes / 12.0)
        return self.project_month_yuan

    # -- processing ---------------------------------------------------------------
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
        per_county = segment_sums(bought_fen, self.village_starts)
        sales = to_fen(per_county / 100.0 * (1 + cfg.processing_value_added))
        led.pay_block("market", "platform", sales, "processed_sales")
        wage_total = to_fen(per_county / 100.0 / 10_000 * cfg.processing_days_per_10k_yuan * day_wage_yuan)
        workers = np.add.reduceat(hh.home_workers, self.household_starts)
        self.wage_per_worker_fen = wage_total // np.maximum(workers, 1)
        return int((self.wage_per_worker_fen * workers).sum())

    # -- the year's end and the platform's losses -----------------------------------
    def rewards(self, revenue_fen: np.ndarray, last_revenue_fen: np.ndarray, founded: np.ndarray) -> np.ndarray:
        """The prefecture's reward fund, shared equally by qualifying cooperatives.

        A cooperative qualifies with operating income >= ``reward_min_income_yuan``
        that grew by >= ``reward_min_growth``. The region's share of the fund
        is ``reward_fund_yuan_per_year`` x its villages / ``reward_fund_villages``.
        """
        cfg = self.cfg
        reached = self.lever("reward_fund", founded)
        growth = np.divide(revenue_fen, last_revenue_fen, out=np.zeros(len(revenue_fen)), where=last_revenue_fen > 0)
        ok = reached & (revenue_fen >= to_fen(cfg.reward_min_income_yuan)) & (growth >= 1 + cfg.reward_min_growth)
        reward = np.zeros(len(revenue_fen), dtype=np.int64)
        if ok.any():
            fund = int(to_fen(cfg.reward_fund_yuan_per_year * self.world.n_villages / cfg.reward_fund_villages))
            reward[ok] = allocate(fund, np.ones(int(ok.sum())))
        self.ledger.pay_block("state", "cooperative", reward, "reward_fund")
        return reward

    def run_costs(self) -> None:
        """Monthly overhead; the state covers whatever the platform cannot pay."""
        led = self.ledger
        cost = np.where(self.active, int(to_fen(self.cfg.overhead_yuan_per_year / 12)), 0).astype(np.int64)
        led.collect_block("platform", "market", cost, "platform_overhead")
        cover = np.maximum(-led.block("platform"), 0)
        led.pay_block("state", "platform", cover, "platform_loss_cover")
