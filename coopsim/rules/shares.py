"""Shareholding of a village cooperative ("village and cooperative as one").

Rules from the brief: the village collective holds >= 20 %, the villagers
together >= 40 %, and no single other holder (capable person, enterprise,
manager — and here any one household too) more than 10 %.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class ShareRegister(NamedTuple):
    """Fractions of the cooperative's shares (they sum to 1)."""

    collective: float
    capable_person: float
    villagers: np.ndarray  # one fraction per member household


def cap_fractions(fractions: np.ndarray, cap: float) -> np.ndarray:
    """Cap each fraction at ``cap``, passing the excess to the uncapped ones pro rata.

    The total is kept; raises ``ValueError`` if it exceeds ``len * cap``.
    """
    f = np.asarray(fractions, dtype=np.float64).copy()
    total = f.sum()
    if total > len(f) * cap + 1e-12:
        raise ValueError(f"cannot hold {total:.4f} in {len(f)} holdings of at most {cap}")
    capped = np.zeros(len(f), dtype=bool)
    while True:
        over = (f > cap + 1e-15) & ~capped
        if not over.any():
            return f
        capped |= over
        f[capped] = cap
        free = total - cap * capped.sum()
        rest = ~capped
        weights = np.asarray(fractions)[rest]
        f[rest] = free * (weights / weights.sum() if weights.sum() > 0 else 1.0 / rest.sum())


def apportion_shares(collective_value: float, villager_values: np.ndarray, capable_share: float,
                     collective_min: float, villagers_min: float, single_max: float) -> ShareRegister:
    """Turn contributed values into a share register that obeys the rules.

    The capable person (outside investor) holds ``capable_share``; the rest is
    split between the collective and the villagers by value contributed, then
    clamped so the collective has at least ``collective_min`` and the
    villagers at least ``villagers_min`` (assets beyond that are contributed
    but not counted as shares). Each household is capped at ``single_max``.

    Raises
    ------
    ValueError
        if there are no villager holders, or too few to hold
        ``villagers_min`` under the cap.
    """
    values = np.asarray(villager_values, dtype=np.float64)
    collective, villagers = apportion_shares_many(collective_value, values, np.zeros(values.size, dtype=np.int64), 1,
                                                  capable_share, collective_min, villagers_min, single_max)
    return ShareRegister(float(collective[0]), capable_share, villagers)


def apportion_shares_many(collective_value: float | np.ndarray, villager_values: np.ndarray, group: np.ndarray,
                          groups: int,
                          capable_share: float, collective_min: float, villagers_min: float,
                          single_max: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`apportion_shares` for many cooperatives at once.

    ``villager_values[i]`` is the value put in by member ``i`` of cooperative
    ``group[i]`` (members ordered by group); every cooperative
    ``0..groups-1`` must have members. Where the members have put nothing in
    (no land, no cash), they hold the villagers' minimum in equal parts.
    Returns the collective's fraction of each cooperative and each member's
    fraction.
    """
    values = np.asarray(villager_values, dtype=np.float64)
    members = np.bincount(group, minlength=groups)
    if np.any(members == 0):
        raise ValueError("a cooperative needs villager shareholders")
    total = np.bincount(group, weights=values, minlength=groups)
    empty = total <= 0
    if empty.any():  # nothing put in: equal holdings (the rules still give the villagers their minimum)
        values = np.where(empty[group], 1.0, values)
        total = np.where(empty, members, total)
    rest = 1.0 - capable_share
    villagers = rest * total / (collective_value + total)
    villagers = np.minimum(np.maximum(villagers, villagers_min), rest - collective_min)
    villagers = np.minimum(villagers, members * single_max)
    if np.any(villagers < villagers_min - 1e-12):
        g = int(np.argmax(villagers < villagers_min - 1e-12))
        raise ValueError(f"{members[g]} households under a {single_max} cap cannot hold {villagers_min} of the shares")
    per_household = villagers[group] * values / total[group]
    for g in np.unique(group[per_household > single_max + 1e-15]):  # rare: a few large holders
        rows = np.flatnonzero(group == g)
        per_household[rows] = cap_fractions(per_household[rows], single_max)
    return 1.0 - capable_share - villagers, per_household


def share_rules_hold(register: ShareRegister, collective_min: float, villagers_min: float,
                     single_max: float, tol: float = 1e-9) -> bool:
    """True if a register obeys the shareholding rules and sums to one."""
    total = register.collective + register.capable_person + register.villagers.sum()
    return bool(
        abs(total - 1.0) < tol
        and register.collective >= collective_min - tol
        and register.villagers.sum() >= villagers_min - tol
        and register.capable_person <= single_max + tol
        and (register.villagers <= single_max + tol).all()
    )
