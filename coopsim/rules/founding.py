"""A village cooperative's founding: when in the rollout, and which industry."""

from __future__ import annotations

import numpy as np

from coopsim.config import CooperativeConfig

#: The founding month of a village the rollout never reaches (after any run's end).
NEVER = np.iinfo(np.int64).max


def founding_months(cfg: CooperativeConfig, start_year: int, n_villages: int, rng: np.random.Generator) -> np.ndarray:
    """Month (from the run start) in which each village founds its cooperative.

    A ``pilot_share`` of villages, drawn at random, found in the pilot month;
    the others in a month drawn uniformly from the month the spread starts
    up to the month the rollout completes. Months before the run start are
    clipped to 0. Only a ``coverage_share`` of the villages, drawn at random
    (after the months, so that full coverage draws nothing more), ever found
    one: the others' month is :data:`NEVER`.
    """
    r = cfg.rollout
    pilot = (r.pilot_year - start_year) * 12 + r.pilot_month - 1
    spread = (r.spread_year - start_year) * 12 + r.spread_month - 1
    complete = (r.complete_year - start_year) * 12 + r.complete_month - 1
    order = rng.permutation(n_villages)
    months = np.empty(n_villages, dtype=np.int64)
    n_pilot = int(round(r.pilot_share * n_villages))
    months[order[:n_pilot]] = pilot
    later = rng.integers(min(spread, complete), complete + 1, size=n_villages - n_pilot)
    months[order[n_pilot:]] = later
    if r.coverage_share < 1.0:  # the villages the party-led cooperatives never reach
        never = rng.permutation(n_villages)[: n_villages - int(round(r.coverage_share * n_villages))]
        months[never] = NEVER
    return np.maximum(months, 0)


def spread_months(n: int, first: int, complete: int, pioneer_share: float, rng: np.random.Generator) -> np.ndarray:
    """Month (from the run start) in which each of ``n`` townships or counties takes up an institution.

    The pioneers — a ``pioneer_share`` of them, at least one, drawn at random — start in month
    ``first``; the others in a month drawn uniformly from ``first`` up to ``complete``. Months
    before the run start are clipped to 0.

    >>> spread_months(4, 12, 12, 0.25, np.random.default_rng(1)).tolist()
    [12, 12, 12, 12]
    """
    order = rng.permutation(n)
    months = np.empty(n, dtype=np.int64)
    pioneers = min(max(int(round(pioneer_share * n)), 1), n)
    months[order[:pioneers]] = first
    months[order[pioneers:]] = rng.integers(first, max(complete, first) + 1, size=n - pioneers)
    return np.maximum(months, 0)


def starting_crops(shares: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Each of ``n`` households' crop at the start (a market index), drawn with probabilities ``shares``.

    >>> starting_crops(np.array([0.0, 1.0, 0.0]), 3, np.random.default_rng(0)).tolist()
    [1, 1, 1]
    """
    cum = np.cumsum(shares) / np.sum(shares)
    return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(shares) - 1).astype(np.int64)


def over_horizon(net: np.ndarray, upkeep: np.ndarray, months_to_first_harvest: np.ndarray,
                 horizon_years: float) -> np.ndarray:
    """A crop's net per mu and year averaged over a planning horizon: ``upkeep`` is paid, and nothing
    harvested, while the crop or herd matures; ``net`` a year once it yields.

    >>> over_horizon(np.array([1000.0]), np.array([400.0]), np.array([12]), 2.0).tolist()
    [300.0]
    """
    horizon = 12.0 * horizon_years
    harvest_months = np.clip(horizon - months_to_first_harvest, 0.0, horizon)
    return (net * harvest_months - upkeep * (horizon - harvest_months)) / horizon


def choose_industry(expected_net: np.ndarray, neighbour_choices: np.ndarray, herding: float,
                    temperature: float, u_herd: float, u_pick: float) -> int:
    """A new cooperative's industry: its position among the candidates ``expected_net`` is given for.

    With probability ``herding`` (``u_herd < herding``) it copies the most
    common industry among already-founded neighbours, ``neighbour_choices``
    (positions among the same candidates), if any; otherwise it
    draws from a softmax of ``expected_net`` (yuan per mu, scaled by its
    spread) with ``temperature``. Ties go to the lower index.
    """
    mode = int(np.bincount(neighbour_choices, minlength=len(expected_net)).argmax()) if neighbour_choices.size else -1
    return int(choose_industries(np.asarray(expected_net, dtype=np.float64)[None, :], np.array([mode]), herding,
                                 temperature, np.array([u_herd]), np.array([u_pick]))[0])


def choose_industries(expected_net: np.ndarray, herd_choice: np.ndarray, herding: float, temperature: float,
                      u_herd: np.ndarray, u_pick: np.ndarray) -> np.ndarray:
    """:func:`choose_industry` for many choosers at once (a cooperative, or each household).

    ``expected_net`` is (choosers, candidates); ``herd_choice`` the position each would copy (its
    neighbours' most common, or -1 for none), with probability ``herding`` (``u_herd < herding``);
    otherwise a draw ``u_pick`` from the softmax of its row, scaled by the row's spread.

    >>> choose_industries(np.array([[0.0, 100.0], [0.0, 100.0]]), np.array([0, -1]), 1.0, 0.01,
    ...                   np.array([0.5, 0.5]), np.array([0.2, 0.2])).tolist()
    [0, 1]
    """
    scale = np.maximum(np.std(expected_net, axis=1), 1.0)
    z = (expected_net - expected_net.max(axis=1, keepdims=True)) / (scale[:, None] * temperature)
    p = np.exp(z)
    cum = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    pick = np.minimum((cum <= np.asarray(u_pick)[:, None]).sum(axis=1), expected_net.shape[1] - 1)
    return np.where((np.asarray(u_herd) < herding) & (herd_choice >= 0), herd_choice, pick)
