"""The tiers compared over their uncertainties: which tier wins, by how much, and under which assumptions.

One run's numbers answer for one set of estimates. This study answers over
the estimates' plausible ranges (the EMA Workbench's way: uncertainties,
levers, outcomes). Its factors are every uncertainty of the parameter
vocabulary that a tier's run has (:mod:`coopsim.config.declarations`) but the
ones the calibration fits, and, for those, the calibration's ensemble: each
point draws one of its parameter sets (the factor ``calibration_set``), so
what the facts leave open is sampled as the calibration left it.

- **Latin hypercube** (``robust.samples`` points x ``robust.seeds`` x
  ``robust.tiers``): every tier at every point on the same seeds — the same
  households, prices and draws (common random numbers). For each pair of
  tiers and each outcome: the probability that the higher tier does better,
  the distribution of the gain, the extra fiscal cost per yuan of household
  income gained (and how often a direct transfer of the same money would give
  households more), and each tier's regret (how far it falls short of the best
  tier at the same point and seed).
- **Scenario discovery**: PRIM boxes and a CART tree (the EMA Workbench's)
  over the points, for where 3.0 fails to beat 2.0 on income, and where 3.0
  costs the state more per yuan of income gained over 2.0 than a direct
  transfer would.
- **Sobol indices** (SALib, Saltelli's design, ``robust.sobol_n`` > 0): first
  and total order with 95 % intervals for the tier gaps and the fiscal cost, by
  group of factors (the households, the labour market, the markets, the state,
  each tier's block, the calibration set), on one seed.

Runs go in jobs (``robust.chunk`` of ``robust.chunks``), each streaming its
runs into the sweep's Parquet dataset (:mod:`coopsim.io.dataset`) as they
finish; a job run again computes only the runs not there yet, so the same
command resumes a sweep that was stopped (or ``scancel``-ed on SLURM). When
the sweep ends, :class:`RobustAnalysis` checks that every run of the design is
there and writes the tables, the figures, ``robust.md`` and ``report.html``.

Run: ``coopsim +experiment=robust_tiers`` (``experiments/robust_tiers.md``);
``coopsim-study robust <sweep dir>`` analyses a sweep again.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coopsim.analysis.markdown import markdown_table
from coopsim.analysis.outcomes import OUTCOMES, Outcome
from coopsim.analysis.statistics import final_years
from coopsim.config import ConfigError, RunConfig, parse_config
from coopsim.config.declarations import Uncertainty, apply, declared, latin_hypercube, sample
from coopsim.config.designs import ENSEMBLE, RobustDesign, base_configs, fixed_keys, parse_design, run_overrides
from coopsim.config.tiers import LADDER
from coopsim.io.dataset import KEY, RUNS, RunDataset
from coopsim.io.helptext import PlainHelp
from coopsim.io.run_dir import RunDirError
from coopsim.io.sweeps import FAILED_CALLBACKS
from coopsim.run import simulate
from coopsim.studies.calibration import FITTED

#: The tiers, from none up.
TIERS = LADDER
#: The factor drawing one of the calibration's parameter sets.
CALIBRATION_SET = "calibration_set"
#: The outcomes compared (columns of ``region_year``; direction and unit from the outcome vocabulary).
COMPARED: tuple[Outcome, ...] = tuple(OUTCOMES[n] for n in (
    "income_per_capita_mean_yuan", "poverty_rate", "gini", "collective_income_per_village_yuan", "fiscal_cost_yuan"))
INCOME, FISCAL = "income_per_capita_mean_yuan", "fiscal_cost_yuan"
#: The dataset's partitions (run settings).
PARTITION = ("design", "tier", "seed")
#: The pairs compared: each tier against the one below, and every tier against none.
PAIRS = (("none", "v1"), ("v1", "v2"), ("v2", "v3"), ("none", "v2"), ("none", "v3"), ("v1", "v3"))
#: Where the sweep's runs stream to, and where the analysis goes (inside the sweep directory); the dataset's
#: fingerprint (:func:`fingerprint`).
DATASET, ANALYSIS, MANIFEST = "dataset", "analysis", "design.json"


# ---------------------------------------------------------------- the factors and the designs

@dataclass(frozen=True)
class Factors:
    """The study's factors: uncertainties (in order) and the calibration's parameter sets."""

    uncertainties: tuple[Uncertainty, ...]
    sets: tuple[dict[str, float], ...]

    @property
    def names(self) -> list[str]:
        return [u.key for u in self.uncertainties] + [CALIBRATION_SET]

    def point(self, unit: np.ndarray) -> tuple[dict[str, float | int], int]:
        """The uncertainties' values and the parameter set at a point of [0, 1)^d (a point of NaN: the config's own
        values, no parameter set: -1)."""
        if np.isnan(unit).all():
            return {}, -1
        return sample(self.uncertainties, unit[None, :-1])[0], min(len(self.sets) - 1, int(unit[-1] * len(self.sets)))

    def groups(self) -> list[str]:
        """Each factor's group for the Sobol indices, in order: where it lives (:attr:`Uncertainty.area`)."""
        return [u.area for u in self.uncertainties] + ["calibration set"]


def factors(base_v3: Mapping[str, Any], members: int, fixed: set[str] = frozenset(),  # type: ignore[assignment]
            ensemble: Path = ENSEMBLE) -> Factors:
    """The factors of a config (``base_v3``: composed with ``tier=v3``, so that every block is there); a key the
    command line sets (``fixed``) is left as set, neither sampled nor taken from the parameter sets."""
    found = declared(base_v3)
    uncertain = tuple(found[k] for k in sorted(found) if k not in FITTED and k not in fixed)
    table = pd.read_csv(ensemble).head(members)
    if table.empty:
        raise ValueError(f"{ensemble} holds no parameter set")
    sets = tuple({k: float(row[k]) for k in FITTED if k not in fixed} for _, row in table.iterrows())
    return Factors(uncertain, sets)


def fingerprint(design: RobustDesign, overrides: Sequence[str], f: Factors) -> dict[str, Any]:
    """What makes a design's runs what they are: the design (but how it is split into jobs), the overrides, the
    factors and the code. A dataset holds the runs of one fingerprint (:func:`claim`)."""
    from dataclasses import asdict

    from coopsim.io.provenance import code_version

    block = {k: v for k, v in asdict(design).items() if k not in ("chunk", "chunks")}
    runs = sorted(o for o in overrides if not o.lstrip("+~").startswith("robust."))  # the design is in ``block``
    return {"design": block, "overrides": runs, "factors": f.names, "sets": list(f.sets),
            "code_version": code_version()}


def claim(dataset: RunDataset, mark: Mapping[str, Any], reading: bool = False) -> None:
    """Mark ``dataset`` as holding the runs of ``mark`` (the first job does), or refuse one that holds another
    design's or another code's runs (:class:`RunDirError`: resuming it would mix two designs). ``reading``: only
    to analyse the runs, which newer code may do (the code version is not compared)."""
    path = dataset.path / MANIFEST
    text = json.dumps(mark, indent=1, sort_keys=True, default=str)
    if not path.exists():
        dataset.path.mkdir(parents=True, exist_ok=True)
        hidden = dataset.path / f".{MANIFEST}.{time.time_ns()}"
        hidden.write_text(text, encoding="utf-8")
        hidden.replace(path)
        return
    held, now = json.loads(path.read_text(encoding="utf-8")), json.loads(text)
    changed = sorted(k for k in set(held) | set(now) if held.get(k) != now.get(k)
                     and not (reading and k == "code_version"))
    if changed:
        raise RunDirError(f"{dataset.path} holds the runs of another design or code ({', '.join(changed)} differ): "
                          f"nothing was run; give this design another hydra.sweep.dir")


def sobol_problem(f: Factors) -> dict[str, Any]:
    """SALib's problem over the unit cube, the factors grouped (:meth:`Factors.groups`)."""
    return {"num_vars": len(f.names), "names": f.names, "bounds": [[0.0, 1.0]] * len(f.names), "groups": f.groups()}


def designs(design: RobustDesign, f: Factors) -> dict[str, np.ndarray]:
    """The points of each part in [0, 1)^d: ``lhs`` and, with ``sobol_n``, ``sobol`` (Saltelli's, no second order)."""
    d = len(f.names)
    out = {"lhs": latin_hypercube(design.samples, d, design.design_seed) if design.samples else np.full((1, d), np.nan)}
    if design.sobol_n:
        from SALib.sample import sobol as saltelli

        unit = saltelli.sample(sobol_problem(f), design.sobol_n, calc_second_order=False, scramble=True,
                               seed=design.design_seed)
        out["sobol"] = np.minimum(unit, np.nextafter(1.0, 0.0))
    return out


@dataclass(frozen=True)
class Spec:
    """One run of a design: its part, point, tier and seed."""

    design: str
    point: int
    tier: str
    seed: int

    @property
    def key(self) -> str:
        return f"{self.design}-{self.point:05d}-{self.tier}-s{self.seed}"


def specs(design: RobustDesign, points: Mapping[str, np.ndarray]) -> list[Spec]:
    """Every run of the design, in a fixed order (a job takes every ``chunks``-th from its ``chunk``)."""
    out = [Spec("lhs", p, t, s) for p in range(len(points["lhs"])) for s in design.seeds for t in design.tiers]
    if "sobol" in points:
        out += [Spec("sobol", p, t, design.sobol_seed) for p in range(len(points["sobol"])) for t in design.sobol_tiers]
    return out


# ---------------------------------------------------------------- running a job's share

def summarise(year: pd.DataFrame, last_years: int) -> dict[str, float]:
    """A run's outcomes: the means of its last years (and the persons, for income in yuan)."""
    final = final_years(year, last_years)
    out = {o.name: float(final[o.name].mean()) for o in COMPARED}
    out["persons"] = float(final["persons"].mean())
    return out


def point_config(spec: Spec, base: Mapping[str, Any], f: Factors, values: Mapping[str, float | int], member: int,
                 ) -> RunConfig:
    """The validated config of one run of the design at a point (its ``values`` and parameter set ``member``,
    :meth:`Factors.point`); :class:`ConfigError` naming the run if it is bad."""
    data = copy.deepcopy(dict(base))
    apply(data, values)  # a key the tier does not have (tier.platform.* in a 2.0 run) is left out
    if member >= 0:
        apply(data, f.sets[member])
    data["seed"] = spec.seed
    try:
        return parse_config(data)
    except ConfigError as err:
        raise ConfigError(f"run {spec.key} of the design: {err}") from None


def run_spec(spec: Spec, cfg: RunConfig, values: Mapping[str, float | int], member: int, last_years: int,
             ) -> dict[str, pd.DataFrame]:
    """One run of the design at a point: its ``runs`` row (factors, outcomes, seconds simulated) and yearly table."""
    started = time.perf_counter()
    year = simulate(cfg)["region_year"]
    seconds = time.perf_counter() - started
    row = {KEY: spec.key, "design": spec.design, "point": spec.point, "tier": spec.tier, "seed": spec.seed,
           **{k: float(v) for k, v in values.items()}, CALIBRATION_SET: member, **summarise(year, last_years),
           "sim_s": seconds}
    return {RUNS: pd.DataFrame([row]),
            "region_year": year.assign(**{KEY: spec.key, "design": spec.design, "tier": spec.tier, "seed": spec.seed})}


def run_chunk(block: Mapping[str, Any], task: Sequence[str], sweep_dir: Path) -> dict[str, Any]:
    """A job of the sweep (``block``: its ``robust`` config): its share of the design's runs, streamed into
    ``sweep_dir/dataset`` (those already there skipped). Returns what it did."""
    design = parse_design(block)
    overrides = run_overrides(task)
    started = time.perf_counter()
    bases = base_configs(overrides, [t for t in TIERS if t in {*design.tiers, *design.sobol_tiers, "v3"}])
    f = factors(bases["v3"], design.members, fixed_keys(overrides))
    points = designs(design, f)
    mine = specs(design, points)[design.chunk::design.chunks]
    dataset = RunDataset(sweep_dir / DATASET, PARTITION)
    claim(dataset, fingerprint(design, overrides, f))
    done = dataset.done()
    todo = [s for s in mine if s.key not in done]
    at = [f.point(points[s.design][s.point]) for s in todo]
    configs = [point_config(s, bases[s.tier], f, *p) for s, p in zip(todo, at, strict=True)]  # all checked first
    simulated = 0.0
    with dataset.writer(f"c{design.chunk:04d}", flush_every=32) as writer:
        for spec, cfg, p in zip(todo, configs, at, strict=True):
            tables = run_spec(spec, cfg, *p, design.last_years)
            simulated += float(tables[RUNS]["sim_s"].iloc[0])
            writer.add(tables)
    return {"runs": len(mine), "computed": len(todo), "skipped": len(mine) - len(todo),
            "wall_s": round(time.perf_counter() - started, 3), "sim_s": round(simulated, 3)}


# ---------------------------------------------------------------- the analysis

def _better(o: Outcome, hi: pd.Series, lo: pd.Series) -> pd.Series:
    return hi > lo if o.higher_is_better else hi < lo


def paired(runs: pd.DataFrame, index: Sequence[str] = ("point", "seed")) -> pd.DataFrame:
    """The runs side by side: one row per (point, seed), one column per (outcome, tier)."""
    cols = [o.name for o in COMPARED] + ["persons"]
    return runs.pivot_table(index=list(index), columns="tier", values=cols, aggfunc="first")


def _pairs_run(runs: pd.DataFrame, pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The pairs whose two tiers were both run."""
    tiers = set(runs["tier"])
    return [(lo, hi) for lo, hi in pairs if lo in tiers and hi in tiers]


def money(wide: pd.DataFrame, lo: str, hi: str) -> tuple[pd.Series, pd.Series]:
    """The higher tier's extra public money and its households' extra income, both in yuan a year."""
    cost = wide[(FISCAL, hi)] - wide[(FISCAL, lo)]
    gained = wide[(INCOME, hi)] * wide[("persons", hi)] - wide[(INCOME, lo)] * wide[("persons", lo)]
    return cost, gained


def pair_table(runs: pd.DataFrame, pairs: Sequence[tuple[str, str]] = PAIRS) -> pd.DataFrame:
    """For each pair (lower, higher tier) and outcome: P(the higher tier does better), ties, and the gain's
    mean and 5/50/95 % quantiles over every (point, seed)."""
    wide = paired(runs)
    rows = []
    for lo, hi in _pairs_run(runs, pairs):
        for o in COMPARED:
            a, b = wide[(o.name, lo)], wide[(o.name, hi)]
            gain = b - a
            rows.append({"pair": f"{hi} vs {lo}", "outcome": o.name, "unit": o.unit, "better": o.better,
                         "p_higher_tier_better": float(_better(o, b, a).mean()), "p_tie": float((gain == 0).mean()),
                         "gain_mean": float(gain.mean()), "gain_p05": float(gain.quantile(0.05)),
                         "gain_median": float(gain.median()), "gain_p95": float(gain.quantile(0.95)), "n": len(gain)})
    return pd.DataFrame(rows)


def fiscal_table(runs: pd.DataFrame, pairs: Sequence[tuple[str, str]] = PAIRS) -> pd.DataFrame:
    """For each pair: the extra public money (yuan/yr), the households' extra income (yuan/yr), the extra money
    per yuan of income gained (where the higher tier costs more and income rose), how often it costs more and a
    direct transfer of the extra money would have given households more than the higher tier did, and how often
    it costs no more and gives no less. Both are the last years' means (persons do not change within a run)."""
    wide = paired(runs)
    rows = []
    for lo, hi in _pairs_run(runs, pairs):
        cost, gained = money(wide, lo, hi)
        paid = cost > 0  # the higher tier costs the state more: what would the money have done as a transfer?
        ratio = cost[paid & (gained > 0)] / gained[paid & (gained > 0)]
        rows.append({"pair": f"{hi} vs {lo}", "extra_fiscal_cost_yuan_mean": float(cost.mean()),
                     "income_gained_yuan_mean": float(gained.mean()),
                     "cost_per_yuan_gained_median": _quantile(ratio, 0.5),
                     "cost_per_yuan_gained_p05": _quantile(ratio, 0.05),
                     "cost_per_yuan_gained_p95": _quantile(ratio, 0.95),
                     "p_transfer_better": float((paid & (gained < cost)).mean()),
                     "p_cheaper_and_better": float(((cost <= 0) & (gained >= 0)).mean()), "n": len(cost)})
    return pd.DataFrame(rows)


def _quantile(values: pd.Series, q: float) -> float:
    return float(values.quantile(q)) if len(values) else float("nan")


def regret_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Each tier's regret on each outcome with a direction: how far it falls short of the best tier at the same
    point and seed (mean, 95th percentile, largest) and how often it is the best."""
    wide = paired(runs)
    tiers = [t for t in TIERS if t in set(runs["tier"])]
    rows = []
    for o in COMPARED:
        values = wide[o.name][tiers]
        best = values.max(axis=1) if o.higher_is_better else values.min(axis=1)
        for t in tiers:
            regret = (best - values[t]).abs()
            rows.append({"outcome": o.name, "unit": o.unit, "tier": t, "regret_mean": float(regret.mean()),
                         "regret_p95": float(regret.quantile(0.95)), "regret_max": float(regret.max()),
                         "p_best": float((regret == 0).mean())})
    return pd.DataFrame(rows)


def ranking_probability(runs: pd.DataFrame, outcome: str = INCOME) -> float:
    """The probability that income rises tier by tier (none < 1.0 < 2.0 < 3.0, as many as were run)."""
    wide = paired(runs)[outcome]
    tiers = [t for t in TIERS if t in wide]
    ordered = np.ones(len(wide), dtype=bool)
    for lo, hi in zip(tiers, tiers[1:], strict=False):
        ordered &= (wide[hi] > wide[lo]).to_numpy()
    return float(ordered.mean())


@dataclass(frozen=True)
class Question:
    """A yes/no question about a point, answered from its runs (averaged over seeds): ``holds`` takes the
    point-by-(outcome, tier) table (:func:`paired`, seeds averaged)."""

    name: str
    words: str
    holds: Callable[[pd.DataFrame], pd.Series]

    def answer(self, runs: pd.DataFrame) -> pd.Series:
        return self.holds(paired(runs).groupby(level="point").mean())


def _transfer_better(wide: pd.DataFrame) -> pd.Series:
    cost, gained = money(wide, "v2", "v3")
    return gained < cost


QUESTIONS = (Question("v3_not_above_v2", "3.0 fails to beat 2.0 on income per person",
                      lambda wide: wide[(INCOME, "v3")] <= wide[(INCOME, "v2")]),
             Question("v3_transfer_better", "3.0 costs the state more per yuan of household income gained over 2.0 "
                                            "than a direct transfer of the same money would", _transfer_better),
             Question("v3_worth_its_cost", "3.0 gives households more income over 2.0 than its extra public money",
                      lambda wide: ~_transfer_better(wide)))
#: PRIM's boxes restrict at most this many assumptions (a box a reader can hold in mind).
MAX_DIMS = 4


def point_factors(runs: pd.DataFrame, f: Factors) -> pd.DataFrame:
    """The factors' values at each point (one row per point)."""
    x = runs.groupby("point")[f.names].first()
    x[CALIBRATION_SET] = pd.Categorical(x[CALIBRATION_SET].astype(int))  # a label of a parameter set, not a number
    return x


def discover(x: pd.DataFrame, y: pd.Series, threshold: float = 0.8) -> dict[str, Any]:
    """PRIM (a box with coverage and density) and CART (a tree) for where ``y`` holds, by the EMA Workbench."""
    import warnings

    warnings.filterwarnings("ignore", message=".*ipyparallel.*")
    from ema_workbench.analysis import cart, prim
    from sklearn.tree import export_text

    y = y.reindex(x.index).astype(bool)
    cases = int(y.sum())
    out: dict[str, Any] = {"cases": cases, "points": len(y), "share": float(y.mean())}
    if cases == 0 or cases == len(y):
        out["box"] = None
        return out
    p = prim.Prim(x, y.to_numpy(), threshold=threshold, peel_alpha=0.05, mass_min=max(0.02, 4 / len(y)))
    box = p.find_box()
    trajectory = box.peeling_trajectory
    # a box a reader can hold in mind: at most MAX_DIMS assumptions; the densest-enough one that covers most
    usable = trajectory[trajectory["res_dim"] <= MAX_DIMS]
    dense = usable[usable["density"] >= threshold]
    pick = (dense.sort_values(["coverage", "density"], ascending=False) if len(dense) else
            usable.sort_values(["density", "coverage"], ascending=False))
    i = int(pick["id"].iloc[0])
    limits, first = box.box_lims[i], box.box_lims[0]
    bounds: dict[str, dict[str, Any]] = {}
    for c in limits.columns:
        lo, hi, lo0, hi0 = limits[c].iloc[0], limits[c].iloc[1], first[c].iloc[0], first[c].iloc[1]
        if isinstance(lo, set):  # a category (the calibration's parameter set): which ones
            if lo != lo0:
                bounds[c] = {"in": sorted(int(v) for v in lo)}
        elif (lo, hi) != (lo0, hi0):
            bounds[c] = {"low": float(lo), "high": float(hi), "full_low": float(lo0), "full_high": float(hi0)}
    out["box"] = {"id": i, "coverage": float(trajectory.loc[i, "coverage"]),
                  "density": float(trajectory.loc[i, "density"]), "mass": float(trajectory.loc[i, "mass"]),
                  "limits": bounds}
    out["trajectory"] = trajectory[["id", "coverage", "density", "mass", "res_dim"]]
    tree = cart.CART(x, y.to_numpy(), mass_min=max(0.05, 2 / len(y)))
    tree.build_tree()
    out["cart"] = export_text(tree.clf, feature_names=list(tree.feature_names), decimals=3)  # categories one-hot
    out["cart_boxes"] = tree.stats_to_dataframe().reset_index().rename(columns={"index": "box"})
    return out


def box_words(result: Mapping[str, Any], question: Question) -> str:
    """The PRIM box in words, with its coverage and density."""
    head = (f"**{question.words}** at {result['cases']} of {result['points']} points "
            f"({100 * result['share']:.0f} %).")
    box = result.get("box")
    if box is None:
        return head + (" Everywhere: no assumptions single it out." if result["cases"] else " Nowhere in the ranges.")
    if box["density"] < 0.5:  # most of the box is not such points: no assumptions mark them
        return (f"{head} PRIM finds no region of at most {MAX_DIMS} assumptions where such points concentrate (its "
                f"densest: density {box['density']:.2f}, coverage {box['coverage']:.2f}): they are scattered over "
                f"the ranges, not the mark of some assumptions.")
    terms = []
    for name, b in box["limits"].items():
        if "in" in b:
            terms.append(f"{name} one of {', '.join(map(str, b['in']))}")
        elif b["low"] > b["full_low"] and b["high"] < b["full_high"]:
            terms.append(f"{name} between {b['low']:.4g} and {b['high']:.4g}")
        elif b["low"] > b["full_low"]:
            terms.append(f"{name} at least {b['low']:.4g}")
        else:
            terms.append(f"{name} at most {b['high']:.4g}")
    return (f"{head} PRIM's box: {'; '.join(terms) or 'the whole space'} — coverage {box['coverage']:.2f} (the "
            f"share of all such points inside the box), density {box['density']:.2f} (the share of the box's "
            f"points that are such points), mass {box['mass']:.2f} (the box's share of all points).")


def sobol_indices(runs: pd.DataFrame, f: Factors, design: RobustDesign) -> pd.DataFrame:
    """First-order and total Sobol indices with 95 % intervals, by group of factors, for the tier gaps and the
    extra fiscal cost (the Sobol part of the design, its one seed)."""
    from SALib.analyze import sobol

    s = runs[runs["design"] == "sobol"]
    wide = s.pivot_table(index="point", columns="tier", values=[INCOME, FISCAL, "persons"], aggfunc="first")
    wide = wide.sort_index()
    outputs: dict[str, pd.Series] = {}
    tiers = design.sobol_tiers
    for lo, hi in zip(tiers, tiers[1:], strict=False):
        outputs[f"income gap {hi} - {lo} (yuan/person/yr)"] = wide[(INCOME, hi)] - wide[(INCOME, lo)]
    if {"v2", "v3"} <= set(tiers):
        cost, gained = money(wide, "v2", "v3")
        outputs["extra fiscal cost v3 - v2 (yuan/yr)"] = cost
        outputs["income gained less extra fiscal cost, v3 - v2 (yuan/yr)"] = gained - cost
    problem = sobol_problem(f)
    rows = []
    for name, y in outputs.items():
        res = sobol.analyze(problem, y.to_numpy(dtype=float), calc_second_order=False, conf_level=0.95,
                            seed=design.design_seed)
        groups = list(dict.fromkeys(problem["groups"]))
        for i, g in enumerate(groups):
            rows.append({"output": name, "group": g, "S1": float(res["S1"][i]), "S1_conf": float(res["S1_conf"][i]),
                         "ST": float(res["ST"][i]), "ST_conf": float(res["ST_conf"][i])})
    return pd.DataFrame(rows)


class IncompleteSweep(RuntimeError):
    """Runs of the design are missing from the dataset."""


def analyse(sweep_dir: Path, design: RobustDesign, task: Sequence[str]) -> Path:
    """Check that every run of the design is in the sweep's dataset; write the analysis (tables, figures,
    ``robust.md``) into ``sweep_dir/analysis`` and ``report.html`` beside it. Nothing is written if runs are
    missing."""
    overrides = run_overrides(task)
    bases = base_configs(overrides, ["v3"])
    f = factors(bases["v3"], design.members, fixed_keys(overrides))
    points = designs(design, f)
    expected = {s.key for s in specs(design, points)}
    dataset = RunDataset(sweep_dir / DATASET, PARTITION)
    claim(dataset, fingerprint(design, overrides, f), reading=True)
    missing = expected - dataset.done()
    if missing:
        raise IncompleteSweep(f"{len(missing)} of {len(expected)} runs of the design are not in {dataset.path}: run "
                              f"the same command again (the same hydra.sweep.dir) to compute only those")
    runs = dataset.read(RUNS)
    runs = runs[runs[KEY].isin(expected)]
    lhs = runs[runs["design"] == "lhs"]
    staging = sweep_dir / f".{ANALYSIS}-{time.time_ns()}"
    staging.mkdir()
    try:
        text = write_analysis(staging, lhs, runs, f, design, overrides)
        final = sweep_dir / ANALYSIS
        if final.exists():
            shutil.rmtree(final)
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    from coopsim.analysis.html import markdown_page

    return markdown_page(sweep_dir / "report.html", "robust_tiers: the tiers over their uncertainties", text, final)


def write_analysis(out: Path, lhs: pd.DataFrame, runs: pd.DataFrame, f: Factors, design: RobustDesign,
                   overrides: Sequence[str]) -> str:
    """Every table and figure of the analysis into ``out``; returns ``robust.md``'s text."""
    pairs, fiscal, regret = pair_table(lhs), fiscal_table(lhs), regret_table(lhs)
    pairs.to_csv(out / "pairs.csv", index=False)
    fiscal.to_csv(out / "fiscal.csv", index=False)
    regret.to_csv(out / "regret.csv", index=False)
    x = point_factors(lhs, f) if design.samples else pd.DataFrame()
    x.to_csv(out / "points.csv")
    sim = float(runs["sim_s"].sum())
    where = (f"{design.samples} Latin-hypercube points over {len(f.uncertainties)} uncertainties and the "
             f"calibration's {len(f.sets)} parameter sets" if design.samples else
             "The configs as composed (no sampling: the seeds alone)")
    lines = ["# The tiers over their uncertainties\n",
             f"{where} x {len(design.seeds)} seeds "
             f"({', '.join(map(str, design.seeds))}) x tiers {', '.join(design.tiers)}: {len(lhs)} runs"
             + (f"; Sobol: {design.sobol_n} x ({len(set(sobol_problem(f)['groups']))} groups + 2) points x tiers "
                f"{', '.join(design.sobol_tiers)} on seed {design.sobol_seed}: {len(runs) - len(lhs)} runs"
                if design.sobol_n else "")
             + f". Overrides: {' '.join(overrides) or '(none)'}. Outcomes: means of the last {design.last_years} "
               f"years of each run; every pair on the same point and seed. {sim / 3600:.2f} hours simulated.\n",
             f"Probability that income per person rises tier by tier ({' < '.join(design.tiers)}): "
             f"**{ranking_probability(lhs):.2f}**.\n",
             "## Which tier does better, and by how much\n",
             "P = the probability that the higher tier does better (over points and seeds); the gain is the higher "
             "tier minus the lower one, in the outcome's unit.\n",
             markdown_table(pairs[["pair", "outcome", "p_higher_tier_better", "p_tie", "gain_mean", "gain_p05",
                                   "gain_median", "gain_p95"]]),
             "\n## Public money per yuan of household income gained\n",
             "The extra public money of the higher tier per yuan of extra household income (where income rose); "
             "p_transfer_better: how often handing the extra money to the households directly would have given "
             "them more.\n",
             markdown_table(fiscal),
             "\n## Regret\n",
             "How far each tier falls short of the best tier at the same point and seed, in the outcome's unit; "
             "p_best: how often it is the best.\n",
             markdown_table(regret),
             "\n## Under which assumptions 3.0 does not pay\n"]
    if {"v2", "v3"} <= set(design.tiers) and design.samples:
        for q in QUESTIONS:
            result = discover(x, q.answer(lhs))
            lines.append(box_words(result, q) + "\n")
            if result.get("box") is not None:
                result["trajectory"].to_csv(out / f"prim_{q.name}.csv", index=False)
                (out / f"cart_{q.name}.txt").write_text(result["cart"], encoding="utf-8")
                result["cart_boxes"].to_csv(out / f"cart_{q.name}_boxes.csv", index=False)
                lines.append(f"CART's tree (`cart_{q.name}.txt`):\n\n```\n{result['cart'].rstrip()}\n```\n")
            (out / f"prim_{q.name}.json").write_text(json.dumps(
                {k: v for k, v in result.items() if k in ("cases", "points", "share", "box")}, indent=1))
    if design.sobol_n:
        indices = sobol_indices(runs, f, design)
        indices.to_csv(out / "sobol.csv", index=False)
        lines += ["\n## What the answer depends on: Sobol indices\n",
                  "By group of factors; S1: the share of the output's variance the group explains alone, ST: with "
                  "its interactions; ± the 95 % interval (bootstrap).\n",
                  markdown_table(indices)]
        figure_sobol(indices, out / "sobol.png")
    figure_gains(lhs, out / "gains.png")
    text = "\n".join(lines) + "\n"
    (out / "robust.md").write_text(text, encoding="utf-8")
    return text


def figure_gains(lhs: pd.DataFrame, path: Path) -> None:
    """The distribution of each tier's income gain over the tier below, over points and seeds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    wide = paired(lhs)[INCOME]
    tiers = [t for t in TIERS if t in wide]
    fig, ax = plt.subplots(figsize=(7, 4))
    for i, (lo, hi) in enumerate(zip(tiers, tiers[1:], strict=False)):
        ax.hist(wide[hi] - wide[lo], bins=30, alpha=0.5, color=f"C{i}", label=f"{hi} - {lo}")
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_xlabel("income per person, gain over the tier below (yuan/yr)")
    ax.set_ylabel("points x seeds")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def figure_sobol(indices: pd.DataFrame, path: Path) -> None:
    """First-order and total indices with their intervals, one panel per output."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outputs = list(dict.fromkeys(indices["output"]))
    fig, axes = plt.subplots(1, len(outputs), figsize=(4.5 * len(outputs), 4), squeeze=False, sharey=True)
    for ax, name in zip(axes[0], outputs, strict=True):
        d = indices[indices["output"] == name]
        y = np.arange(len(d))
        ax.barh(y - 0.2, d["S1"], 0.4, xerr=d["S1_conf"], label="S1")
        ax.barh(y + 0.2, d["ST"], 0.4, xerr=d["ST_conf"], label="ST")
        ax.set_yticks(y, d["group"])
        ax.set_title(name, fontsize=8)
        ax.axvline(0, color="grey", linewidth=0.8)
    axes[0][0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


try:
    from hydra.experimental.callback import Callback
except ImportError:  # pragma: no cover - hydra is a dependency
    Callback = object  # type: ignore[assignment,misc]


class RobustAnalysis(Callback):  # type: ignore[misc,valid-type]
    """Hydra callback: analyse the design when the sweep ends (or say which runs are missing)."""

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        from omegaconf import OmegaConf

        sweep_dir = Path(config.hydra.sweep.dir)
        block = OmegaConf.to_container(config.robust, resolve=True)
        assert isinstance(block, dict)
        try:
            path = analyse(sweep_dir, parse_design(block), list(config.hydra.overrides.task))
        except Exception as err:
            FAILED_CALLBACKS.append(f"{sweep_dir}: {err}")
            print(f"coopsim: the analysis of {sweep_dir} failed: {err}", file=sys.stderr)
            raise
        print(f"coopsim: report written to {path}")


def main(argv: Sequence[str] | None = None) -> None:
    """``coopsim-study robust <sweep dir>``: analyse a robust_tiers sweep again (from its ``multirun.yaml``)."""
    p = argparse.ArgumentParser(prog="coopsim-study robust", description=__doc__,
                                formatter_class=PlainHelp)
    p.add_argument("sweep_dir", type=Path)
    args = p.parse_args(argv)
    from omegaconf import OmegaConf

    config = OmegaConf.load(args.sweep_dir / "multirun.yaml")
    block = OmegaConf.to_container(config.robust, resolve=True)
    assert isinstance(block, dict)
    print(analyse(args.sweep_dir, parse_design(block), list(config.hydra.overrides.task)))
