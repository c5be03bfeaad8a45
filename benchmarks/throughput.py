"""Runs per hour of many ``region=small`` ten-year runs on this machine's two cores, and
the collector's memory at thousands of runs.

Usage::

    python benchmarks/throughput.py runs [--seeds 12] [--sweep]
    python benchmarks/throughput.py collector [--runs 500 5000]

``runs``: the tiers none, 1.0, 2.0 and 3.0 on ``--seeds`` seeds each
(``region=small``, ten years, no per-household table), as a study runs them:
``coopsim +experiment=robust_tiers robust.samples=0`` (the configs as
composed, no sampling), two jobs streaming into one Parquet dataset. Prints
the wall time of the whole command, the seconds simulated (each run's
``sim_s``), runs per hour and the share of the wall time on both workers spent
outside the simulation: 1 - simulated / (wall x 2). ``--sweep`` times the same
runs as a plain sweep instead (``coopsim -m tier=none,v1,v2,v3 seed=...``, one
run directory each, every table written): the way they ran before the
streaming runner, and the only way on older commits.

``collector``: feeds ``--runs`` runs' tables (one real run's yearly table and
row, under a new run key each) through the dataset's writer and reads the
``runs`` table back, in a fresh process per size; prints the peak resident
memory of each (flat in the number of runs: the writer holds at most one flush).

Asserts nothing. For a claim against an older commit, time both commands side
by side in one session (the machines differ by 2x).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COOPSIM = [sys.executable, "-m", "coopsim.cli"]


def study_command(seeds: int, where: Path) -> list[str]:
    return [*COOPSIM, "+experiment=robust_tiers", "robust.samples=0", f"robust.seeds=[{','.join(map(str, range(1, seeds + 1)))}]",
            "robust.sobol_n=0", "robust.chunks=2", "robust.chunk=0,1", "hydra.launcher.verbose=0",
            f"hydra.sweep.dir={where}"]


def sweep_command(seeds: int, where: Path) -> list[str]:
    return [*COOPSIM, "-m", "region=small", "tier=none,v1,v2,v3", f"seed={','.join(map(str, range(1, seeds + 1)))}",
            "household_table=false", "progress=never", "hydra.launcher.verbose=0", f"hydra.sweep.dir={where}"]


def simulated(where: Path, sweep: bool) -> tuple[int, float]:
    """How many runs there are and the seconds they simulated."""
    if sweep:
        metas = [json.loads(p.read_text()) for p in where.rglob("metadata.json")]
        return len(metas), sum(m["wall_time_s"] for m in metas)
    import pandas as pd

    runs = pd.read_parquet(where / "dataset" / "runs")
    return len(runs), float(runs["sim_s"].sum())


def runs(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp) / "sweep"
        command = (sweep_command if args.sweep else study_command)(args.seeds, where)
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        wall = time.perf_counter() - started
        n, sim = simulated(where, args.sweep)
    print(f"{'sweep' if args.sweep else 'study'}: {n} runs (region=small, 10 years) in {wall:.1f} s wall, "
          f"{sim:.1f} s simulated: {3600 * n / wall:,.0f} runs per hour; outside the simulation "
          f"{100 * (1 - sim / (2 * wall)):.1f} % of the wall time on 2 workers")


def collector_child(n: int) -> None:
    """In a fresh process: ``n`` runs through the writer, the runs table read back; print the peak memory."""
    import pandas as pd

    from coopsim.config import compose_config
    from coopsim.io.dataset import RunDataset
    from coopsim.run import simulate

    year = simulate(compose_config(["region=small", "tier=v3", "household_table=false", "progress=never"]))["region_year"]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with tempfile.TemporaryDirectory() as tmp:
        dataset = RunDataset(Path(tmp), ("design", "tier", "seed"))
        started = time.perf_counter()
        with dataset.writer("bench", flush_every=32) as writer:
            for i in range(n):
                tier, seed = ("none", "v1", "v2", "v3")[i % 4], 1 + (i // 4) % 2
                key = f"lhs-{i:05d}-{tier}-s{seed}"
                row = {"run_key": key, "design": "lhs", "point": i // 8, "tier": tier, "seed": seed,
                       **{f"factor_{j}": float(j) for j in range(92)},
                       **{c: float(year[c].mean()) for c in year.columns if year[c].dtype.kind == "f"}}
                writer.add({"runs": pd.DataFrame([row]),
                            "region_year": year.assign(run_key=key, design="lhs", tier=tier, seed=seed)})
        written = time.perf_counter() - started
        after_writing = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        back = dataset.read("runs")
        assert len(back) == n
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"runs": n, "peak_mb": round(peak, 1), "before_mb": round(before, 1),
                      "writing_mb": round(after_writing, 1), "write_s": round(written, 2)}))


def collector(args: argparse.Namespace) -> None:
    for n in args.runs:
        out = subprocess.run([sys.executable, __file__, "collector-child", str(n)], check=True, capture_output=True,
                             text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(f"collector: {r['runs']:>6,} runs written in {r['write_s']:.1f} s; peak resident memory "
              f"{r['writing_mb']:.0f} MB while writing, {r['peak_mb']:.0f} MB after reading the runs table back "
              f"({r['before_mb']:.0f} MB before the first run was written)")


def main() -> None:
    if sys.argv[1:2] == ["collector-child"]:
        collector_child(int(sys.argv[2]))
        return
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    r = sub.add_parser("runs")
    r.add_argument("--seeds", type=int, default=12, help="seeds per tier (runs = 4 x seeds)")
    r.add_argument("--sweep", action="store_true", help="a plain sweep, one run directory each")
    c = sub.add_parser("collector")
    c.add_argument("--runs", type=int, nargs="+", default=[500, 5000])
    args = p.parse_args()
    {"runs": runs, "collector": collector}[args.what](args)


if __name__ == "__main__":
    main()
