"""Leading enterprises (龙头企业) bound to the cooperatives: Longling's and Songtao's designs.

One account per county. "Double binding" (双绑), as the sources mean it: an
*enterprise* binds the cooperatives with order contracts, and the
cooperatives bind their households. In Songtao's "branch + company +
collective + households" the company partner does the same. The enterprise
orders part of each bound village's output at a price agreed for the year
(and reneges when the market falls far below it), and buys part of the
output to process (ham curing, sugar, tea, fungi), paying local processing
wages and, by contract, a second payout to the sellers.

These are the order contracts and processing the county platform has too
(:class:`~coopsim.institutions.platform.ContractPartner`), without the state:
no floor price, brand budget, cheap credit or labour-export contracts — and
private. Its owners (the outside ``enterprises`` account) take what its
processing earns and cover what it loses, each month, so no public yuan
reaches it and its account closes every month at zero.
"""

from __future__ import annotations

import numpy as np

from coopsim.config.tiers import EnterpriseConfig
from coopsim.institutions.platform import ContractPartner


class LeadingEnterprises(ContractPartner):
    """The leading enterprises of a region, one account per county."""

    block = "enterprise"
    cfg: EnterpriseConfig

    def running_costs(self, t: int) -> None:
        """The owners settle the month: they take what processing earned and cover what it lost."""
        led = self.ledger
        balance = led.block(self.block)
        led.collect_block(self.block, "enterprises", np.maximum(balance, 0), "enterprise_profit_to_owners")
        led.pay_block("enterprises", self.block, np.maximum(-balance, 0), "enterprise_loss_cover")
