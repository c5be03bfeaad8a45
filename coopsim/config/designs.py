"""The ``robust`` config block: the design of a study over many runs, checked at the door.

``coopsim +experiment=robust_tiers`` sweeps ``robust.chunk`` over
``0..robust.chunks-1``; each job runs its share of the design (see
:mod:`coopsim.studies.robust`). The block is checked before any runs with
the rest of the config: a bad value stops the sweep with its key, value and
what is allowed.

>>> parse_design({"samples": 8, "seeds": [1], "chunks": 2, "chunk": 1}).tiers
('none', 'v1', 'v2', 'v3')
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from functools import cache
from typing import Any

from coopsim.config.compose import CONFIG_DIR, compose_dict
from coopsim.config.declarations import apply, declared
from coopsim.config.run_config import parse_config
from coopsim.config.schema import ConfigError, fail
from coopsim.config.tiers import LADDER

#: The calibration's ensemble of parameter sets (best first), which a design draws among.
ENSEMBLE = CONFIG_DIR / "calibration" / "bijie_ensemble.csv"


@dataclass(frozen=True)
class RobustDesign:
    """How many points of the uncertainties, on which seeds and tiers, and how the runs are split into jobs."""

    samples: int = 200                     # Latin hypercube points over the uncertainties (0: the configs as composed)
    seeds: tuple[int, ...] = (1, 2)        # each point on each seed (common random numbers across tiers)
    tiers: tuple[str, ...] = ("none", "v1", "v2", "v3")
    sobol_n: int = 0                       # Saltelli base sample for the Sobol indices (0: none; a power of 2)
    sobol_tiers: tuple[str, ...] = ("none", "v2", "v3")
    sobol_seed: int = 1                    # the model's seed for the Sobol runs (one seed: only the factors vary)
    design_seed: int = 2017                # the designs' own seed: the same points every time
    members: int = 8                       # parameter sets of the calibration ensemble drawn among
    last_years: int = 3                    # outcomes: means of the last years of each run
    chunks: int = 1                        # jobs the runs are split into (the sweep's robust.chunk values)
    chunk: int = 0                         # this job's share


def _int(block: Mapping[str, Any], key: str, low: int, allowed: str) -> int:
    value = block[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        fail(f"robust.{key}", value, allowed)
    return value


def _tiers(block: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = block[key]
    if not isinstance(value, list | tuple) or not value or any(t not in LADDER for t in value) \
            or len(set(value)) != len(value):
        fail(f"robust.{key}", value, f"a list of different tiers among {', '.join(LADDER)}")
    return tuple(sorted(value, key=list(LADDER).index))


def parse_design(block: Mapping[str, Any]) -> RobustDesign:
    """The ``robust`` block checked: unknown keys, types, ranges and the chunk among the chunks."""
    names = {f.name for f in fields(RobustDesign)}
    for key in block:
        if key not in names:
            fail(f"robust.{key}", block[key], f"unknown key; allowed keys are {', '.join(sorted(names))}")
    d = {**{f.name: f.default for f in fields(RobustDesign)}, **block}
    out: dict[str, Any] = {}
    for key in ("chunks", "members", "last_years"):
        out[key] = _int(d, key, 1, "a whole number of at least 1")
    for key in ("samples", "sobol_seed", "chunk"):
        out[key] = _int(d, key, 0, "a whole number of at least 0")
    out["design_seed"] = _int(d, "design_seed", 1, "a whole number of at least 1 (SALib takes 0 for no seed)")
    n = _int(d, "sobol_n", 0, "0 (no Sobol indices) or a power of 2 of at least 2")
    if n & (n - 1) or n == 1:
        fail("robust.sobol_n", n, "0 (no Sobol indices) or a power of 2 of at least 2 (Saltelli's sequence)")
    out["sobol_n"] = n
    seeds = d["seeds"]
    if not isinstance(seeds, list | tuple) or not seeds or any(isinstance(s, bool) or not isinstance(s, int) or s < 0
                                                               for s in seeds) or len(set(seeds)) != len(seeds):
        fail("robust.seeds", seeds, "a list of different whole numbers >= 0")
    out["seeds"] = tuple(seeds)
    out["tiers"], out["sobol_tiers"] = _tiers(d, "tiers"), _tiers(d, "sobol_tiers")
    if len(out["tiers"]) < 2:
        fail("robust.tiers", list(out["tiers"]), "at least two tiers (a comparison)")
    if n and len(out["sobol_tiers"]) < 2:
        fail("robust.sobol_tiers", list(out["sobol_tiers"]), "at least two tiers (the indices are of tier gaps)")
    if out["chunk"] >= out["chunks"]:
        fail("robust.chunk", out["chunk"], f"a job's share: 0 to robust.chunks - 1 = {out['chunks'] - 1}")
    return RobustDesign(**out)


def fixed_keys(overrides: Sequence[str]) -> set[str]:
    """The config keys the command line sets (``key=value``): a design leaves them as set, never samples them."""
    return {o.lstrip("+~").split("=", 1)[0] for o in overrides if "=" in o}


def check_sweep(points: Sequence[Sequence[str]], design: RobustDesign) -> str | None:
    """A design's sweep varies its jobs' share alone, each share once, among ``robust.chunk`` = 0 .. chunks - 1.

    Raises :class:`ConfigError` for another key swept (its runs would share one dataset), a share out of range or
    one twice. Returns a note when some shares are left out (the analysis then waits for them: run them later
    into the same directory)."""
    varied = {k.split("=", 1)[0] for k in {o for p in points for o in p} if any(k not in p for p in points)}
    others = sorted(varied - {"robust.chunk"})
    if others:
        fail("hydra.sweeper.params", ", ".join(others), "robust.chunk alone: a design's runs share one dataset "
             "(run another design in another hydra.sweep.dir)")
    chunks = sorted(int(o.split("=", 1)[1]) for p in points for o in p if o.startswith("robust.chunk="))
    if len(set(chunks)) != len(chunks) or any(not 0 <= c < design.chunks for c in chunks):
        fail("robust.chunk", chunks if len(chunks) < 12 else f"{len(chunks)} values",
             f"each share once, among 0 .. robust.chunks - 1 = {design.chunks - 1} (robust.chunk=range(0,"
             f"{design.chunks}))")
    if len(chunks) < design.chunks:
        return (f"this sweep runs {len(chunks)} of the design's {design.chunks} jobs (robust.chunk); its analysis "
                f"waits until the others have run into the same hydra.sweep.dir")
    return None


def run_overrides(task: Sequence[str]) -> list[str]:
    """The command line's overrides that make each run of a design (without the job's share, a tier or a seed)."""
    return [o for o in task if not o.lstrip("+~").startswith(("robust.chunk=", "tier=", "seed="))]


def base_configs(overrides: Sequence[str], tiers: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Each tier's composed config as a run of a design makes it (no household table, no progress bar, one
    thread, no counterfactual; the design block left out)."""
    return {tier: copy.deepcopy(_base(tuple(overrides), tier)) for tier in tiers}


@cache
def _base(overrides: tuple[str, ...], tier: str) -> dict[str, Any]:
    data = compose_dict([*overrides, f"tier={tier}"])
    data.pop("robust", None)
    data.update(household_table=False, progress="never", threads=1, resilience=False)
    return data


def check_tiers(design: RobustDesign, overrides: Sequence[str]) -> None:
    """:func:`_check_tiers` once for each design and command line (a sweep's jobs differ in their share alone)."""
    _check_tiers(replace(design, chunk=0), tuple(overrides))


@cache
def _check_tiers(design: RobustDesign, overrides: tuple[str, ...]) -> None:
    """Every tier of the design composed and checked, at its values and with every uncertainty at the low end of
    its range, then at the high end (a range that the run cannot take stops the sweep before any runs).

    Raises :class:`ConfigError` naming the tier, the key, the value and what is allowed.
    """
    tiers = sorted(set(design.tiers) | set(design.sobol_tiers), key=list(LADDER).index)
    sets = sum(1 for _ in ENSEMBLE.open(encoding="utf-8")) - 1 if ENSEMBLE.is_file() else 0
    if design.members > sets:
        fail("robust.members", design.members, f"at most the {sets} parameter sets of {ENSEMBLE.name}")
    for tier, base in base_configs(overrides, tiers).items():
        if design.last_years > base["years"]:
            fail("robust.last_years", design.last_years, f"at most the run's years ({base['years']})")
        ranges = declared(base).values()
        for label, values in (("its values", {}), ("every uncertainty at its low end", {u.key: u.value(0.0) for u in
                                                                                        ranges}),
                              ("every uncertainty at its high end", {u.key: u.value(1.0 - 1e-12) for u in ranges})):
            try:
                parse_config(apply(copy.deepcopy(base), values))
            except ConfigError as err:
                raise ConfigError(f"robust.tiers: tier {tier!r} with {label}: {err}") from None
