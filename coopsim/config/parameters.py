"""The parameter vocabulary: every config key's unit, plausible range, source and meaning.

One table, ``parameters.csv`` beside this module, one row per config key,
with ``*`` standing for a name (a commodity, a destination, a shock, a crop
of the farm mix). Sources: ``S: <row>`` sourced (``data/calibration_sources.csv`` or ``data/economy_sources.csv``),
``E`` estimate, ``lever`` a mechanism switched on or off, ``scenario`` part of
a shock's definition, ``setting`` how a run is made. A key with a range
(``low``, ``high``) is uncertain: the calibration fits within it and the
sensitivity analysis screens over it, both from this one table.

>>> ranges(["labour.leave_probability"])
{'labour.leave_probability': (0.04, 0.3)}
>>> vocabulary()[pattern_of("market.commodities.tea.harvest_weights")].unit
'share by month (Jan..Dec)'
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

#: The vocabulary's table.
TABLE = Path(__file__).resolve().parent / "parameters.csv"
#: Parts of a key that name things (a commodity, a destination, a shock, a crop of the farm mix).
NAMED = ("market.commodities", "labour.destinations", "scenario.shocks", "households.own_farm_mix", "region.own_farm_mix")
#: Keys of series by date: their last part is a year or a month (YYYY-MM).
DATED = ("_by_year", ".prices_yuan")


class UnknownParameter(KeyError):
    """A key that is not in the vocabulary, or has no range where one is needed."""


@dataclass(frozen=True)
class Parameter:
    """One row of the vocabulary."""

    key: str
    unit: str
    low: float | None
    high: float | None
    source: str
    meaning: str

    @property
    def range(self) -> tuple[float, float]:
        """The plausible range (low, high) of an uncertain parameter."""
        if self.low is None or self.high is None:
            raise UnknownParameter(f"parameter {self.key!r} has no range in {TABLE.name}")
        return self.low, self.high

    def columns(self, source: str | None = None) -> dict[str, str]:
        """The unit, range, source (``source`` if given) and meaning, as table cells."""
        span = "" if self.low is None or self.high is None else f"{self.low:g}–{self.high:g}"
        return {"unit": self.unit, "range": span, "source": source or self.source, "meaning": self.meaning}


def pattern_of(key: str) -> str:
    """The key with its names replaced by ``*`` (``market.commodities.*.unit``), and the year or month of a
    dated series too (``state.pension_yuan_month_by_year.*``, ``scenario.shocks.*.prices_yuan.*``)."""
    for prefix in NAMED:
        if key.startswith(prefix + "."):
            _name, dot, field = key[len(prefix) + 1:].partition(".")
            key = f"{prefix}.*" + (f".{field}" if dot else "")
            break
    head, dot, _date = key.rpartition(".")
    if dot and head.endswith(DATED):
        return f"{head}.*"
    return key


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


@cache
def vocabulary(path: Path = TABLE) -> dict[str, Parameter]:
    """Every row of the table, by key pattern."""
    with path.open(newline="", encoding="utf-8") as f:
        return {r["parameter"]: Parameter(r["parameter"], r["unit"], _number(r["low"]), _number(r["high"]), r["source"],
                                          r["meaning"]) for r in csv.DictReader(f)}


def parameter(key: str) -> Parameter:
    """The vocabulary's row for a config key (names in it generalised)."""
    try:
        return vocabulary()[pattern_of(key)]
    except KeyError:
        raise UnknownParameter(f"config key {key!r} is not in {TABLE.name}") from None


def ranges(keys: Iterable[str]) -> dict[str, tuple[float, float]]:
    """The plausible range of each key, in the order given."""
    return {k: parameter(k).range for k in keys}
