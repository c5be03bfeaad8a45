"""What households do each month — migrate, join, farm and work, spend — as
rules over a block of household rows.

Every step takes ``rows``, a slice of household rows, and reads and writes
only those rows, plus what the month's institutions published before it:
the month's random draws, each village's migrant ties and cooperative
membership, the cooperatives' hiring. So the same step applied to the whole
region at once, to blocks of whole villages, or to one household at a time
gives the same tables. The fast engine runs one SimPy process per block of
about :data:`BLOCK_HOUSEHOLDS` households (whole villages, so a block's
arrays stay in the processor's cache); the reference engine
(``engine=agents``) runs one SimPy process per household.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import numpy as np

from coopsim.households import SOURCE
from coopsim.ledger import Rows, to_fen
from coopsim.rules.livelihood import farm_labour_factor, spending_yuan
from coopsim.rules.pay import secretary_base_pay_yuan

if TYPE_CHECKING:
    from coopsim.cooperative import HouseholdPay
    from coopsim.economy import Economy

#: Households per block of the fast engine (whole villages are kept together), at most...
BLOCK_HOUSEHOLDS = 131_072
#: ...and at least (smaller blocks cost more in thread hand-overs than they gain).
MIN_BLOCK_HOUSEHOLDS = 20_000

#: Each household's monthly steps and their phase (ticks after the month starts; see :mod:`coopsim.economy`).
STEPS = (("migrate", 10), ("join", 26), ("earn", 31), ("spend", 50), ("close_month", 92))


def household_blocks(village_starts: np.ndarray, n: int, engine: str, threads: int = 1) -> list[slice]:
    """The row blocks the engine steps: one per household (``agents``) or whole
    villages (``fast``) of at most about :data:`BLOCK_HOUSEHOLDS` households,
    and at least one block per thread where blocks would keep at least
    :data:`MIN_BLOCK_HOUSEHOLDS`."""
    if engine == "agents":
        return [slice(i, i + 1) for i in range(n)]
    size = max(min(BLOCK_HOUSEHOLDS, -(-n // max(threads, 1))), MIN_BLOCK_HOUSEHOLDS)
    cuts = [0]
    for start in village_starts[1:]:
        if start - cuts[-1] >= size:
            cuts.append(int(start))
    cuts.append(n)
    return [slice(a, b) for a, b in zip(cuts[:-1], cuts[1:], strict=True) if b > a]


class Livelihoods:
    """The household rules of one :class:`~coopsim.economy.Economy`, applied to rows."""

    def __init__(self, eco: Economy) -> None:
        self.eco = eco
        self._lock = threading.Lock()  # for what blocks stepped on different threads share
        cfg, hh, m = eco.cfg, eco.hh, eco.market
        self.county = eco.world.township_county[hh.township]
        self.labour_days_per_mu = (eco.mix * m.labour_days_per_mu).sum()  # own farm's work per mu and year
        lab = cfg.labour
        casual = eco.labour_market.local_day_wage(0) * lab.local_days_per_month
        farm = (hh.land_mu * (eco.mix * m.revenue_per_mu * (1 - m.input_cost_share)).sum()
                * (1 - m.middleman_margin) / 12.0)
        workers = np.maximum(hh.working_age, 1)
        #: Each household's local earnings per worker at home (yuan/month), a moving average.
        self.local_income = casual + farm * hh.productivity / workers
        city = eco.labour_market.base_wage(0) * hh.productivity
        has = hh.working_age > 0
        self.reference_ratio = float(np.median(city[has] / self.local_income[has])) if has.any() else 1.0
        # Published by the institutions each month before the households step:
        self.coop_pay: HouseholdPay | None = None  # what the cooperatives owe their members this month
        self.join_draw: np.ndarray = np.zeros(hh.n, dtype=np.float32)
        self.join_probability = np.zeros(eco.world.n_villages)
        self.value_per_mu = np.zeros(eco.world.n_townships)
        self.input_per_mu = 0.0
        self.secretary_pay = (np.zeros(eco.world.n_counties), np.zeros(eco.world.n_counties))
        # The first ``also_head_share`` of villages (by id) have one person as secretary and head.
        w = eco.world
        head_villages = np.arange(w.n_villages) < round(cfg.tier.cadre_pay.also_head_share * w.n_villages)
        self.also_head = hh.secretary & head_villages[hh.village]
        #: Monthly transfers from the state (fixed for the run): the poverty allowance and basic transfers.
        state = cfg.state
        self.allowance_fen = to_fen(np.where(hh.registered_poor, hh.members * state.poor_allowance_yuan_month_per_person,
                                             0.0))
        self.basic_fen = to_fen(hh.members * state.basic_transfers_yuan_month_per_person)
        self.secretaries = np.flatnonzero(hh.secretary)
        #: What each household's migrants send home a month (fen), recomputed when its workers
        #: move or the cities' wages change (``remit_stale``).
        #: The month's income of each village's households by source (fen), tallied as each block closes its month.
        self.village_income_fen = np.zeros((eco.world.n_villages, hh.income_month.shape[0]), dtype=np.int64)
        self.remit_fen = np.zeros(hh.n, dtype=np.int64)
        self.remit_stale = np.ones(hh.n, dtype=bool)
        self._wage_table: tuple[float, bytes] | None = None

    # -- what the institutions publish ---------------------------------------
    def open_month(self, t: int) -> None:
        """The month's farm-gate values and the secretaries' pay rates."""
        eco, m = self.eco, self.eco.market
        self.value_per_mu = (m.gross_yuan_per_mu(t) * eco.mix[None, :]).sum(axis=1)
        self.input_per_mu = float((m.input_yuan_per_mu(t) * eco.mix).sum())
        rule = eco.cfg.tier.cadre_pay
        self.secretary_pay = (np.array([secretary_base_pay_yuan(rule, x, True) for x in eco.rural_income_reference]),
                              np.array([secretary_base_pay_yuan(rule, x, False) for x in eco.rural_income_reference]))
        lm = eco.labour_market
        wage_table = (lm.base_wage(t), lm.conditions.wage_factor[t].tobytes())
        if wage_table != self._wage_table:  # a new year's wages or a city shock: every remittance changes
            self._wage_table = wage_table
            self.remit_stale[:] = True

    # -- the household steps ------------------------------------------------------
    def migrate(self, t: int, rows: slice) -> None:
        """Each worker stays, leaves for a city or comes home (see :mod:`coopsim.labour`)."""
        eco = self.eco
        plat = eco.plat
        teams = plat.active[self.county[rows]] if plat is not None and plat.cfg.labour_export else None
        moved, placed = eco.labour_market.step(
            t, eco.hh, rows, self.local_income[rows], self.reference_ratio, teams,
            plat.cfg.export_team_share if plat is not None else 0.0,
            plat.cfg.export_return_factor if plat is not None else 1.0)
        self.remit_stale[moved] = True
        if plat is not None and teams is not None:
            fee = int(to_fen(plat.cfg.placement_fee_yuan))
            per_county = np.bincount(self.county[moved], weights=placed.sum(axis=1),
                                     minlength=eco.world.n_counties).astype(np.int64) * fee
            eco.ledger.pay_block("state", "platform", per_county, "labour_export_placement_fees")
            with self._lock:
                plat.placements += int(placed.sum())

    def join(self, t: int, rows: slice) -> None:
        """Households in villages with a cooperative join under peer influence."""
        coops, hh = self.eco.coops, self.eco.hh
        if coops is None:
            return
        village = hh.village[rows]
        joining = coops.founded[village] & (self.join_draw[rows] < self.join_probability[village])
        coops.join(np.flatnonzero(joining) + rows.start, hh)

    def earn(self, t: int, rows: slice) -> None:
        """Own farms produce and sell; local wages, remittances, transfers and the secretary's pay."""
        eco = self.eco
        cfg, hh, m, led = eco.cfg, eco.hh, eco.market, eco.ledger
        days_per_worker = cfg.households.farm_days_per_worker_month
        at_home, home = hh.at_home(rows), hh.home_workers[rows]
        coop_days = self._collect_coop_pay(rows, at_home)
        self._collect_processing_wages(rows, home)
        available = (at_home + cfg.households.left_behind_labour * hh.dependants[rows]) * days_per_worker - coop_days
        own = hh.land_mu[rows] - hh.land_in_coop_mu[rows]
        factor = farm_labour_factor(own * self.labour_days_per_mu / 12.0, np.maximum(available, 0.0))
        value_per_mu = self.value_per_mu[hh.township[rows]]
        sales = to_fen(own * value_per_mu * hh.productivity[rows] * factor * (1 - m.middleman_margin))
        inputs = to_fen(own * self.input_per_mu * factor)
        led.pay_block("middlemen", "household", sales, "farm_sales", rows)
        inputs = np.minimum(inputs, led.block("household", rows))
        led.collect_block("household", "market", inputs, "farm_inputs", rows)
        hh.earn("own_farm", sales - inputs, rows)

        lab = cfg.labour
        spare_days = np.maximum(home * days_per_worker - coop_days, 0.0)
        idle_days = np.minimum(home * lab.local_days_per_month, spare_days)
        self._receive("market", to_fen(idle_days * self.eco.labour_market.local_day_wage(t)), "local_wages", "wages", rows)
        self._receive("city", self._remittances(t, rows), "remittances", "remittances", rows)
        allowance, basic = self.allowance_fen[rows], self.basic_fen[rows]
        led.pay_block("state", "household", allowance, "poverty_allowance", rows)
        led.pay_block("state", "household", basic, "basic_transfers", rows)
        hh.earn("transfers", allowance + basic, rows)
        self._secretary_pay(rows)

        earned = hh.income_month[SOURCE["own_farm"], rows] + hh.income_month[SOURCE["wages"], rows]
        per_worker = (earned / 100.0) / np.maximum(at_home, 1)
        self.local_income[rows] = np.where(at_home > 0, 11 / 12 * self.local_income[rows]
                                           + 1 / 12 * np.maximum(per_worker, 1.0), self.local_income[rows])

    def villages_of(self, rows: slice) -> tuple[np.ndarray, np.ndarray]:
        """The villages the rows belong to and where each starts among the rows."""
        hh, w = self.eco.hh, self.eco.world
        villages = np.arange(hh.village[rows.start], hh.village[rows.stop - 1] + 1)
        return villages, np.maximum(w.village_starts[villages], rows.start) - rows.start

    def _collect_coop_pay(self, rows: slice, at_home: np.ndarray) -> np.ndarray:
        """Members collect their cooperative's wages and land rent; returns the days each worked for it."""
        pay, coops = self.coop_pay, self.eco.coops
        if pay is None or coops is None:
            return np.zeros(rows.stop - rows.start)
        hh, led = self.eco.hh, self.eco.ledger
        member, village = hh.coop_member[rows], hh.village[rows]
        key = village * pay.days.shape[1] + at_home
        days = np.where(member, pay.days.ravel()[key], 0.0)
        wages = np.where(member, pay.wages.ravel()[key], 0)
        rent = pay.rent_of(coops.rent_fen[rows], village)
        villages, starts = self.villages_of(rows)
        led.groups_pay_rows("cooperative", villages, starts, "household", rows, wages, "coop_wages")
        led.groups_pay_rows("cooperative", villages, starts, "household", rows, rent, "coop_land_rent")
        hh.earn("wages", wages, rows)
        hh.earn("land_rent", rent, rows)
        return days

    def _collect_processing_wages(self, rows: slice, home: np.ndarray) -> None:
        """Workers at home collect the county platform's processing wages (tier 3.0)."""
        plat = self.eco.plat
        if plat is None or not plat.wage_per_worker_fen.any():
            return
        county = self.county[rows]
        wages = home * plat.wage_per_worker_fen[county]
        starts = np.flatnonzero(np.diff(county, prepend=-1))
        self.eco.ledger.groups_pay_rows("platform", county[starts], starts, "household", rows, wages, "processing_wages")
        self.eco.hh.earn("wages", wages, rows)

    def _remittances(self, t: int, rows: slice) -> np.ndarray:
        """The rows' remittances this month (fen): last month's, unless their workers moved or wages changed."""
        stale = np.flatnonzero(self.remit_stale[rows])
        if stale.size:
            eco = self.eco
            which: slice | np.ndarray = rows if stale.size == rows.stop - rows.start else stale + rows.start
            self.remit_fen[which] = to_fen(eco.labour_market.remittances_yuan(t, eco.hh, which))
            self.remit_stale[which] = False
        return self.remit_fen[rows]

    def _receive(self, payer: str, amounts_fen: np.ndarray, kind: str, source: str, rows: Rows) -> None:
        self.eco.ledger.pay_block(payer, "household", amounts_fen, kind, rows)
        self.eco.hh.earn(source, amounts_fen, rows)

    def _secretary_pay(self, rows: slice) -> None:
        lo, hi = np.searchsorted(self.secretaries, (rows.start, rows.stop))
        if hi == lo:
            return
        who = self.secretaries[lo:hi]
        pay_head, pay_other = self.secretary_pay
        county = self.county[who]
        pay = np.where(self.also_head[who], pay_head[county], pay_other[county])
        self._receive("state", to_fen(pay / 12.0), "secretary_base_pay", "wages", who)

    def spend(self, t: int, rows: slice) -> None:
        """Households spend on living; money leaves the region to the market."""
        cfg, led = self.eco.cfg.households, self.eco.ledger
        balance = led.block("household", rows)
        spend = to_fen(spending_yuan(balance / 100.0, self.eco.hh.members[rows],
                                     cfg.subsistence_yuan_month_per_person, cfg.spending_share_of_savings))
        led.collect_block("household", "market", np.minimum(spend, balance), "consumption", rows)

    def take_village_income(self) -> np.ndarray:
        """The month's tally of income by village and channel (fen), starting the next month's."""
        tally, self.village_income_fen = self.village_income_fen, np.zeros_like(self.village_income_fen)
        return tally

    def close_month(self, t: int, rows: slice) -> None:
        """Add the month's income to the year's and to the villages' tally for the month's tables."""
        hh = self.eco.hh
        month = hh.income_month[:, rows]
        villages, starts = self.villages_of(rows)
        sums = np.add.reduceat(month, starts, axis=1)
        with self._lock:
            self.village_income_fen[villages] += sums.T
        hh.income_year[:, rows] += month
        month[:] = 0
