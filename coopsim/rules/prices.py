"""Commodity price paths and the local farm-gate price response to local supply."""

from __future__ import annotations

import numpy as np

from coopsim.config import CommodityConfig


def price_path(spec: CommodityConfig, months: int, rng: np.random.Generator) -> np.ndarray:
    """Monthly regional price (yuan per ``spec.unit``), month 0 = January.

    log price = log reference + AR(1) noise + seasonal cosine (peak at
    ``seasonal_peak_month``) + a cycle (pig cycle: ``cycle_months``,
    ``cycle_amplitude``, random phase) + a per-year level (cocoon swings:
    ``annual_volatility``). Always draws the same count of numbers for a
    given length, so the stream stays aligned whatever the parameters.
    """
    eps = rng.standard_normal(months)
    x0 = rng.standard_normal()
    phase = rng.random() * 2.0 * np.pi
    years = -(-months // 12)
    annual = rng.standard_normal(years)

    rho, sigma = spec.price_persistence, spec.price_volatility
    x = np.empty(months)
    prev = x0 * sigma / np.sqrt(1.0 - rho**2)
    for i in range(months):
        prev = rho * prev + sigma * eps[i]
        x[i] = prev
    t = np.arange(months)
    month = t % 12 + 1
    seasonal = spec.seasonal_amplitude * np.cos(2.0 * np.pi * (month - spec.seasonal_peak_month) / 12.0)
    cycle = spec.cycle_amplitude * np.sin(2.0 * np.pi * t / spec.cycle_months + phase) if spec.cycle_months else 0.0
    level = spec.annual_volatility * annual[t // 12]
    return spec.reference_price_yuan * np.exp(x + seasonal + cycle + level)


def local_price_factor(planted_mu: np.ndarray, capacity_mu: np.ndarray, flexibility: np.ndarray) -> np.ndarray:
    """Farm-gate price multiplier when local supply exceeds what local buyers absorb.

    ``min(1, (capacity / planted) ** flexibility)``: 1 while planted area is
    within capacity; beyond it the price falls, so that many villages planting
    the same crop in one township all get less. Arrays broadcast.

    >>> float(local_price_factor(np.array(400.0), np.array(100.0), np.array(0.5)))
    0.5
    """
    planted = np.asarray(planted_mu, dtype=np.float64)
    ratio = np.divide(capacity_mu, planted, out=np.ones(np.broadcast(planted, capacity_mu).shape), where=planted > 0)
    return np.minimum(1.0, ratio ** np.asarray(flexibility))


def selling_margin(lot_yuan: np.ndarray | float, wholesale_margin: float, collection_cost_yuan: float,
                   max_collection_share: float) -> np.ndarray:
    """Share of a lot's value its seller loses in selling it, whoever sells.

    ``wholesale_margin`` on every yuan (haulage to and handling at the
    wholesale market, the buyer's margin) plus the fixed cost of collecting
    one lot (``collection_cost_yuan``: the trader's trip to the village,
    grading, bargaining) spread over the lot, at most
    ``max_collection_share`` of it. A household's monthly lot of a few
    hundred yuan loses far more than a cooperative's of tens of thousands.

    >>> selling_margin(np.array([200.0, 2000.0, 50000.0]), 0.08, 200.0, 0.5).round(4).tolist()
    [0.58, 0.18, 0.084]
    """
    lot = np.asarray(lot_yuan, dtype=np.float64)
    fixed = np.divide(collection_cost_yuan, lot, out=np.full(lot.shape, max_collection_share), where=lot > 0)
    return wholesale_margin + np.minimum(fixed, max_collection_share)
