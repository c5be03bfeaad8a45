"""The simulated economy: SimPy processes that put the rules in time order.

Each step of a month is a phase of the calendar (:mod:`coopsim.engine.calendar`):
the economy starts one SimPy process per economy step, one SimPy event per
cooperative's founding, and the households' processes — one per block of
villages (``engine=fast``) or per household (``engine=agents``; both give the
same tables) — that apply the household rules
(:class:`~coopsim.households.livelihoods.Livelihoods`). The recorder
(:class:`~coopsim.engine.recorder.Recorder`) only reads: it is called at the
book-keeping phases and writes tables, never model state.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import simpy

from coopsim import institutions
from coopsim.config import RunConfig
from coopsim.engine.calendar import HOUSEHOLD_STEPS, MONTH, TICKS, phase
from coopsim.engine.recorder import Recorder, RunTables
from coopsim.engine.streams import Streams
from coopsim.households import Households, generate_households, initial_savings_yuan
from coopsim.households.livelihoods import Livelihoods, household_blocks
from coopsim.institutions.base import Partner
from coopsim.institutions.operations import operate
from coopsim.institutions.year_end import close_year
from coopsim.markets import LabourMarket, Market, city_conditions, price_history, price_multiplier
from coopsim.money import Ledger, to_fen
from coopsim.rules.founding import founding_months, starting_crops
from coopsim.world import World, build_world

OUTSIDE_ACCOUNTS = ("opening", "market", "middlemen", "city", "state", "bank", "capable_persons", "enterprises")

__all__ = ["OUTSIDE_ACCOUNTS", "TICKS", "Economy", "default_threads"]


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
        must apply :class:`~coopsim.households.livelihoods.Livelihoods` step
        ``step_name`` to every household.
    """

    def __init__(self, cfg: RunConfig, households_driver: Callable[[str, int], None] | None = None) -> None:
        self.cfg = cfg
        self.households_driver = households_driver
        self.streams = Streams(cfg.seed)
        self.world: World = build_world(cfg.region, self.streams["world"])
        hh_rng = self.streams["households"]
        self.hh: Households = generate_households(self.world, cfg.households, cfg.labour, hh_rng)
        savings = initial_savings_yuan(self.hh.n, cfg.households.savings_mean_yuan, hh_rng)
        factor = price_multiplier(cfg.shocks, cfg.commodities, cfg.start_year, cfg.months, self.streams["shocks"])
        history = price_history(cfg.shocks, cfg.commodities, cfg.start_year, cfg.months)
        self.market = Market(cfg.market, cfg.months, self.world, self.streams["prices"], factor, history)
        self.ledger = self._open_ledger(savings)
        self.coops, self.partners = institutions.build(cfg, self.world, self.market, self.ledger,
                                                       self.streams["spread"])
        conditions = city_conditions(cfg.shocks, cfg.labour.destination_names, cfg.start_year, cfg.months)
        self.labour_market = LabourMarket(cfg.labour, self.world, conditions, cfg.start_year)
        self.labour_market.initial_destinations(self.hh, self.streams["migration"])
        mix = np.zeros(len(self.market.names))  # the own farms' crops at the start, by share of households
        for name, share in cfg.households.own_farm_mix.items():
            mix[self.market.index_of(name)] = share
        self.hh.crop[:] = starting_crops(mix, self.hh.n, self.streams["crops"])
        self.livelihoods = Livelihoods(cfg, self.world, self.hh, self.market, self.ledger, self.labour_market,
                                       self.coops, self.partners, self.streams["crops"], self.streams["health"])
        self._own_planted: np.ndarray = np.zeros((self.world.n_townships, len(self.market.names)))
        self._own_producing: np.ndarray = np.zeros((len(self.market.names), cfg.months + 1))
        self._own_planted_version = (-1, -1)
        self._pool: ThreadPoolExecutor | None = None
        self.recorder = Recorder(cfg, self.world, self.hh, self.ledger, self.market, self.labour_market,
                                 self.livelihoods, self.coops)
        self.env = simpy.Environment()
        #: Threads stepping the households' blocks (fast engine).
        self.threads = (cfg.threads or default_threads()) if cfg.engine == "fast" else 1
        #: The rows each household process (agents) or the households' process (fast) steps.
        self.household_blocks = household_blocks(self.world.village_starts, self.hh.n, cfg.engine, self.threads)
        self._start_processes()

    def partner(self, block: str) -> Partner:
        """The tier's partner whose ledger block is ``block`` (``government``, ``federation``, ``platform``)."""
        for p in self.partners:
            if p.block == block:
                return p
        raise KeyError(f"tier '{self.cfg.tier.name}' has no {block}; its partners: "
                       + (", ".join(p.block for p in self.partners) or "none"))

    # -- set-up -------------------------------------------------------------
    def _open_ledger(self, savings_yuan: np.ndarray) -> Ledger:
        """The ledger: the outside accounts, a block per household and one for every
        institution's accounts (whatever the tier); households' savings opened."""
        w = self.world
        size = {"village": w.n_villages, "township": w.n_townships, "county": w.n_counties}
        ledger = Ledger(OUTSIDE_ACCOUNTS, {"household": self.hh.n,
                                           **{block: size[level] for block, level in institutions.BLOCKS.items()}})
        ledger.pay_block("opening", "household", to_fen(savings_yuan), "opening_savings")
        ledger.close_period()
        return ledger

    def _start_processes(self) -> None:
        """One SimPy event per cooperative's founding, one process per economy step
        of the calendar, and the households' processes."""
        env, cfg = self.env, self.cfg
        if self.coops is not None:
            months = founding_months(cfg.tier.cooperative, cfg.start_year,  # type: ignore[arg-type]
                                     self.world.n_villages, self.streams["institutions"])
            draws = self.streams["institutions"].random((self.world.n_villages, 3))
            for v in np.argsort(months, kind="stable"):
                if months[v] < cfg.months:
                    env.process(self._found(int(v), int(months[v]), draws[v]))
        for p in MONTH:
            if p.actor == "economy" and p.when == "month":
                env.process(self._monthly(p.tick, getattr(self, p.step)))
            elif p.actor == "economy" and p.when == "December":
                env.process(self._yearly(p.tick, getattr(self, p.step)))
        if cfg.engine == "agents":  # one process per household
            self.household_processes = [env.process(self._household(rows)) for rows in self.household_blocks]
        else:  # one process stepping all blocks
            self.household_processes = [env.process(self._households(self.household_blocks))]

    def _monthly(self, tick: int, step: Callable[[int], None]) -> Generator[Any, Any, None]:
        yield self.env.timeout(tick)
        for t in range(self.cfg.months):
            step(t)
            yield self.env.timeout(TICKS)

    def _yearly(self, tick: int, step: Callable[[int], None]) -> Generator[Any, Any, None]:
        yield self.env.timeout(11 * TICKS + tick)
        for year in range(self.cfg.years):
            step(year)
            yield self.env.timeout(12 * TICKS)

    def _household(self, rows: slice) -> Generator[Any, Any, None]:
        """The households of ``rows`` (a block of villages, or one household) live their months."""
        steps = [(p.tick, getattr(self.livelihoods, p.step)) for p in HOUSEHOLD_STEPS]
        for t in range(self.cfg.months):
            for tick, step in steps:
                yield self.env.timeout(t * TICKS + tick - self.env.now)
                step(t, rows)

    def _households(self, blocks: list[slice]) -> Generator[Any, Any, None]:
        """All households live their months, block by block, the blocks shared out among threads."""
        steps = [(p.tick, getattr(self.livelihoods, p.step)) for p in HOUSEHOLD_STEPS]
        for t in range(self.cfg.months):
            for tick, step in steps:
                yield self.env.timeout(t * TICKS + tick - self.env.now)
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
        yield self.env.timeout(month * TICKS + phase("found").tick)
        assert self.coops is not None
        self.coops.found(v, month, self.hh, u)

    # -- the economy's steps, in the calendar's order -------------------------------
    def markets(self, t: int) -> None:
        """Update the planted area of every crop in every township (the households' own farms and the
        cooperatives' land), and the month's regional prices from the region's producing area."""
        hh, w, coops, m = self.hh, self.world, self.coops, self.market
        version = (self.livelihoods.crop_version, coops.membership_version if coops is not None else 0)
        c = len(m.names)
        if version != self._own_planted_version:  # crops change in January, own land when land is put in
            own = hh.land_mu - hh.land_in_coop_mu
            self._own_planted = np.bincount(hh.township * c + hh.crop, weights=own,
                                            minlength=w.n_townships * c).reshape(w.n_townships, c)
            # own land producing by each month: by crop, the area whose first harvest comes in each month
            first = np.clip(hh.crop_planted_month + m.months_to_first_harvest[hh.crop], 0, self.cfg.months)
            by_month = np.bincount(hh.crop * (self.cfg.months + 1) + first, weights=own,
                                   minlength=c * (self.cfg.months + 1)).reshape(c, self.cfg.months + 1)
            self._own_producing = np.cumsum(by_month, axis=1)
            self._own_planted_version = version
        planted = self._own_planted.copy()
        producing = self._own_producing[:, t].copy()
        if coops is not None:
            by_village = coops.planted_mu(hh)
            planted += np.add.reduceat(by_village, np.flatnonzero(np.diff(np.r_[-1, w.village_township])), axis=0)
            ind = np.maximum(coops.industry, 0)
            harvesting = coops.founded & (t >= coops.planted_month + m.months_to_first_harvest[ind])
            producing += by_village[harvesting].sum(axis=0)
        m.planted_mu = planted
        m.supply_response(t, producing)

    def institutions(self, t: int) -> None:
        """The partners open their month: start on their dates, agree prices, let projects."""
        if self.coops is None:
            return
        for partner in self.partners:
            partner.open_month(t, self.coops.founded, self.streams["institutions"])

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
        """The cooperatives draw the month's joining uniforms and publish each village's chance to join."""
        if self.coops is not None:
            self.coops.open_membership(t, self.hh, self.streams["membership"])

    def production(self, t: int) -> None:
        """Cooperatives hire, produce, sell and pay their costs (the households collect their pay next)."""
        if self.coops is not None:
            operate(t, self.coops, self.hh, self.cfg.households.farm_days_per_worker_month)

    def running_costs(self, t: int) -> None:
        """The partners' overheads; the state covers platform losses."""
        for partner in self.partners:
            partner.running_costs(t)

    def year_end(self, year: int) -> None:
        """December: cooperatives distribute, partners close their year, the collective pays and spends."""
        if self.coops is not None:
            close_year(self.coops, self.hh, 12 * year + 11, self.streams["institutions"],
                       int(to_fen(self.cfg.thin_village_yuan)), self.cfg.tier.cadre_pay.performance_share,
                       self.cfg.start_year + year)

    def bookkeeping(self, t: int) -> None:
        """Close the month: close the ledger period; the recorder records the month's tables."""
        flows = self.ledger.close_period()
        self.recorder.record_month(t, flows)

    def record_year(self, year: int) -> None:
        """The recorder records the year's tables."""
        self.recorder.record_year(year)

    def close_year(self, year: int) -> None:
        """The year's rural income per county sets next year's 345 pay; the year's income starts again."""
        self.livelihoods.close_year(12 * year + 11)

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
