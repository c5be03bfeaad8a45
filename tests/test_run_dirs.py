"""Nothing wrong ever looks right: fault injection on run directories and sweeps.

Each test breaks something on purpose — a rerun of another config into a
complete directory, damaged tables, kills at random points, two sweeps at
once, a directory that cannot be written, a full disk, a killed main process
— and checks that no directory ever holds a mix of two runs or a damaged run
that looks complete, that each run is computed once, and that one run's fault
fails that run alone.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from coopsim.io.run_dir import METADATA, inspect
from coopsim.io.sweeps import collect, complete_runs

TINY = ["region=tiny", "years=2", "progress=never"]


def coopsim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "coopsim.cli", *args], capture_output=True, text=True, timeout=900,
                          cwd=cwd)


def popen(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "coopsim.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def files(run_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(run_dir.iterdir()) if p.is_file()}


def digests(sweep: Path) -> dict[str, dict[str, str]]:
    """Each complete run's tables' checksums, by run directory name."""
    complete, damaged = complete_runs(sweep)
    assert not damaged, damaged
    return {run_dir.name: {k: v["sha256"] for k, v in meta["files"].items()} for run_dir, meta in complete}


def assert_nothing_looks_wrong(sweep: Path) -> None:
    """Every directory with a metadata.json holds exactly the run it describes."""
    for meta in sweep.rglob(METADATA):
        state = inspect(meta.parent)
        assert state.status == "complete", (meta.parent, state.problem)
        assert {p.name for p in meta.parent.glob("*.parquet")} == set(state.meta["files"])  # type: ignore[index]


def test_a_rerun_of_another_config_never_writes_into_a_complete_directory(tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert coopsim(*TINY, f"hydra.run.dir={run}").returncode == 0
    before = files(run)
    res = coopsim(*TINY, "labour.leave_probability=0.2", f"hydra.run.dir={run}")
    assert res.returncode == 2
    assert f"coopsim: refused: {run} holds a run of another config or code" in res.stderr
    assert "Traceback" not in res.stderr
    assert files(run) == before and not list(run.glob(".staging-*"))
    # in a sweep with a fixed subdirectory: the rerun is refused for that run, named, and collect keeps the
    # labels of what the directory holds (the overrides kept in its metadata)
    sweep = tmp_path / "sweep"
    fixed = ["-m", "seed=1,2", *TINY, "hydra.launcher.verbose=0", f"hydra.sweep.dir={sweep}",
             "hydra.sweep.subdir=seed_${seed}"]
    assert coopsim(*fixed).returncode == 0
    res = coopsim(*fixed, "labour.remittance_share=0.5")
    assert res.returncode == 1 and res.stderr.count("coopsim: FAILED") == 2
    assert res.stderr.count("holds a run of another config") == 4  # said by each run, and named at the end
    assert "coopsim: 2 run(s) failed" in res.stderr
    table = collect(sweep)
    assert "param.labour.remittance_share" not in table and set(table["param.seed"]) == {"1", "2"}


def test_a_damaged_run_is_named_by_collect_never_read_and_computed_again(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    args = ["-m", "seed=1,2,3", *TINY, "hydra.launcher.verbose=0", f"hydra.sweep.dir={sweep}",
            "hydra.sweep.subdir=seed_${seed}"]
    assert coopsim(*args).returncode == 0
    good = digests(sweep)
    (sweep / "seed_1" / "region_year.parquet").write_bytes((sweep / "seed_1" / "region_year.parquet").read_bytes()[:-100])
    flows = sweep / "seed_2" / "flows.parquet"
    data = bytearray(flows.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit in the middle of the table
    flows.write_bytes(bytes(data))
    assert inspect(sweep / "seed_1").problem.startswith("region_year.parquet has")
    assert inspect(sweep / "seed_2").problem == "flows.parquet does not match its checksum"
    res = subprocess.run([sys.executable, "-m", "coopsim.io.sweeps", str(sweep)], capture_output=True, text=True)
    assert res.returncode == 1
    assert f"DAMAGED {sweep / 'seed_1'}" in res.stderr and f"DAMAGED {sweep / 'seed_2'}" in res.stderr
    assert set(pd.read_parquet(sweep / "collected_region_year.parquet")["seed"]) == {3}  # the good run only
    res = coopsim(*args)  # resume: the damaged runs are computed again, the good one skipped
    assert res.returncode == 0, res.stderr[-2000:]
    assert (res.stdout + res.stderr).count("is damaged") == 2 and (res.stdout + res.stderr).count("skipped") == 1
    assert digests(sweep) == good


def test_kills_at_random_points_never_leave_a_run_that_looks_complete(tmp_path: Path) -> None:
    reference, sweep = tmp_path / "reference", tmp_path / "sweep"
    args = ["-m", "seed=1,2,3,4", "region=small", "years=2", "progress=never", "tier=v1", "hydra/launcher=basic",
            "hydra.sweep.subdir=seed_${seed}"]
    assert coopsim(*args, f"hydra.sweep.dir={reference}").returncode == 0
    rng = random.Random(20170401)
    for _trial in range(4):
        proc = popen(*args, f"hydra.sweep.dir={sweep}")
        time.sleep(rng.uniform(1.0, 6.0))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert_nothing_looks_wrong(sweep)
    assert coopsim(*args, f"hydra.sweep.dir={sweep}").returncode == 0
    assert digests(sweep) == digests(reference)
    assert_nothing_looks_wrong(sweep)


def test_two_sweeps_at_once_compute_each_run_once(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    args = ["-m", "seed=1,2,3,4", "region=small", "years=2", "progress=never", "tier=v1", "hydra/launcher=basic",
            f"hydra.sweep.dir={sweep}"]
    procs = [popen(*args) for _ in range(2)]
    outputs = [p.communicate(timeout=900)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    both = "".join(outputs)
    assert both.count("ledger balanced") == 4 and both.count("already complete") == 4
    assert len(digests(sweep)) == 4
    assert_nothing_looks_wrong(sweep)


def test_a_run_whose_directory_cannot_be_made_fails_alone(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "seed_2").write_text("a file where the run's directory should be")
    args = ["-m", "seed=1,2,3", *TINY, "hydra.launcher.verbose=0", f"hydra.sweep.dir={sweep}",
            "hydra.sweep.subdir=seed_${seed}"]
    res = coopsim(*args)
    assert res.returncode == 1
    assert f"FAILED {sweep / 'seed_2'}: its directory cannot be written" in res.stderr
    assert "Traceback" not in res.stderr and "1 run(s) failed" in res.stderr
    assert set(digests(sweep)) == {"seed_1", "seed_3"}


@contextmanager
def tmpfs(path: Path, size: str, read_only: bool = False) -> Iterator[Path]:
    """A small file system mounted at ``path`` (tests that need one are skipped where mounting is not allowed)."""
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {res.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_read_only_run_directory_fails_that_run_alone(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    with tmpfs(sweep / "seed_2", "1m", read_only=True):
        res = coopsim("-m", "seed=1,2,3", *TINY, "hydra.launcher.verbose=0", f"hydra.sweep.dir={sweep}",
                      "hydra.sweep.subdir=seed_${seed}")
        assert res.returncode == 1
        assert f"FAILED {sweep / 'seed_2'}: its directory cannot be written" in res.stderr
        assert "Read-only file system" in res.stderr and "Traceback" not in res.stderr
        assert set(digests(sweep)) == {"seed_1", "seed_3"}


def test_a_full_disk_fails_the_runs_that_do_not_fit_and_the_sweep_goes_on(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "800k") as disk:
        sweep = disk / "sweep"
        res = coopsim("-m", "seed=1,2,3,4,5,6", *TINY, "hydra.launcher.verbose=0", f"hydra.sweep.dir={sweep}",
                      "hydra.sweep.subdir=seed_${seed}")
        assert res.returncode == 1, res.stderr[-2000:]
        assert "No space left on device" in res.stderr and "Traceback" not in res.stderr
        failed = res.stderr.count("coopsim: FAILED")
        done = digests(sweep)
        assert failed >= 1 and len(done) >= 1 and failed + len(done) == 6
        assert_nothing_looks_wrong(sweep)
        assert not list(sweep.rglob(".staging-*"))


def children(pid: int) -> set[int]:
    """The processes whose parent is ``pid``."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
def test_killing_the_sweep_stops_its_workers(tmp_path: Path) -> None:
    proc = popen("-m", "seed=1,2,3,4", "region=county", "years=10", "progress=never", "tier=v1",
                 "hydra.launcher.n_jobs=2", "hydra.launcher.verbose=0", f"hydra.sweep.dir={tmp_path / 'sweep'}")
    deadline, workers = time.time() + 120, set()
    while time.time() < deadline and not list((tmp_path / "sweep").rglob(".staging-*")):  # a run is under way
        time.sleep(0.2)
    workers = {w for c in children(proc.pid) for w in children(c) | {c}} - {proc.pid}
    assert workers, "the sweep's workers did not start"
    os.kill(proc.pid, signal.SIGKILL)  # the main process only, as an out-of-memory killer or a kill -9 would
    proc.wait()
    deadline = time.time() + 20
    while time.time() < deadline and any(alive(w) for w in workers):
        time.sleep(0.5)
    assert not any(alive(w) for w in workers), "workers kept running after the sweep was killed"
    assert_nothing_looks_wrong(tmp_path / "sweep")


def test_a_single_run_that_cannot_write_says_so_in_one_message(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a directory")
    res = coopsim(*TINY, f"hydra.run.dir={blocked / 'run'}")
    assert res.returncode == 1
    assert "coopsim: cannot write:" in res.stderr and "Traceback" not in res.stderr
