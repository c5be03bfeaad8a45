"""Sweeps that never lose a run: failures recorded, results collected.

A run that fails inside a sweep writes ``failure.json`` (its config, the
error and the traceback) into its directory instead of ``metadata.json``, and
the sweep goes on; :class:`FailureCallback` lists the failures when the sweep
ends and the ``coopsim`` command exits non-zero. Rerunning the same sweep
(the same ``hydra.sweep.dir``) skips every run already complete — one whose
``metadata.json`` has the same run id, a hash of its resolved config (seed
included) and the code version — and retries the rest.

``coopsim-collect <sweep dir>`` stacks a table of every complete run into one
tidy Parquet file, with the swept parameters as columns.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from coopsim.io.run_dir import FAILURE, METADATA

#: Failures seen by this process's sweeps (the entry point exits 1 if any): runs that failed,
FAILED_RUNS: list[str] = []
#: and what a callback failed to make when a sweep ended (a report, a replay table): Hydra turns a
#: callback's exception into a warning, so the callbacks record it here.
FAILED_CALLBACKS: list[str] = []


def failures(sweep_dir: Path) -> list[tuple[Path, str]]:
    """Runs under ``sweep_dir`` that failed and have not completed since."""
    out = []
    for path in sorted(sweep_dir.rglob(FAILURE)):
        if not (path.parent / METADATA).exists():
            out.append((path.parent, json.loads(path.read_text())["error"]))
    return out


try:
    from hydra.experimental.callback import Callback
except ImportError:  # pragma: no cover - hydra is a dependency
    Callback = object  # type: ignore[assignment,misc]


class FailureCallback(Callback):  # type: ignore[misc,valid-type]
    """Hydra callback: at the end of a sweep, report every failed run."""

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        failed = failures(sweep_dir)
        for run_dir, error in failed:
            FAILED_RUNS.append(str(run_dir))
            print(f"coopsim: FAILED {run_dir}: {error} (config and traceback in {run_dir / FAILURE})",
                  file=sys.stderr)
        if failed:
            print(f"coopsim: {len(failed)} run(s) failed; rerun the same command with "
                  f"hydra.sweep.dir={sweep_dir} to retry them (complete runs are skipped)", file=sys.stderr)


def _overrides(run_dir: Path) -> dict[str, str]:
    """The run's own overrides (``key=value``), the swept parameters among them."""
    path = run_dir / ".hydra" / "overrides.yaml"
    if not path.exists():
        return {}
    from omegaconf import OmegaConf

    out = {}
    for item in OmegaConf.load(path):
        key, _, value = str(item).partition("=")
        key = key.lstrip("+~")
        if not key.startswith("hydra") and key not in ("progress",):
            out[key] = value
    return out


def collect(sweep_dir: Path, table: str = "region_year") -> pd.DataFrame:
    """One tidy table across the complete runs under ``sweep_dir``.

    Columns: the swept parameters (as strings, one column per override key),
    then the table's own columns (which start with run_id, tier, scenario,
    region, seed). Rows are sorted by run id and the table's own order, so
    the result does not depend on the launcher or the number of workers.
    """
    frames = []
    for meta in sorted(sweep_dir.rglob("metadata.json")):
        run_dir = meta.parent
        data = pd.read_parquet(run_dir / f"{table}.parquet")
        params = _overrides(run_dir)
        front = pd.DataFrame({f"param.{k}": v for k, v in sorted(params.items())}, index=data.index)
        frames.append(pd.concat([front, data], axis=1))
    if not frames:
        raise FileNotFoundError(f"no complete runs (with metadata.json) under {sweep_dir}")
    out = pd.concat(frames, ignore_index=True)
    order = out.groupby("run_id", sort=False).cumcount()
    out = out.assign(_order=order).sort_values(["run_id", "_order"], kind="stable").drop(columns="_order")
    return out.reset_index(drop=True)


def collect_main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="coopsim-collect", description=collect.__doc__)
    p.add_argument("sweep_dir", type=Path)
    p.add_argument("--table", default="region_year", help="which table to stack (default: region_year)")
    p.add_argument("--out", type=Path, default=None, help="output file (default: <sweep_dir>/collected_<table>.parquet)")
    args = p.parse_args(argv)
    table = collect(args.sweep_dir, args.table)
    out = args.out or args.sweep_dir / f"collected_{args.table}.parquet"
    table.to_parquet(out, index=False)
    print(f"{out}: {len(table)} rows from {table['run_id'].nunique()} runs")
    bad = failures(args.sweep_dir)
    if bad:
        print(f"{len(bad)} run(s) failed and are not included: " + ", ".join(str(d) for d, _ in bad), file=sys.stderr)


if __name__ == "__main__":
    collect_main()
