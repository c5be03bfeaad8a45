"""The ``coopsim`` command: one run, sweeps under the basic and joblib launchers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

TABLES = {"region_year", "region_month", "region_week", "village_year", "village_month", "household_year", "prices",
          "flows", "fiscal_year", "ledger_closing", "destinations_month", "household_final"}


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
    # each household's final income per person: the mean of its years' (both years of a two-year run)
    final = pd.read_parquet(out / "household_final.parquet").set_index("household")
    per_year = pd.read_parquet(out / "household_year.parquet").pivot(index="household", columns="year",
                                                                     values="income_per_capita_yuan")
    assert (final["final_years"] == 2).all() and len(final) == len(per_year)
    assert (final["income_per_capita_final_yuan"] - per_year.mean(axis=1)).abs().max() < 1e-9
    assert (final["income_per_capita_first_year_yuan"] == per_year[2017]).all()


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


# -- the front door: help, a misspelt key, --cfg job, a run's summary, a sweep's bar -------------------------------

def test_help_leads_with_what_coopsim_does_the_experiments_and_the_other_commands(tmp_path: Path) -> None:
    import tomllib

    from coopsim.config import CONFIG_DIR

    res = coopsim("--help", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].startswith("coopsim: a discrete-event simulation of tiered cooperative economies")
    assert len(lines) < 80  # not the whole config (coopsim --cfg job shows it)
    for experiment in (p.stem for p in (CONFIG_DIR / "experiment").glob("*.yaml")):
        assert any(line.startswith(f"  {experiment} ") for line in lines), experiment
    scripts = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]["scripts"]
    for script in set(scripts) - {"coopsim"}:
        assert any(line.startswith(f"  {script} ") for line in lines), script
    # Hydra's part behind it: the config groups, and where the whole config is
    assert res.stdout.index("Other commands") < res.stdout.index("tier: longling, none, songtao, v1, v2, v3")
    assert "coopsim --cfg job" in lines[-3] and "--hydra-help" in lines[-1]


def test_the_other_commands_help_is_plain_text(tmp_path: Path) -> None:
    for module in ("coopsim.studies.study", "coopsim.io.sweeps", "coopsim.studies.sensitivity"):
        res = coopsim("--help", cwd=tmp_path) if module == "coopsim.cli" else subprocess.run(
            [sys.executable, "-m", module, "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stderr
        assert "``" not in res.stdout and ":mod:" not in res.stdout and "::" not in res.stdout, module


def test_a_misspelt_key_is_answered_with_the_nearest_real_one(tmp_path: Path) -> None:
    cases = {"regon=tiny": "config key 'regon': no such key; did you mean region?",
             "labour.leave_probabilty=0.1": "did you mean labour.leave_probability?",
             "leave_probability=0.1": "config key 'leave_probability': no such key; did you mean "
                                      "labour.leave_probability?",  # the right name in the wrong place
             "tier.cooperative.startup_grant=1": "did you mean tier.cooperative.startup_grant_yuan?"}
    for typo, message in cases.items():
        res = coopsim(typo, "region=tiny", "years=1", cwd=tmp_path)
        assert res.returncode == 2 and message in res.stderr, (typo, res.stderr)
        assert "+" not in res.stderr.split("did you mean")[-1]  # never "append it with +"
    res = coopsim("qqqqqq=1", cwd=tmp_path)
    assert res.returncode == 2 and "no such key" in res.stderr and "did you mean" not in res.stderr


def test_cfg_job_shows_the_config_and_checks_it(tmp_path: Path) -> None:
    good = coopsim("--cfg", "job", "region=tiny", "labour.leave_probability=0.2", cwd=tmp_path)
    assert good.returncode == 0 and "leave_probability: 0.2" in good.stdout and not good.stderr.strip()
    bad = coopsim("--cfg", "job", "region=tiny", "labour.leave_probability=7", cwd=tmp_path)
    assert "leave_probability: 7" in bad.stdout  # shown, then refused as the run would refuse it
    assert bad.returncode == 2
    assert "coopsim: bad config: config key 'labour.leave_probability' = 7.0: must be between 0.0 and 1.0" in bad.stderr
    assert not list(tmp_path.rglob("*.parquet"))


def test_a_single_run_ends_with_its_summary(tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = coopsim("region=tiny", "years=3", "tier=none", "progress=never", f"hydra.run.dir={out}", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    year = pd.read_parquet(out / "region_year.parquet")
    last = year.iloc[-1]
    summary = res.stdout.splitlines()[-5:]
    assert summary[0].startswith("coopsim: no cooperatives, baseline, region tiny, 2017-2019, seed 20170401: ")
    assert summary[1].startswith(f"  income   {last['income_per_capita_mean_yuan']:,.0f} yuan a person in 2019")
    assert summary[2].startswith(f"  poverty  {100 * last['poverty_rate']:.1f} % of people below the line of "
                                 f"{last['poverty_line_yuan']:,.0f} yuan in 2019")
    assert summary[3].startswith(f"  public   {last['fiscal_cost_yuan'] / 1e6:,.2f} million yuan")
    assert f"({year['fiscal_cost_yuan'].sum() / 1e6:,.1f} million over 2017-2019)" in summary[3]
    others = len(list(out.glob("*.parquet"))) - 1
    assert summary[4] == f"  tables   {out} (region_year.parquet and {others} more)" and others >= 10


def test_a_sweep_draws_one_bar_over_its_runs(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    res = coopsim("-m", "seed=1,2,3", "region=tiny", "years=1", "progress=always", f"hydra.sweep.dir={sweep}",
                  cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    bars = [b for b in res.stderr.replace("\r", "\n").splitlines() if b.startswith("sweep:")]
    assert bars and "3/3" in bars[-1] and "100%" in bars[-1]
    assert "month/s" not in res.stderr  # one bar: the runs draw none of their own
    quiet = coopsim("-m", "seed=1,2", "region=tiny", "years=1", f"hydra.sweep.dir={tmp_path / 'q'}", cwd=tmp_path)
    assert quiet.returncode == 0 and "sweep:" not in quiet.stderr  # progress: auto draws it on a terminal only
