"""Hydra's side of a run and of a sweep: nothing starts before it is checked.

- :class:`RunDoor`, a callback: a single run's config (values, tier dates,
  memory) is checked before Hydra makes its directory; a bad one stops with
  one message naming the key and leaves nothing behind.
- :func:`checked_sweep` (``hydra/sweeper: checked``): every point of a
  sweep is checked before any runs, and all bad points are listed together;
  each run's directory is made before the runs start, so a run whose
  directory cannot be made (read-only, full disk) fails alone; when the
  sweep ends, every run that failed is named (the ``coopsim`` command exits 1).
- :func:`watch_the_sweep`: a worker process stops when the sweep's main
  process is gone (killed), instead of running on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf, open_dict

from coopsim.config import ConfigError, parse_config
from coopsim.config.compose import config_error, resolved
from coopsim.config.declarations import outside_range
from coopsim.config.designs import check_sweep, check_tiers, parse_design, run_overrides
from coopsim.config.resources import check_memory
from coopsim.io.run_dir import FAILURE
from coopsim.io.sweeps import SWEEP_FAILURES, report_failures

log = logging.getLogger("coopsim")

#: Set by the ``coopsim`` command: its process id and host, so that workers can watch it.
MAIN_PID, MAIN_HOST = "COOPSIM_SWEEP_PID", "COOPSIM_SWEEP_HOST"


def check_run(config: DictConfig, runs_at_once: int = 1) -> None:
    """Everything a run must pass before it starts: its values (with tier and shock
    dates) and its memory. Raises :class:`ConfigError`."""
    data = resolved(config)
    if "robust" in data:  # a job of a study's design (coopsim.studies.robust): its block and every tier's runs
        design = parse_design(data.pop("robust"))
        check_tiers(design, run_overrides(list(OmegaConf.select(config, "hydra.overrides.task", default=[]) or [])))
    cfg = parse_config(data)
    check_memory(cfg, streamed=True, runs_at_once=runs_at_once)


class RunDoor(Callback):  # type: ignore[misc]
    """Hydra callback: check a single run before its directory is made."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        try:
            check_run(config)
        except ConfigError as err:
            print(f"coopsim: bad config: {err}", file=sys.stderr)
            sys.exit(2)


def checked_sweep(sweeper: Any, arguments: list[str]) -> Any:
    """The sweep of Hydra's basic sweeper (``sweeper``), with every point checked before any
    runs, each run's directory made first, and every failed run named at the end.

    Hydra takes a sweeper only from its ``hydra_plugins`` package: the plugin
    ``hydra_plugins.coopsim_sweeper.CheckedSweeper`` (``hydra/sweeper: checked``) runs this.
    """
    assert sweeper.config is not None and sweeper.launcher is not None and sweeper.hydra_context is not None
    parser = OverridesParser.create(config_loader=sweeper.hydra_context.config_loader)
    sweeper.overrides = sweeper.split_arguments(parser.parse_overrides([*sweeper._parse_config(), *arguments]),
                                                sweeper.max_batch_size)
    points = [list(p) for batch in sweeper.overrides for p in batch]
    if "robust" in sweeper.config:  # a design's jobs: its share swept alone, every share once
        try:
            note = check_sweep(points, parse_design(OmegaConf.to_container(sweeper.config.robust, resolve=True)))
        except ConfigError as err:
            print(f"coopsim: bad config: {err}; nothing was run", file=sys.stderr)
            sys.exit(2)
        if note:
            print(f"coopsim: note: {note}", file=sys.stderr)
    dirs = _check_points(sweeper.config, sweeper.hydra_context.config_loader, points)
    for note in outside_ranges(points):
        print(f"coopsim: note: {note}", file=sys.stderr)
    sweep_dir = Path(sweeper.config.hydra.sweep.dir)
    try:
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(sweeper.config, sweep_dir / "multirun.yaml")
    except OSError as err:
        print(f"coopsim: the sweep directory {sweep_dir} cannot be written: {err}", file=sys.stderr)
        sys.exit(1)
    if "submitit" in type(sweeper.launcher).__module__:  # a cancelled array's pending tasks end too
        from coopsim.io.cluster import install

        install()
    failed: list[tuple[Path | str, str]] = []
    returns, job_idx = [], 0
    bar = None if "robust" in sweeper.config else SweepProgress([d for d in dirs if d is not None],
                                                                 str(sweeper.config.get("progress", "auto")))
    try:
        while not sweeper.is_done():
            batch = list(sweeper.get_job_batch())
            ready = [p for i, p in enumerate(batch) if _make_dir(dirs[job_idx + i], sweep_dir, failed)]
            results = sweeper.launcher.launch(ready, initial_job_idx=job_idx) if ready else []
            for r in results:
                outcome = r.return_value
                if isinstance(outcome, dict) and outcome.get("status") == "failed":
                    failed.append((outcome["dir"], outcome["error"]))
            job_idx += len(batch)
            returns.append(results)
    finally:
        if bar is not None:
            bar.close()
    report_failures(failed, sweep_dir)
    return returns


class SweepProgress:
    """One progress bar over a sweep's runs, with the time left: a run counts when its directory holds its
    ``metadata.json`` (complete, or already complete before) or its ``failure.json``. Watched from the main
    process (every launcher's runs write to the shared sweep directory); drawn on a terminal under
    ``progress: auto``, always under ``always``, never under ``never``."""

    def __init__(self, run_dirs: list[Path], progress: str = "auto", poll_s: float = 1.0) -> None:
        from tqdm import tqdm

        self.poll_s = poll_s
        self._pending = list(run_dirs)  # the runs not yet seen done (each poll looks at these alone)
        self._stop = threading.Event()
        disable = {"never": True, "always": False}.get(progress, None)  # auto: tqdm's own test for a terminal
        self._total = len(run_dirs)
        self.bar = tqdm(total=self._total, initial=self.count(), unit="run", desc="sweep", disable=disable,
                        dynamic_ncols=True, smoothing=0.1)
        self._thread = threading.Thread(target=self._watch, name="coopsim-sweep-progress", daemon=True)
        if not self.bar.disable:
            self._thread.start()

    def count(self) -> int:
        """The runs done (complete or failed) so far."""
        self._pending = [d for d in self._pending if not ((d / "metadata.json").exists() or (d / FAILURE).exists())]
        return self._total - len(self._pending)

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_s):
            self.bar.update(self.count() - self.bar.n)

    def close(self) -> None:
        """Stop watching; the bar ends at the runs done."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self.bar.update(self.count() - self.bar.n)
        self.bar.close()


def _check_points(config: DictConfig, loader: Any, points: list[list[str]]) -> list[Path | None]:
    """Check every point (stop, listing all bad ones, if any); return each one's run directory."""
    at_once = min(int(OmegaConf.select(config, "hydra.launcher.n_jobs", default=1) or 1), len(points))
    bad: list[tuple[list[str], ConfigError]] = []
    dirs: list[Path | None] = []
    for idx, point in enumerate(points):
        try:
            job = loader.load_sweep_config(master_config=config, sweep_overrides=point)
            check_run(job, runs_at_once=at_once)
        except Exception as err:  # noqa: BLE001 - Hydra's, OmegaConf's and the schema's errors alike
            bad.append((point, config_error(err)))
            dirs.append(None)
            continue
        dirs.append(_job_dir(job, idx))
    if bad:
        print(f"coopsim: bad config: {len(bad)} of {len(points)} sweep points; nothing was run:", file=sys.stderr)
        for point, problem in bad:
            print(f"  {' '.join(point)}: {problem}", file=sys.stderr)
        sys.exit(2)
    return dirs


def outside_ranges(points: list[list[str]]) -> list[str]:
    """The swept values of declared uncertainties that lie outside their plausible ranges (each once): allowed
    (a sweep may explore beyond the sources), but said.

    >>> outside_ranges([["labour.leave_probability=0.5", "seed=1"], ["labour.leave_probability=0.1"]])
    ['labour.leave_probability=0.5 lies outside its plausible range 0.04-0.3 (E)']
    """
    notes = []
    for key, value in dict.fromkeys(tuple(o.split("=", 1)) for p in points for o in p if "=" in o):
        try:
            number = float(value)
        except ValueError:
            continue
        note = outside_range(key.lstrip("+~"), number)
        if note is not None:
            notes.append(note)
    return notes


def _make_dir(run_dir: Path | None, sweep_dir: Path, failed: list[tuple[Path | str, str]]) -> bool:
    """Make a run's directory before it starts; a run whose directory cannot be made fails alone."""
    if run_dir is None:  # not known before the launcher sets it: the launcher makes it
        return True
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        probe = run_dir / f".writable-{os.getpid()}"
        probe.touch()
        probe.unlink()
        return True
    except OSError as err:
        failed.append((run_dir, f"its directory cannot be written: {err}"))
        _note_failure(sweep_dir, run_dir, f"OSError: {err}")
        return False


def _job_dir(job: DictConfig, idx: int) -> Path | None:
    """The directory a sweep point will run in (as the launcher will name it)."""
    try:
        with open_dict(job):
            job.hydra.job.num = idx
            job.hydra.job.id = f"{job.hydra.job.name}_{idx}"
        return Path(str(OmegaConf.select(job, "hydra.sweep.dir"))) / str(OmegaConf.select(job, "hydra.sweep.subdir"))
    except Exception:  # noqa: BLE001 - a subdir that only the launcher can name
        return None


def _note_failure(sweep_dir: Path, run_dir: Path, error: str) -> None:
    """Record a run that failed outside its own (unwritable) directory, if the sweep directory can take it."""
    import json

    try:
        (sweep_dir / SWEEP_FAILURES).mkdir(exist_ok=True)
        name = str(run_dir.relative_to(sweep_dir) if run_dir.is_relative_to(sweep_dir) else run_dir).replace(os.sep, "__")
        (sweep_dir / SWEEP_FAILURES / f"{name}.json").write_text(json.dumps({"dir": str(run_dir), "error": error}))
    except OSError:
        pass  # named on stderr all the same


def note_failure(run_dir: Path, error: str) -> None:
    """Record a failed run of the current sweep in the sweep's ``failures/`` (its own directory would not take it)."""
    from hydra.core.hydra_config import HydraConfig

    _note_failure(Path(HydraConfig.get().sweep.dir), run_dir, error)


def register_sweeper() -> None:
    """Make the checked sweeper known to Hydra. Hydra finds plugins in its ``hydra_plugins``
    namespace, which an installed wheel extends but an editable install does not: register it."""
    from hydra.core.plugins import Plugins

    plugins = Plugins.instance()  # scans Hydra's own plugins first (it loads their modules anew)
    from hydra_plugins.coopsim_sweeper import CheckedSweeper

    plugins.register(CheckedSweeper)


_WATCHING = threading.Event()


def _fellow_workers(main: str) -> list[int]:
    """The other processes started by the sweep's main process ``main`` (its workers, idle or not, and
    their helpers), found by the variable it set in their environment (Linux; none elsewhere)."""
    mark, me, out = f"{MAIN_PID}={main}".encode(), os.getpid(), []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if mark in environ.read_bytes().split(b"\0") and int(environ.parent.name) != me:
                out.append(int(environ.parent.name))
        except (OSError, ValueError):
            continue
    return out


def announce_main_process() -> None:
    """Mark this process as the sweep's main process (its workers watch it)."""
    os.environ[MAIN_PID] = str(os.getpid())
    os.environ[MAIN_HOST] = socket.gethostname()


def watch_the_sweep(poll_s: float = 1.0) -> None:
    """In a worker process of a local sweep, stop this process when the sweep's main process is gone.

    Not on a cluster (SLURM): there the jobs outlive the submitting process by design.
    """
    main = os.environ.get(MAIN_PID)
    if (main is None or int(main) == os.getpid() or os.environ.get(MAIN_HOST) != socket.gethostname()
            or "SLURM_JOB_ID" in os.environ or _WATCHING.is_set()):
        return
    _WATCHING.set()

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            try:
                os.kill(int(main), 0)
            except ProcessLookupError:
                log.error("the sweep's main process %s is gone: its workers stop", main)
                for pid in _fellow_workers(main):  # idle ones too, which never ran a run to watch from
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
                os._exit(3)
            except PermissionError:  # alive, another user's (cannot happen for our own parent; keep going)
                pass

    threading.Thread(target=watch, name="coopsim-watch-sweep", daemon=True).start()
