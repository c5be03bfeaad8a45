"""Markets: commodity prices, crop calendars and local gluts
(:mod:`~coopsim.markets.commodities`), the labour market of migrant workers
(:mod:`~coopsim.markets.labour`), and the shocks a scenario applies to both
(:mod:`~coopsim.markets.shocks`).

Price paths' noise and city conditions are drawn before any behaviour, so every tier
meets the same noise and shocks (common random numbers); the region's supply then
moves the realised prices.
"""

from coopsim.markets.commodities import Market
from coopsim.markets.labour import LabourMarket
from coopsim.markets.shocks import CityConditions, city_conditions, price_history, price_multiplier, profile

__all__ = ["CityConditions", "LabourMarket", "Market", "city_conditions", "price_history", "price_multiplier", "profile"]
