"""No hidden advantage: every difference between tiers is a named mechanism with an off switch."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coopsim.analysis import decomposition
from coopsim.analysis.statistics import per_run_outcomes
from coopsim.config import TIER_BLOCKS, ConfigError, compose_dict
from coopsim.config.mechanisms import BY_NAME, MECHANISMS, own_mechanisms, parse_ablate, tier_mechanisms
from coopsim.config.parameters import parameter
from coopsim.run import simulate
from coopsim.studies import mechanism_table
from coopsim.studies.study import run_study
from tests.conftest import run_config

#: The accounts inside the region's rural economy; a flow with any other account is one with the outside.
INSIDE = {"household", "cooperative", "collective", "government", "federation", "platform"}
#: A run that reaches every tier's institutions (platforms from 2021) and both kinds of shock.
RUN = ("region=tiny", "years=7", "progress=never", "scenario=price_collapse")


def incomes_and_outside_flows(*overrides: str) -> tuple[pd.DataFrame, pd.Series]:
    tables = simulate(run_config(*RUN, *overrides))
    households = tables["household_year"]
    incomes = households[
        [
            "year",
            "household",
            *[c for c in households.columns if c.startswith("income")],
            "savings_yuan",
            "workers_away",
        ]
    ]
    flows = tables["flows"]
    outside = flows[(~flows["payer"].isin(INSIDE) | ~flows["payee"].isin(INSIDE)) & (flows["amount_fen"] != 0)]
    return incomes.reset_index(drop=True), outside.groupby(["t", "kind", "payer", "payee"])["amount_fen"].sum()


@pytest.mark.parametrize(
    ("tier", "ablate", "equals"),
    [
        ("v1", "all", "none"),
        ("v2", "all", "none"),
        ("v3", "all", "none"),
        ("v2", "own", "v1"),
        ("v3", "own", "v2"),
        ("longling", "all", "none"),
        ("songtao", "all", "none"),
        ("longling", "own", "v1"),
        ("songtao", "own", "v1"),
    ],
)
def test_a_tier_without_its_mechanisms_is_the_tier_below_to_the_fen(tier: str, ablate: str, equals: str) -> None:
    """Every household's income by source, savings and workers away, every year, and every flow with
    the state, the markets, the cities and the banks, every month, are the same — on the same seed,
    in a price collapse. A county's design is compared with village cooperatives rolled out as its own are
    (Longling's reach only 71.67 % of villages, from 2021): its parent as that county has it."""
    rollout = compose_dict([f"tier={tier}"])["tier"].get("cooperative") or {}
    same_rollout = [f"tier.cooperative.rollout.{k}={v}" for k, v in (rollout.get("rollout") or {}).items()] \
        if equals != "none" else []
    for seed in (3, 4):
        inc_a, out_a = incomes_and_outside_flows(f"tier={tier}", f"ablate={ablate}", f"seed={seed}")
        inc_b, out_b = incomes_and_outside_flows(f"tier={equals}", f"seed={seed}", *same_rollout)
        pd.testing.assert_frame_equal(inc_a, inc_b, check_exact=True)  # exactly: not within a tolerance
        pd.testing.assert_series_equal(out_a, out_b, check_exact=True)
        assert (inc_a.filter(like="income_yuan").to_numpy() > 0).any()  # a real comparison, not two empty runs


def test_the_full_tier_differs_from_the_tier_below() -> None:
    """The neutral test is not vacuous: with its mechanisms on, tier 1.0 is not tier none."""
    inc_a, out_a = incomes_and_outside_flows("tier=v1", "seed=3")
    inc_b, out_b = incomes_and_outside_flows("tier=none", "seed=3")
    assert not inc_a.equals(inc_b) and not out_a.equals(out_b)


def test_ablate_names_mechanisms_of_the_tier() -> None:
    assert parse_ablate("none", "v3") == ()
    assert parse_ablate("all", "v2") == tier_mechanisms("v2")
    assert {m.tier for m in parse_ablate("own", "v3")} == {"v3"}
    assert [m.name for m in parse_ablate("cooperative.marketing+federation.fund", "v2")] == [
        "cooperative.marketing",
        "federation.fund",
    ]
    only = parse_ablate("only:federation.marketing", "v2")
    assert "federation.marketing" not in {m.name for m in only} and len(only) == len(own_mechanisms("v2")) - 1
    for bad, tier in (
        ("platform.brand", "v2"),
        ("federation.nothing", "v3"),
        ("only:cooperative.marketing", "v2"),
        ("cooperative.marketing", "none"),
    ):
        with pytest.raises(ConfigError, match=r"config key 'ablate'"):
            parse_ablate(bad, tier)


def test_switching_the_cooperatives_selling_off_sells_each_members_lot_apart() -> None:
    cfg = run_config("tier=v1", "ablate=cooperative.marketing")
    assert cfg.tier.cooperative is not None and cfg.tier.cooperative.marketing is False
    assert run_config("tier=v1", "ablate=cadre_pay.rule_345").tier.cadre_pay.rule == "flat"


def test_every_mechanism_is_described_and_switches_real_keys() -> None:
    vocabulary = {
        row["parameter"]: row
        for row in csv.DictReader((Path(__file__).parents[1] / "coopsim/config/parameters.csv").open())
    }
    full = {t: compose_dict([f"tier={t}"]) for t in TIER_BLOCKS if t != "none"}
    for m in MECHANISMS:
        assert m.gives and m.costs and m.kind in ("organisation", "market", "finance", "public money", "cost"), m.name
        for key in m.parameters:
            assert key in vocabulary, f"{m.name}: {key} has no row in parameters.csv"
            for tier in (m.tier, *m.also):
                node = full[tier]
                for part in key.split("."):
                    node = node[part]  # the key exists in the config of every tier that has it
        for need in m.requires:
            assert BY_NAME[need].tier == m.tier, f"{m.name} requires {need} of another tier"


def test_every_estimate_of_a_mechanism_has_a_plausible_range_holding_its_value() -> None:
    """A mechanism's parameter is sourced, a switch, or an estimate with a range (the input of uncertainty analysis)."""
    for m in MECHANISMS:
        values = compose_dict([f"tier={m.tier}"])
        for key in m.parameters:
            p = parameter(key)
            kind = mechanism_table.provenance(p)
            assert kind != "estimate (no range)", f"{m.name}: {key} is an estimate without a plausible range"
            if kind == "estimate (range)":
                node = values
                for part in key.split("."):
                    node = node[part]
                assert p.low <= node <= p.high, f"{key} = {node} outside its range {p.low}..{p.high}"
    generated = mechanism_table.render()
    assert all(f"`{m.name}`" in generated for m in MECHANISMS)
    counts = mechanism_table.counts().set_index("tier")
    assert counts["mechanisms"].sum() == sum(len(own_mechanisms(t)) for t in TIER_BLOCKS)
    assert {m.name for t in TIER_BLOCKS for m in own_mechanisms(t)} == {m.name for m in MECHANISMS}


def test_the_decomposition_adds_up_on_shared_seeds() -> None:
    """The total of the decomposition of 2.0 is its paired difference from 1.0, measured directly."""
    variants = {label: [*ov, "region=tiny", "years=5"] for label, ov in decomposition.variants("v2").items()}
    variants["v1"] = ["tier=v1", "region=tiny", "years=5"]
    years = run_study(variants, seeds=[1, 2], jobs=1)
    per_seed = per_run_outcomes(years, last_years=2)
    table = decomposition.decompose(per_seed, ["v2"]).set_index(["mechanism", "outcome"])
    income = per_seed.pivot_table(index="seed", columns="group", values="income_per_capita_mean_yuan")
    direct = float((income["v2"] - income["v1"]).mean())
    assert table.loc[("total", "income_per_capita_mean_yuan"), "removed"] == pytest.approx(direct, abs=1e-9)
    assert direct != 0
    # the tier without its own mechanisms is 1.0 itself: the same outcomes on every seed
    np.testing.assert_array_equal(income["v2 without all"], income["v1"])
    marketing = table.loc[("federation.marketing", "income_per_capita_mean_yuan")]
    assert marketing["removed"] != 0 and marketing["alone"] != 0
    assert set(table.index.get_level_values("mechanism")) == {"total", *(m.name for m in own_mechanisms("v2"))}
    assert "**2.0 township federations over 1.0 village cooperatives**" in decomposition.markdown(table.reset_index())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # mechanisms without runs here: empty differences
def test_no_mechanism_has_a_gain_by_assumption() -> None:
    """Every mechanism names what it costs; none is flagged as a gain set by a parameter with no modelled cost."""
    assert [m.name for m in MECHANISMS if m.assumed] == []
    assert "assumed gain" not in mechanism_table.render()


def test_the_summary_switches_the_public_money_off_and_counts_ordered_seeds(tmp_path: Path) -> None:
    """'without public money' runs the tier with each public-money mechanism of it and the tiers below off; the
    report's leading section is rendered from the files the decomposition writes."""
    public = [m.name for m in tier_mechanisms("v2") if m.kind == "public money"]
    assert decomposition.variants("v2")["v2 without public money"] == ["tier=v2", "ablate=" + "+".join(public)]
    assert "cooperative.startup_grant" in public and "federation.fund" not in public
    rows = [{"scenario": "baseline", "seed": seed, "group": group, **dict.fromkeys(decomposition.DECOMPOSED, 0.0),
             "income_per_capita_mean_yuan": income}
            for seed, levels in ((1, (10, 20, 30, 5, 4)), (2, (10, 5, 30, 5, 40)))
            for group, income in zip(("none", "v1", "v2", "v1 without public money", "v2 without public money"), levels,
                                     strict=True)]
    overview = decomposition.summary(pd.DataFrame(rows), ["v1", "v2"]).set_index(["tier", "version"])
    assert overview.loc[("v1", "shipped"), "ordered_seeds"] == 1  # seed 1: 10 < 20 < 30; seed 2: 10 > 5
    assert overview.loc[("v2", "without public money"), "ordered_seeds"] == 0
    assert overview.loc[("v2", "shipped"), "income_per_capita_mean_yuan"] == 20  # (20 + 20) / 2
    assert overview.loc[("v2", "without public money"), "income_per_capita_mean_yuan"] == 12  # (-6 + 30) / 2
    assert decomposition.html_section(tmp_path) == ""  # no decomposition written: no section
    table = decomposition.decompose(pd.DataFrame(rows).assign(group=lambda d: d["group"].replace(
        {"v1 without public money": "v1 without all"})), ["v1"])
    decomposition.write(tmp_path, table[table["mechanism"] == "total"], overview.reset_index())
    section = decomposition.html_section(tmp_path)
    assert "<h2>Where each tier's gain comes from</h2>" in section and "1 of 2 seeds" in section
    assert "<b>total</b> (1.0 village cooperatives − no cooperatives)" in section and "2 paired runs" in section
    assert "<th>fiscal cost (million yuan a year)</th>" in section and ">v1<" not in section
    assert "+12 [" in section  # v2 without public money, against none

