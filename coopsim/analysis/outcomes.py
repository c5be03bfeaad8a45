"""The outcome vocabulary: what a run's yearly table measures, in which unit,
and which direction is better.

Every outcome is a column of ``region_year`` (one row per year of a run).
The comparison report and the studies pair runs on :data:`HEADLINE`; the
calibration reads its facts from these columns; the sensitivity analysis
screens :data:`SCREENED`. ``better`` is ``"higher"``, ``"lower"`` or ``None``
(neither: e.g. the share of workers away).

>>> OUTCOMES["poverty_rate"].higher_is_better
False
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """One outcome: its ``region_year`` column, a label for tables, its unit and which direction is better."""

    name: str
    label: str
    unit: str
    better: str | None

    @property
    def higher_is_better(self) -> bool | None:
        return None if self.better is None else self.better == "higher"


_ALL = (
    Outcome("income_per_capita_mean_yuan", "income per person (yuan/yr)", "yuan/person/year", "higher"),
    Outcome("income_per_capita_median_yuan", "median income per person (yuan/yr)", "yuan/person/year", "higher"),
    Outcome("poverty_rate", "poverty rate", "share of persons", "lower"),
    Outcome("gini", "Gini", "index (0-1)", "lower"),
    Outcome("collective_income_per_village_yuan", "collective income per village (yuan/yr)", "yuan/village/year",
            "higher"),
    Outcome("thin_village_share", "share of thin villages", "share of villages", "lower"),
    Outcome("fiscal_cost_yuan", "fiscal cost (yuan/yr)", "yuan/year", "lower"),
    Outcome("away_share_mean", "share of workers away", "share of working-age adults", None),
    Outcome("income_wages_per_capita_yuan", "wage income per person (yuan/yr)", "yuan/person/year", "higher"),
    Outcome("income_remittances_per_capita_yuan", "remittances per person (yuan/yr)", "yuan/person/year", None),
    Outcome("poverty_headcount", "persons below the poverty line", "persons", "lower"),
    Outcome("coop_revenue_yuan", "cooperative revenue (yuan/yr)", "yuan/year", "higher"),
    Outcome("collective_income_yuan", "collective operating income (yuan/yr)", "yuan/year", "higher"),
    Outcome("collective_assets_per_village_yuan", "collective assets per village (yuan)", "yuan/village", "higher"),
    Outcome("collective_operating_assets_per_village_yuan", "collective operating assets per village (yuan)",
            "yuan/village", "higher"),
    Outcome("collective_non_operating_assets_per_village_yuan", "collective non-operating assets per village (yuan)",
            "yuan/village", "higher"),
    Outcome("workers_away_mean", "migrant workers away (mean of months)", "workers", None),
    Outcome("migrant_wage_mean_yuan", "migrant wage (December)", "yuan/month", "higher"),
    Outcome("wage_income_per_capita_yuan", "wage income per person, NBS (yuan/yr)", "yuan/person/year", None),
    Outcome("net_business_income_per_capita_yuan", "net business income per person, NBS (yuan/yr)",
            "yuan/person/year", None),
    Outcome("net_property_income_per_capita_yuan", "net property income per person, NBS (yuan/yr)",
            "yuan/person/year", None),
    Outcome("net_transfer_income_per_capita_yuan", "net transfer income per person, NBS (yuan/yr)",
            "yuan/person/year", None),
    Outcome("poverty_line_yuan", "poverty line (yuan/yr)", "yuan/person/year", None),
    Outcome("poverty_entry_rate", "poverty entry", "share of households above the line a year before", "lower"),
    Outcome("poverty_exit_rate", "poverty exit", "share of households below the line a year before", "higher"),
    Outcome("registered_poor_below_line_share", "registered poor below the line", "share of registered-poor "
            "households", "lower"),
    Outcome("income_poor_registered_share", "income-poor who are registered", "share of households below the line",
            "higher"),
    Outcome("registered_poor_remaining_rate", "registered poor not yet checked out", "share of persons", "lower"),
    Outcome("monitored_household_share", "households monitored for falling back", "share of households", None),
    Outcome("dibao_recipient_rate", "minimum living allowance recipients", "share of persons", None),
    Outcome("medical_costs_per_capita_yuan", "medical costs paid per person (yuan/yr)", "yuan/person/year", "lower"),
    Outcome("consumption_per_capita_yuan", "consumption per person (yuan/yr)", "yuan/person/year", None),
    Outcome("away_share_working_months", "share of workers away, March-December", "share of working-age adults",
            None),
    *(Outcome(f"transfer_{k}_per_capita_yuan", f"{label} per person (yuan/yr)", "yuan/person/year", None)
      for k, label in (("pension", "pensions"), ("dibao", "minimum living allowance"), ("farm_subsidy", "farm subsidy"),
                       ("poverty_support", "poverty-alleviation support"), ("other_transfers", "other transfers"))),
    *(Outcome(f"income_share_q{i}", f"income share of the {label} fifth", "share of income", None)
      for i, label in enumerate(("poorest", "second", "middle", "fourth", "richest"), start=1)),
)

#: Every outcome, by its column name.
OUTCOMES: dict[str, Outcome] = {o.name: o for o in _ALL}

#: The outcomes of the report's headline and of the studies, in order.
HEADLINE: tuple[Outcome, ...] = tuple(OUTCOMES[n] for n in (
    "income_per_capita_mean_yuan", "income_per_capita_median_yuan", "poverty_rate", "gini",
    "collective_income_per_village_yuan", "thin_village_share", "fiscal_cost_yuan", "away_share_mean"))

#: The outcomes the sensitivity analysis screens by default.
SCREENED: tuple[Outcome, ...] = tuple(OUTCOMES[n] for n in (
    "income_per_capita_mean_yuan", "poverty_rate", "collective_income_per_village_yuan"))


def names(outcomes: tuple[Outcome, ...]) -> list[str]:
    """The columns of ``outcomes``."""
    return [o.name for o in outcomes]
