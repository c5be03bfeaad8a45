"""A village cooperative's founding: when in the rollout, and which industry."""

from __future__ import annotations

import numpy as np

from coopsim.config import CooperativeConfig


def founding_months(cfg: CooperativeConfig, start_year: int, n_villages: int, rng: np.random.Generator) -> np.ndarray:
    """Month (from the run start) in which each village founds its cooperative.

    A ``pilot_share`` of villages, drawn at random, found in the pilot month;
    the others in a month drawn uniformly from the month the spread starts
    up to the month the rollout completes. Months before the run start are
    clipped to 0.
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
    return np.maximum(months, 0)


def choose_industry(expected_net: np.ndarray, neighbour_choices: np.ndarray, herding: float,
                    temperature: float, u_herd: float, u_pick: float) -> int:
    """A new cooperative's industry: its position among the candidates ``expected_net`` is given for.

    With probability ``herding`` (``u_herd < herding``) it copies the most
    common industry among already-founded neighbours, ``neighbour_choices``
    (positions among the same candidates), if any; otherwise it
    draws from a softmax of ``expected_net`` (yuan per mu, scaled by its
    spread) with ``temperature``. Ties go to the lower index.
    """
    if u_herd < herding and neighbour_choices.size:
        return int(np.bincount(neighbour_choices, minlength=len(expected_net)).argmax())
    scale = max(float(np.std(expected_net)), 1.0)
    z = (expected_net - expected_net.max()) / (scale * temperature)
    p = np.exp(z) / np.exp(z).sum()
    return min(int(np.searchsorted(np.cumsum(p), u_pick, side="right")), len(p) - 1)
