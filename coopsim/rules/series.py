"""Values that change by year as the sources report them (wages, pensions, standards, poverty lines).

A series is a mapping from a calendar year to a value, as the config gives it
(``state.pension_yuan_month_by_year`` ...). Between its years a value holds
from the year it is given until the next (standards change on 1 January);
before its first year the first value holds, after its last the last: the
config, not the code, says what is assumed beyond the sources (such years are
marked [E] there).

>>> s = {2017: 70.0, 2018: 88.0, 2021: 93.0}
>>> [by_year(s, y) for y in (2016, 2017, 2019, 2021, 2030)]
[70.0, 70.0, 88.0, 93.0, 93.0]
>>> monthly(s, 2017, 24).tolist()[::12]
[70.0, 88.0]
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def by_year(series: Mapping[int, float], year: int) -> float:
    """The series' value in ``year``: the latest given at or before it (the first before its first year)."""
    years = sorted(series)
    i = int(np.searchsorted(years, year, side="right")) - 1
    return float(series[years[max(i, 0)]])


def monthly(series: Mapping[int, float], start_year: int, months: int) -> np.ndarray:
    """The series' value in every month of a run starting in January of ``start_year``."""
    values = np.array([by_year(series, start_year + y) for y in range(-(-months // 12))])
    return values[np.arange(months) // 12]
