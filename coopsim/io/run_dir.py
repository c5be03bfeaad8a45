"""A run's directory: tidy Parquet tables and ``metadata.json``, or
``failure.json`` when the run failed. A run directory is one thing:

- a run computes into a staging directory of its own (``.staging-<pid>``)
  and moves its tables into place only when all are written, then writes
  ``metadata.json`` last, with each table's size and SHA-256: a directory
  without it is not a run, and one whose files do not match it is *damaged*
  (:func:`inspect` says which; nothing reads a damaged run's tables);
- a directory holding another run (another run id) is never written into;
- one process at a time works in a run directory (:func:`locked`, an advisory
  lock on the directory itself), so overlapping sweeps compute each run once
  and never touch each other's staging files.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import shutil
import sys
import traceback
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coopsim.io.provenance import package_versions

METADATA = "metadata.json"
#: Written instead of ``metadata.json`` when a run fails: its config, the error and the traceback.
FAILURE = "failure.json"
#: Where a run is computed before it is moved into its directory (one per process).
STAGING = ".staging-"


class RunDirError(RuntimeError):
    """A run directory that this run must not write into (it holds another run)."""


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
    """Write each table as ``<name>.parquet`` into ``out_dir``; return row counts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = {}
    for name, table in tables.items():
        _atomic_write(out_dir / f"{name}.parquet", lambda p, t=table: t.to_parquet(p, index=False))
        rows[name] = len(table)
    return rows


def digest(path: Path) -> dict[str, Any]:
    """A file's size and SHA-256."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return {"bytes": path.stat().st_size, "sha256": h.hexdigest()}


@dataclass(frozen=True)
class RunState:
    """What a run directory holds: ``absent`` (no run), ``complete`` (metadata and every
    table it lists, each matching its size and checksum) or ``damaged`` (``problem`` says how)."""

    status: str
    meta: dict[str, Any] | None = None
    problem: str = ""

    @property
    def run_id(self) -> str | None:
        return None if self.meta is None else self.meta.get("run_id")


def inspect(run_dir: Path) -> RunState:
    """Check a run directory against its ``metadata.json`` (sizes and checksums of every table)."""
    path = run_dir / METADATA
    if not path.exists():
        return RunState("absent")
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        return RunState("damaged", None, f"{METADATA} cannot be read ({err})")
    files = meta.get("files") if isinstance(meta, dict) else None
    if not isinstance(files, dict) or not files:
        return RunState("damaged", meta if isinstance(meta, dict) else None, f"{METADATA} lists no table checksums")
    for name, want in sorted(files.items()):
        table = run_dir / name
        if not table.is_file():
            return RunState("damaged", meta, f"{name} is missing")
        if table.stat().st_size != want.get("bytes"):
            return RunState("damaged", meta, f"{name} has {table.stat().st_size} bytes, {want.get('bytes')} written")
        if digest(table)["sha256"] != want.get("sha256"):
            return RunState("damaged", meta, f"{name} does not match its checksum")
    return RunState("complete", meta)


@contextmanager
def locked(run_dir: Path) -> Iterator[None]:
    """Hold the run directory's lock (waiting for another process that holds it)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(run_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def staging_dir(run_dir: Path) -> Path:
    """This process's staging directory in ``run_dir``, new and empty; stale ones of killed
    attempts are removed (call it holding the lock: nobody else is writing there)."""
    for stale in run_dir.glob(STAGING + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale in run_dir.glob(".*.tmp"):  # temporary files of coopsim < 0.2
        stale.unlink(missing_ok=True)
    staging = run_dir / f"{STAGING}{os.getpid()}"
    staging.mkdir()
    return staging


def commit(run_dir: Path, staging: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """Move a finished run from ``staging`` into ``run_dir``: its old metadata out first,
    then every table (the directory keeps no other table), then ``metadata.json``
    with each table's size and checksum. Returns the metadata written."""
    files = {p.name: digest(p) for p in sorted(staging.glob("*.parquet"))}
    (run_dir / METADATA).unlink(missing_ok=True)
    for old in run_dir.glob("*.parquet"):
        if old.name not in files:
            old.unlink()
    for name in files:
        os.replace(staging / name, run_dir / name)
    meta = write_metadata(run_dir, {**meta, "files": files})
    shutil.rmtree(staging, ignore_errors=True)
    (run_dir / FAILURE).unlink(missing_ok=True)
    return meta


def write_metadata(out_dir: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """Write ``metadata.json`` (last: its presence marks a complete run); return what was written."""
    full = {**meta, "packages": package_versions(), "python": sys.version.split()[0],
            "platform": platform.platform()}
    _atomic_write(out_dir / METADATA, lambda p: p.write_text(json.dumps(full, indent=2, sort_keys=True, default=str)))
    return full


def record_failure(out_dir: Path, config: Any, err: BaseException) -> Path:
    """Write ``failure.json`` (atomically) with the run's config, error and traceback."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FAILURE
    _atomic_write(path, lambda p: p.write_text(json.dumps(
        {"error": f"{type(err).__name__}: {err}", "config": config, "traceback": traceback.format_exception(err)},
        indent=2, default=str)))
    return path
