"""Uncertainties and levers as declared objects, read from the parameter vocabulary.

The EMA Workbench's words: an **uncertainty** is a parameter no one controls
and the sources do not pin down (every key of ``parameters.csv`` with a
plausible range: its range, unit and source go with it); a **lever** is what
a policymaker chooses (the tier, each mechanism's switch, the policy values).
The outcomes — what a run measures, its unit and which direction is better —
are declared in :mod:`coopsim.analysis.outcomes`. Studies sample the
uncertainties (:func:`latin_hypercube`), set a point into a run's config
(:func:`apply`), the calibration fits a subset of them, the sensitivity
analyses screen them, and a sweep warns when it sets one outside its range
(:func:`outside_range`).

A key with ``*`` in the vocabulary is one uncertainty for every name it
stands for (one flexibility for every commodity, one value for every year of
a series): a single draw sets them all.

>>> u = declared({"labour": {"max_search_weeks": 8, "leave_probability": 0.1}})
>>> u["labour.max_search_weeks"].integer, u["labour.leave_probability"].integer
(True, False)
>>> u["labour.max_search_weeks"].value(0.999), u["labour.leave_probability"].value(0.5)
(16, 0.17)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from coopsim.config.parameters import Parameter, vocabulary
from coopsim.config.tiers import LADDER, TIER_BLOCKS


@dataclass(frozen=True)
class Uncertainty:
    """A parameter over its plausible range (from the parameter vocabulary)."""

    key: str
    low: float
    high: float
    integer: bool
    unit: str
    source: str
    meaning: str

    @property
    def block(self) -> str | None:
        """The tier block it belongs to (``cooperative``, ``federation``...), or None (every tier has it)."""
        parts = self.key.split(".")
        return parts[1] if parts[0] == "tier" else None

    @property
    def area(self) -> str:
        """Where it lives: a tier's block (``tier cooperative``, ``tier cadre pay``) or a config group (``labour``)."""
        block = self.block
        return f"tier {block.replace('_', ' ')}" if block is not None else self.key.split(".")[0]

    def in_tier(self, tier: str) -> bool:
        """Whether a run of ``tier`` has this parameter (a block no tier adds, such as the cadres' pay: every tier)."""
        added = {b for blocks in TIER_BLOCKS.values() for b in blocks}
        return self.block not in added or self.block in TIER_BLOCKS[tier]

    def value(self, u: float) -> float | int:
        """The value at quantile ``u`` in [0, 1) of a uniform over the range (whole numbers: each equally likely)."""
        if self.integer:
            lo, hi = int(round(self.low)), int(round(self.high))
            return min(hi, lo + int(np.floor(u * (hi - lo + 1))))
        return float(self.low + u * (self.high - self.low))


@dataclass(frozen=True)
class Lever:
    """A choice: a config key and the values it may take."""

    key: str
    values: tuple[Any, ...]
    meaning: str


def _parents(data: Any, path: Sequence[str]) -> list[Any]:
    """The mappings in ``data`` at ``path`` (``*`` matching every name at its place)."""
    nodes = [data]
    for part in path:
        nodes = [child for n in nodes if isinstance(n, Mapping)
                 for child in (list(n.values()) if part == "*" else [n[part]] if part in n else [])]
    return [n for n in nodes if isinstance(n, Mapping)]


def _lookup(data: Mapping[str, Any], key: str) -> list[Any]:
    """Every value in ``data`` at ``key`` (``*`` matching every name at its place)."""
    *path, last = key.split(".")
    return [v for n in _parents(data, path) for v in (list(n.values()) if last == "*" else
                                                       [n[last]] if last in n else [])]


def declared(data: Mapping[str, Any], keys: Iterable[str] | None = None) -> dict[str, Uncertainty]:
    """The uncertainties present in the resolved config ``data`` (compose it with ``tier=v3`` for every block):
    each vocabulary row with a range whose key ``data`` has (``keys``: only those). A parameter is whole-numbered
    where the config holds a whole number."""
    out = {}
    rows: Iterable[Parameter] = vocabulary().values()
    wanted = None if keys is None else set(keys)
    for p in rows:
        if p.low is None or p.high is None or (wanted is not None and p.key not in wanted):
            continue
        found = _lookup(data, p.key)
        if not found:
            continue
        integer = all(isinstance(v, int) and not isinstance(v, bool) for v in found)
        out[p.key] = Uncertainty(p.key, p.low, p.high, integer, p.unit, p.source, p.meaning)
    if wanted is not None and (missing := wanted - set(out)):
        raise KeyError(f"not uncertainties of this config: {', '.join(sorted(missing))}")
    return out


def apply(data: MutableMapping[str, Any], values: Mapping[str, float | int]) -> MutableMapping[str, Any]:
    """Set each key's value into ``data`` in place (``*``: at every name); return ``data``."""
    for key, value in values.items():
        *path, last = key.split(".")
        for node in _parents(data, path):
            for name in (list(node) if last == "*" else [last] if last in node else []):
                node[name] = value
    return data


def latin_hypercube(count: int, dimensions: int, seed: int) -> np.ndarray:
    """``count`` points of a Latin hypercube in [0, 1)^``dimensions`` (SciPy's, seeded: the same design every time)."""
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=dimensions, seed=np.random.default_rng(seed)).random(count)


def sample(uncertainties: Sequence[Uncertainty], unit: np.ndarray) -> list[dict[str, float | int]]:
    """The points of a design in [0, 1)^d as values of the uncertainties (one column each, in order)."""
    if unit.shape[1] != len(uncertainties):
        raise ValueError(f"a design of {unit.shape[1]} columns for {len(uncertainties)} uncertainties")
    return [{u.key: u.value(float(x)) for u, x in zip(uncertainties, row, strict=True)} for row in unit]


def levers() -> dict[str, Lever]:
    """Every lever: the tier, and each mechanism's switch (the vocabulary's ``lever`` rows)."""
    out = {"tier": Lever("tier", LADDER, "the tiered system's version: none, 1.0, 2.0, 3.0")}
    for p in vocabulary().values():
        if p.source == "lever":
            out[p.key] = Lever(p.key, (True, False), p.meaning)
    return out


def outside_range(key: str, value: Any) -> str | None:
    """What is wrong with a value set for an uncertainty outside its plausible range, or None."""
    from coopsim.config.parameters import UnknownParameter, parameter

    try:
        p = parameter(key)
    except UnknownParameter:
        return None
    if p.low is None or p.high is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not p.low <= value <= p.high:
        return f"{key}={value} lies outside its plausible range {p.low:g}-{p.high:g} ({p.source})"
    return None
