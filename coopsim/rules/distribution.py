"""The annual distribution of a village cooperative's surplus."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Distribution(NamedTuple):
    """Where a year's surplus goes, in fen."""

    accumulation: int
    guaranteed: int
    dividends: int
    collective: int
    managers: int


class Distributions(NamedTuple):
    """:class:`Distribution` for many cooperatives: int64 arrays of fen."""

    accumulation: np.ndarray
    guaranteed: np.ndarray
    dividends: np.ndarray
    collective: np.ndarray
    managers: np.ndarray


def split_surplus(surplus_fen: int, reserve_fen: int, members: int, guaranteed_fen: int,
                  accumulation_share: float, members_share: float, collective_share: float,
                  managers_share: float) -> Distribution:
    """Split a year's surplus (profit the cooperative holds in cash).

    1. ``accumulation_share`` of a positive surplus is kept as reserve.
    2. Every member household gets the guaranteed minimum dividend, paid from
       the rest of the surplus and, if that is short, from the reserve
       (``reserve_fen``, cash already accumulated); if both are short, it is
       paid pro rata.
    3. What remains is split members / collective / managers.

    The five parts sum to ``max(surplus, 0)`` plus what was drawn from the
    reserve (``guaranteed - (surplus - accumulation)`` when positive).

    >>> split_surplus(100_000, 0, 2, 10_000, 0.1, 0.4, 0.3, 0.3)
    Distribution(accumulation=10000, guaranteed=20000, dividends=28000, collective=21000, managers=21000)
    """
    d = split_surpluses(np.array([surplus_fen]), np.array([reserve_fen]), np.array([members]), guaranteed_fen,
                        accumulation_share, members_share, collective_share, managers_share)
    return Distribution(*(int(x[0]) for x in d))


def split_surpluses(surplus_fen: np.ndarray, reserve_fen: np.ndarray, members: np.ndarray, guaranteed_fen: int,
                    accumulation_share: float, members_share: float, collective_share: float,
                    managers_share: float) -> Distributions:
    """:func:`split_surplus` for many cooperatives at once (arrays in, a
    :class:`Distributions` out)."""
    surplus = np.maximum(np.asarray(surplus_fen, dtype=np.int64), 0)
    accumulation = np.floor(accumulation_share * surplus).astype(np.int64)
    after = surplus - accumulation
    guaranteed = np.minimum(np.asarray(members, dtype=np.int64) * int(guaranteed_fen),
                            after + np.maximum(np.asarray(reserve_fen, dtype=np.int64), 0))
    rest = np.maximum(after - guaranteed, 0)
    parts = allocate_rows(rest, np.array([members_share, collective_share, managers_share]))
    return Distributions(accumulation, guaranteed, parts[:, 0], parts[:, 1], parts[:, 2])


def allocate_rows(totals_fen: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """:func:`~coopsim.money.allocate` of each total over the same weights:
    (len(totals), len(weights)) int64, each row summing exactly to its total."""
    w = np.asarray(weights, dtype=np.float64)
    totals = np.asarray(totals_fen, dtype=np.int64)
    if np.any(totals > 0) and w.sum() <= 0:
        raise ValueError("allocate_rows: cannot split over zero weights")
    exact = (w / w.sum())[None, :] * totals[:, None] if w.sum() > 0 else np.zeros((len(totals), len(w)))
    parts = np.floor(exact).astype(np.int64)
    short = totals - parts.sum(axis=1)
    order = np.argsort(-(exact - parts), axis=1, kind="stable")  # largest remainder first, ties to the lower index
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(len(w))[None, :], axis=1)
    return parts + (rank < short[:, None])
