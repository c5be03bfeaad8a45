"""The governments' rules for every party-led cooperative (tier 1.0 and up).

The sources name two rules for the party-branch-led cooperatives, not for
one tier: cooperatives have first claim on public money and may build
agricultural, infrastructure and social projects under 4 million yuan
themselves; and the prefecture sets aside 10 million yuan a year to reward
cooperatives whose annual operating income is at least 300,000 yuan and grew
by at least 10 %. Both apply from their date to every founded cooperative,
whatever tier it belongs to. Every yuan is a ledger flow from the ``state``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from coopsim.config.tiers import GovernmentConfig
from coopsim.institutions.base import Cooperatives, Partner, PartnerYear, WorkTerms
from coopsim.money import Ledger, allocate, to_fen
from coopsim.world import World

if TYPE_CHECKING:
    from coopsim.markets.commodities import Market


def project_sizes_yuan(budget_yuan: float, max_yuan: float) -> np.ndarray:
    """Split a county's yearly project budget into equal projects under the size cap.

    >>> project_sizes_yuan(5_000_000, 2_000_000).tolist()
    [1666666.6666666667, 1666666.6666666667, 1666666.6666666667]
    """
    if budget_yuan <= 0:
        return np.zeros(0)
    n = int(np.ceil(budget_yuan / max_yuan))
    return np.full(n, budget_yuan / n)


class CountyGovernments(Partner):
    """The county governments of a region (and the prefecture's reward fund), one per county."""

    block = "government"
    level_name = "county"
    cfg: GovernmentConfig

    def __init__(self, cfg: GovernmentConfig, start_month: int, world: World, market: Market,
                 ledger: Ledger) -> None:
        super().__init__(cfg, start_month, world, market, ledger)
        self.active = False
        self.village_county = self.level.of_village
        self.project_month_yuan = np.zeros(world.n_villages)
        #: Each cooperative's operating income of last year (fen), for the reward fund's growth test.
        self.operating_last_fen = np.zeros(world.n_villages, dtype=np.int64)

    def open_month(self, t: int, founded: np.ndarray, rng: np.random.Generator) -> None:
        """The rules apply from their date; each January the year's projects are let (one uniform per village
        from ``rng``, drawn every January)."""
        if t == self.start_month:
            self.active = True
        if t % 12 == 0:
            u = rng.random(self.world.n_villages)
            if self.active:
                self.plan_projects(founded, u)

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
        for c in range(self.world.n_counties):
            villages = np.flatnonzero((self.village_county == c) & founded)
            if villages.size == 0:
                continue
            budget = self.cfg.projects_yuan_per_village_year * int((self.village_county == c).sum())
            sizes = project_sizes_yuan(budget, self.cfg.project_max_yuan)
            draws = np.resize(u[self.village_county == c], len(sizes))
            picks = villages[np.minimum((draws * villages.size).astype(int), villages.size - 1)]
            np.add.at(self.project_month_yuan, picks, sizes / 12.0)
        return self.project_month_yuan

    def work_terms(self, t: int, terms: WorkTerms, founded: np.ndarray) -> None:
        """The month's share of the year's projects: wages to members, materials, a margin kept."""
        cfg = self.cfg
        project = self.project_month_yuan * founded
        terms.project_yuan = terms.project_yuan + project
        terms.project_labour_yuan = terms.project_labour_yuan + project * cfg.project_labour_share
        terms.project_materials_yuan = terms.project_materials_yuan + project * (
            1 - cfg.project_labour_share - cfg.project_margin_share)

    # -- the reward fund ----------------------------------------------------------
    def close_year(self, coops: Cooperatives, accounts: dict[str, np.ndarray], thin_fen: int) -> PartnerYear:
        reward = self.rewards(accounts["coop_profit_fen"], coops.founded)
        return PartnerYear(None, {"coop_reward_fen": reward}, reward)

    def rewards(self, operating_fen: np.ndarray, founded: np.ndarray) -> np.ndarray:
        """The prefecture's reward fund, shared equally by qualifying cooperatives.

        A cooperative qualifies with operating income (its year's surplus before distribution: revenue and
        project income less every operating cost) >= ``reward_min_income_yuan`` that grew by >=
        ``reward_min_growth`` on last year's. The region's share of the fund is ``reward_fund_yuan_per_year`` x its
        villages / ``reward_fund_villages``.
        """
        cfg, last = self.cfg, self.operating_last_fen
        growth = np.divide(operating_fen, last, out=np.zeros(len(operating_fen)), where=last > 0)
        ok = (self.active & cfg.reward_fund & founded & (operating_fen >= to_fen(cfg.reward_min_income_yuan))
              & (growth >= 1 + cfg.reward_min_growth))
        self.operating_last_fen = np.asarray(operating_fen, dtype=np.int64).copy()
        reward = np.zeros(len(operating_fen), dtype=np.int64)
        if ok.any():
            fund = int(to_fen(cfg.reward_fund_yuan_per_year * self.world.n_villages / cfg.reward_fund_villages))
            reward[ok] = allocate(fund, np.ones(int(ok.sum())))
        self.ledger.pay_block("state", "cooperative", reward, "reward_fund")
        return reward
