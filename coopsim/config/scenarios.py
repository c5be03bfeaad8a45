"""Validated configuration of scenarios (shocks) and migration destinations.

A scenario is a set of named shocks (``scenario.shocks.<name>``), so scenarios
compose: ``scenario=[price_collapse,city_crisis]`` merges both sets. Each shock
has a ``kind`` that selects its schema. Deterministic shocks draw no random
numbers; stochastic ones draw only from the ``shocks`` stream — so a run and
its no-shock counterfactual share every other random number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coopsim.config.schema import MONTHS, SHARE, YEAR, YUAN, build, fail, require_sum_one, spec

SECTORS = ("construction", "manufacturing", "services")
SHAPES = ("step", "ramp", "v")


@dataclass(frozen=True)
class DestinationConfig:
    """A destination city (or city region) for migrant workers."""

    wage_multiplier: float = spec(gt=0.0, max=100.0)
    job_finding: float = spec(**SHARE)
    living_cost_yuan_month: float = spec(**YUAN)
    construction: float = spec(**SHARE)
    manufacturing: float = spec(**SHARE)
    services: float = spec(**SHARE)

    def check(self, path: str) -> None:
        require_sum_one(f"{path}.construction", self.construction, self.sector_shares(), "sector shares")

    def sector_shares(self) -> tuple[float, float, float]:
        return (self.construction, self.manufacturing, self.services)


@dataclass(frozen=True)
class Onset:
    """When a shock starts (calendar year and month)."""

    onset_year: int = spec(**YEAR)
    onset_month: int = spec(choices=MONTHS)


@dataclass(frozen=True)
class PriceShock(Onset):
    """A deterministic change in a commodity's price (``all``: every commodity).

    ``shape``: ``step`` — the full change for ``duration_months``, then back;
    ``ramp`` — rising linearly to the full change over ``duration_months``
    and staying; ``v`` — the full change at onset, recovering linearly over
    ``duration_months``.
    """

    kind: str = spec(choices=("price",))
    commodity: str = spec()
    magnitude: float = spec(gt=-1.0, max=10.0)
    duration_months: int = spec(min=0, max=1200)
    shape: str = spec(choices=SHAPES)


@dataclass(frozen=True)
class PriceRegime(Onset):
    """Stochastic regime switching: a commodity's market slumps and recovers at random."""

    kind: str = spec(choices=("price_regime",))
    commodity: str = spec()
    slump_magnitude: float = spec(gt=-1.0, max=0.0)
    enter_probability: float = spec(**SHARE)
    exit_probability: float = spec(**SHARE)


@dataclass(frozen=True)
class PriceCycle(Onset):
    """A price cycle added on top of the base process (e.g. a stronger pig cycle)."""

    kind: str = spec(choices=("price_cycle",))
    commodity: str = spec()
    amplitude: float = spec(min=0.0, max=2.0)
    period_months: int = spec(min=2, max=1200)


@dataclass(frozen=True)
class AnnualSwing(Onset):
    """Random year-to-year price levels (e.g. cocoon swings of +-50-70 %)."""

    kind: str = spec(choices=("annual_swing",))
    commodity: str = spec()
    volatility: float = spec(min=0.0, max=2.0)


@dataclass(frozen=True)
class CityShock(Onset):
    """Demand collapse, wage change or travel stop at destination cities.

    ``job_loss`` is the extra monthly chance that a migrant in the hit
    destination and sector loses the job (and searches for another or comes
    home), at full effect; ``wage_change`` the relative change of the wage;
    ``job_finding_change`` the relative change of the chance to find a job
    there; ``travel_stop`` stops all travel (no departures, no festival trips)
    while the shock is at more than half its effect.
    """

    kind: str = spec(choices=("city",))
    destination: str = spec()
    sector: str = spec(choices=("all", *SECTORS))
    duration_months: int = spec(min=0, max=1200)
    shape: str = spec(choices=SHAPES)
    job_loss: float = spec(**SHARE)
    wage_change: float = spec(gt=-1.0, max=10.0)
    travel_stop: bool = spec()
    job_finding_change: float = spec(default=0.0, min=-1.0, max=10.0)


@dataclass(frozen=True)
class PriceHistory:
    """A commodity's price as it happened: its price (yuan per unit) at dated months (``"2019-11": 34.87``),
    linear between them month by month. From the first dated month to the last it replaces the drawn path
    (the other shocks' factors included); the region's supply response still acts on it."""

    kind: str = spec(choices=("history",))
    commodity: str = spec()
    prices_yuan: Mapping[str, float] = spec()
    source: str = spec(default="")

    def check(self, path: str) -> None:
        if not self.prices_yuan:
            fail(f"{path}.prices_yuan", {}, "must give at least one dated price (\"YYYY-MM\": yuan)")
        for key, value in self.prices_yuan.items():
            if history_month(key) is None:
                fail(f"{path}.prices_yuan.{key}", value, "the key must be a month written YYYY-MM (e.g. 2019-11)")
            if not 0.0 < value <= YUAN["max"]:
                fail(f"{path}.prices_yuan.{key}", value, "must be a price > 0")

    def months(self) -> list[tuple[int, int, float]]:
        """The dated points as (year, month, yuan), in time order."""
        return sorted((*history_month(k), v) for k, v in self.prices_yuan.items())  # type: ignore[misc]


def history_month(key: str) -> tuple[int, int] | None:
    """``"2019-11"`` -> (2019, 11); None if the key is not a month so written."""
    year, dash, month = str(key).partition("-")
    if not (dash and year.isdigit() and month.isdigit() and len(year) == 4 and 1 <= int(month) <= 12):
        return None
    return int(year), int(month)


SHOCK_KINDS: dict[str, type] = {"price": PriceShock, "price_regime": PriceRegime, "price_cycle": PriceCycle,
                                "annual_swing": AnnualSwing, "city": CityShock, "history": PriceHistory}
Shock = PriceShock | PriceRegime | PriceCycle | AnnualSwing | CityShock | PriceHistory


def parse_shocks(data: Any, path: str = "scenario.shocks") -> tuple[tuple[str, Shock], ...]:
    """Validate ``scenario.shocks``: a mapping of shock name -> shock (by ``kind``).

    Returns (name, shock) pairs in name order.
    """
    if data is None:
        return ()
    if not isinstance(data, Mapping):
        fail(path, data, "must be a mapping of shock names to shocks")
    out: list[tuple[str, Shock]] = []
    for name in sorted(map(str, data)):
        shock = data[name]
        if not isinstance(shock, Mapping):
            fail(f"{path}.{name}", shock, "must be a mapping with a 'kind'")
        kind = shock.get("kind")
        if kind not in SHOCK_KINDS:
            fail(f"{path}.{name}.kind", kind, f"must be one of {', '.join(SHOCK_KINDS)}")
        out.append((name, build(SHOCK_KINDS[kind], shock, f"{path}.{name}")))
    return tuple(out)


def onset_month(shock: Shock, start_year: int) -> int:
    """Run month in which a shock starts (0 = January of ``start_year``; a history: its first dated month)."""
    if isinstance(shock, PriceHistory):
        year, month, _price = shock.months()[0]
        return (year - start_year) * 12 + month - 1
    return (shock.onset_year - start_year) * 12 + shock.onset_month - 1


def check_shocks(shocks: tuple[tuple[str, Shock], ...], commodities: set[str], destinations: set[str],
                 start_year: int, months: int, path: str = "scenario.shocks") -> None:
    """Cross-check shocks against the run: known commodities and cities, onset in the run."""
    for name, shock in shocks:
        key = f"{path}.{name}"
        target = getattr(shock, "commodity", None)
        if target is not None and target != "all" and target not in commodities:
            fail(f"{key}.commodity", target, f"unknown commodity; use 'all' or one of {', '.join(sorted(commodities))}")
        city = getattr(shock, "destination", None)
        if city is not None and city != "all" and city not in destinations:
            fail(f"{key}.destination", city, f"unknown destination; use 'all' or one of {', '.join(sorted(destinations))}")
        if isinstance(shock, PriceHistory):
            dated = [(y - start_year) * 12 + m - 1 for y, m, _ in shock.months()]
            if max(dated) < 0 or min(dated) >= months:
                fail(f"{key}.prices_yuan", dict(shock.prices_yuan),
                     f"no dated month falls within the run ({start_year}-01 to {start_year + months // 12 - 1}-12)")
            continue
        if not 0 <= onset_month(shock, start_year) < months:
            fail(f"{key}.onset_year", shock.onset_year,
                 f"the onset ({shock.onset_year}-{shock.onset_month:02d}) must fall within the run "
                 f"({start_year}-01 to {start_year + months // 12 - 1}-12)")
