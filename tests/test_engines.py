"""The fast engine against the reference engine (one SimPy process per household).

Both apply the same household rules (:mod:`coopsim.households.livelihoods`) to rows: the
fast engine to blocks of whole villages, shared out among threads; the
reference engine to one household at a time. They must give the same tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coopsim.engine.economy import Economy
from coopsim.households.livelihoods import household_blocks
from coopsim.run import simulate
from tests.conftest import run_config

# tier 3.0 with both kinds of shock exercises every household step and every institution
SHOCKED_V3 = ("region=tiny", "tier=v3", "scenario=[price_collapse,city_crisis]", "resilience=false", "progress=never")


@pytest.fixture(scope="module")
def fast_v3() -> dict[str, pd.DataFrame]:
    return simulate(run_config(*SHOCKED_V3, "threads=1"))


def test_reference_engine_gives_the_same_tables(fast_v3: dict[str, pd.DataFrame]) -> None:
    agents = simulate(run_config(*SHOCKED_V3, "engine=agents"))
    assert set(agents) == set(fast_v3)
    for name, table in fast_v3.items():
        pd.testing.assert_frame_equal(agents[name], table, check_exact=True, obj=name)


def test_threads_do_not_change_the_tables(fast_v3: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch) -> None:
    # blocks of ~60 households, so that the tiny region is stepped as many blocks on two threads
    monkeypatch.setattr("coopsim.households.livelihoods.BLOCK_HOUSEHOLDS", 60)
    monkeypatch.setattr("coopsim.households.livelihoods.MIN_BLOCK_HOUSEHOLDS", 1)
    threaded = simulate(run_config(*SHOCKED_V3, "threads=2"))
    for name, table in fast_v3.items():
        pd.testing.assert_frame_equal(threaded[name], table, check_exact=True, obj=name)


def test_reference_engine_runs_one_process_per_household() -> None:
    agents = Economy(run_config("region=tiny", "tier=v1", "engine=agents"))
    assert len(agents.household_processes) == agents.hh.n == 600
    assert len(Economy(run_config("region=tiny", "tier=v1")).household_processes) == 1


def test_fast_blocks_are_whole_villages_covering_every_household() -> None:
    eco = Economy(run_config("region=small"))
    starts = set(eco.world.village_starts.tolist())
    blocks = household_blocks(eco.world.village_starts, eco.hh.n, "fast")
    assert blocks[0].start == 0 and blocks[-1].stop == eco.hh.n
    assert all(a.stop == b.start for a, b in zip(blocks[:-1], blocks[1:], strict=True))
    assert all(b.start in starts for b in blocks)
    assert np.array_equal(np.concatenate([np.arange(b.start, b.stop) for b in blocks]), np.arange(eco.hh.n))


def test_profile_script_times_every_step() -> None:
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "benchmarks" / "profile_steps.py"
    out = subprocess.run([sys.executable, str(script), "region=tiny", "years=1", "tier=v1", "scenario=baseline"],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    assert out.startswith("tiny: 600 households, 12 months")
    for step in ("households: migrate", "households: earn", "production", "year_end", "close_year"):
        assert step in out
