"""Studies over many runs: tier comparisons and lever ablations, paired on seeds.

Every variant is run on the same seeds, so each variant's difference from the
reference is paired: the same households, prices and draws (common random
numbers). Runs go in parallel with joblib; each run composes its config the
same way the ``coopsim`` command does.

``coopsim-study tiers --seeds 1 2 3 4 5`` compares none/v1/v2/v3;
``coopsim-study ablation --tier v3 --seeds 1 2 3 4 5`` switches each of the
tier's own mechanisms off in turn; ``coopsim-study decompose --seeds 1 2 3 4 5``
compares the tiers and splits each tier's gain over the one below into its
mechanisms, both ways (removed from the full tier; added alone to the tier
below), see :mod:`coopsim.analysis.decomposition`; ``coopsim-study ensemble``
compares a tier with none over the calibration's ensemble of parameter sets
(:mod:`coopsim.studies.ensemble`); ``coopsim-study robust <sweep dir>`` analyses a
``robust_tiers`` sweep again (:mod:`coopsim.studies.robust`). The comparison
experiment (``+experiment=compare_tiers``) runs the same decomposition after
its sweep and puts it at the head of its report (:class:`DecompositionReport`).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from joblib import Parallel, delayed

from coopsim.analysis import decomposition
from coopsim.analysis.outcomes import HEADLINE, names
from coopsim.analysis.report import ReportCallback
from coopsim.analysis.statistics import paired_differences, per_run_outcomes
from coopsim.config import LADDER, compose_config
from coopsim.config.mechanisms import own_mechanisms
from coopsim.io.console import console_script
from coopsim.io.helptext import PlainHelp
from coopsim.io.sweeps import FAILED_CALLBACKS, complete_runs
from coopsim.run import simulate_scenario
from coopsim.studies.variants import run_variant

#: Bijie's tiers, from none up (other counties' designs: +experiment=three_designs); the tiers with mechanisms of
#: their own (to switch off, to decompose).
TIERS = LADDER
WITH_LEVERS = tuple(t for t in TIERS if own_mechanisms(t))


def run_shocked(tier: str, scenario: str, overrides: Sequence[str], seed: int) -> dict[str, pd.DataFrame]:
    """One tier under one scenario with its no-shock counterfactual: resilience and income response."""
    cfg = compose_config([f"tier={tier}", f"scenario={scenario}", *overrides, f"seed={seed}",
                          "progress=never", "resilience=true"])
    tables = simulate_scenario(cfg)
    return {k: tables[k].assign(tier=tier, scenario=scenario, seed=seed) for k in ("resilience", "income_response")}


def shock_figure(response: pd.DataFrame, path: Path, before: int = 12, after: int = 48) -> None:
    """Per-capita income by tier around each shock.

    Top row: income as a percentage of the same run without the shock.
    Bottom row: 12-month average income with (solid) and without (dotted) it.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scenarios = list(dict.fromkeys(response["scenario"]))
    fig, axes = plt.subplots(2, len(scenarios), figsize=(6.5 * len(scenarios), 8), squeeze=False)
    for col, scenario in enumerate(scenarios):
        r = response[response["scenario"] == scenario]
        onset = int(r["onset_t"].iloc[0])
        mean = r.groupby(["tier", "t"])[["income_shock_yuan", "income_baseline_yuan"]].mean().reset_index()
        top, bottom = axes[0, col], axes[1, col]
        for i, (tier, g) in enumerate(mean.groupby("tier")):
            g = g.sort_values("t")
            x = g["t"] - onset
            keep = (x >= -before) & (x <= after)
            ratio = 100 * g["income_shock_yuan"] / g["income_baseline_yuan"]
            top.plot(x[keep], ratio[keep], color=f"C{i}", label=tier)
            for column, style in (("income_shock_yuan", "-"), ("income_baseline_yuan", ":")):
                yearly = g[column].rolling(12, min_periods=12).mean() * 12
                bottom.plot(x[keep], yearly[keep], color=f"C{i}", linestyle=style, label=tier if style == "-" else None)
        top.axhline(100, color="grey", linewidth=0.8)
        top.axhline(95, color="grey", linewidth=0.8, linestyle="--")
        top.set_title(f"{scenario}: income vs the same run without it")
        top.set_ylabel("% of the no-shock income (3-month average)")
        bottom.set_title(f"{scenario}: income over the past 12 months (dotted: no shock)")
        bottom.set_ylabel("yuan per person and year")
        for ax in (top, bottom):
            ax.axvline(0, color="grey", linewidth=0.8)
            ax.set_xlabel("months from the onset")
            ax.legend(title="tier")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def run_study(variants: dict[str, list[str]], seeds: Sequence[int], jobs: int) -> pd.DataFrame:
    """Run every variant on every seed; return their annual tables stacked."""
    tasks = [(label, ov, s) for label, ov in variants.items() for s in seeds]
    frames = Parallel(n_jobs=jobs)(delayed(run_variant)(*t) for t in tasks)
    return pd.concat(frames, ignore_index=True)


def parser() -> argparse.ArgumentParser:
    """The command line of ``coopsim-study``."""
    p = argparse.ArgumentParser(prog="coopsim-study", description=__doc__,
                                formatter_class=PlainHelp)
    p.add_argument("kind", choices=("tiers", "ablation", "decompose", "shocks", "ensemble"),
                   help="ensemble: over the calibration's parameter sets (coopsim-study ensemble --help)")
    p.add_argument("--scenarios", nargs="+", default=["price_collapse", "city_crisis"],
                   help="shocks: the scenarios to run each tier under")
    p.add_argument("--tier", default=WITH_LEVERS[-1], choices=WITH_LEVERS,
                   help="ablation: the tier whose own mechanisms are switched off")
    p.add_argument("--tiers", nargs="+", default=list(WITH_LEVERS), choices=WITH_LEVERS,
                   help="decompose: the tiers whose gain over the tier below is decomposed")
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--last-years", type=int, default=3, help="average outcomes over the final N years")
    p.add_argument("--out", type=Path, default=None, help="directory for the Parquet and CSV outputs")
    p.add_argument("overrides", nargs="*", help="extra Hydra overrides, e.g. region=tiny years=4")
    return p


@console_script("coopsim-study")
def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["ensemble"]:  # its own options: coopsim-study ensemble --help
        from coopsim.studies import ensemble

        ensemble.main(argv[1:])
        return
    if argv[:1] == ["robust"]:  # analyse a robust_tiers sweep again: coopsim-study robust <sweep dir>
        from coopsim.studies import robust

        robust.main(argv[1:])
        return
    args = parser().parse_intermixed_args(argv)
    if args.kind == "shocks":
        shock_study(args)
        return
    if args.kind == "decompose":
        decompose_study(args)
        return
    if args.kind == "tiers":
        variants = {t: [f"tier={t}", *args.overrides] for t in TIERS}
        reference = TIERS[0]
    else:
        base = [f"tier={args.tier}", *args.overrides]
        variants = {args.tier: base,
                    **{f"{m.name}=off": [*base, f"ablate={m.name}"] for m in own_mechanisms(args.tier)}}
        reference = args.tier
    for overrides in variants.values():  # every variant checked before any runs
        compose_config([*overrides, f"seed={args.seeds[0]}"])
    start = time.perf_counter()
    years = run_study(variants, args.seeds, args.jobs)
    per_seed = per_run_outcomes(years, args.last_years)
    effects = paired_differences(per_seed, reference)
    out = args.out or Path("results") / "studies" / f"{args.kind}-{time.strftime('%Y-%m-%d_%H-%M-%S')}"
    out.mkdir(parents=True, exist_ok=True)
    years.to_parquet(out / "region_year.parquet", index=False)
    per_seed.to_csv(out / "per_seed.csv", index=False)
    effects.to_csv(out / "paired_effects.csv", index=False)
    print(f"{len(years['group'].unique())} variants x {len(args.seeds)} seeds in {time.perf_counter() - start:.0f} s; "
          f"outcomes averaged over the last {args.last_years} years; every run's ledger balanced "
          f"(a run that fails the check stops the study); written to {out}")
    print_effects(per_seed, effects, reference)


def decomposition_variants(overrides: Sequence[str], tiers: Sequence[str]) -> dict[str, list[str]]:
    """Every run a decomposition of ``tiers`` needs (``none`` included), each with ``overrides`` added."""
    variants = {TIERS[0]: [f"tier={TIERS[0]}", *overrides]}
    for tier in tiers:
        variants.update({label: [*ov, *overrides] for label, ov in decomposition.variants(tier).items()})
    return variants


def run_decomposition(overrides: Sequence[str], seeds: Sequence[int], tiers: Sequence[str], jobs: int,
                      last_years: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Run a decomposition; return the runs' annual tables, per-seed outcomes, the decomposition and the summary."""
    variants = decomposition_variants(overrides, tiers)
    for ov in variants.values():  # every variant checked before any runs
        compose_config([*ov, f"seed={seeds[0]}"])
    years = run_study(variants, seeds, jobs)
    per_seed = per_run_outcomes(years, last_years)
    return years, per_seed, decomposition.decompose(per_seed, tiers), decomposition.summary(per_seed, tiers)


def decompose_study(args: argparse.Namespace) -> None:
    """The tiers compared with ``none``, and each tier's gain over the one below split into its mechanisms."""
    start = time.perf_counter()
    years, per_seed, table, overview = run_decomposition(args.overrides, args.seeds, args.tiers, args.jobs,
                                                         args.last_years)
    tiers = per_seed[per_seed["group"].isin([TIERS[0], *args.tiers])]
    effects = paired_differences(tiers, TIERS[0])
    out = args.out or Path("results") / "studies" / f"decompose-{time.strftime('%Y-%m-%d_%H-%M-%S')}"
    out.mkdir(parents=True, exist_ok=True)
    years.to_parquet(out / "region_year.parquet", index=False)
    per_seed.to_csv(out / "per_seed.csv", index=False)
    effects.to_csv(out / "paired_effects.csv", index=False)
    text = decomposition.write(out, table, overview)
    print(
        f"{len(set(per_seed['group']))} variants x {len(args.seeds)} seeds in {time.perf_counter() - start:.0f} s; "
        f"outcomes averaged over the last {args.last_years} years; every run's ledger balanced; written to {out}\n"
    )
    print(text)
    print_effects(tiers, effects, TIERS[0])


#: Keys a comparison sweep varies: the decomposition sets them itself.
SWEPT = ("tier", "scenario", "seed", "ablate")


class DecompositionReport(ReportCallback):
    """Hydra callback: when a comparison sweep ends, decompose each tier's gain over the one below (under the
    baseline, on the sweep's seeds and with its other overrides) and write the report with it at the head."""

    def __init__(self, compare_by: str = "tier", reference: str = "none", last_years: int = 3,
                 tiers: Sequence[str] = WITH_LEVERS, jobs: int = 2) -> None:
        super().__init__(compare_by, reference, last_years)
        self.tiers, self.jobs = list(tiers), jobs

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            overrides = [o for o in config.hydra.overrides.task if o.split("=")[0].lstrip("+~") not in SWEPT]
            found = complete_runs(sweep_dir)  # verified once, for the seeds here and for the report
            seeds = sorted({int(meta["config"]["seed"]) for _, meta in found[0]})
            if not seeds:
                raise ValueError("no complete runs to take the seeds from")
            start = time.perf_counter()
            _, _, table, overview = run_decomposition(overrides, seeds, self.tiers, self.jobs, self.last_years)
            decomposition.write(sweep_dir, table, overview)
            print(f"coopsim: decomposition of {', '.join(self.tiers)} on seeds {', '.join(map(str, seeds))} "
                  f"in {time.perf_counter() - start:.0f} s")
        except Exception as err:
            FAILED_CALLBACKS.append(f"{sweep_dir}: decomposition: {err}")
            print(f"coopsim: the decomposition of {sweep_dir} failed: {err}", file=sys.stderr)
            raise
        self.report(config, runs_found=found)


def print_effects(per_seed: pd.DataFrame, effects: pd.DataFrame, reference: str) -> None:
    """Each variant's mean outcomes, and its paired differences from ``reference`` (mean [min, max] over seeds)."""
    pd.set_option("display.width", 200)
    print(per_seed.groupby("group", sort=False)[names(HEADLINE)].mean().round(4).to_string())
    print(f"\npaired differences from {reference} (mean [min, max] over seeds):")
    wide = effects.assign(cell=lambda d: d.apply(
        lambda r: f"{r.difference:.4g} [{r.min_difference:.3g}, {r.max_difference:.3g}]", axis=1))
    print(wide.pivot(index="group", columns="outcome", values="cell")[names(HEADLINE)].to_string())


def shock_study(args: argparse.Namespace) -> None:
    """Every tier under every scenario, each against its own no-shock run."""
    for scenario in args.scenarios:  # every scenario checked before any runs
        compose_config([f"tier={TIERS[-1]}", f"scenario={scenario}", *args.overrides, f"seed={args.seeds[0]}"])
    start = time.perf_counter()
    tasks = [(t, s, args.overrides, seed) for s in args.scenarios for t in TIERS for seed in args.seeds]
    results = Parallel(n_jobs=args.jobs)(delayed(run_shocked)(*task) for task in tasks)
    resilience = pd.concat([r["resilience"] for r in results], ignore_index=True)
    response = pd.concat([r["income_response"].assign(onset_t=int(r["resilience"]["onset_t"].iloc[0]))
                          for r in results], ignore_index=True)
    out = args.out or Path("results") / "studies" / f"shocks-{time.strftime('%Y-%m-%d_%H-%M-%S')}"
    out.mkdir(parents=True, exist_ok=True)
    resilience.to_csv(out / "resilience.csv", index=False)
    response.to_parquet(out / "income_response.parquet", index=False)
    shock_figure(response, out / "income_around_shocks.png")
    cols = ["depth", "recovery_months", "cumulative_loss_per_capita_yuan", "poverty_reentry_households",
            "returns_extra", "coop_failures_extra", "fiscal_cost_change_yuan"]
    cols = [c for c in cols if c in resilience]
    table = resilience.groupby(["scenario", "tier"])[cols].mean()
    pd.set_option("display.width", 220)
    print(f"{len(tasks)} shocked runs (+ as many counterfactuals) in {time.perf_counter() - start:.0f} s; "
          f"written to {out}")
    print(table.round(3).to_string())


if __name__ == "__main__":
    main()
