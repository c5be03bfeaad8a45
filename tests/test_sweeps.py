"""Sweeps that never lose a run: resume after kill -9, failures recorded, results
collected, and the same tables whatever the launcher."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from coopsim.io.dataset import RunDataset
from coopsim.io.sweeps import collect


def coopsim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "coopsim.cli", *args], capture_output=True, text=True, timeout=900)


def complete(sweep: Path) -> list[Path]:
    return sorted(p.parent for p in sweep.glob("*/metadata.json"))


def test_kill_and_resume_loses_nothing_and_recomputes_nothing(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    args = ["-m", "seed=1,2,3,4", "region=small", "tier=v1", "progress=never", "hydra/launcher=basic",
            f"hydra.sweep.dir={sweep}", "hydra.sweep.subdir=seed_${seed}"]
    proc = subprocess.Popen([sys.executable, "-m", "coopsim.cli", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    while len(complete(sweep)) < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # kill -9 the whole sweep, mid-way
    proc.wait()
    done = complete(sweep)
    assert 2 <= len(done) < 4, "the sweep should have been killed mid-way"
    before = {p: (p / "region_year.parquet").stat().st_mtime_ns for p in done}
    meta_before = {p: (p / "metadata.json").read_text() for p in done}
    # a run killed while writing leaves no file that looks complete
    for run in sweep.glob("seed_*"):
        if run not in done:
            assert not (run / "metadata.json").exists()

    res = coopsim(*args)
    assert res.returncode == 0, res.stderr[-2000:]
    assert (res.stdout + res.stderr).count("already complete") == len(done)
    assert len(complete(sweep)) == 4
    for p in done:  # nothing recomputed or rewritten
        assert (p / "region_year.parquet").stat().st_mtime_ns == before[p]
        assert (p / "metadata.json").read_text() == meta_before[p]
    assert not list(sweep.rglob(".*.tmp"))


def test_a_failed_run_is_recorded_and_the_others_complete(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    blocked = sweep / "seed_2"
    (blocked / "region_year.parquet").mkdir(parents=True)  # this run cannot write its table
    args = ["-m", "seed=1,2,3", "region=tiny", "years=2", "progress=never", f"hydra.sweep.dir={sweep}",
            "hydra.sweep.subdir=seed_${seed}"]
    res = coopsim(*args)
    assert res.returncode == 1
    assert f"FAILED {blocked}" in res.stderr and "1 run(s) failed" in res.stderr
    failure = json.loads((blocked / "failure.json").read_text())
    assert failure["config"]["seed"] == 2 and "Traceback" in "".join(failure["traceback"])
    assert {p.name for p in complete(sweep)} == {"seed_1", "seed_3"}

    (blocked / "region_year.parquet").rmdir()  # fix the cause and rerun: only the failed run runs
    res = coopsim(*args)
    assert res.returncode == 0, res.stderr[-2000:]
    assert (res.stdout + res.stderr).count("already complete") == 2
    assert len(complete(sweep)) == 3 and not (blocked / "failure.json").exists()


def test_results_do_not_depend_on_the_launcher(tmp_path: Path) -> None:
    sweeps = {}
    for launcher, extra in [("basic", []), ("parallel", ["hydra.launcher.n_jobs=2"]), ("local", [])]:
        sweep = tmp_path / launcher
        res = coopsim("-m", "tier=none,v3", "scenario=baseline,city_crisis", "seed=1,2", "region=tiny", "years=6",
                      "progress=never", f"hydra/launcher={launcher}", *extra, f"hydra.sweep.dir={sweep}")
        assert res.returncode == 0, res.stderr[-2000:]
        sweeps[launcher] = sweep
    tables = {name: collect(sweep) for name, sweep in sweeps.items()}
    assert len(tables["basic"]) == 8 * 6
    assert {"param.tier", "param.scenario", "param.seed", "param.region"} <= set(tables["basic"].columns)
    pd.testing.assert_frame_equal(tables["basic"], tables["parallel"], check_exact=True)
    pd.testing.assert_frame_equal(tables["basic"], tables["local"], check_exact=True)


def test_collect_command_writes_one_tidy_table(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    assert coopsim("-m", "tier=none,v1", "region=tiny", "years=2", "progress=never",
                   f"hydra.sweep.dir={sweep}").returncode == 0
    res = subprocess.run([sys.executable, "-m", "coopsim.io.sweeps", str(sweep), "--table", "village_year"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    table = pd.read_parquet(sweep / "collected_village_year.parquet")
    assert set(table["param.tier"]) == {"none", "v1"} and (table["param.tier"] == table["tier"]).all()
    assert len(table) == 2 * 2 * 6  # runs x years x villages
    # streamed into a partitioned dataset instead: the same rows; collecting again adds nothing
    for added in ("2 runs added", "0 runs added"):
        res = subprocess.run([sys.executable, "-m", "coopsim.io.sweeps", str(sweep), "--table", "village_year",
                              "--dataset", str(tmp_path / "ds")], capture_output=True, text=True, timeout=120)
        assert res.returncode == 0 and added in res.stdout, res.stderr
    assert (tmp_path / "ds" / "village_year" / "param.region=tiny" / "param.tier=v1").is_dir()
    streamed = RunDataset(tmp_path / "ds", ("param.region", "param.tier", "param.years")).read("village_year")
    key, own = ["tier", "year", "village"], [c for c in table.columns if not c.startswith("param.")]
    pd.testing.assert_frame_equal(streamed.sort_values(key)[own].reset_index(drop=True),
                                  table.sort_values(key)[own].reset_index(drop=True), check_dtype=False)


def test_morris_sensitivity_runs_through_the_model(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "coopsim.studies.sensitivity", "--trajectories", "2", "--param",
                          "labour.remittance_share", "0.3", "0.6", "--param", "tier.cooperative.management_cost_share",
                          "0.05", "0.2", "--out", str(tmp_path), "region=tiny", "years=3", "tier=v1"],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    design = pd.read_csv(tmp_path / "design.csv")
    indices = pd.read_csv(tmp_path / "morris_indices.csv").set_index(["output", "parameter"])
    assert len(design) == 2 * 3  # trajectories x (parameters + 1)
    # remittances drive income far more than the cooperative's management cost does
    assert (indices.loc[("income_per_capita_mean_yuan", "labour.remittance_share"), "mu_star"]
            > indices.loc[("income_per_capita_mean_yuan", "tier.cooperative.management_cost_share"), "mu_star"])
    assert (tmp_path / "morris.png").stat().st_size > 10_000
