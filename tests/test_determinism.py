"""Same config and seed -> identical tables; every tier sees the same world and prices."""

from __future__ import annotations

import numpy as np
import pandas as pd

from coopsim.engine.economy import Economy
from coopsim.run import simulate
from tests.conftest import run_config, tiny_tables


def test_same_seed_gives_identical_tables(tiny_v1: dict[str, pd.DataFrame]) -> None:
    again = simulate(run_config("region=tiny", "years=4", "progress=never", "tier=v1"))
    assert set(again) == set(tiny_v1)
    for name, table in tiny_v1.items():
        pd.testing.assert_frame_equal(again[name], table, check_exact=True, obj=name)


def test_tiers_share_prices_and_households(tiny_v1: dict[str, pd.DataFrame], tiny_none: dict[str, pd.DataFrame]) -> None:
    pd.testing.assert_frame_equal(tiny_v1["prices"], tiny_none["prices"], check_exact=True)
    cols = ["year", "household", "village", "members", "working_age", "registered_poor"]
    pd.testing.assert_frame_equal(tiny_v1["household_year"][cols], tiny_none["household_year"][cols])
    # ...while the tiers do differ in what happens to the households
    assert not tiny_v1["household_year"]["income_yuan"].equals(tiny_none["household_year"]["income_yuan"])


def test_tiers_share_the_opening_state() -> None:
    a, b = Economy(run_config("region=tiny", "tier=none")), Economy(run_config("region=tiny", "tier=v1"))
    assert np.array_equal(a.hh.worker_status, b.hh.worker_status)
    assert np.array_equal(a.hh.land_mu, b.hh.land_mu)
    assert np.array_equal(a.ledger.block("household"), b.ledger.block("household"))
    assert sorted(a.world.graph.edges) == sorted(b.world.graph.edges)


def test_a_different_seed_gives_different_prices(tiny_v1: dict[str, pd.DataFrame]) -> None:
    other = tiny_tables("tier=v1", "seed=7")
    assert not np.allclose(other["prices"]["price_yuan"], tiny_v1["prices"]["price_yuan"])
