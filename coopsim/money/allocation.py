"""Integer money arithmetic: yuan to fen, and splitting a sum of fen into
integer parts that add up exactly (largest remainder).

Pure functions over numpy arrays; the ledger, the world (households per
village) and the institutions (dividends, rebates, rewards) share them.
"""

from __future__ import annotations

import numpy as np

FEN_PER_YUAN = 100


def to_fen(yuan: np.ndarray | float) -> np.ndarray:
    """Round yuan amounts to whole fen (int64), half away from zero."""
    arr = np.multiply(yuan, float(FEN_PER_YUAN), dtype=np.float64)
    if arr.ndim == 0:
        return np.int64(np.copysign(np.floor(abs(float(arr)) + 0.5), arr))  # type: ignore[return-value]
    out = np.abs(arr)
    out += 0.5
    np.floor(out, out=out)
    return np.copysign(out, arr, out=out).astype(np.int64)


def allocate(total_fen: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total_fen`` into integer parts proportional to ``weights``.

    Largest-remainder method: the parts are non-negative and sum exactly to
    ``total_fen``; ties in the remainders go to the lower index.

    Parameters
    ----------
    total_fen
        Non-negative amount to split.
    weights
        Non-negative weights; if they are all zero, nothing can be split and
        a ``ValueError`` is raised unless ``total_fen`` is zero.
    """
    w = np.asarray(weights, dtype=np.float64)
    if total_fen < 0:
        raise ValueError(f"allocate: total_fen must be >= 0, got {total_fen}")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("allocate: weights must be finite and >= 0")
    parts = np.zeros(w.shape, dtype=np.int64)
    wsum = w.sum()
    if total_fen == 0:
        return parts
    if wsum <= 0:
        raise ValueError(f"allocate: cannot split {total_fen} fen over zero weights")
    exact = w / wsum * total_fen
    parts = np.floor(exact).astype(np.int64)
    short = int(total_fen - parts.sum())
    if short > 0:
        parts.reshape(-1)[_largest_first(np.ravel(exact - parts), short)] += 1
    return parts


def split_equally(totals_fen: np.ndarray, flags: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Split each group's total equally among its flagged rows, to the fen.

    ``group`` is each row's group, non-decreasing (e.g. households by
    village). Each flagged row gets ``total // k`` and the first
    ``total % k`` flagged rows of the group one fen more: the same as
    :func:`allocate` with equal weights, for every group at once.

    >>> split_equally(np.array([10, 3]), np.array([True, True, True, False, True, True]),
    ...               np.array([0, 0, 0, 1, 1, 1])).tolist()
    [4, 3, 3, 0, 2, 1]
    """
    totals = np.asarray(totals_fen, dtype=np.int64)
    rows = np.flatnonzero(flags)
    g = np.asarray(group)[rows]
    counts = np.bincount(g, minlength=len(totals))
    if np.any((counts == 0) & (totals > 0)):
        bad = int(np.flatnonzero((counts == 0) & (totals > 0))[0])
        raise ValueError(f"split_equally: group {bad} has {int(totals[bad])} fen to split and no members")
    share, rest = np.divmod(totals, np.maximum(counts, 1))
    rank = np.arange(rows.size) - np.searchsorted(g, g, side="left")  # place among the group's flagged rows
    out = np.zeros(len(flags), dtype=np.int64)
    out[rows] = share[g] + (rank < rest[g])
    return out


def _largest_first(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest values, ties going to the lower index: the
    first ``k`` of a stable descending sort, found in linear time."""
    if k >= values.size:
        return np.arange(values.size)
    threshold = np.partition(values, values.size - k)[values.size - k]
    above = np.flatnonzero(values > threshold)
    at = np.flatnonzero(values == threshold)[: k - above.size]
    return np.concatenate((above, at))


def segment_sums(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Exact sums of contiguous segments ``values[starts[g]:starts[g+1]]``.

    Works for empty segments too (unlike ``np.add.reduceat``).
    """
    cum = np.concatenate(([0], np.cumsum(values)))
    ends = np.append(starts[1:], len(values))
    return cum[ends] - cum[starts]
