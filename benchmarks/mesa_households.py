"""The same economy with Mesa scheduling the households (benchmark only).

One ``mesa.Agent`` per household; at each household phase of a month the
model activates every agent in order (``AgentSet.do``), and each agent applies
coopsim's household rule (:class:`coopsim.households.livelihoods.Livelihoods`) to its own
row. The institutions (markets, cooperatives, federations, platforms) step as
in coopsim. So this measures what it costs to run the very same household step
as Mesa agents; it gives the same tables as coopsim.

Mesa is a benchmark dependency only: ``pip install -e ".[bench]"``.
"""

from __future__ import annotations

import mesa

from coopsim.config import RunConfig
from coopsim.engine.economy import TICKS, Economy


class Household(mesa.Agent):  # type: ignore[misc]
    """One household; its state lives in the economy's columns, at its row."""

    def __init__(self, model: CoopsimMesa, row: int) -> None:
        super().__init__(model)
        self.rows = slice(row, row + 1)

    def act(self, step: str, t: int) -> None:
        getattr(self.model.economy.livelihoods, step)(t, self.rows)


class CoopsimMesa(mesa.Model):  # type: ignore[misc]
    """A coopsim economy whose households are Mesa agents."""

    def __init__(self, cfg: RunConfig) -> None:
        super().__init__(seed=cfg.seed)
        self.economy = Economy(cfg, households_driver=self._households)
        for row in range(self.economy.hh.n):
            Household(self, row)

    def _households(self, step: str, t: int) -> None:
        self.agents.do("act", step, t)

    def run_months(self, months: int) -> None:
        """Run the first ``months`` months (Mesa steps once per household phase)."""
        self.economy.env.run(until=months * TICKS)
