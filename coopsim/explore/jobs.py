"""The explorer's runs: each comparison (a baseline and a reform on the same seeds) runs in the background, in
worker processes, so that the page stays live; a visitor sees its progress run by run.

The server runs one comparison at a time and lets at most ``Limits.max_waiting`` wait behind it; a visitor
(a browser session) has at most one comparison queued or running. A run's tables come back to the server
already cut to what the comparison reads (the yearly table, public money by kind, each household's final
income).
"""

from __future__ import annotations

import functools
import itertools
import multiprocessing
import threading
import time
import traceback
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from coopsim.explore.settings import Limits, View, overrides

#: The tables a comparison reads.
TABLES = ("region_year", "fiscal_year", "household_final")


class Busy(RuntimeError):
    """The server has as many comparisons waiting as it allows, or this visitor has one already."""


def run_one(args: list[str], group: str, scenario: str, seed: int) -> dict[str, pd.DataFrame]:
    """One run in a worker process: compose, simulate (the ledger checked), keep the tables compared."""
    from coopsim.config import compose_config
    from coopsim.run import simulate

    tables = simulate(compose_config(args))
    return {name: tables[name].assign(scenario=scenario, group=group, seed=seed) for name in TABLES}


@dataclass
class Job:
    """One comparison: its runs, how many are done, and its result or error."""

    id: int
    owner: str
    view: View
    total: int
    done: int = 0
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    tables: dict[str, list[pd.DataFrame]] = field(default_factory=lambda: {t: [] for t in TABLES})
    result: Any = None
    error: str | None = None

    @property
    def over(self) -> bool:
        return self.result is not None or self.error is not None

    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started


class Runner:
    """The background runs of one server: a pool of worker processes and the comparisons in it."""

    def __init__(self, limits: Limits, workers: int = 1) -> None:
        self.limits, self.workers = limits, workers
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.jobs: dict[int, Job] = {}

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:  # spawned, not forked: the server has threads
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def waiting(self) -> list[Job]:
        return [j for j in self.jobs.values() if not j.over]

    def submit(self, view: View, owner: str, compare: Any) -> Job:
        """Queue a checked view's runs; ``compare(job)`` makes the result when the last run is back.

        Raises :class:`Busy` when the visitor has a comparison running or the queue is full."""
        with self._lock:
            waiting = self.waiting()
            if any(j.owner == owner for j in waiting):
                raise Busy("your comparison is still running: wait for it to finish")
            if len(waiting) > self.limits.max_waiting:
                raise Busy(f"{len(waiting)} comparisons are running or waiting on this server; try again shortly")
            job = Job(next(self._ids), owner, view, total=2 * view.seeds)
            self.jobs[job.id] = job
            for old in [j for j in self.jobs.values() if j.over and j.owner == owner and j.id != job.id]:
                del self.jobs[old.id]  # a visitor keeps only the latest comparison
        pool = self._executor()
        for seed in range(1, view.seeds + 1):
            for group in ("baseline", "reform"):
                future = pool.submit(run_one, overrides(view, group, seed), group, view.scenario, seed)
                future.add_done_callback(functools.partial(self._returned, job, compare=compare))
        return job

    def _returned(self, job: Job, future: Future[dict[str, pd.DataFrame]], compare: Any) -> None:
        with self._lock:
            if job.over:
                return
            try:
                for name, table in future.result().items():
                    job.tables[name].append(table)
            except Exception as err:  # noqa: BLE001 - shown to the visitor, the other runs dropped
                job.error = f"a run failed: {err}"
                job.finished = time.monotonic()
                return
            job.done += 1
            last = job.done == job.total
        if last:
            try:
                stacked = {name: pd.concat(parts, ignore_index=True) for name, parts in job.tables.items()}
                job.result = compare(stacked)
            except Exception:  # noqa: BLE001
                job.error = "the comparison failed:\n" + traceback.format_exc(limit=3)
            job.tables = {}
            job.finished = time.monotonic()

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
