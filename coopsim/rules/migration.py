"""Where each working-age adult is: home, in a city with a job, searching for one, or home for the festival;
and when each move happens, to the day.

Moves are decided once a month from the month's uniforms (common random numbers),
but each happens on its own day: where a uniform falls inside the interval that
decides a move also gives the move's day, and what is left of it the length of a
job search. So the Spring Festival's journeys home and back, departures and job
searches are spread over weeks from monthly draws.
"""

from __future__ import annotations

import numpy as np

#: Where a working-age adult is (one cell of ``Households.worker_status``): no
#: worker in this slot, at home, away in a city, home for the Spring Festival
#: (going back to the city after it).
NO_WORKER, HOME, AWAY, FESTIVAL, SEARCHING = 0, 1, 2, 3, 4
#: The statuses, in code order (for tables).
STATUS_NAMES = ("no_worker", "home", "employed", "home_for_festival", "searching")
#: Days a week; a month of job search is 30.44 days.
WEEK, MONTH_DAYS = 7, 30.44


def leave_probability(base: float, elasticity: float, city_wage: np.ndarray, local_income: np.ndarray,
                      reference_ratio: float) -> np.ndarray:
    """Monthly chance that a worker at home leaves for a city.

    ``base * ((city_wage / local_income) / reference_ratio) ** elasticity``,
    capped at 1: equal to ``base`` when the wage gap is the reference gap,
    lower when local earnings (e.g. cooperative jobs) narrow it.
    """
    ratio = np.asarray(city_wage) / np.maximum(np.asarray(local_income), 1.0)
    return np.minimum(1.0, base * (ratio / reference_ratio) ** elasticity)


def split_uniform(u: np.ndarray, p: np.ndarray | float, cells: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
    """For uniforms ``u`` below ``p`` (the move happens): which of ``cells`` equal cells of [0, p) each fell in,
    and where inside it (a fresh uniform in [0, 1), independent of the cell).

    >>> cell, rest = split_uniform(np.array([0.05, 0.35]), 0.4, 4)
    >>> cell.tolist(), rest.round(6).tolist()
    ([0, 3], [0.5, 0.5])
    """
    x = np.asarray(u, dtype=np.float64) / p * cells
    cell = np.minimum(np.floor(x), np.asarray(cells) - 1)
    return cell.astype(np.int64), np.clip(x - cell, 0.0, 1.0 - 1e-12)


def weekly_hazard(find_month: np.ndarray) -> np.ndarray:
    """The weekly chance of finding a job from the chance of finding one within a month of search.

    >>> round(float(1 - (1 - weekly_hazard(np.array(0.5))) ** (30.44 / 7)), 6)
    0.5
    """
    return 1.0 - (1.0 - np.clip(find_month, 0.0, 1.0)) ** (WEEK / MONTH_DAYS)


def search_outcome(start_day: np.ndarray, hazard: np.ndarray, r: np.ndarray,
                   max_weeks: int) -> tuple[np.ndarray, np.ndarray]:
    """When a search that starts on ``start_day`` ends and how: a job after a geometric number of weeks with
    the weekly ``hazard`` (drawn from the uniform ``r``), or home after ``max_weeks`` without one.

    >>> day, status = search_outcome(np.array([10, 10, 10]), np.array([0.5, 0.5, 0.0]), np.array([0.1, 0.9, 0.1]), 3)
    >>> day.tolist(), status.tolist()
    ([17, 31, 31], [2, 1, 1])
    """
    h = np.clip(np.asarray(hazard, dtype=np.float64), 0.0, 1.0 - 1e-12)
    with np.errstate(divide="ignore"):
        weeks = 1 + np.floor(np.log1p(-np.asarray(r)) / np.log1p(-h))  # h = 0: never (inf)
    found = (h > 0) & (weeks <= max_weeks)
    days = np.where(found, weeks, max_weeks) * WEEK
    return (np.asarray(start_day) + days).astype(np.int32), np.where(found, AWAY, HOME).astype(np.int8)


def destination_choice(v: np.ndarray, net_wage: np.ndarray, find: np.ndarray, temperature: float,
                       sector_shares: np.ndarray, tie_bonus: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Where each worker slot would go, and in which sector, from one uniform per slot.

    Destinations are drawn from a softmax (``temperature``) of the log of
    the expected net wage, ``net_wage[d] * find[i, d]`` (``find``: the
    household's chance of finding a job there, raised by fellow villagers
    already there), plus ``tie_bonus[i, d]`` (what fellow villagers there
    are worth: lodging, information, company). The sector is drawn within the destination from where
    ``v`` fell inside the destination's interval, so one uniform serves both.

    Parameters
    ----------
    v
        (n, W) uniforms.
    net_wage
        (D,) wage less living cost (yuan/month).
    find
        (n, D) job-finding chances.
    sector_shares
        (D, S) jobs by sector at each destination.

    Returns
    -------
    destination, sector
        (n, W) int8 indices.
    """
    value = np.log(np.maximum(net_wage[None, :] * find, 1e-9))
    if tie_bonus is not None:
        value = value + tie_bonus
    value = value / temperature
    p = np.exp(value - value.max(axis=1, keepdims=True))
    cum = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    cum[:, -1] = 1.0
    if cum.shape[0] == 1:  # one choice for every worker (e.g. no ties yet): a sorted search
        dest = np.searchsorted(cum[0], v, side="right")
    else:
        dest = (v[:, :, None] >= cum[:, None, :]).sum(axis=2)
    lo = np.where(dest > 0, np.take_along_axis(cum, np.maximum(dest - 1, 0), axis=1), 0.0)
    hi = np.take_along_axis(cum, dest, axis=1)
    within = np.clip((v - lo) / np.maximum(hi - lo, 1e-12), 0.0, 1.0 - 1e-12)
    sector_cum = np.cumsum(sector_shares, axis=1)[dest]
    sector = (within[:, :, None] >= sector_cum).sum(axis=2)
    return dest.astype(np.int8), np.minimum(sector, sector_shares.shape[1] - 1).astype(np.int8)


def chain_finding(base_find: np.ndarray, tie_share: np.ndarray, chain_strength: float) -> np.ndarray:
    """Job-finding chance raised by ties (chain migration).

    ``1 - (1 - base) * exp(-chain_strength * tie_share)``, where ``tie_share``
    is the share of the village's migrants already at the destination: equal
    to ``base`` without ties, approaching 1 as fellow villagers gather there.

    >>> chain_finding(np.array([0.5, 0.5]), np.array([[0.0, np.log(2) / 2]]), 2.0).round(6).tolist()
    [[0.5, 0.75]]
    """
    return 1.0 - (1.0 - base_find[None, :]) * np.exp(-chain_strength * tie_share)
