"""The simulated economy: SimPy processes that put the rules in time order.

Time is in months from January of ``start_year``. Within each month the
processes run in a fixed order, set by their phase (fraction of a month):

====== =============================================================
phase  what happens
====== =============================================================
0.00   markets: planted areas -> local farm-gate prices
0.10   labour: each worker stays, leaves for a city, or returns
0.20   cooperatives founded this month (one SimPy event each)
0.25   membership: households join cooperatives (peer influence)
0.30   production: cooperatives and own farms produce and sell; wages,
       land rent, remittances, transfers and the secretary's pay
0.50   spending
0.80   December only: the cooperatives' annual distribution
0.90   book-keeping: monthly tables, ledger period closed
0.95   December only: annual tables
====== =============================================================
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy

from coopsim.config import RunConfig
from coopsim.cooperative import VillageCooperatives, founding_months
from coopsim.federation import TownshipFederations
from coopsim.households import HOME, SOURCE, Households, generate_households, initial_savings_yuan
from coopsim.labour import LabourMarket
from coopsim.ledger import Ledger, to_fen
from coopsim.market import Market
from coopsim.operations import operate
from coopsim.platform import CountyPlatforms
from coopsim.rng import Streams
from coopsim.rules.livelihood import farm_labour_factor, spending_yuan
from coopsim.rules.pay import secretary_base_pay_yuan
from coopsim.shocks import city_conditions, price_multiplier
from coopsim.world import World, build_world

OUTSIDE_ACCOUNTS = ("opening", "market", "middlemen", "city", "state", "bank", "capable_persons")


class Economy:
    """One region under one tier, ready to run.

    Parameters
    ----------
    cfg
        The validated run configuration.
    """

    def __init__(self, cfg: RunConfig) -> None:
        from coopsim.recorder import Recorder  # local: recorder imports Economy types

        self.cfg = cfg
        self.streams = Streams(cfg.seed)
        self.world: World = build_world(cfg.region, self.streams["world"])
        hh_rng = self.streams["households"]
        self.hh: Households = generate_households(self.world, cfg.households, cfg.labour, hh_rng)
        savings = initial_savings_yuan(self.hh.n, cfg.households.savings_mean_yuan, hh_rng)
        names = tuple(sorted(cfg.market.commodities))
        factor = price_multiplier(cfg.shocks, names, cfg.start_year, cfg.months, self.streams["shocks"])
        self.market = Market(cfg.market, cfg.months, self.world, self.streams["prices"], factor)
        conditions = city_conditions(cfg.shocks, cfg.labour.destination_names, cfg.start_year, cfg.months)
        self.labour_market = LabourMarket(cfg.labour, self.world, conditions)
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
        self._init_labour()
        self.rural_income_reference = np.full(self.world.n_counties, cfg.tier.cadre_pay.previous_year_rural_income_yuan)
        self.recorder = Recorder(self)
        self.env = simpy.Environment()
        self._start_processes()

    # -- set-up -------------------------------------------------------------
    def _month_of(self, year: int, month: int) -> int:
        """Run month of a calendar month (clipped to the run start)."""
        return max((year - self.cfg.start_year) * 12 + month - 1, 0)

    def _init_labour(self) -> None:
        cfg, hh, m = self.cfg, self.hh, self.market
        lab = cfg.labour
        casual = lab.local_day_wage_yuan * lab.local_days_per_month
        farm = (hh.land_mu * (self.mix * m.revenue_per_mu * (1 - m.input_cost_share)).sum()
                * (1 - m.middleman_margin) / 12.0)
        workers = np.maximum(hh.working_age, 1)
        self.local_income = casual + farm * hh.productivity / workers
        city = self.labour_market.base_wage(0) * hh.productivity
        has = hh.working_age > 0
        self.reference_ratio = float(np.median(city[has] / self.local_income[has])) if has.any() else 1.0

    def _start_processes(self) -> None:
        env = self.env
        phases: list[tuple[float, Callable[[int], None]]] = [
            (0.00, self.markets), (0.10, self.labour), (0.30, self.production),
            (0.50, self.spending), (0.90, self.bookkeeping),
        ]
        if self.coops is not None:
            phases.append((0.25, self.membership))
            months = founding_months(self.cfg.tier.cooperative, self.cfg.start_year,  # type: ignore[arg-type]
                                     self.world.n_villages, self.streams["institutions"])
            draws = self.streams["institutions"].random((self.world.n_villages, 3))
            for v in np.argsort(months, kind="stable"):
                if months[v] < self.cfg.months:
                    env.process(self._found(int(v), int(months[v]), draws[v]))
        if self.fed is not None or self.plat is not None:
            phases.append((0.05, self.institutions))
            phases.append((0.35, self.running_costs))
        for phase, step in phases:
            env.process(self._monthly(phase, step))
        env.process(self._yearly(0.80, self.year_end))
        env.process(self._yearly(0.95, self.close_year))

    def _monthly(self, phase: float, step: Callable[[int], None]) -> Generator[Any, Any, None]:
        yield self.env.timeout(phase)
        for t in range(self.cfg.months):
            step(t)
            yield self.env.timeout(1)

    def _yearly(self, phase: float, step: Callable[[int], None]) -> Generator[Any, Any, None]:
        yield self.env.timeout(11 + phase)
        for year in range(self.cfg.years):
            step(year)
            yield self.env.timeout(12)

    def _found(self, v: int, month: int, u: np.ndarray) -> Generator[Any, Any, None]:
        yield self.env.timeout(month + 0.20)
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
        own = np.bincount(hh.township, weights=self.own_land_mu(), minlength=w.n_townships)
        planted = own[:, None] * self.mix[None, :]
        if self.coops is not None:
            by_village = self.coops.planted_mu(hh)
            planted += np.add.reduceat(by_village, np.flatnonzero(np.diff(np.r_[-1, w.village_township])), axis=0)
        self.market.planted_mu = planted

    def labour(self, t: int) -> None:
        """Migration decisions of every worker (see :mod:`coopsim.labour`)."""
        hh, plat = self.hh, self.plat
        rng = self.streams["migration"]
        u, v = rng.random(hh.worker_status.shape), rng.random(hh.worker_status.shape)
        teams = None
        if plat is not None and plat.cfg.labour_export:
            teams = plat.active[self.world.township_county[hh.township]]
        moves, placed = self.labour_market.step(
            t, hh, self.local_income, self.reference_ratio, u, v, teams,
            plat.cfg.export_team_share if plat is not None else 0.0,
            plat.cfg.export_return_factor if plat is not None else 1.0)
        if plat is not None and teams is not None:
            fee = int(to_fen(plat.cfg.placement_fee_yuan))
            per_county = np.bincount(self.world.township_county[hh.township], weights=placed.sum(axis=1),
                                     minlength=self.world.n_counties).astype(np.int64) * fee
            self.ledger.pay_block("state", "platform", per_county, "labour_export_placement_fees")
            plat.placements += int(placed.sum())
        self.recorder.moves = moves

    def membership(self, t: int) -> None:
        """Households in villages with a cooperative join under peer influence."""
        assert self.coops is not None
        hh, w, m = self.hh, self.world, self.cfg.tier.cooperative.membership  # type: ignore[union-attr]
        u = self.streams["membership"].random(hh.n)
        share = np.bincount(hh.village, weights=hh.coop_member, minlength=w.n_villages) / w.village_households
        peer = 0.5 * (share + w.neighbour_mean(share))
        p = m.join_probability + m.peer_influence * peer[hh.village]
        self.coops.join(self.coops.founded[hh.village] & (u < p), hh)

    def production(self, t: int) -> None:
        """Cooperatives and own farms produce; wages, rent, remittances, transfers are paid."""
        cfg, hh, m, led = self.cfg, self.hh, self.market, self.ledger
        days_per_worker = cfg.households.farm_days_per_worker_month
        at_home, home = hh.at_home(), hh.workers(HOME)
        coop_days = np.zeros(hh.n)
        if self.coops is not None:
            coop_days = operate(t, self.coops, hh, at_home, days_per_worker, self.fed, self.plat)

        dependants = hh.members > hh.working_age
        available = (at_home + cfg.households.left_behind_labour * dependants) * days_per_worker - coop_days
        own = self.own_land_mu()
        need = own * (self.mix * m.labour_days_per_mu).sum() / 12.0
        factor = farm_labour_factor(need, np.maximum(available, 0.0))
        value_per_mu = (m.gross_yuan_per_mu(t) * self.mix[None, :]).sum(axis=1)[hh.township]
        sales = to_fen(own * value_per_mu * hh.productivity * factor * (1 - m.middleman_margin))
        inputs = to_fen(own * (m.input_yuan_per_mu(t) * self.mix).sum() * factor)
        led.pay_block("middlemen", "household", sales, "farm_sales")
        inputs = np.minimum(inputs, led.block("household"))
        led.collect_block("household", "market", inputs, "farm_inputs")
        hh.earn("own_farm", sales - inputs)

        lab = cfg.labour
        spare_days = np.maximum(home * days_per_worker - coop_days, 0.0)
        idle_days = np.minimum(home * lab.local_days_per_month, spare_days)
        casual = to_fen(idle_days * lab.local_day_wage_yuan)
        led.pay_block("market", "household", casual, "local_wages")
        hh.earn("wages", casual)
        uplift = self.plat.cfg.export_wage_uplift if self.plat is not None else 0.0
        remit = to_fen(self.labour_market.remittances_yuan(t, hh, uplift))
        led.pay_block("city", "household", remit, "remittances")
        hh.earn("remittances", remit)
        allowance = to_fen(np.where(hh.registered_poor, hh.members * cfg.state.poor_allowance_yuan_month_per_person, 0.0))
        led.pay_block("state", "household", allowance, "poverty_allowance")
        basic = to_fen(hh.members * cfg.state.basic_transfers_yuan_month_per_person)
        led.pay_block("state", "household", basic, "basic_transfers")
        hh.earn("transfers", allowance + basic)
        self._secretary_pay()

        earned = hh.income_month[:, [SOURCE["own_farm"], SOURCE["wages"]]].sum(axis=1) / 100.0
        per_worker = earned / np.maximum(at_home, 1)
        home_any = at_home > 0
        self.local_income = np.where(home_any, 11 / 12 * self.local_income + 1 / 12 * np.maximum(per_worker, 1.0),
                                     self.local_income)

    def _secretary_pay(self) -> None:
        rule, hh = self.cfg.tier.cadre_pay, self.hh
        # The first ``also_head_share`` of villages (by id) have one person as secretary and head.
        head_villages = np.arange(self.world.n_villages) < round(rule.also_head_share * self.world.n_villages)
        also_head = hh.secretary & head_villages[hh.village]
        county = self.world.township_county[hh.township]
        pay_head = np.array([secretary_base_pay_yuan(rule, x, True) for x in self.rural_income_reference])
        pay_other = np.array([secretary_base_pay_yuan(rule, x, False) for x in self.rural_income_reference])
        pay = np.where(also_head, pay_head[county], pay_other[county])
        amounts = to_fen(np.where(hh.secretary, pay / 12.0, 0.0))
        self.ledger.pay_block("state", "household", amounts, "secretary_base_pay")
        hh.earn("wages", amounts)

    def spending(self, t: int) -> None:
        """Households spend on living; money leaves the region to the market."""
        cfg, led = self.cfg.households, self.ledger
        balance = led.block("household")
        spend = to_fen(spending_yuan(balance / 100.0, self.hh.members,
                                     cfg.subsistence_yuan_month_per_person, cfg.spending_share_of_savings))
        led.collect_block("household", "market", np.minimum(spend, balance), "consumption")

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
        """Close the month: record tables, close the ledger period."""
        self.hh.income_year += self.hh.income_month
        flows = self.ledger.close_period()
        self.recorder.record_month(t, flows)
        self.hh.income_month[:] = 0

    # -- running ----------------------------------------------------------
    def run(self, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
        """Run to the horizon; verify the ledger; return the result tables."""
        for t in range(self.cfg.months):
            self.env.run(until=t + 1)
            if progress is not None:
                progress(t + 1)
        self.env.run(until=self.cfg.months + 1)
        closing = self.ledger.verify()
        return self.recorder.tables(closing)
