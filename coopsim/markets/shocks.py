"""Shocks applied to prices and to the destination cities' labour markets.

Price shocks multiply the regional price paths (so composed shocks multiply:
their log effects add). City shocks set, for every month, destination and
sector, an extra chance of losing a city job, a wage factor, and whether
travel is stopped. Deterministic shocks draw no random numbers; stochastic
ones draw from the ``shocks`` stream only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coopsim.config.scenarios import (
    SECTORS,
    AnnualSwing,
    CityShock,
    PriceCycle,
    PriceHistory,
    PriceRegime,
    PriceShock,
    Shock,
    onset_month,
)


def profile(shape: str, onset: int, duration: int, months: int) -> np.ndarray:
    """Share of a shock's full effect in each month (0..1).

    >>> profile("step", 2, 3, 7).tolist()
    [0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0]
    >>> profile("ramp", 1, 4, 7).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    >>> profile("v", 1, 4, 7).tolist()
    [0.0, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    """
    t = np.arange(months) - onset
    if shape == "step":
        return ((t >= 0) & (t < duration)).astype(float)
    if shape == "ramp":
        return np.clip((t + 1) / max(duration, 1), 0.0, 1.0) * (t >= 0)
    if shape == "v":
        return np.clip(1.0 - t / max(duration, 1), 0.0, 1.0) * (t >= 0)
    raise ValueError(f"unknown shock shape {shape!r}")


def _columns(target: str, names: tuple[str, ...]) -> np.ndarray:
    return np.ones(len(names), dtype=bool) if target == "all" else np.array([n == target for n in names])


def price_multiplier(shocks: tuple[tuple[str, Shock], ...], names: tuple[str, ...], start_year: int,
                     months: int, rng: np.random.Generator) -> np.ndarray:
    """(months, C) factor on every commodity's price from all price shocks.

    Stochastic shocks draw a fixed count of numbers from ``rng`` each, in
    the (sorted) order of the shock names.
    """
    factor = np.ones((months, len(names)))
    for _name, shock in shocks:
        if isinstance(shock, (CityShock, PriceHistory)):
            continue
        cols = _columns(shock.commodity, names)
        start = onset_month(shock, start_year)
        active = np.arange(months) >= start
        if isinstance(shock, PriceShock):
            f = 1.0 + shock.magnitude * profile(shock.shape, start, shock.duration_months, months)
        elif isinstance(shock, PriceRegime):
            u = rng.random(months)
            slump, state = np.zeros(months), False
            for i in range(start, months):
                state = (u[i] >= shock.exit_probability) if state else (u[i] < shock.enter_probability)
                slump[i] = state
            f = 1.0 + shock.slump_magnitude * slump
        elif isinstance(shock, PriceCycle):
            phase = rng.random() * 2.0 * np.pi
            t = np.arange(months)
            f = np.where(active, np.exp(shock.amplitude * np.sin(2.0 * np.pi * t / shock.period_months + phase)), 1.0)
        elif isinstance(shock, AnnualSwing):
            z = rng.standard_normal(-(-months // 12))
            f = np.where(active, np.exp(shock.volatility * z[np.arange(months) // 12]), 1.0)
        else:  # pragma: no cover - the schema admits no other kinds
            raise TypeError(type(shock))
        factor[:, cols] *= f[:, None]
    return factor


def price_history(shocks: tuple[tuple[str, Shock], ...], names: tuple[str, ...], start_year: int,
                  months: int) -> np.ndarray | None:
    """(months, C) prices as they happened (yuan per unit) where a scenario replays them, NaN elsewhere;
    None without a history. Between two dated months the price is linear in the month.

    >>> from coopsim.config.scenarios import PriceHistory
    >>> h = PriceHistory("history", "pigs", {"2018-02": 14.0, "2018-04": 12.0})
    >>> price_history((("pork", h),), ("pigs",), 2018, 6)[:, 0].tolist()
    [nan, 14.0, 13.0, 12.0, nan, nan]
    """
    out = np.full((months, len(names)), np.nan)
    found = False
    for _name, shock in shocks:
        if not isinstance(shock, PriceHistory):
            continue
        points = shock.months()
        at = np.array([(y - start_year) * 12 + m - 1 for y, m, _ in points], dtype=np.float64)
        yuan = np.array([p for _y, _m, p in points])
        t = np.arange(months)
        span = (t >= at[0]) & (t <= at[-1])
        out[span, names.index(shock.commodity)] = np.interp(t[span], at, yuan)
        found = True
    return out if found else None


@dataclass(frozen=True)
class CityConditions:
    """Labour-market conditions at the destinations, month by month.

    Attributes
    ----------
    job_loss
        (months, D, S) extra monthly chance that a migrant loses the job.
    wage_factor
        (months, D, S) factor on the wage.
    finding_factor
        (months, D, S) factor on the chance of finding a job.
    travel_stop
        (months,) no departures and no festival trips.
    """

    job_loss: np.ndarray
    wage_factor: np.ndarray
    travel_stop: np.ndarray
    finding_factor: np.ndarray


def city_conditions(shocks: tuple[tuple[str, Shock], ...], destinations: tuple[str, ...], start_year: int,
                    months: int) -> CityConditions:
    """Combine all city shocks: job-loss chances add (capped at 1), wage factors multiply."""
    d, s = len(destinations), len(SECTORS)
    loss = np.zeros((months, d, s))
    wage = np.ones((months, d, s))
    find = np.ones((months, d, s))
    stop = np.zeros(months, dtype=bool)
    for _name, shock in shocks:
        if not isinstance(shock, CityShock):
            continue
        p = profile(shock.shape, onset_month(shock, start_year), shock.duration_months, months)
        dest = _columns(shock.destination, destinations)
        sect = _columns(shock.sector, SECTORS)
        mask = dest[:, None] & sect[None, :]
        loss += shock.job_loss * p[:, None, None] * mask[None]
        wage *= 1.0 + shock.wage_change * p[:, None, None] * mask[None]
        find *= 1.0 + shock.job_finding_change * p[:, None, None] * mask[None]
        if shock.travel_stop:
            stop |= p > 0.5
    return CityConditions(np.minimum(loss, 1.0), wage, stop, np.maximum(find, 0.0))
