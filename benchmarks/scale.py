"""How coopsim scales: household-months per second, wall time and peak memory
from 10,000 households to the whole Bijie prefecture (1.3 million), and the
fast engine against the reference engine and a Mesa implementation.

Usage::

    python benchmarks/scale.py [--sizes 10k 100k 400k bijie] [--window 3] [--compare-up-to 100000]

Every measurement runs in a fresh process (so peak memory is per run). The
workload is the issue's: tier 3.0 with a price collapse and a city crisis,
ten years month by month, without the no-shock counterfactual
(``resilience=false``) and without the per-household table.

* **full run**: ``coopsim ...`` as a user runs it; process wall time, the
  simulation's own time (build + 120 months, from ``metadata.json``), peak
  resident memory, and household-months per second of simulation.
* **window**: the first ``--window`` months (January to March: the Spring
  Festival trips and returns, the heaviest months), timed after the economy
  is built, for the fast engine, the reference engine (``engine=agents``: one
  SimPy process per household) and Mesa (one ``mesa.Agent`` per household,
  :mod:`mesa_households`). All three apply the same household rules and reach
  the same state; the ratios are fast engine throughput over theirs. The
  slow engines are measured only up to ``--compare-up-to`` households.

Needs Mesa for the comparison: ``pip install -e ".[bench]"``. Asserts nothing;
prints a table (and, with ``--markdown``, a Markdown one).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from foundation import run_cli  # noqa: E402 - a sibling benchmark script

WORKLOAD = ["tier=v3", "scenario=[price_collapse,city_crisis]", "resilience=false", "household_table=false"]
SIZES = {  # name -> (households, region overrides)
    "10k": (10_000, ["region=county", "region.townships=[3]", "region.villages=35", "region.households=10000"]),
    "100k": (100_000, ["region=county"]),
    "400k": (400_000, ["region=county", "region.townships=[30,30,30,30]", "region.villages=1400",
                       "region.households=400000"]),
    "bijie": (1_300_000, ["region=bijie"]),
}


def full_run(overrides: list[str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        wall, meta = run_cli([*overrides, *WORKLOAD], Path(tmp))
    return {"wall_s": wall, "simulation_s": meta["wall_time_s"], "peak_mb": meta["peak_memory_mb"],
            "balanced": meta["ledger"]["balanced"]}


def window(engine: str, overrides: list[str], months: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", engine, str(months), *overrides],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def child(engine: str, months: int, overrides: list[str]) -> None:
    """Build an economy, time its first ``months`` months, print JSON (runs in its own process)."""
    import hashlib
    import resource

    from coopsim.config.compose import compose_config
    from coopsim.engine.economy import TICKS, Economy

    cfg = compose_config([*overrides, *WORKLOAD, f"engine={'agents' if engine == 'reference' else 'fast'}"])
    if engine == "mesa":
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from mesa_households import CoopsimMesa

        model = CoopsimMesa(cfg)
        eco = model.economy
        start = time.perf_counter()
        model.run_months(months)
    else:
        eco = Economy(cfg)
        start = time.perf_counter()
        eco.env.run(until=months * TICKS)
    seconds = time.perf_counter() - start
    state = eco.ledger.balances.tobytes() + eco.hh.worker_status.tobytes() + eco.hh.income_year.tobytes()
    fingerprint = hashlib.sha256(state).hexdigest()[:16]  # the same state gives the same fingerprint
    print(json.dumps({"seconds": seconds, "household_months": eco.hh.n * months, "fingerprint": fingerprint,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    ap.add_argument("--window", type=int, default=3, help="months timed for the engine comparison")
    ap.add_argument("--compare-up-to", type=int, default=100_000, help="largest size the slow engines run")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    rows = []
    for name in args.sizes:
        n, overrides = SIZES[name]
        full = full_run(overrides)
        row: dict[str, object] = {
            "size": name, "households": n, "wall_s": round(full["wall_s"], 1),
            "simulation_s": round(full["simulation_s"], 1), "peak_mb": round(full["peak_mb"]),
            "hm_per_s": round(n * 120 / full["simulation_s"]), "us_per_hm": round(full["simulation_s"] / (n * 120) * 1e6, 3),
        }
        fast = window("fast", overrides, args.window)
        row["window_fast_hm_per_s"] = round(fast["household_months"] / fast["seconds"])
        for engine in ("reference", "mesa"):
            if n <= args.compare_up_to:
                other = window(engine, overrides, args.window)
                assert other["fingerprint"] == fast["fingerprint"], f"{engine} reached a different state"
                row[f"{engine}_hm_per_s"] = round(other["household_months"] / other["seconds"])
                row[f"fast_over_{engine}"] = round(other["seconds"] / fast["seconds"], 1)
            else:
                row[f"{engine}_hm_per_s"] = row[f"fast_over_{engine}"] = "-"
        rows.append(row)
        print(json.dumps(row), flush=True)
    print_table(rows, args.markdown)


def print_table(rows: list[dict[str, object]], markdown: bool) -> None:
    cols = list(rows[0])
    if markdown:
        print("| " + " | ".join(cols) + " |\n|" + "---|" * len(cols))
        for r in rows:
            print("| " + " | ".join(f"{r[c]:,}" if isinstance(r[c], (int, float)) else str(r[c]) for c in cols) + " |")
        return
    width = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in cols}
    print("  ".join(c.rjust(width[c]) for c in cols))
    for r in rows:
        print("  ".join(str(r[c]).rjust(width[c]) for c in cols))


if __name__ == "__main__":
    main()
