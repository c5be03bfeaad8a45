"""Collects the run's tidy tables month by month and year by year.

The recorder only reads: it is given the parts of the economy it observes
(the region, the households, the ledger, the markets, the households' village
tally, the cooperatives) and never changes them; every quantity it records is
computed by the model's own steps. Money in the tables is in yuan (fen / 100)
except ``flows.amount_fen``, which keeps the ledger's exact integers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from coopsim.config import RunConfig
from coopsim.households.state import AWAY, INCOME_SOURCES, Households
from coopsim.money import Ledger, segment_sums
from coopsim.rules.measures import gini, quintile_shares, weighted_median
from coopsim.rules.series import by_year
from coopsim.world import World

if TYPE_CHECKING:
    from coopsim.households.livelihoods import Livelihoods
    from coopsim.institutions.cooperative import VillageCooperatives
    from coopsim.markets.commodities import Market
    from coopsim.markets.labour import LabourMarket



#: The final years a household's income is averaged over in ``household_final`` (as the studies' outcomes are).
FINAL_YEARS = 3

class Recorder:
    """Monthly and annual observations of one economy.

    Parameters
    ----------
    cfg, world, hh, ledger, market, labour
        The run's config, region, households, ledger, commodity markets and labour market.
    livelihoods
        The household rules, for the month's tally of income by village.
    coops
        The village cooperatives (``None`` in tier ``none``).
    """

    def __init__(self, cfg: RunConfig, world: World, hh: Households, ledger: Ledger, market: Market,
                 labour: LabourMarket, livelihoods: Livelihoods, coops: VillageCooperatives | None) -> None:
        self.cfg, self.world, self.hh, self.ledger, self.market = cfg, world, hh, ledger, market
        self.labour, self.livelihoods, self.coops = labour, livelihoods, coops
        self._village_month: list[dict[str, Any]] = []
        self._region_month: list[dict[str, Any]] = []
        self._flows: list[dict[str, Any]] = []
        self._flows_year_start = 0  # the first of the year's flow rows
        self._household_year: list[dict[str, Any]] = []
        #: Where the annual household rows go as they are made (else they are kept for :meth:`tables`).
        self.household_sink: Callable[[dict[str, np.ndarray]], None] | None = None
        #: Each year's households below the poverty line (one bool per household), for resilience measures.
        self.below_poverty_line: list[np.ndarray] = []
        #: Each household's income per person in the first year, and in the last :data:`FINAL_YEARS` years
        #: (``household_final``: who gains and who loses, whether or not the yearly household table is kept).
        self._first_per_capita: np.ndarray | None = None
        self._final_per_capita: deque[np.ndarray] = deque(maxlen=FINAL_YEARS)
        self._village_year: list[dict[str, Any]] = []
        self._region_year: list[dict[str, Any]] = []
        self._destinations: list[dict[str, Any]] = []
        self._departures_seen = np.zeros(0, dtype=np.int64)
        self._job_losses_seen = 0
        self._persons = segment_sums(hh.members.astype(np.int64), world.village_starts)

    def _calendar(self, t: int) -> dict[str, int]:
        return {"t": t, "year": self.cfg.start_year + t // 12, "month": t % 12 + 1}

    def record_month(self, t: int, flows: dict[tuple[str, str, str], int]) -> None:
        """Record the month's village, flow, destination and region rows."""
        cal = self._calendar(t)
        village = self._village_month_row(cal)
        self._village_month.append(village)
        for (kind, payer, payee), amount in flows.items():
            self._flows.append({**cal, "kind": kind, "payer": payer, "payee": payee, "amount_fen": amount})
        job_losses = self._destinations_row(cal)
        self._region_month.append(self._region_month_row(cal, village, flows, job_losses))

    def _village_month_row(self, cal: dict[str, int]) -> dict[str, Any]:
        hh, w = self.hh, self.world
        starts = w.village_starts
        by_source = self.livelihoods.village_income_fen / 100.0
        income = {f"income_{s}_yuan": by_source[:, i] for i, s in enumerate(INCOME_SOURCES)}
        v = w.n_villages
        row: dict[str, Any] = {
            **{k: np.full(v, x) for k, x in cal.items()},
            "village": np.arange(v), "township": w.village_township, "county": w.township_county[w.village_township],
            "households": w.village_households, "persons": self._persons, **income,
            "income_yuan": np.sum(list(income.values()), axis=0),
            "workers_away": np.add.reduceat(hh.away_workers, starts),
            "workers_home": np.add.reduceat(hh.home_workers, starts) + np.add.reduceat(hh.festival_workers, starts),
            "collective_balance_yuan": self.ledger.block("collective") / 100.0,
        }
        coops = self.coops
        if coops is not None:
            row.update({
                "coop_founded": coops.founded.copy(),
                "coop_members": coops.members_by_village(hh).copy(),
                "coop_land_mu": coops.land_mu(hh).copy(),
                "coop_revenue_yuan": coops.month_revenue_fen / 100.0,
                "coop_wage_days": coops.month_wage_days,
                "coop_cash_yuan": self.ledger.block("cooperative") / 100.0,
                "coop_debt_yuan": coops.debt_fen / 100.0,
            })
        return row

    def _destinations_row(self, cal: dict[str, int]) -> int:
        """Record migrants and departures by destination; return the month's job losses."""
        lm = self.labour
        if self._departures_seen.size == 0:
            self._departures_seen = np.zeros(len(lm.names), dtype=np.int64)
        departed = lm.departures - self._departures_seen
        self._departures_seen = lm.departures.copy()
        job_losses, self._job_losses_seen = lm.job_losses - self._job_losses_seen, lm.job_losses
        self._destinations.append({**{k: np.full(len(lm.names), x) for k, x in cal.items()},
                                   "destination": np.array(lm.names), "workers_away": lm.stock(),
                                   "departures": departed})
        return int(job_losses)

    def _region_month_row(self, cal: dict[str, int], village: dict[str, Any],
                          flows: dict[tuple[str, str, str], int], job_losses: int) -> dict[str, Any]:
        hh, coops, lm = self.hh, self.coops, self.labour
        persons = village["persons"].sum()
        workers = int(hh.working_age.sum())
        n_away = int(village["workers_away"].sum())
        left, returned, festival_home, festival_back = (int(x) for x in lm.month_moves)
        return {
            **cal, "persons": int(persons), "households": hh.n,
            "income_per_capita_yuan": float(village["income_yuan"].sum() / persons),
            **{f"income_{s}_per_capita_yuan": float(village[f"income_{s}_yuan"].sum() / persons)
               for s in INCOME_SOURCES},
            "workers": workers, "workers_away": n_away, "away_share": n_away / max(workers, 1),
            "left": left, "returned": returned, "festival_home": festival_home, "festival_back": festival_back,
            "job_losses": job_losses,
            "fiscal_cost_yuan": sum(a for (_k, payer, _p), a in flows.items() if payer == "state") / 100.0,
            "coops_founded": int(coops.founded.sum()) if coops is not None else 0,
            "coop_members": int(coops.members_by_village(hh).sum()) if coops is not None else 0,
        }

    def record_year(self, year_index: int) -> None:
        """Record the year's household, village and region tables."""
        hh, cfg = self.hh, self.cfg
        year = cfg.start_year + year_index
        total = hh.income_year_total_fen() / 100.0
        per_capita = total / hh.members
        below = per_capita < by_year(cfg.poverty_line_yuan_by_year, year)
        self.below_poverty_line.append(below)
        if self._first_per_capita is None:
            self._first_per_capita = per_capita.copy()
        self._final_per_capita.append(per_capita.copy())
        if cfg.household_table:
            self._household_rows(year, total, per_capita, below)
        collective = self._village_year_row(year)
        self._region_year.append(self._region_year_row(year, total, per_capita, below, collective))

    def _household_rows(self, year: int, total: np.ndarray, per_capita: np.ndarray, below: np.ndarray) -> None:
        hh = self.hh
        self._household_year.append({
            "year": np.full(hh.n, year), "household": np.arange(hh.n), "village": hh.village,
            "members": hh.members, "working_age": hh.working_age, "elderly": hh.elderly,
            "registered_poor": hh.registered_poor, "poverty_exit_year": hh.poverty_exit_year.copy(),
            "monitored": hh.monitored.copy(),
            "coop_member": hh.coop_member.copy(),
            **{f"income_{s}_yuan": hh.income_year[i] / 100.0 for i, s in enumerate(INCOME_SOURCES)},
            "income_yuan": total, "income_per_capita_yuan": per_capita, "below_poverty_line": below,
            "savings_yuan": self.ledger.block("household") / 100.0, "workers_away": hh.away_workers.copy(),
        })
        if self.household_sink is not None:  # written year by year, not held to the end
            self.household_sink(self._household_year.pop())

    def _village_year_row(self, year: int) -> np.ndarray:
        """Record the villages' year; return each village's collective income (yuan)."""
        w, cfg = self.world, self.cfg
        cy = self._coop_year()
        collective = cy.get("collective_income_fen", np.zeros(w.n_villages, dtype=np.int64)) / 100.0
        row = {"year": np.full(w.n_villages, year), "village": np.arange(w.n_villages),
               "township": w.village_township, "collective_income_yuan": collective,
               "thin_village": collective < cfg.thin_village_yuan}
        for k, x in cy.items():
            if k == "coop_industry":
                row[k] = np.array(("",) + self.market.names)[x + 1]
            elif k != "collective_income_fen":
                row[k.replace("_fen", "_yuan")] = x / 100.0
        self._village_year.append(row)
        return collective

    def _region_year_row(self, year: int, total: np.ndarray, per_capita: np.ndarray, below: np.ndarray,
                         collective: np.ndarray) -> dict[str, Any]:
        hh, cfg = self.hh, self.cfg
        members = hh.members.astype(np.float64)
        persons = members.sum()
        order = np.argsort(per_capita)  # ties (equal incomes) give the same median; the Gini moves in its last bits at most
        xs, ws = per_capita[order], members[order]
        months = [r for r in self._region_month if r["year"] == year]
        by_source = dict(zip(INCOME_SOURCES, hh.income_year.sum(axis=1) / 100.0 / persons, strict=True))
        quintiles = quintile_shares(xs, ws, presorted=True)
        return {
            "year": year, "households": hh.n, "persons": int(persons),
            "income_per_capita_mean_yuan": float(total.sum() / persons),
            "income_per_capita_median_yuan": weighted_median(xs, ws, presorted=True),
            **{f"income_{s}_per_capita_yuan": float(source_fen / 100.0 / persons)
               for s, source_fen in zip(INCOME_SOURCES, hh.income_year.sum(axis=1), strict=True)},
            # the four sources of the statistics (NBS): wages (migrants' as they reach home), net business
            # (the own farm), net property (land rent, dividends), net transfers
            "wage_income_per_capita_yuan": by_source["wages"] + by_source["remittances"],
            "net_business_income_per_capita_yuan": by_source["own_farm"],
            "net_property_income_per_capita_yuan": by_source["land_rent"] + by_source["dividends"],
            "net_transfer_income_per_capita_yuan": by_source["transfers"],
            **self._transfers_by_kind(year, persons),
            "gini": gini(xs, ws, presorted=True),
            **{f"income_share_q{i + 1}": float(q) for i, q in enumerate(quintiles)},
            "poverty_line_yuan": by_year(cfg.poverty_line_yuan_by_year, year),
            "poverty_headcount": int(members[below].sum()), "poverty_rate": float(members[below].sum() / persons),
            **self._poverty_dynamics(below, members),
            "collective_income_per_village_yuan": float(collective.mean()),
            "thin_village_share": float((collective < cfg.thin_village_yuan).mean()),
            "fiscal_cost_yuan": float(sum(r["fiscal_cost_yuan"] for r in months)),
            "away_share_mean": float(np.mean([r["away_share"] for r in months])),
            "away_share_working_months": float(np.mean([r["away_share"] for r in months if r["month"] >= 3])),
            "coops_founded": months[-1]["coops_founded"], "coop_member_households": int(hh.coop_member.sum()),
            "coop_revenue_yuan": self._coop_revenue_yuan(),
            "collective_income_yuan": float(collective.sum()),
            **self._collective_assets(),
            "workers_away_mean": float(np.mean([r["workers_away"] for r in months])),
            "migrant_wage_mean_yuan": self._migrant_wage_yuan((year - cfg.start_year) * 12 + 11),
        }

    def _transfers_by_kind(self, year: int, persons: float) -> dict[str, float]:
        """The year's transfers to households per person, by kind, their medical costs and their consumption
        (living and medical spending, as the statistics count it)."""
        kinds = ("pension", "dibao", "farm_subsidy", "poverty_support", "other_transfers")
        sums = dict.fromkeys(kinds, 0)
        medical = consumption = 0
        for f in self._flows[self._flows_year_start:]:
            if f["payer"] == "state" and f["payee"] == "household" and f["kind"] in sums:
                sums[f["kind"]] += f["amount_fen"]
            elif f["kind"] == "medical_costs":
                medical += f["amount_fen"]
            elif f["kind"] == "consumption":
                consumption += f["amount_fen"]
        self._flows_year_start = len(self._flows)
        return {**{f"transfer_{k}_per_capita_yuan": v / 100.0 / persons for k, v in sums.items()},
                "medical_costs_per_capita_yuan": medical / 100.0 / persons,
                "consumption_per_capita_yuan": (consumption + medical) / 100.0 / persons}

    def _poverty_dynamics(self, below: np.ndarray, members: np.ndarray) -> dict[str, float]:
        """Poverty entry and exit (shares of households above / below the line a year before), the registered
        poor against the income-poor, those not yet checked out, the monitored and the dibao's recipients."""
        hh = self.hh
        persons = members.sum()
        out: dict[str, float] = {"poverty_entry_rate": float("nan"), "poverty_exit_rate": float("nan")}
        if len(self.below_poverty_line) > 1:
            before = self.below_poverty_line[-2]
            out["poverty_entry_rate"] = float((below & ~before).sum() / max((~before).sum(), 1))
            out["poverty_exit_rate"] = float((~below & before).sum() / max(before.sum(), 1))
        registered = hh.registered_poor
        remaining = registered & (hh.poverty_exit_year == 0)
        dibao = self.livelihoods.dibao_fen > 0
        out.update({
            "registered_poor_below_line_share": float(below[registered].mean()) if registered.any() else float("nan"),
            "income_poor_registered_share": float(registered[below].mean()) if below.any() else float("nan"),
            "registered_poor_remaining_rate": float(members[remaining].sum() / persons),
            "monitored_household_share": float(hh.monitored.mean()),
            "dibao_recipient_rate": float(members[dibao].sum() / persons),
        })
        return out

    def _migrant_wage_yuan(self, t: int) -> float:
        """Mean monthly city wage of the workers away in month ``t`` (destination, sector, skill)."""
        away = self.hh.worker_status == AWAY
        if not away.any():
            return float("nan")
        return float(self.labour.slot_wage(t, self.hh)[away].mean())

    def _coop_revenue_yuan(self) -> float:
        """The cooperatives' revenue of the year: sales and public-project income."""
        cy = self._coop_year()
        return float(sum(cy[k].sum() for k in ("coop_revenue_fen", "coop_public_income_fen") if k in cy) / 100.0)

    def _coop_year(self) -> dict[str, np.ndarray]:
        """The cooperatives' accounts of the year just closed (none in tier ``none``)."""
        return self.coops.year_accounts if self.coops is not None else {}

    def _collective_assets(self) -> dict[str, float]:
        """The village collectives' assets per village (yuan, book value), as the sources count them: operating
        (cash, shares in the cooperative, part of its reserve) and non-operating (infrastructure), and their sum."""
        if self.coops is None:
            operating, other = self.ledger.block("collective") / 100.0, np.zeros(self.world.n_villages)
        else:
            operating, other = self.coops.operating_assets_yuan(), self.coops.infrastructure_yuan
        return {"collective_assets_per_village_yuan": float((operating + other).mean()),
                "collective_operating_assets_per_village_yuan": float(operating.mean()),
                "collective_non_operating_assets_per_village_yuan": float(other.mean())}

    def _household_final(self) -> pd.DataFrame:
        """One row per household: its income per person in the first year and over the final years (mean of
        the years' per-person incomes), whether it was registered poor at the start and is below the line in
        the last year. Households are the same under every tier of a seed, so two runs pair row by row."""
        hh = self.hh
        final = np.mean(np.stack(self._final_per_capita), axis=0) if self._final_per_capita else _nan(hh.n)
        return pd.DataFrame({
            "household": np.arange(hh.n), "village": hh.village, "members": hh.members,
            "registered_poor": hh.registered_poor,
            "income_per_capita_first_year_yuan": self._first_per_capita if self._first_per_capita is not None
            else _nan(hh.n),
            "income_per_capita_final_yuan": final, "final_years": len(self._final_per_capita),
            "below_poverty_line_final": self.below_poverty_line[-1] if self.below_poverty_line
            else np.zeros(hh.n, dtype=bool),
        })

    def tables(self, closing: dict[str, int]) -> RunTables:
        """All tables as DataFrames (plus the ledger's closing balances; the
        household table only if it was not streamed to a sink)."""
        def stack(rows: list[dict[str, Any]]) -> pd.DataFrame:
            if not rows:
                return pd.DataFrame()
            return pd.DataFrame({k: np.concatenate([np.atleast_1d(r[k]) for r in rows]) for k in rows[0]})

        m = self.market
        t = np.arange(len(m.prices))
        prices = pd.DataFrame({
            "t": np.repeat(t, len(m.names)), "year": np.repeat(self.cfg.start_year + t // 12, len(m.names)),
            "month": np.repeat(t % 12 + 1, len(m.names)), "commodity": np.tile(m.names, len(t)),
            "price_yuan": m.prices.ravel(), "price_index": m.price_index.ravel(),
        })
        ledger = pd.DataFrame({"account_group": list(closing), "balance_fen": list(closing.values())})
        flows = pd.DataFrame(self._flows)
        state = flows[flows["payer"] == "state"] if len(flows) else flows
        fiscal = (state.groupby(["year", "kind", "payee"], as_index=False)["amount_fen"].sum()
                  .assign(yuan=lambda d: d["amount_fen"] / 100.0) if len(state) else pd.DataFrame())
        week = self.labour.weekly()
        start = np.datetime64(f"{self.cfg.start_year}-01-01")
        dates = start + week.pop("day").astype("timedelta64[D]")
        region_week = pd.DataFrame({"week": np.arange(len(dates)), "date": dates,
                                    "year": dates.astype("datetime64[Y]").astype(int) + 1970, **week})
        tables = RunTables({
            "region_year": pd.DataFrame(self._region_year),
            "region_month": pd.DataFrame(self._region_month),
            "region_week": region_week,
            "village_year": stack(self._village_year),
            "village_month": stack(self._village_month),
            "household_year": stack(self._household_year),
            "destinations_month": stack(self._destinations),
            "prices": prices,
            "flows": flows,
            "fiscal_year": fiscal,
            "ledger_closing": ledger,
            "household_final": self._household_final(),
        })
        if self.household_sink is not None:
            del tables["household_year"]
        tables.below_poverty_line = np.array(self.below_poverty_line).reshape(-1, self.hh.n)
        return tables


def _nan(n: int) -> np.ndarray:
    return np.full(n, np.nan)


class RunTables(dict[str, pd.DataFrame]):
    """A run's tables by name; also ``below_poverty_line``, (years, households)
    bool: which households were below the line each year (for resilience
    measures, whether or not the household table is kept)."""

    below_poverty_line: np.ndarray = np.zeros((0, 0), dtype=bool)
