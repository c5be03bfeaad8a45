"""The simulated economy: SimPy processes that put the rules in time order.

Time is in months from January of ``start_year``, counted in ticks of
1/100 month so that every event time is an exact integer. Within each month
the processes run in a fixed order, set by their phase (ticks):

====== =============================================================
phase  what happens
====== =============================================================
0      markets: planted areas -> local farm-gate prices
5      federations and platforms start; January: prices agreed, projects let
9      the labour market opens: the month's draws, each village's ties
10     households: each worker stays, leaves for a city, or returns
20     cooperatives founded this month (one SimPy event each)
25     membership opens: the month's draws, each village's members
26     households: join cooperatives (peer influence)
30     cooperatives (federations, platforms) hire, produce, sell, pay
31     households: own farms produce and sell; local wages, remittances,
       transfers, the secretary's pay
35     federation and platform overheads
50     households: spending
80     December only: the cooperatives' annual distribution
92     households: the month's income added to the year's and to their village's tally
93     book-keeping: monthly tables, ledger period closed
95     December only: annual tables
====== =============================================================

Household steps (:mod:`coopsim.livelihoods`) run in one SimPy process per
block of villages (``engine=fast``) or per household (``engine=agents``);
both give the same tables.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from coopsim.config import RunConfig
from coopsim.cooperative import VillageCooperatives
from coopsim.federation import TownshipFederations
from coopsim.households import Households, generate_households, initial_savings_yuan
from coopsim.labour import LabourMarket
from coopsim.ledger import Ledger, to_fen
from coopsim.livelihoods import STEPS, Livelihoods, household_blocks
from coopsim.market import Market
from coopsim.operations import operate
from coopsim.platform import CountyPlatforms
from coopsim.rng import Streams
from coopsim.rules.founding import founding_months
from coopsim.shocks import city_conditions, price_multiplier
from coopsim.world import World, build_world

if TYPE_CHECKING:
    from coopsim.recorder import RunTables

OUTSIDE_ACCOUNTS = ("opening", "market", "middlemen", "city", "state", "bank", "capable_persons")

#: Ticks of simulated time per month (event times are exact integers).
TICKS = 100


def default_threads() -> int:
    """Threads for the fast engine when ``threads: 0``: one per core available, at most 4."""
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


class Economy:
    """One region under one tier, ready to run.

    Parameters
    ----------
    cfg
        The validated run configuration.
    households_driver
        Optional: who steps the households under ``engine=fast``, called as
        ``driver(step_name, month)`` at each household phase instead of the
        built-in blocks (e.g. another agent framework, for benchmarks); it
        must apply :class:`~coopsim.livelihoods.Livelihoods` step
        ``step_name`` to every household.
    """

    def __init__(self, cfg: RunConfig, households_driver: Callable[[str, int], None] | None = None) -> None:
        from coopsim.recorder import Recorder  # local: recorder imports Economy types

        self.cfg = cfg
        self.households_driver = households_driver
        self.streams = Streams(cfg.seed)
        self.world: World = build_world(cfg.region, self.streams["world"])
        hh_rng = self.streams["households"]
        self.hh: Households = generate_households(self.world, cfg.households, cfg.labour, hh_rng)
        savings = initial_savings_yuan(self.hh.n, cfg.households.savings_mean_yuan, hh_rng)
        names = tuple(sorted(cfg.market.commodities))
        factor = price_multiplier(cfg.shocks, names, cfg.start_year, cfg.months, self.streams["shocks"])
        self.market = Market(cfg.market, cfg.months, self.world, self.streams["prices"], factor)
        conditions = city_conditions(cfg.shocks, cfg.labour.destination_names, cfg.start_year, cfg.months)
        platform = cfg.tier.platform
        self.labour_market = LabourMarket(cfg.labour, self.world, conditions,
                                          platform.export_wage_uplift if platform is not None else 0.0)
        self.labour_market.initial_destinations(self.hh, self.streams["migration"])
        v = self.world.n_villages
        self.ledger = Ledger(OUTSIDE_ACCOUNTS, {"household": self.hh.n, "cooperative": v, "collective": v,
                                                "federation": self.world.n_townships,
                                                "platform": self.world.n_counties})
        self.ledger.pay_block("opening", "household", to_fen(savings), "opening_savings")
        self.ledger.close_period()

        self.mix = np.zeros(len(self.market.names))
        for name, share in cfg.households.own_farm_mix.items():
            self.mix[self.market.index_of(name)] = share
        self.coops: VillageCooperatives | None = None
        self.fed: TownshipFederations | None = None
        self.plat: CountyPlatforms | None = None
        tier = cfg.tier
        if tier.cooperative is not None:
            self.coops = VillageCooperatives(tier.cooperative, self.world, self.market, self.ledger)
        if tier.federation is not None:
            self.fed = TownshipFederations(tier.federation, self._month_of(tier.federation.start_year,
                                           tier.federation.start_month), self.world, self.market, self.ledger)
            assert self.coops is not None
            self.coops.federation = self.fed
        if tier.platform is not None:
            self.plat = CountyPlatforms(tier.platform, self._month_of(tier.platform.start_year,
                                        tier.platform.start_month), self.world, self.ledger)
        self.rural_income_reference = np.full(self.world.n_counties, cfg.tier.cadre_pay.previous_year_rural_income_yuan)
        self.livelihoods = Livelihoods(self)
        self._own_land = np.bincount(self.hh.township, weights=self.hh.land_mu, minlength=self.world.n_townships)
        self._pool: ThreadPoolExecutor | None = None
        self.recorder = Recorder(self)
        self.env = simpy.Environment()
        self._start_processes()

    # -- set-up -------------------------------------------------------------
    def _month_of(self, year: int, month: int) -> int:
        """Run month of a calendar month (clipped to the run start)."""
        return max((year - self.cfg.start_year) * 12 + month - 1, 0)

    def _start_processes(self) -> None:
        env = self.env
        phases: list[tuple[int, Callable[[int], None]]] = [
            (0, self.markets), (9, self.open_labour_market), (30, self.production), (93, self.bookkeeping),
        ]
        if self.coops is not None:
            phases.append((25, self.open_membership))
            months = founding_months(self.cfg.tier.cooperative, self.cfg.start_year,  # type: ignore[arg-type]
                                     self.world.n_villages, self.streams["institutions"])
            draws = self.streams["institutions"].random((self.world.n_villages, 3))
            for v in np.argsort(months, kind="stable"):
                if months[v] < self.cfg.months:
                    env.process(self._found(int(v), int(months[v]), draws[v]))
        if self.fed is not None or self.plat is not None:
            phases.append((5, self.institutions))
            phases.append((35, self.running_costs))
        for phase, step in phases:
            env.process(self._monthly(phase, step))
        env.process(self._yearly(80, self.year_end))
        env.process(self._yearly(95, self.close_year))
        cfg = self.cfg
        #: Threads stepping the households' blocks (fast engine).
        self.threads = (cfg.threads or default_threads()) if cfg.engine == "fast" else 1
        blocks = household_blocks(self.world.village_starts, self.hh.n, self.cfg.engine, self.threads)
        #: The rows each household process (agents) or the households' process (fast) steps.
        self.household_blocks = blocks
        if self.cfg.engine == "agents":  # one process per household
            self.household_processes = [env.process(self._household(rows)) for rows in blocks]
        else:  # one process stepping all blocks
            self.household_processes = [env.process(self._households(blocks))]

    def _monthly(self, phase: int, step: Callable[[int], None]) -> Generator[Any, Any, None]:
        yield self.env.timeout(phase)
        for t in range(self.cfg.months):
            step(t)
            yield self.env.timeout(TICKS)

    def _yearly(self, phase: int, step: Callable[[int], None]) -> Generator[Any, Any, None]:
        yield self.env.timeout(11 * TICKS + phase)
        for year in range(self.cfg.years):
            step(year)
            yield self.env.timeout(12 * TICKS)

    def _household(self, rows: slice) -> Generator[Any, Any, None]:
        """The households of ``rows`` (a block of villages, or one household) live their months."""
        steps = [(phase, getattr(self.livelihoods, name)) for name, phase in STEPS]
        for t in range(self.cfg.months):
            for phase, step in steps:
                yield self.env.timeout(t * TICKS + phase - self.env.now)
                step(t, rows)

    def _households(self, blocks: list[slice]) -> Generator[Any, Any, None]:
        """All households live their months, block by block, the blocks shared out among threads."""
        steps = [(phase, getattr(self.livelihoods, name)) for name, phase in STEPS]
        for t in range(self.cfg.months):
            for phase, step in steps:
                yield self.env.timeout(t * TICKS + phase - self.env.now)
                if self.households_driver is not None:
                    self.households_driver(step.__name__, t)
                else:
                    self.step_households(step, t)

    def step_households(self, step: Callable[[int, slice], None], t: int) -> None:
        """Apply a household step to every block, on the threads when there are several."""
        if self._pool is None:
            for rows in self.household_blocks:
                step(t, rows)
        else:  # blocks touch disjoint rows; shared totals are integers kept under locks
            list(self._pool.map(functools.partial(step, t), self.household_blocks))

    def _found(self, v: int, month: int, u: np.ndarray) -> Generator[Any, Any, None]:
        yield self.env.timeout(month * TICKS + 20)
        assert self.coops is not None
        self.coops.found(v, month, self.hh, u)

    # -- monthly steps --------------------------------------------------------
    def institutions(self, t: int) -> None:
        """Federations and platforms start on their dates; in January the
        federation agrees the season's prices and the platform lets projects."""
        fed, plat, coops = self.fed, self.plat, self.coops
        assert coops is not None
        if fed is not None and t == fed.start_month:
            fed.start(t)
        if plat is not None and t == plat.start_month:
            plat.start()
        if fed is not None and fed.active.any() and t % 12 == 0 and t != fed.start_month:
            fed.agree_prices(t)
        if plat is not None:
            u = self.streams["institutions"].random(self.world.n_villages) if t % 12 == 0 else None
            if u is not None and plat.active.any():
                plat.plan_projects(coops.founded, u)

    def running_costs(self, t: int) -> None:
        """Federation and platform overheads; the state covers platform losses."""
        if self.fed is not None:
            self.fed.pay_overhead()
        if self.plat is not None:
            self.plat.run_costs()

    def own_land_mu(self) -> np.ndarray:
        return self.hh.land_mu - self.hh.land_in_coop_mu

    def markets(self, t: int) -> None:
        """Update the planted area of every crop in every township."""
        hh, w = self.hh, self.world
        def own_land() -> np.ndarray:  # it changes only when households put land into a cooperative
            return np.bincount(hh.township, weights=self.own_land_mu(), minlength=w.n_townships)
        own = self.coops.cached_by_membership("own_land_by_township", own_land) if self.coops is not None \
            else self._own_land

        planted = own[:, None] * self.mix[None, :]
        if self.coops is not None:
            by_village = self.coops.planted_mu(hh)
            planted += np.add.reduceat(by_village, np.flatnonzero(np.diff(np.r_[-1, w.village_township])), axis=0)
        self.market.planted_mu = planted

    def open_labour_market(self, t: int) -> None:
        """Draw the month's migration uniforms and publish village ties and this month's prices."""
        shape = self.hh.worker_status.shape
        # single precision (steps of 2**-24) is plenty for monthly chances and costs half as much
        def draw(name: str) -> np.ndarray:
            return np.asarray(self.streams[name].random(shape, dtype=np.float32))

        names = ("migration", "destinations")  # two streams, so both cores can draw at once
        u, v = map(draw, names) if self._pool is None else self._pool.map(draw, names)
        self.labour_market.open_month(u, v)
        self.livelihoods.open_month(t)

    def open_membership(self, t: int) -> None:
        """Draw the month's joining uniforms; publish each village's chance to join (peer influence)."""
        assert self.coops is not None
        hh, w, m = self.hh, self.world, self.cfg.tier.cooperative.membership  # type: ignore[union-attr]
        self.livelihoods.join_draw = self.streams["membership"].random(hh.n, dtype=np.float32)
        share = self.coops.members_by_village(hh) / w.village_households
        peer = 0.5 * (share + w.neighbour_mean(share))
        self.livelihoods.join_probability = m.join_probability + m.peer_influence * peer

    def production(self, t: int) -> None:
        """Cooperatives hire, produce, sell and pay their costs (the households collect their pay next)."""
        if self.coops is not None:
            self.livelihoods.coop_pay = operate(t, self.coops, self.hh, self.cfg.households.farm_days_per_worker_month,
                                                self.fed, self.plat)

    def year_end(self, year: int) -> None:
        """December: cooperatives distribute; the collective pays and spends."""
        self.recorder.coop_year = None
        if self.coops is not None:
            coops = self.coops
            accounts = coops.distribute(self.hh, self.fed)
            if self.fed is not None:
                thin = int(to_fen(self.cfg.thin_village_yuan))
                fed_year = self.fed.year_end(coops.collective_income_last_fen, thin)
                coops.collective_income_fen += fed_year["joint_income"]
                accounts["collective_income_fen"] = coops.collective_income_fen
                accounts["coop_federation_rebate_fen"] = fed_year["rebate"]
            if self.plat is not None:
                accounts["coop_reward_fen"] = self.plat.rewards(accounts["coop_revenue_fen"], coops.revenue_last_fen,
                                                                coops.founded)
            coops.revenue_last_fen = accounts["coop_revenue_fen"]
            u = self.streams["institutions"].random((self.world.n_villages, 2))
            self.coops.review(12 * year + 11, accounts["coop_profit_fen"], u, self.coops.land_mu(self.hh))
            accounts["coop_industry"] = self.coops.industry.copy()
            self.recorder.coop_year = accounts
            self.coops.spend_collective(self.hh, self.cfg.tier.cadre_pay.performance_share)

    def close_year(self, year: int) -> None:
        """Record the year; its rural income per county sets next year's 345 pay."""
        self.rural_income_reference = self.recorder.record_year(year)

    def bookkeeping(self, t: int) -> None:
        """Close the month: close the ledger period, record the month's tables."""
        flows = self.ledger.close_period()
        self.recorder.record_month(t, flows)

    # -- running ----------------------------------------------------------
    def run(self, progress: Callable[[int], None] | None = None) -> RunTables:
        """Run to the horizon; verify the ledger; return the result tables."""
        self._pool = ThreadPoolExecutor(self.threads) if self.threads > 1 and len(self.household_blocks) > 1 else None
        try:
            for t in range(self.cfg.months):
                self.env.run(until=(t + 1) * TICKS)
                if progress is not None:
                    progress(t + 1)
            self.env.run(until=(self.cfg.months + 1) * TICKS)
        finally:
            if self._pool is not None:
                self._pool.shutdown()
        closing = self.ledger.verify()
        return self.recorder.tables(closing)
