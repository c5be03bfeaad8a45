"""The ``coopsim`` command: one run, sweeps under the basic and joblib launchers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

TABLES = {"region_year", "region_month", "region_week", "village_year", "village_month", "household_year", "prices",
          "flows", "fiscal_year", "ledger_closing", "destinations_month"}


def coopsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "coopsim.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


def test_single_run_writes_tidy_tables_and_metadata(tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = coopsim("region=tiny", "years=2", "progress=always", f"hydra.run.dir={out}", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "month" in res.stderr  # the progress bar counts simulated months
    assert {p.stem for p in out.glob("*.parquet")} == TABLES
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["ledger"]["balanced"] is True and sum(meta["ledger"]["closing_balances_fen"].values()) == 0
    assert meta["seed"] == meta["config"]["seed"] == 20170401
    assert meta["config"]["tier"]["name"] == "v1" and "hydra" not in meta["config"]
    assert {"numpy", "simpy", "hydra-core"} <= set(meta["packages"])
    year = pd.read_parquet(out / "region_year.parquet")
    assert list(year.columns[:5]) == ["run_id", "tier", "scenario", "region", "seed"]
    assert (year["run_id"] == meta["run_id"]).all() and len(year) == 2
    assert not list(out.glob(".*.tmp"))


def test_sweep_over_tiers_with_joblib(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    res = coopsim("-m", "tier=none,v1", "region=tiny", "years=1", "progress=never", "hydra/launcher=joblib",
                  "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    metas = {json.loads(p.read_text())["tier"]: json.loads(p.read_text()) for p in sweep.glob("*/metadata.json")}
    assert set(metas) == {"none", "v1"}
    assert metas["none"]["seed"] == metas["v1"]["seed"]  # the seed comes from the config, not the job number
    prices = [pd.read_parquet(sweep / d / "prices.parquet")[["commodity", "price_yuan"]]
              for d in ("region=tiny,tier=none,years=1", "region=tiny,tier=v1,years=1")]
    pd.testing.assert_frame_equal(prices[0], prices[1])


def test_sweep_with_basic_launcher_and_seeds(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    res = coopsim("-m", "seed=1,2", "tier=none", "region=tiny", "years=1", "progress=never",
                  f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    seeds = sorted(json.loads(p.read_text())["seed"] for p in sweep.glob("*/metadata.json"))
    assert seeds == [1, 2]


def test_household_table_is_written_year_by_year_with_the_same_rows(tmp_path: Path) -> None:
    """The per-household table is streamed to Parquet as the run goes (one row group a year),
    so a 1.3-million-household region never holds it all; it equals the in-memory table."""
    import pyarrow.parquet as pq

    from coopsim.config.compose import compose_dict
    from coopsim.run import run_to_directory, simulate
    from tests.conftest import run_config

    overrides = ("region=tiny", "years=3", "progress=never", "scenario=city_crisis", "start_year=2021")
    meta = run_to_directory(compose_dict(list(overrides)), tmp_path)
    written = pd.read_parquet(tmp_path / "household_year.parquet")
    assert pq.ParquetFile(tmp_path / "household_year.parquet").num_row_groups == 3
    assert meta["tables"]["household_year"] == len(written) == 3 * 600
    assert (written["run_id"] == meta["run_id"]).all()
    in_memory = simulate(run_config(*overrides))["household_year"]
    pd.testing.assert_frame_equal(written.iloc[:, 5:], in_memory, check_exact=True)
    assert "poverty_reentry_households" in pd.read_parquet(tmp_path / "resilience.parquet")
    assert not list(tmp_path.glob(".*.tmp"))
