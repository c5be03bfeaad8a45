"""The robust answer: declared uncertainties, the run dataset, the design block, the
comparison's statistics, scenario discovery, and the robust_tiers sweep end to end
(stopped mid-way and resumed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coopsim.config import ConfigError
from coopsim.config.declarations import apply, declared, latin_hypercube, levers, outside_range, sample
from coopsim.config.designs import base_configs, check_sweep, fixed_keys, parse_design, run_overrides
from coopsim.config.parameters import vocabulary
from coopsim.io.dataset import RunDataset
from coopsim.studies import robust
from tests.conftest import compose_dict

# ---------------------------------------------------------------- declarations


@pytest.fixture(scope="module")
def v3() -> dict:
    return compose_dict("tier=v3", "region=tiny")


def test_every_ranged_parameter_of_the_config_is_an_uncertainty(v3: dict) -> None:
    found = declared(v3)
    ranged = {p.key for p in vocabulary().values() if p.low is not None and p.high is not None}
    assert set(found) <= ranged
    assert len(found) >= 90  # every estimate with a range that a 3.0 run has
    for key in ("labour.leave_probability", "tier.platform.brand_premium", "tier.federation.bulk_input_discount",
                "market.commodities.*.regional_price_flexibility", "state.farm_subsidy_yuan_mu_by_year.*"):
        assert key in found
    assert found["labour.max_search_weeks"].integer and not found["labour.leave_probability"].integer
    assert found["tier.platform.brand_premium"].block == "platform"
    assert not found["tier.platform.brand_premium"].in_tier("v2") and found["labour.remittance_share"].in_tier("none")


def test_values_stay_in_range_and_whole_numbers_are_whole(v3: dict) -> None:
    found = list(declared(v3).values())
    points = sample(found, latin_hypercube(50, len(found), seed=3))
    for point in points:
        for u in found:
            v = point[u.key]
            assert u.low <= v <= u.high, (u.key, v)
            assert not u.integer or float(v).is_integer()
    ends = [u.value(0.0) for u in found], [u.value(np.nextafter(1.0, 0)) for u in found]
    assert ends[0] == [u.low for u in found]
    assert ends[1] == pytest.approx([u.high for u in found])


def test_the_latin_hypercube_fills_every_stratum_once() -> None:
    x = latin_hypercube(40, 5, seed=1)
    for column in x.T:
        assert sorted(np.floor(column * 40).astype(int)) == list(range(40))
    assert np.array_equal(x, latin_hypercube(40, 5, seed=1)) and not np.array_equal(x, latin_hypercube(40, 5, 2))


def test_apply_sets_a_named_key_for_every_name(v3: dict) -> None:
    data = apply(json.loads(json.dumps(v3)), {"market.commodities.*.regional_price_flexibility": 0.77,
                                              "labour.leave_probability": 0.2, "tier.nothing_here.x": 1})
    flex = [c["regional_price_flexibility"] for c in data["market"]["commodities"].values()
            if "regional_price_flexibility" in c]
    assert len(flex) >= 2 and set(flex) == {0.77}
    assert data["labour"]["leave_probability"] == 0.2 and "nothing_here" not in data["tier"]


def test_levers_and_out_of_range_warnings() -> None:
    lv = levers()
    assert lv["tier"].values == ("none", "v1", "v2", "v3")
    assert "tier.platform.floor_price" in lv and lv["tier.platform.floor_price"].values == (True, False)
    assert outside_range("labour.leave_probability", 0.9) is not None
    assert outside_range("labour.leave_probability", 0.1) is None
    assert outside_range("seed", 5) is None


# ---------------------------------------------------------------- the dataset


def _run(key: str, tier: str, seed: int, value: float) -> dict[str, pd.DataFrame]:
    return {"runs": pd.DataFrame([{"run_key": key, "tier": tier, "seed": seed, "x": value}]),
            "region_year": pd.DataFrame({"run_key": key, "tier": tier, "seed": seed, "year": [2017, 2018],
                                         "y": [value, value + 1]})}


def test_the_dataset_streams_partitions_and_resumes(tmp_path: Path) -> None:
    d = RunDataset(tmp_path / "ds", partition=("tier", "seed"))
    with d.writer("a", flush_every=2) as w:
        for i in range(5):
            w.add(_run(f"r{i}", "v1" if i % 2 else "v2", 1 + i % 3, float(i)))
        assert w.pending == 1  # two flushes done, one run held
    assert d.done() == {f"r{i}" for i in range(5)}
    runs = d.read("runs").sort_values("run_key")
    assert list(runs["x"]) == [0.0, 1.0, 2.0, 3.0, 4.0] and set(runs["seed"]) == {1, 2, 3}
    assert (tmp_path / "ds" / "runs" / "tier=v1" / "seed=2").is_dir()
    assert len(d.read("region_year", filters=[("tier", "==", "v1")])) == 4
    # a run cut off before its runs row: its other rows do not count; a run written twice counts once
    with d.writer("b", flush_every=100) as w:
        w.add(_run("r1", "v1", 2, 1.0))
    d2 = RunDataset(tmp_path / "ds", partition=("tier", "seed"))
    part = _run("r9", "v2", 1, 9.0)["region_year"]
    (tmp_path / "ds" / "region_year" / "tier=v2" / "seed=1").mkdir(parents=True, exist_ok=True)
    part.drop(columns=["tier", "seed"]).to_parquet(tmp_path / "ds" / "region_year" / "tier=v2" / "seed=1" / "x.parquet")
    (tmp_path / "ds" / "runs" / "tier=v2" / "seed=1" / ".part-cut.parquet").write_bytes(b"PAR1 cut off")
    assert "r9" not in d2.done() and len(d2.read("runs")) == 5
    assert len(d2.read("region_year")) == 10


def test_a_run_needs_its_runs_row(tmp_path: Path) -> None:
    d = RunDataset(tmp_path, partition=("tier",))
    with d.writer("a") as w, pytest.raises(ValueError, match="one-row 'runs'"):
        w.add({"region_year": pd.DataFrame({"run_key": ["a"], "tier": ["v1"]})})


# ---------------------------------------------------------------- the design block


@pytest.mark.parametrize(("block", "key"), [
    ({"sample": 3}, "robust.sample"), ({"chunks": 2, "chunk": 2}, "robust.chunk"), ({"sobol_n": 48}, "robust.sobol_n"),
    ({"tiers": ["v1"]}, "robust.tiers"), ({"tiers": ["v1", "v9"]}, "robust.tiers"), ({"seeds": []}, "robust.seeds"),
    ({"samples": -1}, "robust.samples"), ({"design_seed": 0}, "robust.design_seed"),
    ({"sobol_n": 4, "sobol_tiers": ["v3"]}, "robust.sobol_tiers")])
def test_a_bad_design_names_its_key(block: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        parse_design(block)


@pytest.mark.parametrize(("args", "words"), [
    (["robust.sobol_n=48"], ["robust.sobol_n", "power of 2"]),
    (["years=3"], ["robust.tiers: tier 'v2' with its values", "tier.federation.start_year", "years >= 4"]),
    (["years=4"], ["robust.tiers: tier 'v3' with its values", "tier.platform.start_year", "years >= 5"])])
def test_a_bad_design_stops_the_sweep_before_any_runs(tmp_path: Path, args: list[str], words: list[str]) -> None:
    r = subprocess.run([sys.executable, "-m", "coopsim.cli", "+experiment=robust_tiers", "region=tiny", *args,
                        "robust.chunks=2", "robust.chunk=0,1", f"hydra.sweep.dir={tmp_path / 's'}"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stderr[-2000:]
    for w in words:
        assert w in r.stderr
    assert not (tmp_path / "s").exists()


def test_a_design_sweeps_its_shares_alone_and_every_one() -> None:
    design = parse_design({"chunks": 3})
    check_sweep([["robust.chunk=0", "region=tiny"], ["robust.chunk=1", "region=tiny"], ["robust.chunk=2", "region=tiny"]],
                design)
    with pytest.raises(ConfigError, match="robust.chunk alone"):
        check_sweep([["robust.chunk=0", "seed=1"], ["robust.chunk=0", "seed=2"]], parse_design({"chunks": 1}))
    with pytest.raises(ConfigError, match=r"robust\.chunk.*each share once, among 0 \.\. robust\.chunks - 1 = 2"):
        check_sweep([["robust.chunk=0"], ["robust.chunk=3"]], design)
    assert "runs 2 of the design's 3 jobs" in check_sweep([["robust.chunk=0"], ["robust.chunk=1"]], design)


def test_a_key_set_on_the_command_line_is_not_sampled(v3: dict) -> None:
    every = robust.factors(v3, 8)
    fixed = robust.factors(v3, 8, {"labour.max_search_weeks", "labour.leave_probability"})
    assert "labour.max_search_weeks" in every.names and "labour.max_search_weeks" not in fixed.names
    assert all("labour.leave_probability" in s for s in every.sets)
    assert all("labour.leave_probability" not in s for s in fixed.sets)
    assert len(fixed.names) == len(every.names) - 1


# ---------------------------------------------------------------- the statistics


def _runs(gains: dict[str, list[float]], fiscal: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for tier, incomes in gains.items():
        for point, income in enumerate(incomes):
            rows.append({"point": point, "seed": 1, "tier": tier, "income_per_capita_mean_yuan": income,
                         "poverty_rate": 0.1 - income / 1e5, "gini": 0.3, "collective_income_per_village_yuan": 0.0,
                         "fiscal_cost_yuan": fiscal[tier][point], "persons": 100.0})
    return pd.DataFrame(rows)


def test_pairs_fiscal_regret_and_ranking_from_known_runs() -> None:
    runs = _runs({"none": [1000, 1000, 1000, 1000], "v2": [1100, 1200, 1050, 1300], "v3": [1150, 1150, 1060, 1250]},
                 {"none": [0, 0, 0, 0], "v2": [5000, 5000, 5000, 5000], "v3": [11000, 11000, 5500, 5000]})
    pairs = robust.pair_table(runs).set_index(["pair", "outcome"])
    assert pairs.loc[("v2 vs none", "income_per_capita_mean_yuan"), "p_higher_tier_better"] == 1.0
    assert pairs.loc[("v3 vs v2", "income_per_capita_mean_yuan"), "p_higher_tier_better"] == 0.5
    assert pairs.loc[("v3 vs v2", "income_per_capita_mean_yuan"), "gain_mean"] == pytest.approx(-10.0)
    assert pairs.loc[("v3 vs v2", "gini"), "p_tie"] == 1.0 and pairs.loc[("v3 vs v2", "gini"),
                                                                         "p_higher_tier_better"] == 0.0
    fiscal = robust.fiscal_table(runs).set_index("pair")
    # v3 over v2: +5000 yuan (income +50/person x 100) for +6000 yuan, -5000 for +6000, +1000 for +500, -5000 for 0:
    # 3.0 costs more at points 0-2, and a transfer would do better at 0 and 1; where it costs more and income rose,
    # 1.2 and 0.5 yuan per yuan; at point 3 it costs nothing more and income falls (neither)
    assert fiscal.loc["v3 vs v2", "p_transfer_better"] == pytest.approx(0.5)
    assert fiscal.loc["v3 vs v2", "p_cheaper_and_better"] == 0.0
    assert fiscal.loc["v3 vs v2", "cost_per_yuan_gained_median"] == pytest.approx(0.85)
    assert fiscal.loc["v2 vs none", "cost_per_yuan_gained_median"] == pytest.approx((0.25 + 0.5) / 2)  # of .5 .25 1 1/6
    regret = robust.regret_table(runs).set_index(["outcome", "tier"])
    assert regret.loc[("income_per_capita_mean_yuan", "v3"), "regret_max"] == 50.0
    assert regret.loc[("income_per_capita_mean_yuan", "v3"), "p_best"] == 0.5
    assert regret.loc[("fiscal_cost_yuan", "none"), "p_best"] == 1.0
    assert robust.ranking_probability(runs) == 0.5


def test_prim_finds_the_box_where_3_fails() -> None:
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.random((300, 4)), columns=["a", "b", "c", "d"])
    y = pd.Series(((x["a"] < 0.3) & (x["c"] > 0.5)).to_numpy(), index=x.index)
    result = robust.discover(x, y)
    box = result["box"]
    assert set(box["limits"]) == {"a", "c"} and box["density"] >= 0.8 and box["coverage"] >= 0.8
    assert box["limits"]["a"]["high"] == pytest.approx(0.3, abs=0.05)
    assert box["limits"]["c"]["low"] == pytest.approx(0.5, abs=0.05)
    words = robust.box_words(result, robust.QUESTIONS[0])
    assert "a at most" in words and "c at least" in words and "coverage" in words
    assert "a <=" in result["cart"] or "c <=" in result["cart"]
    assert robust.discover(x, pd.Series(False, index=x.index))["box"] is None
    # a few scattered cases: no box of a few assumptions concentrates them, and the words say so
    scattered = pd.Series(False, index=x.index)
    scattered.iloc[[3, 77, 150, 201, 299]] = True
    assert "PRIM finds no region" in robust.box_words(robust.discover(x, scattered), robust.QUESTIONS[0])


# ---------------------------------------------------------------- end to end

GOLDEN = Path(__file__).resolve().parent / "golden" / "robust_tiers.csv"


def check_golden(out: Path) -> None:
    """The small design's pair table, rounded, against ``tests/golden/robust_tiers.csv`` (rewritten with
    ``COOPSIM_UPDATE_GOLDEN=1``, as the other experiments' are)."""
    text = pd.read_csv(out / "pairs.csv").to_csv(index=False, float_format="%.6g", lineterminator="\n")
    if os.environ.get("COOPSIM_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text, encoding="utf-8")
        return
    assert GOLDEN.exists(), f"no golden summary {GOLDEN}: run with COOPSIM_UPDATE_GOLDEN=1 and commit it"
    assert text == GOLDEN.read_text(encoding="utf-8"), (
        "robust_tiers: the small design's pair table differs from its golden summary (the model's behaviour "
        "changed); if that is meant, rewrite it with COOPSIM_UPDATE_GOLDEN=1 and say on the experiment page what moved")



def sweep(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "coopsim.cli", "+experiment=robust_tiers", "region=tiny", "years=5",
                           "robust.samples=6", "robust.seeds=[1]", "robust.sobol_n=2", "robust.sobol_tiers=[v2,v3]",
                           "robust.last_years=2",
                           "robust.chunks=3", "hydra.launcher.verbose=0", *args], capture_output=True, text=True,
                          timeout=900)


def test_robust_tiers_stops_resumes_and_answers(tmp_path: Path) -> None:
    where = f"hydra.sweep.dir={tmp_path / 'rt'}"
    first = sweep(where, "robust.chunk=0")  # one job of three: the sweep is incomplete
    assert first.returncode == 1, first.stderr[-2000:]
    assert "runs of the design are not in" in first.stderr and "run the same command again" in first.stderr
    assert not (tmp_path / "rt" / "report.html").exists() and not (tmp_path / "rt" / "analysis").exists()
    data = RunDataset(tmp_path / "rt" / "dataset", robust.PARTITION)
    done = data.done()
    assert 0 < len(done) < 6 * 4 + 2 * 12 * 2
    second = sweep(where, "robust.chunk=0,1,2")
    assert second.returncode == 0, second.stderr[-3000:]
    assert f"job 0: {len(done)} runs (0 computed, {len(done)} already there)" in second.stderr + second.stdout
    runs = data.read("runs")
    assert len(runs) == 6 * 4 + 2 * 12 * 2 and runs["run_key"].is_unique
    # the same directory for another design is refused: resuming it would mix two designs' runs
    third = sweep(where, "robust.chunk=0,1,2", "robust.samples=7")
    assert third.returncode == 1 and "holds the runs of another design or code (design differ)" in third.stderr
    out = tmp_path / "rt" / "analysis"
    text = (out / "robust.md").read_text()
    for part in ("Which tier does better", "Public money per yuan", "Regret", "3.0 fails to beat 2.0", "Sobol"):
        assert part in text
    pairs = pd.read_csv(out / "pairs.csv")
    assert set(pairs["pair"]) >= {"v1 vs none", "v2 vs v1", "v3 vs v2"}
    assert pairs["p_higher_tier_better"].between(0, 1).all()
    sobol = pd.read_csv(out / "sobol.csv")
    assert "income gap v3 - v2 (yuan/person/yr)" in set(sobol["output"])
    assert {"households", "labour", "tier platform", "calibration set"} <= set(sobol["group"])
    assert (tmp_path / "rt" / "report.html").read_text().count("<table>") >= 3
    check_golden(out)
    # the same design, the same numbers: a run of the sweep computed again alone, in this process
    args = ["+experiment=robust_tiers", "region=tiny", "years=5", "robust.samples=6", "robust.seeds=[1]",
            "robust.sobol_n=2", "robust.sobol_tiers=[v2,v3]", "robust.last_years=2", "robust.chunks=3"]
    design = parse_design({"samples": 6, "seeds": [1], "sobol_n": 2, "sobol_tiers": ["v2", "v3"], "last_years": 2,
                           "chunks": 3})
    row = runs.sort_values("run_key").iloc[-1]
    bases = base_configs(run_overrides(args), sorted({str(row["tier"]), "v3"}))
    f = robust.factors(bases["v3"], design.members, fixed_keys(run_overrides(args)))
    spec = robust.Spec(str(row["design"]), int(row["point"]), str(row["tier"]), int(row["seed"]))
    unit = robust.designs(design, f)[spec.design][spec.point]
    at = f.point(unit)
    cfg = robust.point_config(spec, bases[spec.tier], f, *at)
    alone = robust.run_spec(spec, cfg, *at, design.last_years)["runs"].iloc[0]
    for o in robust.COMPARED:
        assert alone[o.name] == row[o.name], o.name
