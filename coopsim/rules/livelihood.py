"""Household livelihoods: own farming, local work, city wages, spending."""

from __future__ import annotations

import numpy as np


def wage_in_month(start_wage: float, yearly_growth: float, t: int) -> float:
    """A wage that rises by ``yearly_growth`` each January, ``t`` months after the start (a January).

    >>> round(wage_in_month(100.0, 0.1, 25), 6)  # third year: two rises
    121.0
    """
    return start_wage * (1.0 + yearly_growth) ** (t // 12)


def farm_labour_factor(need_days: np.ndarray, available_days: np.ndarray) -> np.ndarray:
    """Share of the own farm's work that gets done: ``min(1, available / need)`` (1 if no need).

    >>> farm_labour_factor(np.array([10.0, 10.0, 0.0]), np.array([5.0, 20.0, 0.0])).tolist()
    [0.5, 1.0, 1.0]
    """
    need = np.asarray(need_days, dtype=np.float64)
    out = np.ones_like(need)
    np.divide(available_days, need, out=out, where=need > 0)
    return np.minimum(out, 1.0)


def spending_yuan(balance_yuan: np.ndarray, members: np.ndarray, subsistence_per_person: float,
                  share_of_savings: float) -> np.ndarray:
    """Monthly spending: subsistence for every member plus a share of savings above it.

    Never more than the balance (households cannot overdraw).

    >>> spending_yuan(np.array([1000.0, 100.0]), np.array([2, 2]), 200.0, 0.1).tolist()
    [460.0, 100.0]
    """
    need = subsistence_per_person * np.asarray(members, dtype=np.float64)
    balance = np.asarray(balance_yuan, dtype=np.float64)
    want = need + share_of_savings * np.maximum(balance - need, 0.0)
    return np.minimum(want, balance)
