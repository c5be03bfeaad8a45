"""Bad input stops before the run with one message naming key, value and what is allowed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from coopsim.config import ConfigError, parse_config
from tests.conftest import compose_dict

BAD = [
    (["years=ten"], r"config key 'years' = 'ten': must be an integer"),
    (["years=0"], r"config key 'years' = 0: must be between 1 and 100"),
    (["+tier.cooperative.bogus=1"], r"config key 'tier.cooperative.bogus' = 1: unknown key; allowed keys are .*day_wage_yuan"),
    (["households.land_per_capita_mu=-1"], r"config key 'households.land_per_capita_mu' = -1.0: must be between 0.0 and"),
    (["labour.leave_probability=1.5"], r"config key 'labour.leave_probability' = 1.5: must be between 0.0 and 1.0"),
    (["tier.cooperative.shareholding.villagers_min=0.9"],
     r"'tier.cooperative.shareholding.villagers_min' = 0.9: collective_min \+ villagers_min must be <= 1"),
    (["tier.cooperative.shareholding.capable_person_share=0.15"],
     r"'tier.cooperative.shareholding.capable_person_share' = 0.15: must be <= single_holder_max \(0.1\)"),
    (["tier.cooperative.distribution.members_share=0.5"],
     r"'tier.cooperative.distribution.members_share' = 0.5: members \+ collective \+ managers shares must sum to 1"),
    (["+households.own_farm_mix.durian=0.0"], r"'households.own_farm_mix.durian' = 0.0: unknown commodity; known: beef_cattle"),
    (["households.own_farm_mix.potatoes=0.9"], r"'households.own_farm_mix' = .*shares must sum to 1"),
    (["market.commodities.tea.harvest_weights=[1,2]"], r"'market.commodities.tea.harvest_weights' = \(1.0, 2.0\): must have exactly 12"),
    (["tier.cooperative.rollout.pilot_month=13"], r"'tier.cooperative.rollout.pilot_month' = 13: must be one of 1, 2"),
    (["tier.cooperative.rollout.spread_year=2017", "tier.cooperative.rollout.spread_month=2"],
     r"'tier.cooperative.rollout.spread_year' = \[2017, 2\]: the spread must start after the pilots and no later than"),
    (["+calibration.labour.leave_probability=0.1"], r"config key 'calibration' = .*: unknown key; allowed keys are ablate"),
    (["tier=none", "+tier.cooperative.x=1"], r"'tier.cooperative' = .*does not apply to tier 'none'"),
    (["tier.cooperative.industries=[tea,durian]"], r"'tier.cooperative.industries\[1\]' = 'durian': unknown commodity"),
    (["tier.cadre_pay.rule=346"], r"'tier.cadre_pay.rule' = '346': must be one of flat, 345"),
    (["seed=-3"], r"config key 'seed' = -3: must be between 0 and 9223372036854775807"),
    (["region.townships=[3,0]"], r"'region.townships' = \[3, 0\]: must list at least one county, each with >= 1 township"),
    (["region.townships=[3,3]", "+region.county_names=[a]"],
     r"'region.county_names' = .*: must name every county: 2 names \(one per entry of region.townships\) or none"),
    (["region.townships=[10]"], r"'region.villages' = 6: must be >= the number of townships \(10\)"),
    (["engine=mesa"], r"config key 'engine' = 'mesa': must be one of fast, agents"),
    (["threads=-1"], r"config key 'threads' = -1: must be between 0 and 64"),
]


@pytest.mark.parametrize(("overrides", "message"), BAD, ids=[" ".join(o) for o, _ in BAD])
def test_bad_value_is_rejected_with_its_key(overrides: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(compose_dict("region=tiny", *overrides))


def test_default_configs_are_valid() -> None:
    for tier in ("none", "v1"):
        for region in ("tiny", "county"):
            cfg = parse_config(compose_dict(f"tier={tier}", f"region={region}"))
            assert cfg.tier.name == tier and cfg.region.name == region


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HYDRA_FULL_ERROR": "0"}
    return subprocess.run([sys.executable, "-m", "coopsim.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env=env)


@pytest.mark.parametrize(("override", "needle"), [
    ("tier=v9", "Could not find 'tier/v9'"),
    ("region=mars", "Could not find 'region/mars'"),
])
def test_cli_unknown_group_option_lists_the_options(tmp_path: Path, override: str, needle: str) -> None:
    res = _cli(override, f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.startswith(f"coopsim: bad config: In 'config': {needle}") and "Traceback" not in res.stderr
    assert "Available options" in res.stderr + res.stdout
    assert not (tmp_path / "run").exists()


def test_cli_bad_value_leaves_no_results_and_keeps_earlier_ones(tmp_path: Path) -> None:
    earlier = tmp_path / "earlier"
    assert _cli("region=tiny", "years=1", "progress=never", f"hydra.run.dir={earlier}", cwd=tmp_path).returncode == 0
    before = {p.name: p.read_bytes() for p in earlier.iterdir() if p.is_file()}
    res = _cli("region=tiny", "labour.return_probability=-0.2", f"hydra.run.dir={tmp_path / 'bad'}", cwd=tmp_path)
    assert res.returncode == 2
    assert "config key 'labour.return_probability' = -0.2: must be between 0.0 and 1.0" in res.stderr
    assert not (tmp_path / "bad").exists()
    assert {p.name: p.read_bytes() for p in earlier.iterdir() if p.is_file()} == before
    assert json.loads((earlier / "metadata.json").read_text())["ledger"]["balanced"] is True
