"""Leading enterprises (龙头企业) bound to the cooperatives: Longling's and Songtao's designs.

One account per county. "Double binding" (双绑), as the sources mean it: an
*enterprise* binds the cooperatives with order contracts, and the
cooperatives bind their households. In Songtao's "branch + company +
collective + households" the company partner does the same. The enterprise
orders part of each bound village's output at a price agreed for the year
(and reneges when the market falls far below it), and buys part of the
output to process (ham curing, sugar, tea, fungi), paying local processing
wages and, by contract, a second payout to the sellers.

It is the county platform's order contracts and processing (:class:`~coopsim.institutions.platform.CountyPlatforms`)
without the state: no floor price, no brand budget, no cheaper credit, no
labour-export contracts — and private. Its owners (the outside
``enterprises`` account) take what its processing earns and cover what it
loses, each month, so no public yuan reaches it and its account closes
every month at zero.
"""

from __future__ import annotations

import numpy as np

from coopsim.config.tiers import EnterpriseConfig
from coopsim.institutions.base import Cooperatives, CostTerms, SalesTerms, WorkTerms
from coopsim.institutions.platform import CountyPlatforms


class LeadingEnterprises(CountyPlatforms):
    """The leading enterprises of a region, one account per county."""

    block = "enterprise"
    level_name = "county"
    cfg: EnterpriseConfig  # type: ignore[assignment]

    def work_terms(self, t: int, terms: WorkTerms, founded: np.ndarray) -> None:
        """No outside contracts for labour export teams (a state platform's)."""

    def sales_terms(self, t: int, terms: SalesTerms, founded: np.ndarray, township: np.ndarray,
                    industry: np.ndarray) -> None:
        """No county brand."""

    def guarantee(self, quantity_ref_yuan: np.ndarray, realised: np.ndarray, founded: np.ndarray,
                  industry: np.ndarray) -> None:
        """No floor price: the state guarantees nothing."""
        return None

    def cost_terms(self, terms: CostTerms, coops: Cooperatives) -> None:
        """No cheaper credit."""

    def collect_costs(self, coops: Cooperatives, costs: dict[str, np.ndarray]) -> None:
        """No interest subsidy."""

    def run_costs(self) -> None:
        """The owners settle the month: they take what processing earned and cover what it lost."""
        led = self.ledger
        balance = led.block(self.block)
        led.collect_block(self.block, "enterprises", np.maximum(balance, 0), "enterprise_profit_to_owners")
        led.pay_block("enterprises", self.block, np.maximum(-balance, 0), "enterprise_loss_cover")
