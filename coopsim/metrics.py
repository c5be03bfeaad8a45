"""Outcome measures: person-weighted means, medians, Gini, poverty."""

from __future__ import annotations

import numpy as np


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """Median of ``values`` where each counts ``weights`` times (lower median on ties).

    >>> weighted_median(np.array([1.0, 10.0, 100.0]), np.array([1, 1, 5]))
    100.0
    """
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(np.asarray(weights, dtype=np.float64)[order])
    return float(np.asarray(values)[order][np.searchsorted(cum, 0.5 * cum[-1])])


def gini(values: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Gini coefficient of ``values`` (may be negative incomes), person-weighted.

    Computed from the Lorenz curve of the sorted values. Equal values give
    0; one holder of everything among ``n`` equal weights gives ``1 - 1/n``.

    >>> gini(np.array([1.0, 1.0, 1.0, 1.0]))
    0.0
    >>> gini(np.array([0.0, 0.0, 0.0, 4.0]))
    0.75
    """
    x = np.asarray(values, dtype=np.float64)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    total = (w * x).sum()
    if total == 0:
        return 0.0
    cum_w = np.cumsum(w) / w.sum()
    cum_x = np.cumsum(w * x) / total
    prev_x = np.concatenate(([0.0], cum_x[:-1]))
    prev_w = np.concatenate(([0.0], cum_w[:-1]))
    area = ((cum_w - prev_w) * (cum_x + prev_x)).sum() / 2.0
    return float(1.0 - 2.0 * area)
