"""Wall time and peak memory of 10-year runs, one fresh process per run.

Usage: python benchmarks/foundation.py [region] [tier ...]
(default: region=county, tiers none and v1). Prints a table; asserts nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def run_cli(overrides: list[str], out: Path) -> tuple[float, dict[str, Any]]:
    """Run ``coopsim <overrides>`` into ``out`` in a fresh process; return its wall time and metadata."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "coopsim.cli", *overrides, "progress=never", f"hydra.run.dir={out}"],
                   cwd=ROOT, check=True, capture_output=True)
    wall = time.perf_counter() - start
    return wall, json.loads((out / "metadata.json").read_text())


def run(region: str, tier: str, out: Path) -> dict[str, object]:
    wall, meta = run_cli([f"region={region}", f"tier={tier}"], out)
    year = pd.read_parquet(out / "region_year.parquet").iloc[-1]
    return {
        "region": region, "tier": tier, "households": int(year["households"]),
        "process_wall_s": round(wall, 1), "simulation_s": meta["wall_time_s"], "peak_mb": meta["peak_memory_mb"],
        "year": int(year["year"]), "income_pc_yuan": round(float(year["income_per_capita_mean_yuan"])),
        "poverty_rate": round(float(year["poverty_rate"]), 4), "poverty_headcount": int(year["poverty_headcount"]),
        "ledger_balanced": meta["ledger"]["balanced"],
    }


def main() -> None:
    region = sys.argv[1] if len(sys.argv) > 1 else "county"
    tiers = sys.argv[2:] or ["none", "v1"]
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run(region, t, Path(tmp) / t) for t in tiers]
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
