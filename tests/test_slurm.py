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


def test_robust_tiers_on_slurm_scancel_and_resume(tmp_path: Path) -> None:
    sweep = tmp_path / "slurm"
    command = [sys.executable, "-m", "coopsim.cli", *DESIGN, f"hydra.sweep.dir={sweep}"]
    data = RunDataset(sweep / "dataset", robust.PARTITION)
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 300
    while time.time() < deadline and first.poll() is None and len(data.done()) < 4:
        time.sleep(0.5)
    assert first.poll() is None, "the sweep ended before it could be cancelled:\n" + first.communicate()[0][-3000:]
    subprocess.run(["scancel", "--name", "coopsim"], check=True)  # the array job, mid-way
    out_first = first.communicate(timeout=300)[0]
    assert first.returncode != 0
    assert 4 <= len(data.done()) < RUNS, "cancelled mid-way"
    assert not (sweep / "report.html").exists() and not (sweep / "analysis").exists()

    arrays_first = {p.name for p in (sweep / ".submitit").iterdir() if p.name.isdigit()}  # one folder a job array
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
    states = subprocess.run(["sacct", "-n", "-X", "-P", "-o", "JobID,State", "-j", ",".join(sorted(arrays))],
                            capture_output=True, text=True, check=True).stdout
    assert "CANCELLED" in states and "COMPLETED" in states
