"""Where each working-age adult is this month: home, in a city, or home for the festival."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from coopsim.households import AWAY, FESTIVAL, HOME

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
                   p_return: float | np.ndarray, festival_home: float, festival_stay: float) -> Moves:
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
        leaves with ``p_leave`` (per household, shape (n,)) and an away
        worker returns with ``p_return`` (a number, or one per slot, shape (n, W)).
    """
    new = status.copy()
    left = returned = fest_home = fest_back = 0
    if month_of_year == FESTIVAL_MONTH:
        go_home = (status == AWAY) & (u < festival_home)
        new[go_home] = FESTIVAL
        fest_home = int(go_home.sum())
    elif month_of_year == AFTER_FESTIVAL_MONTH:
        visiting = status == FESTIVAL
        stay = visiting & (u < festival_stay)
        new[visiting & ~stay] = AWAY
        new[stay] = HOME
        fest_back = int((visiting & ~stay).sum())
        returned += int(stay.sum())
    if month_of_year >= AFTER_FESTIVAL_MONTH:
        leave = (status == HOME) & (u < p_leave[:, None])
        back = (status == AWAY) & (u < p_return)
        new[leave] = AWAY
        new[back] = HOME
        left += int(leave.sum())
        returned += int(back.sum())
    return Moves(new, left, returned, fest_home, fest_back)
