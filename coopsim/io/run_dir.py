"""A run's directory: tidy Parquet tables, ``metadata.json`` written last, or
``failure.json`` when the run failed.

Files are written to a temporary name and renamed into place; ``metadata.json``
is written last, so a directory without it is not a complete run.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import traceback
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coopsim.io.provenance import package_versions

METADATA = "metadata.json"
#: Written instead of ``metadata.json`` when a run fails: its config, the error and the traceback.
FAILURE = "failure.json"


def _atomic_write(path: Path, write: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


class StreamedTable:
    """A Parquet table written batch by batch (one row group each) to a
    temporary file, and moved into place by :meth:`close` (so a killed run
    never leaves a table that looks complete). Batches are encoded on a
    background thread while the run goes on.

    Parameters
    ----------
    path
        Where the finished table goes.
    provenance
        ``run_id, tier, scenario, region, seed`` put in front of every batch.
    """

    def __init__(self, path: Path, provenance: tuple[str, str, str, str, int]) -> None:
        self.path, self.provenance, self.rows = path, provenance, 0
        self._tmp = path.with_name(f".{path.name}.{os.getpid()}.stream.tmp")
        self._writer: Any = None
        self._thread = ThreadPoolExecutor(1)
        self._pending: Future[None] | None = None

    def write(self, batch: Mapping[str, np.ndarray]) -> None:
        """Queue one batch (columns of equal length); at most one waits at a time."""
        self._wait()
        self.rows += len(next(iter(batch.values())))
        self._pending = self._thread.submit(self._write, dict(batch))

    def _write(self, batch: dict[str, np.ndarray]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        n = len(next(iter(batch.values())))
        front = dict(zip(("run_id", "tier", "scenario", "region"), self.provenance[:4], strict=True))
        same = pa.array(np.zeros(n, dtype=np.int32))  # a constant column: one dictionary entry, cast to text
        columns = {k: pa.DictionaryArray.from_arrays(same, pa.array([v])).cast(pa.string()) for k, v in front.items()}
        columns["seed"] = pa.array(np.full(n, self.provenance[4], dtype=np.int64))
        table = pa.table({**columns, **{k: pa.array(v) for k, v in batch.items()}})
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(self._tmp, table.schema)
        self._writer.write_table(table)

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def close(self) -> int:
        """Finish the file and move it into place; return its rows."""
        try:
            self._wait()
        finally:
            self._thread.shutdown()
        if self._writer is not None:
            self._writer.close()
            os.replace(self._tmp, self.path)
        return self.rows

    def discard(self) -> None:
        """Drop what was written (the run failed)."""
        try:
            self._wait()
        except Exception:  # noqa: BLE001 - the run's own error is the one to report
            pass
        self._thread.shutdown()
        if self._writer is not None:
            self._writer.close()
        self._tmp.unlink(missing_ok=True)


def write_tables(out_dir: Path, tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Write each table as ``<name>.parquet``; return row counts.

    Temporary files left by an earlier, killed attempt are removed first.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob(".*.tmp"):
        if not stale.name.endswith(f".{os.getpid()}.stream.tmp"):  # this run's own stream is still open
            stale.unlink(missing_ok=True)
    rows = {}
    for name, table in tables.items():
        _atomic_write(out_dir / f"{name}.parquet", lambda p, t=table: t.to_parquet(p, index=False))
        rows[name] = len(table)
    return rows


def write_metadata(out_dir: Path, meta: dict[str, Any]) -> Path:
    """Write ``metadata.json`` (last: its presence marks a complete run)."""
    full = {**meta, "packages": package_versions(), "python": sys.version.split()[0],
            "platform": platform.platform()}
    path = out_dir / METADATA
    _atomic_write(path, lambda p: p.write_text(json.dumps(full, indent=2, sort_keys=True, default=str)))
    return path


def completed_run(out_dir: Path, rid: str) -> dict[str, Any] | None:
    """The metadata of a complete run of the same config and code in ``out_dir``, if any."""
    path = out_dir / METADATA
    if not path.exists():
        return None
    try:
        meta = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return meta if meta.get("run_id") == rid else None


def record_failure(out_dir: Path, config: Any, err: BaseException) -> Path:
    """Write ``failure.json`` (atomically) with the run's config, error and traceback."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FAILURE
    _atomic_write(path, lambda p: p.write_text(json.dumps(
        {"error": f"{type(err).__name__}: {err}", "config": config, "traceback": traceback.format_exception(err)},
        indent=2, default=str)))
    return path
