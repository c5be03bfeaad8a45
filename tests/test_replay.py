"""The history replay's yearly table and the facts the model was not calibrated to."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coopsim.analysis.replay import AGGREGATES, prefecture_table, runs_of, write_replay
from coopsim.analysis.validation import FACTS
from coopsim.run import run_to_directory
from tests.conftest import compose_dict


def test_prefecture_table_gives_the_mean_and_range_of_seeds() -> None:
    ry = pd.DataFrame({"year": [2017, 2018, 2017, 2018], "seed": [1, 1, 2, 2],
                       **{col: [1.0, 2.0, 3.0, 2.0] for col, _label, _div in AGGREGATES}})
    ry["coop_revenue_yuan"] = [1e6, 3e6, 3e6, 3e6]
    table = prefecture_table(ry).set_index("aggregate")
    assert list(table.columns) == ["2017", "2018"]
    assert table.loc["cooperatives", "2017"] == "2.0 [1.0, 3.0]"  # mean of 1 and 3, then the range
    assert table.loc["cooperatives", "2018"] == "2.0"  # the seeds agree: no range
    assert table.loc["cooperative revenue (M yuan)", "2017"] == "2.0 [1.0, 3.0]"  # shown in millions


@pytest.fixture(scope="module")
def replay_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sweep = tmp_path_factory.mktemp("replay")
    for tier, seed in [("v3", 1), ("v3", 2), ("none", 1)]:
        data = compose_dict("region=tiny", f"tier={tier}", f"seed={seed}", "years=5", "progress=never",
                            "household_table=false")
        run_to_directory(data, sweep / "runs" / f"{tier}_{seed}")
    return sweep


def test_replay_writes_the_yearly_table_and_the_facts(replay_sweep: Path) -> None:
    write_replay(replay_sweep, "v3")
    table = pd.read_csv(replay_sweep / "replay.csv").set_index("aggregate")
    assert list(table.columns) == ["2017", "2018", "2019", "2020", "2021"]
    assert list(table.index) == [label for _col, label, _div in AGGREGATES]
    assert "poverty headcount (persons)" in (replay_sweep / "replay.md").read_text()
    facts = pd.read_csv(replay_sweep / "facts.csv")
    assert list(facts["fact"]) == [f.name for f in FACTS]
    assert np.isfinite(facts["model"]).all() and (facts["model_min"] <= facts["model_max"]).all()
    # consumption per person in 2018 (living and medical spending), worked out here from the runs' flows, is
    # the yearly table's; the first fact is the registered poor not yet checked out in 2017, from the same tables
    runs = runs_of(replay_sweep, "v3")
    assert len(runs) == 2  # the tier=none run is left out
    per_run, remaining = [], []
    for r in runs:
        flows, ry = pd.read_parquet(r / "flows.parquet"), pd.read_parquet(r / "region_year.parquet")
        spent = flows[(flows.year == 2018) & flows.kind.isin(["consumption", "medical_costs"])].amount_fen.sum() / 100
        per_run.append(spent / ry.loc[ry.year == 2018, "persons"].item())
        assert ry.loc[ry.year == 2018, "consumption_per_capita_yuan"].item() == pytest.approx(per_run[-1])
        remaining.append(ry.loc[ry.year == 2017, "registered_poor_remaining_rate"].item())
    assert facts.loc[0, "model"] == pytest.approx(np.mean(remaining))


def test_replay_of_a_tier_without_runs_fails_naming_it(replay_sweep: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no complete run of tier=v2"):
        runs_of(replay_sweep, "v2")
