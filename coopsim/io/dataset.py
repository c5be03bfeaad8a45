"""Many runs' results streamed to one Parquet dataset as the runs finish.

A :class:`RunDataset` is a directory of tables (``runs``: one row per run;
``region_year``: a run's yearly rows...), each a Hive-partitioned Parquet
dataset (``runs/design=lhs/tier=v3/seed=1/part-....parquet``) that pandas,
pyarrow, DuckDB or Spark read as one table. A writer keeps at most
``flush_every`` runs in memory and writes them as one new file per partition,
so its memory does not grow with the number of runs. Every file is written
under a hidden name (``.part-...``, which readers skip) and renamed into place
whole, ``runs`` last: a run is in the dataset exactly when its row of ``runs``
is, and a run cut off while writing leaves nothing that counts (:meth:`RunDataset.read`
keeps only the rows of runs in ``runs``, and each run once). A study that
is run again reads which runs are there (:meth:`RunDataset.done`) and computes
only the others (resume), many writers (one per job) may share one dataset.

>>> import tempfile, pandas as pd
>>> d = RunDataset(Path(tempfile.mkdtemp()), partition=("tier",))
>>> with d.writer("job0") as w:
...     w.add({"runs": pd.DataFrame({"run_key": ["a"], "tier": ["v1"], "x": [1.0]})})
>>> sorted(d.done()), d.read("runs")[["run_key", "x"]].to_dict("records")
(['a'], [{'run_key': 'a', 'x': 1.0}])
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

#: The table with one row per run: a run is in the dataset when its row is.
RUNS = "runs"
#: The column naming a run (unique in a dataset).
KEY = "run_key"


def _partition(part: str) -> tuple[str, object]:
    """A Hive partition's column and value (``seed=1`` -> ``("seed", 1)``; digits are whole numbers)."""
    column, _, value = part.partition("=")
    return column, int(value) if value.lstrip("-").isdigit() else value


def _keep(value: object, op: str, wanted: object) -> bool:
    if op == "==":
        return value == wanted
    if op == "in":
        return value in wanted  # type: ignore[operator]
    raise ValueError(f"filter operator {op!r}: '==' or 'in'")


class RunDataset:
    """A directory of Hive-partitioned Parquet tables of many runs (see the module)."""

    def __init__(self, path: Path, partition: Sequence[str] = ("tier", "seed")) -> None:
        self.path, self.partition = Path(path), tuple(partition)

    def done(self) -> set[str]:
        """The keys of the runs in the dataset (their ``runs`` row is written)."""
        if not (self.path / RUNS).is_dir():
            return set()
        return set(self.read(RUNS, columns=[KEY])[KEY])

    def read(self, table: str, columns: Sequence[str] | None = None, filters: list[tuple[str, str, object]] | None =
             None) -> pd.DataFrame:
        """One table of every run written (``columns``: only those; ``filters``: ``(partition column, "==" or
        "in", value)``, files of other partitions are not opened). Files are read one at a time (pyarrow's
        dataset scanner holds memory for every file it scans), their columns joined: a column some runs lack
        (a tier without cooperatives) is empty there."""
        import pyarrow.parquet as pq

        where = self.path / table
        if not where.is_dir():
            raise FileNotFoundError(f"{where}: no such table in the dataset {self.path}")
        frames = []
        for path in sorted(where.rglob("*.parquet")):
            if any(part.startswith((".", "_")) for part in path.relative_to(where).parts):
                continue  # a file being written (hidden until it is renamed into place)
            values = dict(_partition(part) for part in path.relative_to(where).parts[:-1])
            if not all(_keep(values.get(c), op, v) for c, op, v in filters or []):
                continue
            with pq.ParquetFile(path, pre_buffer=False) as f:
                names = f.schema_arrow.names
                wanted = [c for c in columns if c in names] if columns else None
                frame = f.read(columns=wanted, use_threads=False).to_pandas()
            for column, value in values.items():
                if not columns or column in columns:
                    frame[column] = value
            frames.append(frame)
        if not frames:  # nothing renamed into place yet: no run counts
            return pd.DataFrame(columns=list(columns) if columns else [KEY])
        frame = pd.concat(frames, ignore_index=True)
        if KEY not in frame:
            return frame
        if table == RUNS:  # a run computed twice (a job run again after it wrote): the same run, counted once
            return frame.drop_duplicates(subset=[KEY], ignore_index=True)
        # rows of a run cut off before its ``runs`` row was written do not count; a run computed again gives the
        # same rows to the bit, kept once
        return frame[frame[KEY].isin(self.done())].drop_duplicates(ignore_index=True)

    @contextmanager
    def writer(self, name: str, flush_every: int = 64) -> Iterator[Writer]:
        """A writer for one job (``name`` goes into its files' names); what it holds is flushed at the end."""
        w = Writer(self, name, flush_every)
        try:
            yield w
        finally:
            w.flush()


class Writer:
    """Buffers runs' tables and writes them to a :class:`RunDataset` every ``flush_every`` runs."""

    def __init__(self, dataset: RunDataset, name: str, flush_every: int) -> None:
        self.dataset, self.name, self.flush_every = dataset, name, flush_every
        self.buffer: dict[str, list[pd.DataFrame]] = {}
        self.pending = 0
        self.files = 0

    def add(self, tables: Mapping[str, pd.DataFrame]) -> None:
        """One run's tables (``runs`` among them, one row with its ``run_key`` and partition columns)."""
        if RUNS not in tables or len(tables[RUNS]) != 1 or KEY not in tables[RUNS]:
            raise ValueError(f"a run's tables need a one-row {RUNS!r} table with a {KEY!r} column")
        for name, frame in tables.items():
            self.buffer.setdefault(name, []).append(frame)
        self.pending += 1
        if self.pending >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        """Write what is buffered: one file per table and partition; ``runs`` last."""
        if not self.pending:
            return
        order = sorted(self.buffer, key=lambda t: t == RUNS)
        for table in order:
            frame = pd.concat(self.buffer[table], ignore_index=True)
            for values, part in frame.groupby(list(self.dataset.partition), sort=True, dropna=False):
                where = self.dataset.path / table
                for column, value in zip(self.dataset.partition, values, strict=True):
                    where = where / f"{column}={value}"
                where.mkdir(parents=True, exist_ok=True)
                stem = f"part-{self.name}-{self.files:05d}-{uuid.uuid4().hex[:8]}.parquet"
                hidden = where / f".{stem}"
                part.drop(columns=list(self.dataset.partition)).to_parquet(hidden, index=False)
                os.replace(hidden, where / stem)
                self.files += 1
        self.buffer.clear()
        self.pending = 0
