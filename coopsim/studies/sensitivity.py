"""Global sensitivity analysis (Morris elementary effects, SALib) of the model's outcomes.

``coopsim-sensitivity`` draws a Morris design over chosen config keys, runs
every point through the same composition and validation as ``coopsim`` (in
parallel with joblib, all on one seed so that only the parameters vary), and
writes the design with its outcomes, the Morris indices (mu*, its 95 %
confidence, sigma) and a figure.

Example::

    coopsim-sensitivity --trajectories 8 region=small tier=v1
    coopsim-sensitivity --param labour.remittance_share 0.3 0.6 --param market.collection_cost_yuan 100 400
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from coopsim.analysis.outcomes import SCREENED, names
from coopsim.analysis.statistics import final_years
from coopsim.config.parameters import ranges
from coopsim.io.console import console_script
from coopsim.io.helptext import PlainHelp

#: Parameters analysed by default (tier 1.0), each a declared uncertainty
#: (:class:`~coopsim.config.declarations.Uncertainty`) over its range in the parameter vocabulary.
SCREENED_PARAMETERS = ("market.collection_cost_yuan", "labour.leave_probability", "labour.remittance_share",
                       "labour.chain_strength", "tier.cooperative.day_wage_yuan",
                       "tier.cooperative.land_rent_yuan_per_mu", "tier.cooperative.management_cost_share",
                       "tier.cooperative.membership.peer_influence")
DEFAULT_PARAMS: dict[str, tuple[float, float]] = ranges(SCREENED_PARAMETERS)
OUTPUTS = tuple(names(SCREENED))


def evaluate(values: dict[str, float], overrides: Sequence[str], seed: int, last_years: int) -> dict[str, float]:
    """Run the model at one design point; outcomes averaged over the final years."""
    from coopsim.config import compose_config
    from coopsim.run import simulate

    point = [f"{k}={v!r}" for k, v in values.items()]
    cfg = compose_config([*overrides, *point, f"seed={seed}", "household_table=false", "progress=never"])
    year = simulate(cfg)["region_year"]
    final = final_years(year, last_years)
    return {k: float(final[k].mean()) for k in OUTPUTS}


def morris_study(params: dict[str, tuple[float, float]], overrides: Sequence[str], trajectories: int, levels: int,
                 seed: int, jobs: int, last_years: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sample, run and analyse; return (design with outcomes, indices)."""
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    from coopsim.config import compose_dict
    from coopsim.config.declarations import declared

    names = list(params)
    problem: dict[str, Any] = {"num_vars": len(params), "names": names, "bounds": [list(b) for b in params.values()]}
    x = morris_sample.sample(problem, N=trajectories, num_levels=levels, seed=seed)
    # the declared uncertainties among them that are whole numbers (weeks, years, yuan) take whole values
    whole = {k for k, u in declared(compose_dict(list(overrides))).items() if k in params and u.integer}
    x[:, [names.index(k) for k in whole]] = np.round(x[:, [names.index(k) for k in whole]])
    points = [{k: (int(v) if k in whole else float(v)) for k, v in zip(names, row, strict=True)} for row in x]
    results = Parallel(n_jobs=jobs)(delayed(evaluate)(p, overrides, seed, last_years) for p in points)
    design = pd.concat([pd.DataFrame(x, columns=names), pd.DataFrame(results)], axis=1)
    rows = []
    for out in OUTPUTS:
        res = morris_analyze.analyze(problem, x, design[out].to_numpy(), num_levels=levels, seed=seed)
        for i, name in enumerate(names):
            rows.append({"output": out, "parameter": name, "mu_star": float(res["mu_star"][i]),
                         "mu_star_conf": float(res["mu_star_conf"][i]), "sigma": float(res["sigma"][i]),
                         "mu": float(res["mu"][i])})
    return design, pd.DataFrame(rows)


def plot_indices(indices: pd.DataFrame, path: Path) -> Path:
    """One panel per output: mu* (bars, with 95 % confidence) and sigma (dots), largest first."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outputs = list(dict.fromkeys(indices["output"]))
    fig, axes = plt.subplots(1, len(outputs), figsize=(6 * len(outputs), 4.5), squeeze=False)
    for ax, out in zip(axes[0], outputs, strict=True):
        d = indices[indices["output"] == out].sort_values("mu_star")
        y = np.arange(len(d))
        ax.barh(y, d["mu_star"], xerr=d["mu_star_conf"], color="C0", alpha=0.8, label="mu* (mean |effect|)")
        ax.plot(d["sigma"], y, "o", color="C3", label="sigma (interactions, non-linearity)")
        ax.set_yticks(y, [p.split(".", 1)[-1] for p in d["parameter"]], fontsize=8)
        ax.set_title(out)
        ax.legend(fontsize=7)
    fig.suptitle("Morris elementary effects")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


@console_script("coopsim-sensitivity")
def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="coopsim-sensitivity", description=__doc__,
                                formatter_class=PlainHelp)
    p.add_argument("--param", nargs=3, action="append", metavar=("KEY", "LOW", "HIGH"),
                   help="a config key and its range (repeat); default: a set of tier-1.0 parameters over their ranges "
                        "in the parameter vocabulary (coopsim/config/parameters.csv)")
    p.add_argument("--trajectories", type=int, default=8)
    p.add_argument("--levels", type=int, default=4)
    p.add_argument("--seed", type=int, default=1, help="the model's seed and the design's")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("overrides", nargs="*", help="Hydra overrides for every run, e.g. region=small tier=v1")
    args = p.parse_intermixed_args(argv)
    params = {k: (float(lo), float(hi)) for k, lo, hi in args.param} if args.param else dict(DEFAULT_PARAMS)
    for key, (lo, hi) in params.items():
        if not lo < hi:
            p.error(f"--param {key}: low ({lo}) must be below high ({hi})")
    overrides = args.overrides or ["region=small", "tier=v1"]
    from coopsim.config import compose_config

    for key, (lo, hi) in params.items():  # both ends of every range checked before any runs
        for value in (lo, hi):
            compose_config([*overrides, f"{key}={value!r}"])
    start = time.perf_counter()
    design, indices = morris_study(params, overrides, args.trajectories, args.levels, args.seed, args.jobs)
    out = args.out or Path("results") / "sensitivity" / time.strftime("%Y-%m-%d_%H-%M-%S")
    out.mkdir(parents=True, exist_ok=True)
    design.to_csv(out / "design.csv", index=False)
    indices.to_csv(out / "morris_indices.csv", index=False)
    plot_indices(indices, out / "morris.png")
    print(f"{len(design)} runs in {time.perf_counter() - start:.0f} s; written to {out}")
    pd.set_option("display.width", 200)
    print(indices.pivot(index="parameter", columns="output", values="mu_star").round(4).to_string())


if __name__ == "__main__":
    main()
