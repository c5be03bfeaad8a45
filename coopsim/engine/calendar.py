"""The month's calendar: every step of a month, in order, declared once.

Time is in months from January of ``start_year``, counted in :data:`TICKS`
ticks a month so that every event time is an exact integer. Within each month
the steps run in the order of their phase (ticks after the month starts). The
engine starts one SimPy process per step of the economy (:data:`MONTH`); the
household steps (``actor == "households"``) are run by the households'
processes, one per block of villages or per household; the model description
(docs/ODD.md §3) shows :func:`markdown_table`.

>>> [p.step for p in MONTH if p.actor == "households"]
['migrate', 'join', 'earn', 'spend', 'close_month']
"""

from __future__ import annotations

from typing import NamedTuple

#: Ticks of simulated time per month (event times are exact integers).
TICKS = 100


class Phase(NamedTuple):
    """One step of the month.

    ``step`` names the method that runs it: of the economy
    (:class:`~coopsim.engine.economy.Economy`) or, for ``actor ==
    "households"``, of the households' rules
    (:class:`~coopsim.households.livelihoods.Livelihoods`). ``when``: every
    ``month``, in ``December``, or when a cooperative is ``founded`` (one
    event per village).
    """

    tick: int
    step: str
    actor: str
    when: str
    label: str
    what: str


MONTH = (
    Phase(0, "markets", "economy", "month", "markets",
          "planted area per township and crop → local farm-gate price factor; producing area of each crop in the "
          "region → the month's regional price (a glut busts it)"),
    Phase(5, "institutions", "economy", "month", "institutions (v1 and up)",
          "the partners open their month: the governments' rules, federations and platforms start on their "
          "dates; each January the county government lets the year's projects (from 2018), the federation agrees "
          "the season's purchase prices and the platform writes its order contracts"),
    Phase(9, "open_labour_market", "economy", "month", "labour market opens",
          "the month's two uniforms per worker slot; each village's migrant ties (share of its migrants per "
          "destination, averaged with its neighbours'); this month's farm-gate values, cadre pay rates and illness "
          "draws"),
    Phase(10, "migrate", "households", "month", "*households: migrate*",
          "the moves due this month happen on their days (journeys home before the Spring Festival and back "
          "after it, arrivals, searches ending in a job or at home); those free decide: the festival's round trip, "
          "departures (after the festival's season), returns and job losses, each on its own day; carer rule"),
    Phase(20, "found", "economy", "founded", "founding (v1)",
          "each village's cooperative is founded in its own SimPy event"),
    Phase(25, "open_membership", "economy", "month", "membership opens (v1)",
          "the month's joining draws; each village's chance to join (own and neighbours' membership)"),
    Phase(26, "join", "households", "month", "*households: join*",
          "households join under peer influence, putting in land and cash"),
    Phase(30, "production", "economy", "month", "production (v1)",
          "cooperatives hire their members' workers at home, produce, sell (under the partners' terms: "
          "federation, platform), pay their costs, borrow what cash does not cover; they publish what each "
          "member household is owed"),
    Phase(31, "earn", "households", "month", "*households: earn*",
          "members collect cooperative wages and land rent; serious illness (costs, a worker kept from work); own "
          "farms (and the land members trust to the cooperative) sell at their lot's selling cost; land no one "
          "farms leased to tenants; trusteeship fees; casual local work; processing wages; remittances; the "
          "state's transfers by kind (pensions, dibao, farm subsidy, poverty support, others); the secretary's "
          "pay"),
    Phase(35, "running_costs", "economy", "month", "running costs (v2, v3)",
          "federation and platform overheads; the state covers platform losses"),
    Phase(50, "spend", "households", "month", "*households: spend*", "households spend"),
    Phase(80, "year_end", "economy", "December", "year end (December)",
          "state funds into the collectives' shares (to 2020); cooperatives repay loans, distribute surplus; "
          "partners close their year (joint income, rebates, rewards); loss-making industries reviewed; collective "
          "pays performance pay and spends on public goods (its non-operating assets, depreciated)"),
    Phase(92, "close_month", "households", "month", "*households: close month*",
          "the month's income added to the year's and to the village tally"),
    Phase(93, "bookkeeping", "economy", "month", "book-keeping",
          "the ledger period is closed (no inside account may be overdrawn); monthly tables recorded"),
    Phase(95, "record_year", "economy", "December", "record the year (December)", "annual tables recorded"),
    Phase(96, "close_year", "economy", "December", "close the year (December)",
          "households whose farm paid less than casual work re-choose their crop; the means tests on the year's "
          "income (next year's dibao, poverty exits to 2020, monitoring from 2021); rural income per person in "
          "each county sets next year's 345 pay; the households' year income starts again"),
)

#: The households' steps, in order (each a method of ``Livelihoods`` taking ``(t, rows)``).
HOUSEHOLD_STEPS = tuple(p for p in MONTH if p.actor == "households")


def phase(step: str) -> Phase:
    """The phase of a step, by name."""
    for p in MONTH:
        if p.step == step:
            return p
    raise KeyError(f"no step {step!r} in the month; steps: {', '.join(p.step for p in MONTH)}")


def markdown_table() -> str:
    """The calendar as the model description's Markdown table."""
    rows = [f"| {p.tick} | {p.label} | {p.what} |" for p in MONTH]
    return "\n".join(["| phase | process | what |", "|---|---|---|", *rows])
