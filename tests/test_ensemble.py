"""The comparison over the calibration's ensemble: parameter uncertainty beside the seeds' (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from coopsim.studies import ensemble
from coopsim.studies.calibration import PARAMETERS


def two_sets(path: Path) -> Path:
    low = {k: lo + 0.25 * (hi - lo) for k, (lo, hi) in PARAMETERS.items()}
    high = {k: lo + 0.75 * (hi - lo) for k, (lo, hi) in PARAMETERS.items()}
    pd.DataFrame([{"trial": 7, **low, "loss": 0.1}, {"trial": 3, **high, "loss": 0.2}]).to_csv(path, index=False)
    return path


def test_members_are_the_ensembles_parameter_sets_best_first(tmp_path: Path) -> None:
    sets = ensemble.members(two_sets(tmp_path / "e.csv"), 5)
    assert len(sets) == 2 and all(len(s) == len(PARAMETERS) for s in sets)
    assert sets[0][0].split("=")[0] in PARAMETERS and sets[0] != sets[1]
    pd.DataFrame(columns=["trial", *PARAMETERS, "loss"]).to_csv(tmp_path / "none.csv", index=False)
    with pytest.raises(ValueError, match="holds no parameter set"):
        ensemble.members(tmp_path / "none.csv", 5)


def test_the_gain_is_paired_on_member_and_seed_and_shows_the_members_spread(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ensemble.main(["--ensemble", str(two_sets(tmp_path / "e.csv")), "--members", "2", "--seeds", "1", "2",
                   "--jobs", "1", "--tier", "v1", "--last-years", "1", "--out", str(out), "region=tiny", "years=3"])
    runs = pd.read_csv(out / "per_run.csv")
    assert len(runs) == 2 * 2 * 2  # members x seeds x (none, v1)
    none = runs[runs.group == "none"].groupby("member")["income_per_capita_mean_yuan"].mean()
    assert none[0] != none[1]  # the parameter sets make different economies
    gains = pd.read_csv(out / "gains.csv").set_index("outcome")
    income = gains.loc["income per person (yuan/yr)"]
    assert income["pairs"] == 4 and income["members"] == 2
    assert income["member_min"] <= income["gain"] <= income["member_max"]
    assert "parameter sets of the ensemble" in (out / "ensemble.md").read_text(encoding="utf-8")
