"""The report for its reader: names instead of codes, a unit in every header, a format per quantity, the
answer in words, public money by kind and per yuan of household income gained, caveats from the runs.

>>> group_title("v3", "tier"), scenario_title("city_crisis+price_collapse")
('3.0 county platform', 'city crisis + price collapse')
>>> show(67_653_660.0, "fiscal_cost_yuan", difference=True), show(0.00351, "poverty_rate", difference=True)
('+67.65', '+0.35')
>>> header("fiscal_cost_yuan", difference=True), header("poverty_rate")
('fiscal cost (million yuan a year)', 'poverty rate (% of persons)')
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coopsim.analysis.outcomes import OUTCOMES
from coopsim.analysis.statistics import final_years
from coopsim.config import TIER_TITLES

#: Below this many seeds an interval over seeds is rough, and the report says so.
FEW_SEEDS = 10


def group_title(group: object, compare_by: str) -> str:
    """A compared group as a reader knows it: a tier by its name, anything else as it is."""
    return TIER_TITLES.get(str(group), str(group)) if compare_by == "tier" else str(group)


def scenario_title(scenario: object) -> str:
    """``city_crisis+price_collapse`` -> ``city crisis + price collapse``."""
    return " + ".join(s.replace("_", " ") for s in str(scenario).split("+"))


def _kind(outcome: str) -> str:
    """How a quantity is shown: ``share`` (percent), ``index``, ``budget`` (millions of yuan), ``yuan``,
    ``count``."""
    unit = OUTCOMES[outcome].unit if outcome in OUTCOMES else ""
    if unit.startswith("share"):
        return "share"
    if unit.startswith("index"):
        return "index"
    if unit in ("yuan/year", "yuan"):
        return "budget"
    if unit.startswith("yuan"):
        return "yuan"
    return "count"


def header(outcome: str, difference: bool = False) -> str:
    """The column header: the outcome's words and the unit its numbers are shown in."""
    label = OUTCOMES[outcome].label if outcome in OUTCOMES else outcome
    words = label.split(" (")[0]
    unit = OUTCOMES[outcome].unit if outcome in OUTCOMES else ""
    kind = _kind(outcome)
    if kind == "share":
        shown = "percentage points" if difference else f"% of {unit.removeprefix('share of ')}"
    elif kind == "budget":
        shown = "million yuan a year" if unit == "yuan/year" else "million yuan"
    elif kind == "index":
        shown = unit
    else:
        shown = unit.replace("yuan/person/year", "yuan a person a year").replace("yuan/village/year",
                                                                                 "yuan a village a year")
    return f"{words} ({shown})" if shown else words


def show(x: float, outcome: str, difference: bool = False) -> str:
    """A number in its outcome's format (a sign on differences); ``–`` for none."""
    if x is None or pd.isna(x):
        return "–"
    sign = "+" if difference else ""
    kind = _kind(outcome)
    if kind == "share":
        return f"{100 * x:{sign},.2f}"
    if kind == "index":
        return f"{x:{sign}.3f}"
    if kind == "budget":
        return f"{x / 1e6:{sign},.2f}"
    return f"{x:{sign},.0f}"


def interval(row: Mapping[str, Any], outcome: str) -> str:
    """``[low, high]``, or ``the same in every seed`` when the seeds agree exactly."""
    if pd.isna(row["ci_low"]):
        return "one seed: no interval"
    if row["min_difference"] == row["max_difference"]:
        return "the same in every seed"
    return f"[{show(row['ci_low'], outcome, True)}, {show(row['ci_high'], outcome, True)}]"


def clear(row: Mapping[str, Any]) -> bool:
    """The 95 % interval of a paired difference excludes zero."""
    return not pd.isna(row["ci_low"]) and (row["ci_low"] > 0 or row["ci_high"] < 0)


def income_per_public_yuan(diffs: pd.DataFrame, persons: float) -> pd.DataFrame:
    """For each scenario and group: household income gained (yuan a year, all persons) per yuan of extra public
    money, where the group costs the state more than the reference (NaN where it does not)."""
    inc = diffs[diffs["outcome"] == "income_per_capita_mean_yuan"].set_index(["scenario", "group"])["difference"]
    fis = diffs[diffs["outcome"] == "fiscal_cost_yuan"].set_index(["scenario", "group"])["difference"]
    both = pd.DataFrame({"income_gain_yuan": inc * persons, "extra_public_yuan": fis}).dropna()
    both["income_per_public_yuan"] = np.where(both["extra_public_yuan"] > 0,
                                              both["income_gain_yuan"] / both["extra_public_yuan"], np.nan)
    return both.reset_index()


def _span(row: Mapping[str, Any], outcome: str, scale: float = 1.0, sign: float = 1.0) -> str:
    """``95 % interval a to b`` (or why there is none) for a difference shown as ``sign * x / scale``."""
    if pd.isna(row["ci_low"]):
        return "one seed: no interval"
    if row["min_difference"] == row["max_difference"]:
        return "the same in every seed"
    lo, hi = sorted((sign * row["ci_low"] / scale, sign * row["ci_high"] / scale))
    if _kind(outcome) == "share":
        return f"95 % interval {100 * lo:,.2f} to {100 * hi:,.2f}"
    return f"95 % interval {lo:,.2f} to {hi:,.2f}" if scale > 1 else f"95 % interval {lo:,.0f} to {hi:,.0f}"


def _sentence(group_name: str, row: Mapping[str, Mapping[str, Any]], per_public: float) -> str:
    inc, pov, fis = (row.get(o) for o in ("income_per_capita_mean_yuan", "poverty_rate", "fiscal_cost_yuan"))
    assert inc is not None
    d = inc["difference"]
    text = (f"{group_name} {'raised' if d >= 0 else 'lowered'} income per person by {abs(d):,.0f} yuan a year "
            f"({_span(inc, 'income_per_capita_mean_yuan', sign=1 if d >= 0 else -1)}"
            f"{'' if clear(inc) else '; no change is within it'})")
    if pov is not None:
        p = pov["difference"]
        text += (f", {'cut' if p <= 0 else 'raised'} poverty by {abs(100 * p):,.2f} percentage points "
                 f"({_span(pov, 'poverty_rate', sign=-1 if p <= 0 else 1)})")
    if fis is not None:
        f = fis["difference"]
        text += f" and cost the state {abs(f) / 1e6:,.2f} million yuan a year {'more' if f >= 0 else 'less'}"
        if not pd.isna(per_public):
            text += f" — {per_public:,.2f} yuan of household income per yuan of public money"
    return text


def answer(diffs: pd.DataFrame, compare_by: str, reference: str, last_years: int, years: tuple[int, int],
           persons: float, who_gains: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> str:
    """The report's answer in words (plain text; paragraphs apart by a blank line): in the first scenario each
    group against the reference on income, poverty and public money with their intervals, highest income first;
    then each other scenario's order on income."""
    ref = group_title(reference, compare_by)
    value = income_per_public_yuan(diffs, persons).set_index(["scenario", "group"])["income_per_public_yuan"]
    income = diffs[diffs["outcome"] == "income_per_capita_mean_yuan"]
    if income.empty:
        return ""
    scenarios = list(dict.fromkeys(income["scenario"]))
    first = scenarios[0]
    order = income[income["scenario"] == first].sort_values("difference", ascending=False)["group"].tolist()
    sc = diffs[diffs["scenario"] == first].set_index(["group", "outcome"])
    said = [_sentence(group_title(g, compare_by), {o: sc.loc[(g, o)] for o in
                      ("income_per_capita_mean_yuan", "poverty_rate", "fiscal_cost_yuan") if (g, o) in sc.index},
                      value.get((first, g), np.nan)) for g in order]
    seeds = int(income["seeds"].min())
    out = [f"Under the {scenario_title(first)} scenario, over {years[0]}-{years[1]} (the final {last_years} years), "
           f"against {ref}: " + "; ".join(said) + f". Intervals over {seeds} paired seed{'s' if seeds != 1 else ''}."]
    others = []
    for scenario in scenarios[1:]:
        ranked = income[income["scenario"] == scenario].sort_values("difference", ascending=False)
        same = ranked["group"].tolist() == order
        listing = ", ".join(f"{group_title(r.group, compare_by).split(' ')[0]} {r.difference:+,.0f}"
                            for r in ranked.itertuples())
        others.append(f"under the {scenario_title(scenario)}, {listing}{' (the same order)' if same else ''}")
    if who_gains is not None and not who_gains[0].empty:
        deciles, shares = who_gains
        top = order[0]
        d = deciles[(deciles["scenario"] == first) & (deciles["group"] == top)].set_index("decile")
        sh = shares[(shares["scenario"] == first) & (shares["group"] == top)]
        if not d.empty and not sh.empty:
            s0 = sh.iloc[0]
            out.append(f"Who gains under {group_title(top, compare_by)}: {100 * s0['gain_share']:,.0f} % of people "
                       f"live in households that gain and {100 * s0['lose_share']:,.0f} % in households that lose; "
                       f"the poorest tenth {d.loc[1, 'change_yuan']:+,.0f} yuan a person a year, the richest tenth "
                       f"{d.loc[10, 'change_yuan']:+,.0f}; the registered poor "
                       f"{s0['registered_poor_change_yuan']:+,.0f}, everyone else {s0['others_change_yuan']:+,.0f}.")
    if others:
        out.append(f"Income per person against {ref} (yuan a year) " + "; ".join(others) + ".")
    return "\n\n".join(out)


def fiscal_by_kind(fiscal_year: pd.DataFrame, reference: str, last_years: int) -> pd.DataFrame:
    """Public money a year by kind (final years, mean over seeds) for each scenario and group, and each group's
    paired difference from the reference (yuan a year)."""
    final = final_years(fiscal_year, last_years)
    per_run = (final.groupby(["scenario", "group", "seed", "kind"])["yuan"].sum()
               / final["year"].nunique()).rename("yuan").reset_index()
    full = per_run.pivot_table(index=["scenario", "seed", "kind"], columns="group", values="yuan",
                               fill_value=0.0)
    rows = []
    for (scenario, kind), block in full.groupby(level=["scenario", "kind"], sort=False):
        for group in block.columns:
            row = {"scenario": scenario, "kind": kind, "group": group, "yuan": block[group].mean()}
            if reference in block.columns and group != reference:
                row["difference_yuan"] = (block[group] - block[reference]).mean()
            rows.append(row)
    return pd.DataFrame(rows)


#: A household's income per person counts as changed beyond this (yuan a year; smaller is rounding).
CHANGE_YUAN = 0.5


def paired_households(final: pd.DataFrame, reference: str) -> Iterator[tuple[Any, Any, pd.DataFrame]]:
    """Each scenario and group (not ``reference``) of ``household_final`` (stacked with ``group``): its households
    paired with themselves under ``reference`` on the same seed — ``seed``, ``household``, ``village``,
    ``members``, ``base`` (income per person under the reference), ``change`` (yuan a person a year) and
    ``poor`` (registered poor)."""
    keys = ["scenario", "seed", "household"]
    ref = final[final["group"] == reference].set_index(keys)
    for (scenario, group), g in final[final["group"] != reference].groupby(["scenario", "group"], sort=False):
        g = g.set_index(keys)
        common = g.index.intersection(ref.index)
        r = ref.loc[common]
        yield scenario, group, pd.DataFrame({
            "change": g.loc[common, "income_per_capita_final_yuan"] - r["income_per_capita_final_yuan"],
            "base": r["income_per_capita_final_yuan"], "members": r["members"], "village": r["village"],
            "poor": r["registered_poor"].astype(bool)}).reset_index()


def distribution(final: pd.DataFrame, reference: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Who gains and who loses: each group's households against the same households under ``reference`` on the
    same seed (``household_final`` of the runs, stacked with their ``group``).

    Returns (``deciles``, ``shares``). ``deciles``: for each scenario, group and decile of the households'
    income per person under the reference (final years; 1 the poorest tenth), the change of income per person
    (yuan a year, weighted by members), mean over seeds and its 95 % t-interval. ``shares``: the share of persons
    in households that gain and that lose, and the change for the registered poor and for the others; each the
    mean over seeds with its t-interval."""
    from coopsim.analysis.statistics import mean_interval

    deciles, shares = [], []
    for scenario, group, df in paired_households(final, reference):
        df["decile"] = df.groupby("seed")["base"].transform(
            lambda x: np.ceil(10 * x.rank(method="first") / len(x)).astype(int))
        df["weighted"] = df["change"] * df["members"]

        def per_seed(d: pd.DataFrame) -> pd.Series:
            return d.groupby("seed")["weighted"].sum() / d.groupby("seed")["members"].sum()

        for decile, d in df.groupby("decile"):
            mean, lo, hi = mean_interval(per_seed(d).to_numpy())
            deciles.append({"scenario": scenario, "group": group, "decile": int(decile), "change_yuan": mean,
                            "ci_low": lo, "ci_high": hi, "seeds": d["seed"].nunique()})
        persons = df.groupby("seed")["members"].sum()
        row: dict[str, Any] = {"scenario": scenario, "group": group, "seeds": df["seed"].nunique()}
        for name, values in (
                ("gain_share", df[df["change"] > CHANGE_YUAN].groupby("seed")["members"].sum() / persons),
                ("lose_share", df[df["change"] < -CHANGE_YUAN].groupby("seed")["members"].sum() / persons),
                ("registered_poor_change_yuan", per_seed(df[df["poor"]])),
                ("others_change_yuan", per_seed(df[~df["poor"]]))):
            values = values.reindex(persons.index, fill_value=0.0) if name.endswith("share") else values
            row[name], row[f"{name}_low"], row[f"{name}_high"] = mean_interval(values.to_numpy())
        shares.append(row)
    return pd.DataFrame(deciles), pd.DataFrame(shares)


def calibration_of(meta: Mapping[str, Any]) -> tuple[str, str | None]:
    """The calibration a run used (its ``calibration=`` override, else the config's default) and the commit its
    parameters were fitted on (from the calibration file's header), if it says."""
    import re

    from coopsim.config import CONFIG_DIR

    chosen = [o.split("=", 1)[1] for o in meta.get("overrides", []) if o.lstrip("+").startswith("calibration=")]
    if chosen:
        name = chosen[-1]
    else:
        defaults = re.search(r"^\s*-\s*calibration:\s*(\S+)", (CONFIG_DIR / "config.yaml").read_text(), re.M)
        name = defaults.group(1) if defaults else "none"
    path = CONFIG_DIR / "calibration" / f"{name}.yaml"
    fitted = re.search(r"on the\s+#?\s*model of commit (\w+)", path.read_text()) if path.exists() else None
    return name, fitted.group(1) if fitted else None


def caveats(runs: pd.DataFrame, meta: Mapping[str, Any]) -> list[str]:
    """What a reader must know about these runs, from the runs themselves (``meta``: the first run's metadata)."""
    seeds = runs["seed"].nunique()
    name, fitted = calibration_of(meta)
    out = []
    if name != "none":
        out.append(f"The behavioural parameters are the calibration '{name}' (configs/calibration/{name}.yaml"
                   f"{f', fitted on the model of commit {fitted}' if fitted else ''}): one parameter set, not the "
                   "calibration's ensemble; the answer over every plausible parameter is the robust_tiers "
                   "experiment's.")
    else:
        out.append("The behavioural parameters are the estimates of the parameter vocabulary (calibration=none), "
                   "not fitted to Bijie's facts.")
    out.append(f"Differences are paired on {seeds} seed{'s' if seeds != 1 else ''}: each group's run and the "
               "reference run share households, prices and shocks (common random numbers). Intervals are "
               f"95 % t-intervals of the mean over seeds{'; with fewer than 10 seeds they are rough' if seeds < FEW_SEEDS else ''}.")
    out.append("Public money counts every yuan the state pays in the region: pensions, dibao, farm subsidies and "
               "other transfers, secretary pay, the tiers' grants, floor-price payouts, projects, interest "
               "subsidies, the public part of labour export contracts, rewards and platform losses.")
    out.append("Migrants' own spending in the cities is not modelled; household income counts what they send home.")
    return out


def first_meta(runs: pd.DataFrame) -> dict[str, Any]:
    """The first run's ``metadata.json``."""
    return json.loads((Path(runs["dir"].iloc[0]) / "metadata.json").read_text())
