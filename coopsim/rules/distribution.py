"""The annual distribution of a village cooperative's surplus."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from coopsim.ledger import allocate


class Distribution(NamedTuple):
    """Where a year's surplus goes, in fen."""

    accumulation: int
    guaranteed: int
    dividends: int
    collective: int
    managers: int


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
    surplus = max(int(surplus_fen), 0)
    accumulation = int(np.floor(accumulation_share * surplus))
    after = surplus - accumulation
    guaranteed = min(members * int(guaranteed_fen), after + max(int(reserve_fen), 0))
    rest = max(after - guaranteed, 0)
    dividends, collective, managers = (int(x) for x in allocate(rest, np.array([members_share, collective_share, managers_share])))
    return Distribution(accumulation, guaranteed, dividends, collective, managers)
