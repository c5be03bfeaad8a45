"""Facts the model was not calibrated to, set beside what the runs computed.

Each fact is a number the sources report (``data/calibration_sources.csv``,
``data/economy_sources.csv``) that no calibration target or parameter fixes; the model's figure is computed
from a run's tables. ``facts_table`` takes the tables of the runs of one
tier (seeds, each read once by :func:`load_run`) and returns, for each fact, what was reported, the model's mean over
the seeds and their range. Used by the history replay
(``configs/experiment/bijie_2017_2020.yaml``), by ``three_designs`` for Longling's 2023 figures
(:data:`LONGLING_2023`) and ``docs/VALIDATION.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

#: Bijie's rural households [E], to scale a smaller region's counts to the prefecture.
PREFECTURE_HOUSEHOLDS = 1_300_000
#: The tables of a run that the facts are measured on.
TABLES = ("region_year", "village_year", "village_month", "flows")
#: A run's tables by name.
Tables = Mapping[str, pd.DataFrame]


@dataclass(frozen=True)
class Fact:
    name: str
    reported: str
    source: str
    measure: Callable[[Tables], float]


def load_run(run: Path) -> dict[str, pd.DataFrame]:
    """The tables of the run directory ``run`` that the facts need, read once."""
    return {name: pd.read_parquet(run / f"{name}.parquet") for name in TABLES}


def migrants_scaled(year: int) -> Callable[[Tables], float]:
    """Workers away (mean of the year's months), scaled to the prefecture's 1.3 M households."""
    def measure(run: Tables) -> float:
        ry = run["region_year"]
        row = ry.loc[ry["year"] == year].iloc[0]
        return float(row["workers_away_mean"] * PREFECTURE_HOUSEHOLDS / row["households"])
    return measure


def member_gain(year: int, quantile: float) -> Callable[[Tables], float]:
    """What cooperatives paid a member household in ``year`` (rent, wages, dividends), at a quantile of villages."""
    def measure(run: Tables) -> float:
        vy = run["village_year"]
        vy = vy[vy["year"] == year]
        vm = run["village_month"]
        members = vm[(vm["year"] == year) & (vm["month"] == 12)].set_index("village")["coop_members"]
        paid = (vy.set_index("village")[["coop_wages_yuan", "coop_land_rent_yuan", "coop_dividends_yuan"]].sum(axis=1))
        per = (paid / members.reindex(paid.index)).replace([np.inf, -np.inf], np.nan).dropna()
        return float(per.quantile(quantile)) if len(per) else float("nan")
    return measure


def year_sum(table: str, columns: Sequence[str], year: int) -> Callable[[Tables], float]:
    """The sum of ``columns`` over the rows of a yearly table (``region_year``: its one row) in ``year``."""
    def measure(run: Tables) -> float:
        t = run[table]
        return float(t.loc[t["year"] == year, list(columns)].to_numpy().sum())
    return measure


def region_year_value(column: str, year: int) -> Callable[[Tables], float]:
    """A column of the yearly region table in ``year``."""
    return year_sum("region_year", (column,), year)


FACTS = (
    Fact("registered poor not yet checked out, 2017 (share of persons)", "8.89 % (Bijie, end of 2017)",
         "poverty_incidence [S, WEAK] (economy_sources)", region_year_value("registered_poor_remaining_rate", 2017)),
    Fact("registered poor not yet checked out, 2018 (share of persons)", "5.45 % (Bijie, end of 2018)",
         "poverty_incidence [S, WEAK] (economy_sources)", region_year_value("registered_poor_remaining_rate", 2018)),
    Fact("rural wage income per person, 2019 (yuan)", "4,082 (all poverty-stricken areas, a proxy)",
         "rural_wage_income [S] (economy_sources)", region_year_value("wage_income_per_capita_yuan", 2019)),
    Fact("rural net business income per person, 2019 (yuan)", "4,163 (all poverty-stricken areas, a proxy)",
         "rural_net_business_income [S] (economy_sources)", region_year_value("net_business_income_per_capita_yuan",
                                                                             2019)),
    Fact("income share of the poorest fifth of persons, 2019", "7.8 % (rural Fujian, a proxy: 7,831 of 100,331)",
         "rural_income_quintile_low [S, proxy] (economy_sources)", region_year_value("income_share_q1", 2019)),
    Fact("income share of the richest fifth of persons, 2019", "36.8 % (rural Fujian, a proxy: 36,954 of 100,331)",
         "rural_income_quintile_low [S, proxy] (economy_sources)", region_year_value("income_share_q5", 2019)),
    Fact("migrant workers away, 2020 (mean of months, scaled to 1.3 M households)", "> 2,000,000 a year",
         "bijie_migrants [S]", migrants_scaled(2020)),
    Fact("cooperative income of a member household, 2020, median village (yuan)", "3,000 in good cases",
         "coop_member_gain [S]", member_gain(2020, 0.5)),
    Fact("cooperative income of a member household, 2020, best tenth of villages (yuan)", "3,000 in good cases",
         "coop_member_gain [S]", member_gain(2020, 0.9)),
    Fact("rural income per person, 2020 (yuan)", "11,642 (Guizhou; Bijie's own not in the sources)",
         "rural_income_guizhou [S]", region_year_value("income_per_capita_mean_yuan", 2020)),
    Fact("migrant wage, 2020 (yuan/month; workers away in December)", "4,549 (national, migrants working away)",
         "migrant_wage_outflow [S]", region_year_value("migrant_wage_mean_yuan", 2020)),
)


#: Longling's party-led cooperatives in 2023, as issue 19's sources report them (held out: data/heldout_sources.csv,
#: ``unverified``: the original article was not found), against a run of ``tier=longling region=longling``.
LONGLING_2023 = (
    Fact("party-led cooperatives, end of 2023", "98 (86 village-led, 10 township-led, 2 village-group-led)",
         "party_led_coops_total [held out, unverified]", region_year_value("coops_founded", 2023)),
    Fact("the cooperatives' revenue, 2023 (yuan)", "> 13,000,000 (the 98 cooperatives)",
         "party_led_coops_revenue [held out, unverified]", region_year_value("coop_revenue_yuan", 2023)),
    Fact("members' income from the cooperatives, 2023 (yuan: wages, land rent, dividends)", "> 30,000,000",
         "party_led_coops_member_income [held out, unverified]",
         year_sum("village_year", ("coop_wages_yuan", "coop_land_rent_yuan", "coop_dividends_yuan"), 2023)),
    Fact("village collectives' income, 2023 (yuan)", "> 3,000,000",
         "party_led_coops_collective_income [held out, unverified]", region_year_value("collective_income_yuan", 2023)),
)


def facts_table(runs: Sequence[Tables], facts: Sequence[Fact] = FACTS) -> pd.DataFrame:
    """Each fact: what was reported, the model's mean over ``runs`` (their tables) and their range."""
    rows = []
    for fact in facts:
        values = np.array([fact.measure(r) for r in runs])
        rows.append({"fact": fact.name, "reported": fact.reported, "model": float(values.mean()),
                     "model_min": float(values.min()), "model_max": float(values.max()), "source": fact.source})
    return pd.DataFrame(rows)
