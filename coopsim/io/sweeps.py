"""Sweeps that never lose a run and never read a wrong one.

- :class:`CheckedSweeper` (``hydra/sweeper: checked``, the default) validates
  every point of a ``-m`` sweep — config, tier dates, memory — before any runs
  and lists all bad points at once (nothing is created then); it makes each
  run's directory first (a run whose directory cannot be made fails alone),
  and reports every run that failed when the sweep ends, and the ``coopsim``
  command exits 1.
- A run that fails writes ``failure.json`` (its config, the error, the
  traceback) into its directory instead of ``metadata.json`` — or, when that
  directory cannot be written (read-only, full), into the sweep's
  ``failures/`` — and the sweep goes on.
- Rerunning the same sweep (the same ``hydra.sweep.dir``) skips every run
  whose directory holds a complete run of the same run id (a hash of its
  resolved config and the code version) and whose tables match their
  checksums; it computes damaged and failed runs again.

``coopsim-collect <sweep dir>`` stacks a table of every complete, verified run
into one tidy Parquet file, with the swept parameters as columns; damaged and
failed runs are named, never read, and the command then exits 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from coopsim.io.console import console_script
from coopsim.io.helptext import PlainHelp
from coopsim.io.run_dir import FAILURE, METADATA, RunState, inspect

#: Failures seen by this process's sweeps (the entry point exits 1 if any): runs that failed,
FAILED_RUNS: list[str] = []
#: and what a callback failed to make when a sweep ended (a report, a replay table): Hydra turns a
#: callback's exception into a warning, so the callbacks record it here.
FAILED_CALLBACKS: list[str] = []
#: Where a run's failure goes when its own directory cannot be written (under the sweep directory).
SWEEP_FAILURES = "failures"


def complete_runs(sweep_dir: Path) -> tuple[list[tuple[Path, dict[str, Any]]], list[tuple[Path, str]]]:
    """The runs under ``sweep_dir``: the complete ones (directory, metadata), verified
    against their checksums, and the damaged ones (directory, what is wrong)."""
    complete, damaged = [], []
    for meta_path in sorted(sweep_dir.rglob(METADATA)):
        state: RunState = inspect(meta_path.parent)
        if state.status == "complete":
            assert state.meta is not None
            complete.append((meta_path.parent, state.meta))
        else:
            damaged.append((meta_path.parent, state.problem))
    return complete, damaged


def failures(sweep_dir: Path) -> list[tuple[Path, str]]:
    """Runs under ``sweep_dir`` that failed and have not completed since (their directory, the error)."""
    out = []
    for path in sorted(sweep_dir.rglob(FAILURE)):
        if not (path.parent / METADATA).exists():
            out.append((path.parent, _error_of(path)))
    for path in sorted((sweep_dir / SWEEP_FAILURES).glob("*.json")):
        record = json.loads(path.read_text())
        if not (Path(record["dir"]) / METADATA).exists():
            out.append((Path(record["dir"]), record["error"]))
    return out


def _error_of(path: Path) -> str:
    try:
        return str(json.loads(path.read_text())["error"])
    except (OSError, ValueError, KeyError) as err:
        return f"{path.name} cannot be read ({err})"


def report_failures(failed: Sequence[tuple[Path | str, str]], sweep_dir: Path) -> None:
    """Name every failed run on stderr and remember them (the command exits 1)."""
    for run_dir, error in failed:
        FAILED_RUNS.append(str(run_dir))
        print(f"coopsim: FAILED {run_dir}: {error}", file=sys.stderr)
    if failed:
        print(f"coopsim: {len(failed)} run(s) failed; rerun the same command with "
              f"hydra.sweep.dir={sweep_dir} to retry them (complete runs are skipped)", file=sys.stderr)




def collect(sweep_dir: Path, table: str = "region_year",
            complete: list[tuple[Path, dict[str, Any]]] | None = None) -> pd.DataFrame:
    """One tidy table across the complete, verified runs under ``sweep_dir``.

    Columns: the swept parameters (as strings, one column per override key,
    from each run's ``metadata.json``), then the table's own columns (which
    start with run_id, tier, scenario, region, seed). Rows are sorted by run
    id and the table's own order, so the result does not depend on the
    launcher or the number of workers. Damaged runs are not read (see
    :func:`complete_runs`; ``complete``: its first result, if already at hand).
    """
    if not sweep_dir.is_dir():
        raise FileNotFoundError(f"{sweep_dir} is not a directory")
    frames = []
    for run_dir, meta in complete if complete is not None else complete_runs(sweep_dir)[0]:
        data = pd.read_parquet(run_dir / f"{table}.parquet")
        params = _overrides(meta)
        front = pd.DataFrame({f"param.{k}": v for k, v in sorted(params.items())}, index=data.index)
        frames.append(pd.concat([front, data], axis=1))
    if not frames:
        raise FileNotFoundError(f"no complete runs (with {METADATA} and matching tables) under {sweep_dir}")
    out = pd.concat(frames, ignore_index=True)
    order = out.groupby("run_id", sort=False).cumcount()
    out = out.assign(_order=order).sort_values(["run_id", "_order"], kind="stable").drop(columns="_order")
    return out.reset_index(drop=True)


def collect_to_dataset(sweep_dir: Path, out: Path, tables: Sequence[str] = ("region_year",),
                       complete: list[tuple[Path, dict[str, Any]]] | None = None) -> int:
    """Stream the complete, verified runs under ``sweep_dir`` into a Parquet dataset at ``out``
    (:class:`~coopsim.io.dataset.RunDataset`), partitioned by the swept parameters: one run read at a
    time, so memory does not grow with the number of runs. A run already in ``out`` is skipped (collecting
    again adds only new runs). Returns how many runs were added."""
    from coopsim.io.dataset import KEY, RUNS, RunDataset

    runs = complete if complete is not None else complete_runs(sweep_dir)[0]
    swept = sorted({k for _, meta in runs for k in _overrides(meta)})
    dataset = RunDataset(out, partition=tuple(f"param.{k}" for k in swept))
    done, added = dataset.done(), 0
    with dataset.writer(f"collect-{sweep_dir.name}", flush_every=64) as writer:
        for run_dir, meta in runs:
            if meta["run_id"] in done:
                continue
            own = _overrides(meta)
            params = {f"param.{k}": own.get(k, "") for k in swept}
            row = {KEY: meta["run_id"], **params, "tier": meta["tier"], "scenario": meta["scenario"],
                   "region": meta["region"], "seed": meta["seed"], "dir": str(run_dir),
                   "wall_time_s": meta.get("wall_time_s")}
            frames = {RUNS: pd.DataFrame([row])}
            for table in tables:
                data = pd.read_parquet(run_dir / f"{table}.parquet")
                frames[table] = data.assign(**{KEY: meta["run_id"], **params})
            writer.add(frames)
            added += 1
    return added


def _overrides(meta: dict[str, Any]) -> dict[str, str]:
    """The run's own command-line overrides (``key=value``), the swept parameters among them."""
    out = {}
    for item in meta.get("overrides", []):
        key, _, value = str(item).partition("=")
        key = key.lstrip("+~")
        if not key.startswith("hydra") and key not in ("progress",):
            out[key] = value
    return out


@console_script("coopsim-collect")
def collect_main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="coopsim-collect", description=collect.__doc__, formatter_class=PlainHelp)
    p.add_argument("sweep_dir", type=Path)
    p.add_argument("--table", default="region_year", help="which table to stack (default: region_year)")
    p.add_argument("--out", type=Path, default=None, help="output file (default: <sweep_dir>/collected_<table>.parquet)")
    p.add_argument("--dataset", type=Path, default=None, metavar="DIR",
                   help="stream the runs into a Parquet dataset at DIR instead, partitioned by the swept parameters "
                        "(memory flat in the number of runs; collecting again adds only new runs)")
    args = p.parse_args(argv)
    complete, damaged = complete_runs(args.sweep_dir)  # every table checksummed once
    if args.dataset is not None:
        added = collect_to_dataset(args.sweep_dir, args.dataset, (args.table,), complete)
        print(f"{args.dataset}: {added} runs added ({len(complete)} complete runs in the sweep)")
    else:
        table = collect(args.sweep_dir, args.table, complete)
        out = args.out or args.sweep_dir / f"collected_{args.table}.parquet"
        table.to_parquet(out, index=False)
        print(f"{out}: {len(table)} rows from {table['run_id'].nunique()} runs")
    bad = failures(args.sweep_dir)
    for run_dir, problem in damaged:
        print(f"coopsim-collect: DAMAGED {run_dir}: {problem}; not included (rerun the sweep to compute it again)",
              file=sys.stderr)
    if bad:
        print(f"{len(bad)} run(s) failed and are not included: " + ", ".join(str(d) for d, _ in bad), file=sys.stderr)
    if damaged or bad:
        sys.exit(1)


if __name__ == "__main__":
    collect_main()
