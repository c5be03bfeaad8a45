"""Institutions of the tiers: village cooperatives (1.0) and the partners above
them — the governments' rules for every cooperative (public projects, the reward
fund; 1.0 and up), township federations (2.0; Longling's unions and Songtao's
joint committees are federations with other levers), county platforms (3.0),
leading enterprises (Longling's and Songtao's double binding).

- :mod:`~coopsim.institutions.base`: the protocol (accounts at a level; the
  hooks through which a partner takes part in the cooperatives' month and year);
- :mod:`~coopsim.institutions.cooperative`: the village cooperatives;
- :mod:`~coopsim.institutions.operations`: their month (hire, produce, sell, pay);
- :mod:`~coopsim.institutions.year_end`: their year's close;
- :mod:`~coopsim.institutions.government`, :mod:`~coopsim.institutions.federation`,
  :mod:`~coopsim.institutions.platform`: the partners.

A new kind of partner is one module (a :class:`~coopsim.institutions.base.Partner`),
its config block (:mod:`coopsim.config.tiers`) and one line in :data:`PARTNERS`.
"""

from __future__ import annotations

import numpy as np

from coopsim.config import RunConfig
from coopsim.institutions.base import Institution, Level, Partner
from coopsim.institutions.cooperative import VillageCooperatives
from coopsim.institutions.enterprise import LeadingEnterprises
from coopsim.institutions.federation import TownshipFederations
from coopsim.institutions.government import CountyGovernments
from coopsim.institutions.platform import CountyPlatforms
from coopsim.markets.commodities import Market
from coopsim.money import Ledger
from coopsim.rules.founding import spread_months
from coopsim.world import World

#: Every kind of partner, by its config block, in the order the cooperatives' operations consult them.
PARTNERS: dict[str, type[Partner]] = {"government": CountyGovernments, "federation": TownshipFederations,
                                      "platform": CountyPlatforms, "enterprise": LeadingEnterprises}

#: The ledger blocks of every institution, with their level (the cooperatives' and the village collectives' first).
BLOCKS: dict[str, str] = {VillageCooperatives.block: "village", "collective": "village",
                          **{cls.block: cls.level_name for cls in PARTNERS.values()}}


def build(cfg: RunConfig, world: World, market: Market, ledger: Ledger,
          rng: np.random.Generator) -> tuple[VillageCooperatives | None, tuple[Partner, ...]]:
    """The tier's institutions: its village cooperatives (none in tier ``none``) and its partners, in order.

    A partner that spreads (``pioneer_share``, ``complete_year``) starts in each of its townships or
    counties in a month drawn from ``rng`` (:func:`~coopsim.rules.founding.spread_months`)."""
    tier = cfg.tier
    partners = []
    for block, cls in PARTNERS.items():
        block_cfg = getattr(tier, block)
        if block_cfg is not None:
            first = (block_cfg.start_year - cfg.start_year) * 12 + block_cfg.start_month - 1
            partner = cls(block_cfg, max(first, 0), world, market, ledger)
            if hasattr(block_cfg, "complete_year"):
                complete = (block_cfg.complete_year - cfg.start_year) * 12 + block_cfg.complete_month - 1
                partner.start_months = spread_months(partner.level.size, first, complete, block_cfg.pioneer_share, rng)
            partners.append(partner)
    coops = VillageCooperatives(tier.cooperative, world, market, ledger, partners) if tier.cooperative else None
    return coops, tuple(partners)


__all__ = ["BLOCKS", "PARTNERS", "CountyGovernments", "CountyPlatforms", "Institution", "LeadingEnterprises", "Level",
           "Partner", "TownshipFederations",
           "VillageCooperatives", "build"]
