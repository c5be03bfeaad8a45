"""One labelled run of a study: the piece every study over many runs is made of."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from coopsim.config import compose_config
from coopsim.run import simulate


def run_variant(label: str, overrides: Sequence[str], seed: int) -> pd.DataFrame:
    """One run's ``region_year`` table, labelled with its group (the variant), scenario and seed."""
    cfg = compose_config([*overrides, f"seed={seed}", "household_table=false", "progress=never"])
    year = simulate(cfg)["region_year"]
    return year.assign(group=label, scenario=cfg.scenario, seed=seed)
