"""Commodity markets: regional price paths, crop calendars, regional busts and local gluts.

The price paths' noise (the random process, the cycles, the shocks, the
history a scenario replays) is drawn up front from the ``prices`` stream,
before any tier-dependent behaviour, so every tier sees the same noise and
shocks. What the region's producers do then moves the realised prices: each
month the regional price of a crop falls when the region's producing area
exceeds what its wholesale markets and processors absorb
(:meth:`Market.supply_response`), and the farm-gate price in a township
falls further when the township's planted area exceeds what its buyers take
(:meth:`Market.local_factor`). Planting follows past realised prices, so
herding into one crop can boom and bust (a cobweb).
"""

from __future__ import annotations

import numpy as np

from coopsim.config import MarketConfig
from coopsim.rules.prices import local_price_factor, price_path, selling_margin
from coopsim.world import World


class Market:
    """Prices, commodity economics and the local supply response.

    Arrays indexed by commodity follow ``names`` (sorted commodity names).

    Attributes
    ----------
    base_prices
        (months, C) regional price without the scenario's shocks.
    prices
        (months, C) regional price in yuan per commodity unit, shocks included.
    price_index
        ``prices`` over the reference price.
    harvest
        (12, C) share of a year's output sold in each calendar month.
    capacity_mu
        (townships, C) area each township's buyers absorb at full price.
    planted_mu
        (townships, C) area currently planted; set by the producers.
    """

    def __init__(self, cfg: MarketConfig, months: int, world: World, rng: np.random.Generator,
                 shock_factor: np.ndarray | None = None, history: np.ndarray | None = None) -> None:
        self.names = tuple(sorted(cfg.commodities))
        specs = [cfg.commodities[n] for n in self.names]
        self.selling = (cfg.wholesale_margin, cfg.collection_cost_yuan, cfg.max_collection_share)
        trend = (1.0 + cfg.price_trend_annual) ** (np.arange(months) / 12.0)  # nominal farm-gate price trend
        self.base_prices = np.stack([price_path(s, months, rng) for s in specs], axis=1) * trend[:, None]
        prices = self.base_prices if shock_factor is None else self.base_prices * shock_factor
        if history is not None:  # months a scenario replays as they happened (yuan per unit; NaN elsewhere)
            prices = np.where(np.isnan(history), prices, history)
        #: Realised prices: row ``t`` takes the regional supply response in month ``t`` (:meth:`supply_response`).
        self.prices = np.array(prices, dtype=np.float64, copy=True)
        #: (months,) output per mu relative to the start: the farm productivity trend (better seed, practice).
        self.yield_index = (1.0 + cfg.yield_trend_annual) ** (np.arange(months) / 12.0)
        self.reference = np.array([s.reference_price_yuan for s in specs])
        self.price_index = self.prices / self.reference
        self.revenue_per_mu = np.array([s.revenue_yuan_per_mu for s in specs])
        self.input_cost_share = np.array([s.input_cost_share for s in specs])
        self.labour_days_per_mu = np.array([s.labour_days_per_mu for s in specs])
        self.months_to_first_harvest = np.array([s.months_to_first_harvest for s in specs])
        weights = np.array([s.harvest_weights for s in specs]).T
        self.harvest = weights / weights.sum(axis=0, keepdims=True)
        villages_per_town = np.bincount(world.village_township, minlength=world.n_townships)
        per_village = np.array([s.local_capacity_mu_per_village for s in specs])
        self.capacity_mu = villages_per_town[:, None] * per_village[None, :]
        self.flexibility = np.array([s.price_flexibility for s in specs])
        self.planted_mu = np.zeros_like(self.capacity_mu)
        self.regional_capacity_mu = world.n_villages * np.array([s.regional_capacity_mu_per_village for s in specs])
        self.regional_flexibility = np.array([s.regional_price_flexibility for s in specs])
        #: (months, C) the factor of the region's supply on each month's price (1 until the month is reached).
        self.regional_factor = np.ones_like(self.prices)
        #: (months, C) the region's producing area of each crop (mu), as each month is reached.
        self.producing_mu = np.zeros_like(self.prices)

    def selling_margin(self, lot_yuan: np.ndarray | float) -> np.ndarray:
        """Share of each lot's value (yuan, at the prices it sells for) lost in selling it (the same for every seller)."""
        return selling_margin(lot_yuan, *self.selling)

    def index_of(self, name: str) -> int:
        return self.names.index(name)

    def supply_response(self, t: int, producing_mu: np.ndarray) -> None:
        """Month ``t``'s regional prices given the region's producing area of each crop (C,): beyond the
        regional capacity the price falls (``(capacity / producing) ** regional_price_flexibility``)."""
        factor = local_price_factor(producing_mu, self.regional_capacity_mu, self.regional_flexibility)
        self.producing_mu[t] = producing_mu
        self.regional_factor[t] = factor
        self.prices[t] *= factor
        self.price_index[t] *= factor

    def local_factor(self) -> np.ndarray:
        """(townships, C) farm-gate multiplier from current planted areas."""
        return local_price_factor(self.planted_mu, self.capacity_mu, self.flexibility[None, :])

    def gross_yuan_per_mu(self, t: int) -> np.ndarray:
        """(townships, C) value of month ``t``'s harvest per planted mu at local prices (the yield trend included)."""
        month_share = self.harvest[t % 12]
        return (self.revenue_per_mu * month_share * self.price_index[t] * self.yield_index[t])[None, :] \
            * self.local_factor()

    def input_yuan_per_mu(self, t: int) -> np.ndarray:
        """(C,) input cost of month ``t``'s harvest per mu (at reference prices)."""
        return self.revenue_per_mu * self.input_cost_share * self.harvest[t % 12]
