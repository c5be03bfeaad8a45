"""Resilience: how deep incomes fall after a shock and how long they take to recover.

Each measure compares a run with its no-shock counterfactual: the same config
and seed without the scenario's shocks, so the same households, prices and
draws (common random numbers). Monthly per-capita income is seasonal, so the
comparison uses its centred 3-month average.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

RECOVERY_LEVEL = 0.95


def smoothed(series: pd.Series, window: int = 3) -> np.ndarray:
    """Centred moving average (shorter at the ends)."""
    return series.rolling(window, center=True, min_periods=1).mean().to_numpy()


def income_response(shocked: pd.DataFrame, baseline: pd.DataFrame) -> pd.DataFrame:
    """Monthly per-capita income with and without the shock, and their ratio."""
    s = smoothed(shocked["income_per_capita_yuan"])
    b = smoothed(baseline["income_per_capita_yuan"])
    return pd.DataFrame({"t": shocked["t"].to_numpy(), "year": shocked["year"].to_numpy(),
                         "month": shocked["month"].to_numpy(), "income_shock_yuan": s, "income_baseline_yuan": b,
                         "ratio": s / np.where(b == 0, np.nan, b)})


def recovery_months(ratio: np.ndarray, onset: int, level: float = RECOVERY_LEVEL) -> float:
    """Months from the onset until the ratio is back at ``level`` after its trough.

    0 if it never fell below ``level``; NaN if it has not recovered by the end.

    >>> recovery_months(np.array([1, 1, .8, .9, .96, 1]), onset=1)
    3.0
    """
    after = ratio[onset:]
    if after.size == 0 or np.nanmin(after) >= level:
        return 0.0
    trough = int(np.nanargmin(after))
    back = np.flatnonzero(after[trough:] >= level)
    return float(trough + back[0]) if back.size else float("nan")


def poverty_reentry(shocked_below: np.ndarray, baseline_below: np.ndarray, onset_index: int) -> int:
    """Households above the poverty line the year before the shock that fall
    below it in some later year with the shock, less those that do so without it.

    ``*_below`` are (years, households) bools; ``onset_index`` is the year of the shock (0 = first year).
    """
    if onset_index < 1:
        return 0

    def fell(below: np.ndarray) -> int:
        return int((~below[onset_index - 1] & below[onset_index:].any(axis=0)).sum())
    return fell(shocked_below) - fell(baseline_below)


def measures(shocked: dict[str, pd.DataFrame], baseline: dict[str, pd.DataFrame], onset: int,
             start_year: int) -> dict[str, Any]:
    """Resilience measures of one run against its counterfactual.

    Parameters
    ----------
    shocked, baseline
        The two runs' tables (``region_month``; ``household_year``,
        ``village_year`` and ``region_year`` when present).
    onset
        Run month of the (earliest) shock.
    """
    resp = income_response(shocked["region_month"], baseline["region_month"])
    ratio = resp["ratio"].to_numpy()
    after = slice(onset, None)
    persons = shocked["region_month"]["persons"].iloc[0]
    loss_pc = float((resp["income_baseline_yuan"] - resp["income_shock_yuan"]).to_numpy()[after].sum())
    sm, bm = shocked["region_month"], baseline["region_month"]
    away_gap = (sm["workers_away"] - bm["workers_away"]).to_numpy()[after]
    out: dict[str, Any] = {
        "onset_t": onset,
        "depth": float(1.0 - np.nanmin(ratio[after])),
        "trough_t": int(onset + np.nanargmin(ratio[after])),
        "recovery_months": recovery_months(ratio, onset),
        "cumulative_loss_per_capita_yuan": loss_pc,
        "cumulative_loss_yuan": loss_pc * float(persons),
        "migrants_away_change_min": int(away_gap.min()),
        "migrants_away_change_max": int(away_gap.max()),
        "returns_extra": int((sm["returned"] - bm["returned"]).to_numpy()[after].sum()),
        "departures_extra": int((sm["left"] - bm["left"]).to_numpy()[after].sum()),
    }
    out.update(_yearly_measures(shocked, baseline, start_year + onset // 12, start_year))
    return out


def _yearly_measures(shocked: dict[str, pd.DataFrame], baseline: dict[str, pd.DataFrame], onset_year: int,
                     start_year: int) -> dict[str, Any]:
    """Poverty re-entry, extra poor persons and fiscal cost from the onset's year on, and extra cooperative failures."""
    out: dict[str, Any] = {}
    s_below = getattr(shocked, "below_poverty_line", None)
    b_below = getattr(baseline, "below_poverty_line", None)
    if s_below is not None and b_below is not None and s_below.size and b_below.size:
        out["poverty_reentry_households"] = poverty_reentry(s_below, b_below, onset_year - start_year)
    sy, by = shocked["region_year"], baseline["region_year"]
    later = sy["year"] >= onset_year
    out["poverty_headcount_change_mean"] = float((sy["poverty_headcount"] - by["poverty_headcount"])[later].mean())
    out["fiscal_cost_change_yuan"] = float((sy["fiscal_cost_yuan"] - by["fiscal_cost_yuan"])[later].sum())
    if "coop_unpaid_yuan" in shocked["village_year"]:
        sv, bv = shocked["village_year"], baseline["village_year"]
        failing = (sv["coop_unpaid_yuan"] > 0) & (sv["year"] >= onset_year)
        failing_b = (bv["coop_unpaid_yuan"] > 0) & (bv["year"] >= onset_year)
        out["coop_failures_extra"] = int(failing.sum() - failing_b.sum())
    return out
