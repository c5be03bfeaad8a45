"""Measures of outcomes over arrays: the person-weighted median, the Gini coefficient and quintile shares."""

from __future__ import annotations

import numpy as np


def weighted_median(values: np.ndarray, weights: np.ndarray, presorted: bool = False) -> float:
    """Median of ``values`` where each counts ``weights`` times (lower median on ties).

    ``presorted``: the values are already in ascending order (weights alongside).

    >>> weighted_median(np.array([1.0, 10.0, 100.0]), np.array([1, 1, 5]))
    100.0
    """
    x, w = np.asarray(values), np.asarray(weights, dtype=np.float64)
    if not presorted:
        order = np.argsort(x, kind="stable")
        x, w = x[order], w[order]
    cum = np.cumsum(w)
    return float(x[np.searchsorted(cum, 0.5 * cum[-1])])


def gini(values: np.ndarray, weights: np.ndarray | None = None, presorted: bool = False) -> float:
    """Gini coefficient of ``values`` (may be negative incomes), person-weighted.

    Computed from the Lorenz curve of the sorted values (``presorted``: the
    values are already in ascending order, weights alongside). Equal values give
    0; one holder of everything among ``n`` equal weights gives ``1 - 1/n``.

    >>> gini(np.array([1.0, 1.0, 1.0, 1.0]))
    0.0
    >>> gini(np.array([0.0, 0.0, 0.0, 4.0]))
    0.75
    """
    x = np.asarray(values, dtype=np.float64)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    if not presorted:
        order = np.argsort(x, kind="stable")
        x, w = x[order], w[order]
    wx = w * x
    total = wx.sum()
    if total == 0:
        return 0.0
    # Lorenz area: each person's step (w_i / W) times the mean height of the curve over it,
    # (L_{i-1} + L_i) / 2 with L_i = cum_wx_i / total; L_{i-1} + L_i = (2 cum_wx_i - wx_i) / total.
    cum_wx = np.cumsum(wx)
    cum_wx *= 2.0
    cum_wx -= wx
    area = float((w * cum_wx).sum()) / (2.0 * float(w.sum()) * float(total))
    return float(1.0 - 2.0 * area)


def quintile_shares(values: np.ndarray, weights: np.ndarray, presorted: bool = False) -> np.ndarray:
    """Share of the total held by each fifth of persons, poorest first (as the statistics group households by
    income per person into five equal groups of persons; a household on a boundary is split between groups).

    >>> quintile_shares(np.arange(1.0, 11.0), np.ones(10)).round(4).tolist()
    [0.0545, 0.1273, 0.2, 0.2727, 0.3455]
    """
    x, w = np.asarray(values, dtype=np.float64), np.asarray(weights, dtype=np.float64)
    if not presorted:
        order = np.argsort(x, kind="stable")
        x, w = x[order], w[order]
    cum_w = np.concatenate([[0.0], np.cumsum(w)])
    cum_wx = np.concatenate([[0.0], np.cumsum(w * x)])
    cuts = cum_w[-1] * np.arange(6) / 5.0
    held = np.interp(cuts, cum_w, cum_wx)  # the Lorenz curve at each fifth of persons
    total = held[-1]
    return np.diff(held) / total if total != 0 else np.full(5, 0.2)
