"""The answer over the calibration's ensemble: parameter uncertainty beside the seeds'.

The calibration keeps every parameter set the facts cannot tell apart
(``configs/calibration/bijie_ensemble.csv``: each trial within one scale of
every target, best first; :func:`coopsim.studies.calibration.ensemble`).
``coopsim-study ensemble`` runs a tier and ``none`` for each of the first
``--members`` sets on each seed, pairs them on (member, seed) — the same
households, prices and draws — and reports the tier's gain with a bootstrap
interval over all pairs, and the spread of the members' means (what the
parameters the facts leave open change). With ``--replay`` it also writes the
history replay's yearly aggregates (tier v3 from 2017, the history scenario)
over every member and seed.

Example::

    coopsim-study ensemble --members 8 --seeds 1 2 3 region=small
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from coopsim.analysis.markdown import markdown_table
from coopsim.analysis.outcomes import HEADLINE, names
from coopsim.analysis.replay import prefecture_table
from coopsim.analysis.statistics import BOOTSTRAP_SEED, bootstrap_ci, final_years
from coopsim.config import compose_config
from coopsim.config.designs import ENSEMBLE  # the shipped ensemble, written by coopsim-calibrate --save
from coopsim.io.console import console_script
from coopsim.io.helptext import PlainHelp
from coopsim.studies.variants import run_variant

#: How the history replay runs: the tiers' dates from 2017, the prices and the travel stop as they happened.
REPLAY = ("scenario=history_2017_2022", "start_year=2017", "years=5")


def members(path: Path, count: int) -> list[list[str]]:
    """The overrides of the first ``count`` parameter sets of the ensemble (best first)."""
    table = pd.read_csv(path)
    keys = [c for c in table.columns if "." in c]
    if table.empty:
        raise ValueError(f"{path} holds no parameter set: the calibration found none within one scale of every target")
    return [[f"{k}={float(row[k])!r}" for k in keys] for _, row in table.head(count).iterrows()]


def run_member(member: int, tier: str, overrides: Sequence[str], seed: int) -> pd.DataFrame:
    """One run of parameter set ``member``: the study's run (:func:`~coopsim.studies.variants.run_variant`),
    labelled with its tier and set."""
    return run_variant(tier, [*overrides, f"tier={tier}"], seed).assign(member=member)


def gains(per_run: pd.DataFrame, tier: str) -> pd.DataFrame:
    """The tier's paired gain over ``none`` on each headline outcome: mean and bootstrap interval over every
    (member, seed) pair, and the lowest and highest member mean (parameter uncertainty)."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    pairs = per_run.pivot_table(index=["member", "seed"], columns="group", values=names(HEADLINE))
    rows = []
    for o in HEADLINE:
        d = (pairs[(o.name, tier)] - pairs[(o.name, "none")]).dropna()
        lo, hi = bootstrap_ci(d.to_numpy(), rng)
        by_member = d.groupby(level="member").mean()
        rows.append({"outcome": o.label, "none": pairs[(o.name, "none")].mean(), tier: pairs[(o.name, tier)].mean(),
                     "gain": d.mean(), "ci_low": lo, "ci_high": hi, "member_min": by_member.min(),
                     "member_max": by_member.max(), "pairs": len(d), "members": len(by_member)})
    return pd.DataFrame(rows)


def ensemble_study(args: argparse.Namespace) -> None:
    sets = members(args.ensemble, args.members)
    tasks = [(m, t, [*ov, *args.overrides], s) for m, ov in enumerate(sets) for s in args.seeds
             for t in ("none", args.tier)]
    if args.replay:
        tasks += [(m, "v3", [*ov, *REPLAY, *args.overrides], s) for m, ov in enumerate(sets) for s in args.seeds]
    region = compose_config([*tasks[0][2], f"tier={tasks[0][1]}", f"seed={tasks[0][3]}"]).region.name
    for _m, tier, ov, s in tasks[-1:]:  # the first and the last checked before any runs
        compose_config([*ov, f"tier={tier}", f"seed={s}"])
    start = time.perf_counter()
    frames = Parallel(n_jobs=args.jobs)(delayed(run_member)(*t) for t in tasks)
    n_compare = 2 * len(sets) * len(args.seeds)
    years = pd.concat(frames[:n_compare], ignore_index=True)
    final = final_years(years, args.last_years)
    per_run = final.groupby(["group", "member", "seed"])[names(HEADLINE)].mean().reset_index()
    table = gains(per_run, args.tier)
    out = args.out or Path("results") / "studies" / f"ensemble-{time.strftime('%Y-%m-%d_%H-%M-%S')}"
    out.mkdir(parents=True, exist_ok=True)
    per_run.to_csv(out / "per_run.csv", index=False)
    table.to_csv(out / "gains.csv", index=False)
    head = (f"{args.tier} against none over {len(sets)} parameter sets of the ensemble x {len(args.seeds)} seeds "
            f"({', '.join(map(str, args.seeds))}), region={region}, the last {args.last_years} years; "
            f"interval: bootstrap 95 % over the pairs; member min/max: the spread of the sets' means")
    text = f"{head}\n\n{markdown_table(table)}\n"
    if args.replay:
        replay = pd.concat(frames[n_compare:], ignore_index=True)
        replay.to_parquet(out / "replay_region_year.parquet", index=False)
        aggregates = prefecture_table(replay.assign(seed=replay["member"] * 1000 + replay["seed"]))
        aggregates.to_csv(out / "replay.csv", index=False)
        text += (f"\nHistory replay (tier=v3 {' '.join(REPLAY)}) over every set and seed: mean [min, max]\n\n"
                 f"{markdown_table(aggregates)}\n")
    (out / "ensemble.md").write_text(text, encoding="utf-8")
    print(text)
    print(f"{len(tasks)} runs in {time.perf_counter() - start:.0f} s; written to {out}")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="coopsim-study ensemble", description=__doc__,
                                formatter_class=PlainHelp)
    p.add_argument("--ensemble", type=Path, default=ENSEMBLE, help="the calibration's ensemble (CSV)")
    p.add_argument("--members", type=int, default=8, help="how many parameter sets (the best first)")
    p.add_argument("--tier", default="v3", choices=("v1", "v2", "v3"))
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--last-years", type=int, default=3)
    p.add_argument("--replay", action="store_true", help="also the history replay over every set and seed")
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("overrides", nargs="*", help="extra Hydra overrides, e.g. region=small")
    return p


@console_script("coopsim-study ensemble")
def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_intermixed_args(argv)
    if args.members < 1:
        parser().error(f"--members must be at least 1 (got {args.members})")
    ensemble_study(args)
