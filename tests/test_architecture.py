"""The package's shape: its public face, the old paths, the layer contracts, the
calendar, the institution protocol, and an observer that only reads."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import coopsim
from coopsim import _moved
from coopsim.engine import calendar
from coopsim.engine.economy import Economy
from coopsim.engine.recorder import Recorder
from coopsim.households.livelihoods import Livelihoods
from coopsim.institutions import PARTNERS, Partner, VillageCooperatives
from tests.conftest import run_config

ROOT = Path(__file__).resolve().parent.parent


def test_the_public_face_runs_a_model() -> None:
    assert sorted(coopsim.__all__) == sorted(coopsim._PUBLIC)
    for name in coopsim.__all__:
        assert getattr(coopsim, name) is getattr(importlib.import_module(coopsim._PUBLIC[name]), name)
    from coopsim import compose_config, simulate

    tables = simulate(compose_config(["region=tiny", "years=4", "tier=v2", "progress=never"]))
    assert len(tables["region_year"]) == 4 and tables["ledger_closing"]["balance_fen"].sum() == 0
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        coopsim.nothing  # noqa: B018


def test_old_paths_give_the_moved_modules_with_a_warning() -> None:
    for old, new in _moved.MOVED.items():
        sys.modules.pop(old, None)
        with pytest.warns(DeprecationWarning, match=f"{re.escape(old)} moved to {re.escape(new)}"):
            module = importlib.import_module(old)
        assert module is importlib.import_module(new)
        assert module.__spec__ is not None and module.__spec__.name == new  # its own spec, not the old path's
    from hydra.utils import get_class

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from coopsim.economy import Economy as Old  # type: ignore[import-not-found]

        assert Old is Economy
        # a user's own experiment config naming the old callback still resolves
        assert get_class("coopsim.report.ReportCallback").__module__ == "coopsim.analysis.report"


def test_every_hydra_target_in_the_configs_resolves() -> None:
    from hydra.utils import get_class

    targets = {m for p in (ROOT / "configs").rglob("*.yaml")
               for m in re.findall(r"_target_:\s*([\w.]+)", p.read_text(encoding="utf-8"))}
    assert {"coopsim.analysis.report.ReportCallback", "coopsim.io.launch.RunDoor",
            "hydra_plugins.coopsim_sweeper.CheckedSweeper"} <= targets
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # the shipped configs use the new paths
        for target in targets:
            assert get_class(target).__name__ == target.rsplit(".", 1)[1]


def test_the_wheel_lists_every_subpackage_and_ships_the_configs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    tree = sorted(".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "coopsim").rglob("__init__.py"))
    assert sorted(set(project["packages"]) - {"coopsim.configs", "hydra_plugins.coopsim_sweeper"}) == tree
    assert project["package-dir"] == {"coopsim.configs": "configs"}
    for script in tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"].values():
        module, function = script.split(":")
        assert callable(getattr(importlib.import_module(module), function))


def test_the_layer_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    res = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "6 kept, 0 broken" in res.stdout


def test_every_subpackage_says_what_lives_there() -> None:
    for init in (ROOT / "coopsim").rglob("__init__.py"):
        module = importlib.import_module(".".join(init.parent.relative_to(ROOT).parts))
        assert module.__doc__ and len(module.__doc__) > 80, init


def test_one_calendar_for_the_engine_the_households_and_the_docs() -> None:
    ticks = [p.tick for p in calendar.MONTH]
    assert ticks == sorted(ticks) and len(set(ticks)) == len(ticks) and max(ticks) < calendar.TICKS
    for p in calendar.MONTH:
        owner = Livelihoods if p.actor == "households" else Economy
        assert callable(getattr(owner, p.step, None)) or p.when == "founded", p.step
    eco = Economy(run_config("region=tiny", "tier=v1", "engine=agents"))
    # one process per economy step (monthly or yearly), one per founding, one per household
    economy_steps = sum(p.actor == "economy" and p.when != "founded" for p in calendar.MONTH)
    assert len(eco.env._queue) == economy_steps + 6 + 600  # type: ignore[attr-defined]
    assert calendar.markdown_table() in (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")


def _state(eco: Economy) -> dict[str, np.ndarray]:
    """What the model holds at the end of a run (not what was recorded)."""
    hh, coops = eco.hh, eco.coops
    assert coops is not None
    return {"balances": eco.ledger.balances.copy(), "income_year": hh.income_year.copy(),
            "status": hh.worker_status.copy(), "member": hh.coop_member.copy(), "industry": coops.industry.copy(),
            "reserve": coops.reserve_fen.copy(), "debt": coops.debt_fen.copy(),
            "reference": eco.livelihoods.rural_income_reference.copy(),
            "flows": np.array(list(eco.ledger.flows.values()))}


def test_the_recorder_only_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run whose recorder records nothing ends in the same model state as a recorded run."""
    args = ("region=tiny", "tier=v3", "years=5", "scenario=price_collapse", "scenario.shocks.price_collapse.onset_year=2019")
    recorded = Economy(run_config(*args))
    recorded.run()
    monkeypatch.setattr(Recorder, "record_month", lambda self, t, flows: None)
    monkeypatch.setattr(Recorder, "record_year", lambda self, year: None)
    monkeypatch.setattr(Recorder, "tables", lambda self, closing: {})
    silent = Economy(run_config(*args))
    silent.run()
    a, b = _state(recorded), _state(silent)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


class Idle(Partner):
    """A partner that implements no hook: it must leave everything as it was."""

    block = "platform"
    level_name = "county"


def test_a_partner_with_no_hooks_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The protocol's hooks are neutral by default: a tier with one more partner that
    does nothing gives the same tables, to the fen."""
    base = coopsim.simulate(run_config("region=tiny", "tier=v2", "years=5", "progress=never"))
    build = coopsim.institutions.build

    def with_idle(cfg, world, market, ledger, rng):  # type: ignore[no-untyped-def]
        coops, partners = build(cfg, world, market, ledger, rng)
        idle = Idle(None, 0, world, market, ledger)
        assert isinstance(coops, VillageCooperatives)
        coops.partners = (*partners, idle)
        return coops, coops.partners

    monkeypatch.setattr(coopsim.institutions, "build", with_idle)
    more = coopsim.simulate(run_config("region=tiny", "tier=v2", "years=5", "progress=never"))
    for name, table in base.items():
        pd.testing.assert_frame_equal(more[name], table, check_exact=True, obj=name)


def test_partners_are_registered_by_their_config_block() -> None:
    from coopsim.config import BLOCKS, TIER_BLOCKS

    assert set(PARTNERS) == set(BLOCKS) - {"cooperative"}
    for tier, blocks in TIER_BLOCKS.items():
        eco = Economy(run_config("region=tiny", f"tier={tier}"))
        assert [p.block for p in eco.partners] == [b for b in blocks if b in PARTNERS]
        assert (eco.coops is None) == ("cooperative" not in blocks)
    with pytest.raises(KeyError, match="tier 'v1' has no platform; its partners: government"):
        Economy(run_config("region=tiny", "tier=v1")).partner("platform")
