"""The cluster path on a real SLURM: robust_tiers through the submitit launcher
(job arrays), stopped with ``scancel`` and resumed by the same command.

``.ci/run`` starts a single-node SLURM with accounting on localhost
(``.ci/slurm.sh``) before the tests, so in CI this test runs; elsewhere it
runs where ``sinfo`` answers and is skipped otherwise (in CI, a SLURM that
does not answer fails the test instead).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coopsim.io.dataset import RunDataset
from coopsim.studies import robust


def _slurm_answers() -> bool:
    if shutil.which("sinfo") is None:
        return False
    r = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True, timeout=30)
    return r.returncode == 0 and any(s.startswith(("idle", "mix", "alloc")) for s in r.stdout.split())


SLURM = _slurm_answers()


@pytest.fixture(autouse=True)
def slurm() -> None:
    if not SLURM:
        if os.environ.get("CI") == "true":  # CI starts one (.ci/run): a SLURM that does not answer is a failure
            pytest.fail("CI=true but no SLURM answers: .ci/run starts one with .ci/slurm.sh")
        pytest.skip("no SLURM here (.ci/slurm.sh starts one)")

DESIGN = ["+experiment=robust_tiers", "region=tiny", "years=5", "robust.samples=4", "robust.seeds=[1]",
          "robust.sobol_n=0", "robust.chunks=4", "robust.chunk=range(0,4)", "hydra/launcher=slurm",
          "hydra.launcher.array_parallelism=1", "hydra.launcher.timeout_min=10", "hydra.launcher.mem_gb=2"]
RUNS = 4 * 4


def _sacct(arrays: set[str]) -> str:
    return subprocess.run(["sacct", "-n", "-X", "-P", "-o", "JobID,State", "-j", ",".join(sorted(arrays))],
                          capture_output=True, text=True, check=True).stdout


def _what_slurm_says(sweep: Path) -> str:
    """For a failure message: the queue, this sweep's arrays in the accounting, the jobs' error logs."""
    arrays = {p.name for p in (sweep / ".submitit").iterdir() if p.name.isdigit()} if (sweep / ".submitit").is_dir() else set()
    parts = [subprocess.run(["squeue", "-a"], capture_output=True, text=True).stdout,
             "sacct: " + (_sacct(arrays) if arrays else "(no array submitted)")]
    parts += [f"{p}:\n{p.read_text()[-1500:]}" for p in sorted((sweep / ".submitit").rglob("*.err"))] if arrays else []
    return "\n".join(parts)


def test_robust_tiers_on_slurm_scancel_and_resume(tmp_path: Path) -> None:
    sweep = tmp_path / "slurm"
    command = [sys.executable, "-m", "coopsim.cli", *DESIGN, f"hydra.sweep.dir={sweep}"]
    data = RunDataset(sweep / "dataset", robust.PARTITION)
    submitted = time.time()
    # PYTHONFAULTHANDLER: should the launcher hang, SIGABRT makes it print where each of its threads waits
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env={**os.environ, "PYTHONFAULTHANDLER": "1"})
    try:
        # cancel once job 0 has finished (its runs written, its result handed back), not in the middle of its end
        def job0_done() -> bool:
            return len(data.done()) >= 4 and any(sweep.glob(".submitit/*_0/*_0_0_result.pkl"))

        while time.time() < submitted + 300 and first.poll() is None and not job0_done():
            time.sleep(0.5)
        assert first.poll() is None, "the sweep ended before it could be cancelled:\n" + first.communicate()[0][-3000:]
        assert job0_done(), "job 0 did not finish its 4 runs in 300 s:\n" + _what_slurm_says(sweep)
        subprocess.run(["scancel", "--name", "coopsim"], check=True)  # the array job, mid-way
        arrays_first = {p.name for p in (sweep / ".submitit").iterdir() if p.name.isdigit()}  # one folder an array
        # submitit learns that a cancelled task has ended only from sacct: the accounting must say so first
        for _ in range(120):
            if "CANCELLED" in _sacct(arrays_first):
                break
            time.sleep(0.5)
        assert "CANCELLED" in _sacct(arrays_first), "sacct does not report the cancel:\n" + _what_slurm_says(sweep)
        # submitit asks sacct at doubling intervals from the submission, so the launcher notices the
        # cancel within about the time that had passed since, plus 15 s a task for a result file
        patience = 2 * (time.time() - submitted) + 60
        try:
            out_first = first.communicate(timeout=patience)[0]
        except subprocess.TimeoutExpired:
            first.send_signal(signal.SIGABRT)
            where = first.communicate(timeout=60)[0]
            raise AssertionError(f"the launcher still waits {patience:.0f} s after the cancel:\n"
                                 + _what_slurm_says(sweep) + "\nits output, and where its threads wait:\n"
                                 + where[-8000:]) from None
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
            subprocess.run(["scancel", "--name", "coopsim"], check=False)
    assert first.returncode != 0
    assert 4 <= len(data.done()) < RUNS, "cancelled mid-way"
    assert not (sweep / "report.html").exists() and not (sweep / "analysis").exists()

    second = subprocess.run(command, capture_output=True, text=True, timeout=600)
    out = second.stdout + second.stderr
    assert second.returncode == 0, out[-3000:]
    assert "report written to" in out
    assert "sacct" not in out and "sacct" not in out_first  # job states read without a warning: accounting is on
    runs = data.read("runs")
    assert len(runs) == RUNS and runs["run_key"].is_unique
    assert len(RunDataset(sweep / "dataset", robust.PARTITION).read("runs")) == RUNS
    # the resumed array computed only what the cancelled one had not: job 0 finished first, so it skipped all
    job0 = (sweep / "jobs" / "0")
    assert job0.is_dir()
    logs = sorted((sweep / ".submitit").rglob("*_0_log.*"))
    assert any("4 runs (0 computed, 4 already there)" in p.read_text() for p in logs), "job 0 skipped its runs"
    # the jobs ran as job arrays, and SLURM's accounting saw this sweep's cancelled and completed ones
    arrays = {p.name for p in (sweep / ".submitit").iterdir() if p.name.isdigit()}
    assert len(arrays_first) == 1 and len(arrays - arrays_first) == 1  # one array each time
    states = _sacct(arrays)
    assert "CANCELLED" in states and "COMPLETED" in states
