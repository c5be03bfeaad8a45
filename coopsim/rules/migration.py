"""Where each working-age adult is this month: home, in a city, or home for the festival."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

#: Where a working-age adult is (one cell of ``Households.worker_status``): no
#: worker in this slot, at home, away in a city, home for the Spring Festival
#: (going back to the city after it).
NO_WORKER, HOME, AWAY, FESTIVAL = 0, 1, 2, 3
FESTIVAL_MONTH, AFTER_FESTIVAL_MONTH = 1, 3


class Moves(NamedTuple):
    """Result of one month's migration step."""

    status: np.ndarray
    left: int
    returned: int
    festival_home: int
    festival_back: int


def leave_probability(base: float, elasticity: float, city_wage: np.ndarray, local_income: np.ndarray,
                      reference_ratio: float) -> np.ndarray:
    """Monthly chance that a worker at home leaves for a city.

    ``base * ((city_wage / local_income) / reference_ratio) ** elasticity``,
    capped at 1: equal to ``base`` when the wage gap is the reference gap,
    lower when local earnings (e.g. cooperative jobs) narrow it.
    """
    ratio = np.asarray(city_wage) / np.maximum(np.asarray(local_income), 1.0)
    return np.minimum(1.0, base * (ratio / reference_ratio) ** elasticity)


def migration_step(status: np.ndarray, u: np.ndarray, month_of_year: int, p_leave: np.ndarray,
                   p_return: float | np.ndarray, festival_home: float, festival_stay: float,
                   travel_stop: bool = False) -> Moves:
    """Apply one month's moves to every worker slot.

    Parameters
    ----------
    status
        (n, W) worker status codes.
    u
        (n, W) uniform draws, one per slot, drawn every month whatever the
        status so the stream stays aligned across tiers.
    month_of_year
        1..12. In January away workers go home for the Spring Festival with
        ``festival_home``; in March those at home for it stay with
        ``festival_stay`` or go back. From March to December a worker at home
        leaves with ``p_leave`` (per household, shape (n,), or per slot,
        (n, W)) and an away worker returns with ``p_return`` (a number, or
        one per slot).
    travel_stop
        no departures and no festival trips; those home for the festival
        stay until travel opens again (they decide then).
    """
    new = status.copy()
    left = returned = fest_home = fest_back = 0
    p_slot = p_leave if np.ndim(p_leave) == 2 else np.asarray(p_leave)[:, None]
    if month_of_year == FESTIVAL_MONTH and not travel_stop:
        go_home = (status == AWAY) & (u < festival_home)
        new[go_home] = FESTIVAL
        fest_home = int(go_home.sum())
    elif month_of_year >= AFTER_FESTIVAL_MONTH and not travel_stop:
        visiting = status == FESTIVAL
        stay = visiting & (u < festival_stay)
        new[visiting & ~stay] = AWAY
        new[stay] = HOME
        fest_back = int((visiting & ~stay).sum())
        returned += int(stay.sum())
    if month_of_year >= AFTER_FESTIVAL_MONTH:
        leave = (status == HOME) & (u < p_slot) & (not travel_stop)
        back = (status == AWAY) & (u < p_return)
        new[leave] = AWAY
        new[back] = HOME
        left += int(leave.sum())
        returned += int(back.sum())
    return Moves(new, left, returned, fest_home, fest_back)


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
