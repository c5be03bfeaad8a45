"""The door: bad input stops before the run with one message naming the key, the
value and what is allowed; valid input runs and balances. Property-based over
every numeric key of the schema, and case by case through the command line."""

from __future__ import annotations

import copy
import dataclasses
import math
import os
import subprocess
import sys
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopsim.config import ConfigError, RunConfig, compose_dict, parse_config, resources
from coopsim.config.parameters import ranges, vocabulary
from coopsim.run import simulate
from coopsim.studies.parameter_table import leaves

BASE = compose_dict(["region=tiny", "tier=v3", "years=6", "scenario=price_collapse", "progress=never",
                     "household_table=false"])


def spec_of(path: str) -> tuple[Any, Mapping[str, Any]]:
    """The schema type and constraints of a dotted config key (names of mappings skipped)."""
    cls: Any = RunConfig
    meta: Mapping[str, Any] = {}
    parts, i = path.split("."), 0
    if parts[0] == "scenario":  # scenario.shocks.<name>.<field>: the shock's own class
        from coopsim.config.scenarios import SHOCK_KINDS
        shock = BASE["scenario"]["shocks"][parts[2]]
        cls, parts, i = SHOCK_KINDS[shock["kind"]], parts[3:], 0
    tp: Any = cls
    while i < len(parts):
        hints = typing.get_type_hints(tp)
        field = {f.name: f for f in dataclasses.fields(tp)}[parts[i]]
        tp, meta = hints[parts[i]], field.metadata
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if typing.get_origin(tp) in (typing.Union, type(int | None)) and args:
            tp = args[0]
        if typing.get_origin(tp) in (dict, Mapping):
            tp, i = typing.get_args(tp)[1], i + 1  # skip the name (a commodity, a destination)
        i += 1
    return tp, meta


NUMERIC = sorted(k for k, v in leaves(BASE).items()
                 if isinstance(v, int | float) and not isinstance(v, bool) and spec_of(k)[0] in (int, float))


def with_value(key: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    node = data
    *head, last = key.split(".")
    for part in head:
        node = node[part]
    node[last] = value
    return data


def bad_values(key: str) -> st.SearchStrategy[Any]:
    tp, meta = spec_of(key)
    options: list[Any] = ["ten", [1], {"a": 1}, None, True]
    if tp is float:
        options += [math.nan, math.inf, -math.inf]
    if "choices" in meta:
        options += [max(meta["choices"]) + 1, min(meta["choices"]) - 1]
    low, high = meta.get("min", meta.get("gt")), meta.get("max")
    if high is not None:
        options.append(high * 2 + 1 if high > 0 else high + 1)
    if low is not None:
        options.append(low - 1)
    return st.sampled_from(options)


def named(message: str, key: str) -> bool:
    """Whether the message names the key or a block holding it (a rule over a whole block, e.g. shares summing to 1)."""
    parts = key.split(".")
    return any(f"config key '{'.'.join(parts[:n])}" in message for n in range(len(parts), 0, -1))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(NUMERIC).flatmap(lambda k: st.tuples(st.just(k), bad_values(k))))
def test_a_bad_value_of_any_numeric_key_is_refused_naming_the_key(case: tuple[str, Any]) -> None:
    key, value = case
    with pytest.raises(ConfigError) as err:
        parse_config(with_value(key, value))
    assert named(str(err.value), key), (key, value, str(err.value))


JUNK = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                 st.text(max_size=5), st.lists(st.integers(), max_size=3),
                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
ALL_KEYS = sorted(leaves(BASE))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ALL_KEYS), JUNK)
def test_the_python_api_raises_only_config_errors(key: str, junk: Any) -> None:
    """Whatever ends up at any key, parse_config either accepts it or raises ConfigError."""
    try:
        parse_config(with_value(key, junk))
    except ConfigError:
        pass


RANGED = sorted(ranges(k for k, p in vocabulary().items() if p.low is not None and "*" not in k and k in ALL_KEYS))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(RANGED), min_size=1, max_size=4, unique=True).flatmap(
    lambda keys: st.tuples(st.just(keys), st.lists(st.floats(0, 1), min_size=len(keys), max_size=len(keys)))))
def test_valid_configs_run_and_balance(case: tuple[list[str], list[float]]) -> None:
    """Any point of the uncertain parameters' ranges runs (tier 3.0, a price collapse) with the ledger balanced."""
    keys, where = case
    data = copy.deepcopy(BASE)
    for key, u in zip(keys, where, strict=True):
        low, high = ranges([key])[key]
        value: float = low + u * (high - low)
        current = _get(BASE, key)
        if isinstance(current, int) and not isinstance(current, bool):  # a year, a count: a whole number
            value = round(value)
        data = _set(data, key, value)
    tables = simulate(parse_config(data))  # the ledger is verified at the end: a run that loses money raises
    assert tables["ledger_closing"]["balance_fen"].sum() == 0


def _get(data: dict[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        node = node[part]
    return node


def _set(data: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    node = data
    *head, last = key.split(".")
    for part in head:
        node = node[part]
    node[last] = value
    return data


def test_every_numeric_key_has_an_upper_bound() -> None:
    for key in NUMERIC:
        _tp, meta = spec_of(key)
        assert "max" in meta or "choices" in meta or "values_max" in meta or key.startswith("households.own_farm_mix."), key


def test_a_run_that_would_not_fit_in_memory_is_refused_naming_its_size(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = parse_config(compose_dict(["region=bijie"]))
    monkeypatch.setattr(resources, "memory_available_bytes", lambda: 1e9)
    with pytest.raises(ConfigError, match=r"'region.households' = 1300000.*needs about 1.7 GB of memory and this "
                                          r"machine has 1.0 GB available"):
        resources.check_memory(cfg)
    with pytest.raises(ConfigError, match="needs about 4.3 GB"):  # simulate() keeps the household table: 10 years of it
        simulate(cfg)


def test_tier_dates_must_fall_in_the_run() -> None:
    with pytest.raises(ConfigError, match=r"'tier.federation.start_year' = 2020: the federation would start in "
                                          r"2020-01, after the run ends \(2019-12\), so tier 'v3' would run as if it "
                                          r"had no federation: run to 2020 at least \(years >= 4\)"):
        parse_config(compose_dict(["tier=v3", "years=3"]))
    with pytest.raises(ConfigError, match=r"'tier.platform.start_year' = 2021: the platform would start"):
        parse_config(compose_dict(["tier=v3", "years=4"]))
    with pytest.raises(ConfigError, match=r"'tier.cooperative.rollout.pilot_year' = 2017.*after the run ends \(2016"):
        parse_config(compose_dict(["tier=v1", "start_year=2015", "years=2"]))
    assert parse_config(compose_dict(["tier=v3", "start_year=2023", "years=1"])).tier.name == "v3"  # in place


# -- through the command line -------------------------------------------------------------------------------
def cli(*args: str, cwd: Path, module: str = "coopsim.cli") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"})


def left_behind(cwd: Path) -> list[str]:
    return sorted(str(p.relative_to(cwd)) for p in cwd.rglob("*"))


BROKEN_YAML = "name: broken\ntownships: [1,\nvillages: 6\n"
CASES = [
    (["households.savings_mean_yuan=nan"], "config key 'households.savings_mean_yuan' = nan: must be a finite number"),
    (["poverty_line_yuan_by_year.2019=inf"], "config key 'poverty_line_yuan_by_year.2019' = inf: must be a finite number"),
    (["+state.pension_yuan_month_by_year.1800=90"],
     "config key 'state.pension_yuan_month_by_year.1800' = 90.0: the year must be between 1900 and 2200"),
    (["tier=v3", "years=3"], "config key 'tier.federation.start_year' = 2020: the federation would start"),
    (["region.households=1000000000"], "config key 'region.households' = 1000000000: must be between 1 and 50000000"),
    (["tier.cooperative.startup_grant_yuan=1e15"],
     "config key 'tier.cooperative.startup_grant_yuan' = 1000000000000000.0: must be between 0.0 and 1000000000.0"),
    (["seed=9223372036854775808"], "config key 'seed' = 9223372036854775808: must be between 0 and"),
    (["years=${nothere}"], "config key 'years': Interpolation key 'nothere' not found"),
    (["+shocks=[[a,b]]"], "config key 'shocks' = [['a', 'b']]: unknown key; allowed keys are ablate"),
    (["--config-dir", "{broken}", "region=broken"], 'a config file is not valid YAML: while parsing a flow sequence'),
]


@pytest.mark.parametrize(("args", "message"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_the_command_stops_bad_input_with_one_message_and_leaves_nothing(args: list[str], message: str,
                                                                        tmp_path: Path) -> None:
    broken = tmp_path / "conf"
    (broken / "region").mkdir(parents=True)
    (broken / "region" / "broken.yaml").write_text(BROKEN_YAML)
    work = tmp_path / "work"
    work.mkdir()
    args = [a.replace("{broken}", str(broken)) for a in args]
    flags = args[:2] if args[0].startswith("--") else []
    res = cli(*flags, "region=tiny", "years=2", "progress=never", *args[len(flags):], cwd=work)
    assert res.returncode == 2, res.stderr
    assert message in res.stderr
    assert "Traceback" not in res.stderr + res.stdout and len(res.stderr.strip().splitlines()) <= 2
    assert left_behind(work) == []
    if "YAML" in message:
        assert f'in "{broken / "region" / "broken.yaml"}", line 4, column 1' in res.stderr


def test_a_sweep_checks_every_point_first_and_lists_all_bad_ones(tmp_path: Path) -> None:
    res = cli("-m", "seed=1,2", "labour.leave_probability=0.1,7,nan", "region=tiny", "years=2", "progress=never",
              f"hydra.sweep.dir={tmp_path / 'sweep'}", cwd=tmp_path)
    assert res.returncode == 2
    assert "coopsim: bad config: 4 of 6 sweep points; nothing was run:" in res.stderr
    assert res.stderr.count("must be between 0.0 and 1.0") == 2 and res.stderr.count("must be a finite number") == 2
    assert not (tmp_path / "sweep").exists() and "Traceback" not in res.stderr


SCRIPTS = [
    ("coopsim.io.sweeps", ["{missing}"], "coopsim-collect: error: {missing} is not a directory"),
    ("coopsim.analysis.report", ["{missing}"], "coopsim-report: error: no complete runs"),
    ("coopsim.studies.study", ["tiers", "region=mars", "--seeds", "1"],
     "coopsim-study: error: In 'config': Could not find 'region/mars'"),
    ("coopsim.studies.sensitivity", ["--param", "labour.nothing", "0", "1", "region=tiny"],
     "coopsim-sensitivity: error: config key 'labour.nothing': no such key"),
    ("coopsim.studies.calibration", ["--trials", "1", "region=tiny", "years=nine"],
     "coopsim-calibrate: error: config key 'years' = 'nine': must be an integer"),
]


@pytest.mark.parametrize(("module", "args", "message"), SCRIPTS, ids=[m for m, _, _ in SCRIPTS])
def test_console_scripts_answer_bad_arguments_with_a_message(module: str, args: list[str], message: str,
                                                             tmp_path: Path) -> None:
    missing = str(tmp_path / "missing")
    res = cli(*(a.replace("{missing}", missing) for a in args), cwd=tmp_path, module=module)
    assert res.returncode == 2, res.stderr
    assert message.replace("{missing}", missing) in res.stderr
    assert "Traceback" not in res.stderr
