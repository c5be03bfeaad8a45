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
(``engine=agents``) runs one SimPy process per household. The steps and their
phases are the calendar's (:mod:`coopsim.engine.calendar`).

The rules are given the parts of the economy they use — the region, the
households, the markets, the ledger, the cooperatives and their partners —
and read only what those publish; the partners take part through their hooks
(processing wages for workers at home).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from coopsim.config import RunConfig
from coopsim.households.state import SOURCE, Households
from coopsim.money import Ledger, Rows, to_fen
from coopsim.rules.founding import choose_industries, over_horizon
from coopsim.rules.livelihood import farm_labour_factor, spending_yuan
from coopsim.rules.pay import secretary_base_pay_yuan
from coopsim.rules.series import by_year, monthly
from coopsim.rules.services import trusteeship_pays
from coopsim.world import World

if TYPE_CHECKING:
    from coopsim.institutions.base import Partner
    from coopsim.institutions.cooperative import VillageCooperatives
    from coopsim.markets.commodities import Market
    from coopsim.markets.labour import LabourMarket

#: Households per block of the fast engine (whole villages are kept together), at most...
BLOCK_HOUSEHOLDS = 131_072
#: ...and at least (smaller blocks cost more in thread hand-overs than they gain).
MIN_BLOCK_HOUSEHOLDS = 20_000


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
    """The household rules of one economy, applied to rows.

    Parameters
    ----------
    cfg, world, hh, market, ledger, labour
        The run's config, region, households, commodity markets, ledger and labour market.
    coops, partners
        The tier's village cooperatives (``None`` in tier ``none``) and the partners above them.
    crops_rng
        The stream of the households' crop choices (two uniforms per household each December).
    health_rng
        The stream of illness (one uniform per household each month).
    """

    def __init__(self, cfg: RunConfig, world: World, hh: Households, market: Market, ledger: Ledger,
                 labour: LabourMarket, coops: VillageCooperatives | None, partners: Sequence[Partner],
                 crops_rng: np.random.Generator, health_rng: np.random.Generator) -> None:
        self.cfg, self.world, self.hh, self.market, self.ledger = cfg, world, hh, market, ledger
        self.labour, self.coops, self.partners, self.crops_rng = labour, coops, tuple(partners), crops_rng
        self.health_rng = health_rng
        #: What a household's farm yields per mu relative to the reference: its skill times its land's quality.
        self.farm_skill = hh.productivity * hh.land_quality
        self._lock = threading.Lock()  # for what blocks stepped on different threads share
        self.county = world.township_county[hh.township]
        #: The crops households choose among (market indices), and a count of the times any household re-chose.
        self.crop_candidates = np.array([market.index_of(n) for n in cfg.households.crops], dtype=np.int64)
        self.crop_version = 0
        #: Days each household worked on its own farm this year (what its farm income is judged against).
        self.farm_days_year = np.zeros(hh.n)
        #: Each household's local earnings per worker at home (yuan/month), a moving average.
        self.local_income = self._starting_local_income()
        city = labour.base_wage(0) * hh.productivity
        has = hh.working_age > 0
        #: The city wage over local earnings of the median household: the wage gap at which workers leave at the base rate.
        self.reference_ratio = float(np.median(city[has] / self.local_income[has])) if has.any() else 1.0
        #: Each county's rural income per person last year (yuan), the reference of the secretaries' "345" pay.
        self.rural_income_reference = np.full(world.n_counties, cfg.tier.cadre_pay.previous_year_rural_income_yuan)
        # Set when the month opens, before the households step:
        self.value_per_mu = np.zeros((world.n_townships, len(market.names)))
        self.input_per_mu = np.zeros(len(market.names))
        self.month = 0
        self.secretary_pay = (np.zeros(world.n_counties), np.zeros(world.n_counties))
        # The first ``also_head_share`` of villages (by id) have one person as secretary and head.
        head_villages = np.arange(world.n_villages) < round(cfg.tier.cadre_pay.also_head_share * world.n_villages)
        self.also_head = hh.secretary & head_villages[hh.village]
        state = cfg.state
        #: The month's pension per person aged 60 and over, and farm subsidy per contracted mu and year (yuan).
        self.pension = monthly(state.pension_yuan_month_by_year, cfg.start_year, cfg.months)
        self.farm_subsidy = monthly(state.farm_subsidy_yuan_mu_by_year, cfg.start_year, cfg.months)
        self.other_fen = to_fen(hh.members * state.other_transfers_yuan_month_per_person)
        #: This year's pension and poverty support per household a month (fen), set as the year opens.
        self.pension_fen = np.zeros(hh.n, dtype=np.int64)
        self.support_fen = np.zeros(hh.n, dtype=np.int64)
        self._standards_year = -1
        #: Each household's monthly minimum living allowance (fen), assessed each December for the next year.
        self.dibao_fen = np.zeros(hh.n, dtype=np.int64)
        #: This month's illness draws (one per household), and each household's chance a month that one of its
        #: members falls seriously ill.
        self.health_draw = np.ones(hh.n, dtype=np.float32)
        self.illness_chance = 1.0 - (1.0 - cfg.households.illness_probability_year) ** (hh.members / 12.0)
        self.secretaries = np.flatnonzero(hh.secretary)
        #: The month's income of each village's households by source (fen), tallied as each block closes its month.
        self.village_income_fen = np.zeros((world.n_villages, hh.income_month.shape[0]), dtype=np.int64)
        #: What each household's migrants send home a month (fen), recomputed when its workers
        #: move or the cities' wages change (``remit_stale``).
        self.remit_fen = np.zeros(hh.n, dtype=np.int64)
        self.remit_stale = np.ones(hh.n, dtype=bool)
        self._wage_table: tuple[float, bytes] | None = None
        self.assess_transfers(self._starting_income_yuan(), cfg.start_year - 1)

    def _starting_income_yuan(self) -> np.ndarray:
        """What each household earns in a year as it starts (yuan, before means-tested transfers): its workers
        at home at their local earnings, its migrants' remittances, pensions and the other transfers."""
        hh = self.hh
        monthly_yuan = (self.local_income * hh.home_workers + self.labour.remittances_yuan(0, hh)
                        + hh.elderly * self.pension[0] + self.other_fen / 100.0)
        return 12.0 * monthly_yuan

    def _starting_local_income(self) -> np.ndarray:
        """Local earnings per worker at the start (yuan/month): casual work and the own farm's net sales."""
        hh, m = self.hh, self.market
        casual = self.labour.local_day_wage(0) * self.cfg.labour.local_days_per_month
        lot = hh.land_mu * m.revenue_per_mu[hh.crop] * self.farm_skill / 12.0  # an average month's lot
        inputs = lot * m.input_cost_share[hh.crop]
        net = lot * (1 - m.selling_margin(lot)) - inputs
        return casual + net / np.maximum(hh.working_age, 1)

    # -- the month opens, the year closes -----------------------------------------
    def open_month(self, t: int) -> None:
        """The month's farm-gate values and the secretaries' pay rates; a new tally of village income."""
        m = self.market
        self.value_per_mu = m.gross_yuan_per_mu(t)  # (townships, crops)
        self.input_per_mu = m.input_yuan_per_mu(t)
        self.month = t
        self.health_draw = self.health_rng.random(self.hh.n, dtype=np.float32)
        if t // 12 != self._standards_year:  # standards change, and who is supported, by year
            self._standards_year = t // 12
            hh, state = self.hh, self.cfg.state
            self.pension_fen = to_fen(hh.elderly * self.pension[t])
            supported = hh.registered_poor | hh.monitored
            self.support_fen = to_fen(np.where(supported, hh.members * state.poverty_support_yuan_month_per_person, 0.0))
        rule = self.cfg.tier.cadre_pay
        self.secretary_pay = (np.array([secretary_base_pay_yuan(rule, x, True) for x in self.rural_income_reference]),
                              np.array([secretary_base_pay_yuan(rule, x, False) for x in self.rural_income_reference]))
        lm = self.labour
        wage_table = (lm.base_wage(t), lm.conditions.wage_factor[t].tobytes())
        if wage_table != self._wage_table:  # a new year's wages or a city shock: every remittance changes
            self._wage_table = wage_table
            self.remit_stale[:] = True
        self.village_income_fen[:] = 0

    def close_year(self, t: int) -> None:
        """Households whose farm paid less than casual work re-choose their crop (:meth:`review_crops`);
        the year's income per person in each county becomes next year's 345 pay reference; the
        households' year income starts again."""
        self.review_crops(t)
        hh, w = self.hh, self.world
        total = hh.income_year_total_fen() / 100.0
        self.assess_transfers(total - 12 * self.dibao_fen / 100.0, self.cfg.start_year + t // 12)
        self.rural_income_reference = (np.bincount(self.county, weights=total, minlength=w.n_counties)
                                       / np.bincount(self.county, weights=hh.members.astype(np.float64),
                                                     minlength=w.n_counties))
        hh.income_year[:] = 0
        self.farm_days_year[:] = 0

    def assess_transfers(self, income_yuan: np.ndarray, year: int) -> None:
        """December of ``year``: the means tests on the year's income per person (yuan, before the minimum living
        allowance). The allowance (dibao) tops every enrolled household's income up to next year's standard,
        paid monthly next year (enrolled: eligible and found, ``state.dibao_take_up``); registered-poor
        households whose income reached the poverty line are checked out of poverty (until the monitoring
        begins: 2020; their support continues, as the policy kept it through the transition); from
        ``state.monitoring_from_year``, other
        households below the monitoring line are monitored and supported next year (防返贫监测)."""
        hh, state = self.hh, self.cfg.state
        per_capita = income_yuan / hh.members
        standard = by_year(state.dibao_standard_yuan_year_by_year, year + 1)
        gap = np.where(hh.dibao_draw < state.dibao_take_up, np.maximum(standard - per_capita, 0.0), 0.0)
        self.dibao_fen = to_fen(gap * hh.members / 12.0)
        if self.cfg.start_year <= year < state.monitoring_from_year:
            line = by_year(self.cfg.poverty_line_yuan_by_year, year)
            exits = hh.registered_poor & (hh.poverty_exit_year == 0) & (per_capita >= line)
            hh.poverty_exit_year[exits] = year
        if year + 1 >= state.monitoring_from_year:
            line = by_year(state.monitoring_line_yuan_by_year, year + 1)
            hh.monitored[:] = ~hh.registered_poor & (per_capita < line)

    def review_crops(self, t: int) -> int:
        """December: each household whose own farm, after a year of harvests, paid less per day of work than
        casual local work re-chooses its crop by the cooperatives' rule
        (:func:`~coopsim.rules.founding.choose_industries`), with its own information: the last twelve
        months' prices in its township's market, the selling cost of its own lot, its labour at the local
        day wage, no rent; herding on its village's most common crop. A new crop is planted in January.
        Returns how many households changed crop."""
        hh, m, cfg = self.hh, self.market, self.cfg.households
        u = self.crops_rng.random((hh.n, 2))  # drawn for every household, so the stream stays aligned
        own = hh.land_mu - hh.land_in_coop_mu
        wage = self.labour.local_day_wage(t)
        harvesting = t - (hh.crop_planted_month + m.months_to_first_harvest[hh.crop]) + 1 >= 12
        earned = hh.income_year[SOURCE["own_farm"]] / 100.0
        due = np.flatnonzero((own > 0) & harvesting & (earned < self.farm_days_year * wage))
        if not due.size:
            return 0
        c = self.crop_candidates
        index = m.price_index[max(t - 11, 0): t + 1].mean(axis=0)[c]
        price = m.revenue_per_mu[c] * index * m.local_factor()[hh.township[due]][:, c]  # a mu's year, (due, C)
        skill = self.farm_skill[due]
        lot = price * (own[due] * skill)[:, None] / 12.0
        gross = price * skill[:, None] * (1 - m.selling_margin(lot))
        upkeep = m.revenue_per_mu[c] * m.input_cost_share[c] + m.labour_days_per_mu[c] * wage
        net = over_horizon(gross - upkeep, upkeep, m.months_to_first_harvest[c], cfg.planning_horizon_years)
        villages = self.world.n_villages
        counts = np.bincount(hh.village * len(m.names) + hh.crop, minlength=villages * len(m.names))
        mode = counts.reshape(villages, len(m.names)).argmax(axis=1)  # each village's most common crop
        position = np.full(len(m.names), -1, dtype=np.int64)
        position[c] = np.arange(len(c))
        pick = c[choose_industries(net, position[mode[hh.village[due]]], cfg.herding, cfg.choice_temperature,
                                   u[due, 0], u[due, 1])]
        changed = due[pick != hh.crop[due]]
        hh.crop[changed] = pick[pick != hh.crop[due]]
        hh.crop_planted_month[changed] = t + 1
        if changed.size:
            self.crop_version += 1
        return int(changed.size)

    # -- the household steps ------------------------------------------------------
    def migrate(self, t: int, rows: slice) -> None:
        """Each worker stays, leaves for a city or comes home (see :mod:`coopsim.markets.labour`)."""
        moved = self.labour.step(t, self.hh, rows, self.local_income[rows], self.reference_ratio)
        self.remit_stale[moved] = True

    def join(self, t: int, rows: slice) -> None:
        """Households in villages with a cooperative join under peer influence."""
        coops, hh = self.coops, self.hh
        if coops is None:
            return
        village = hh.village[rows]
        joining = coops.founded[village] & (coops.join_draw[rows] < coops.join_probability[village])
        coops.join(np.flatnonzero(joining) + rows.start, hh)

    def earn(self, t: int, rows: slice) -> None:
        """Own farms produce and sell; cooperative and partners' pay, local wages,
        remittances, transfers and the secretary's pay."""
        cfg, hh = self.cfg, self.hh
        at_home, home = hh.at_home(rows), hh.home_workers[rows]
        coop_days = self._collect_coop_pay(rows, at_home)
        for partner in self.partners:
            wages = partner.pay_workers_at_home(rows, home, self.county[rows])
            if wages is not None:
                hh.earn("wages", wages, rows)
        sick = self._illness(t, rows)  # a sick member keeps one worker at home from work
        self._farm(rows, np.maximum(at_home - sick, 0), coop_days)
        home = np.maximum(home - sick, 0)
        days_per_worker = cfg.households.farm_days_per_worker_month
        spare_days = np.maximum(home * days_per_worker - coop_days, 0.0)
        idle_days = np.minimum(home * cfg.labour.local_days_per_month, spare_days)
        self._receive("market", to_fen(idle_days * self.labour.local_day_wage(t)), "local_wages", "wages", rows)
        self._receive("city", self._remittances(t, rows), "remittances", "remittances", rows)
        self._transfers(t, rows)
        self._secretary_pay(rows)
        earned = hh.income_month[SOURCE["own_farm"], rows] + hh.income_month[SOURCE["wages"], rows]
        per_worker = (earned / 100.0) / np.maximum(at_home, 1)
        self.local_income[rows] = np.where(at_home > 0, 11 / 12 * self.local_income[rows]
                                           + 1 / 12 * np.maximum(per_worker, 1.0), self.local_income[rows])

    def _illness(self, t: int, rows: slice) -> np.ndarray:
        """Serious illness: each person falls ill with ``households.illness_probability_year`` a year. The
        household pays the treatment's cost less what the medical insurance reimburses (registered-poor and
        monitored households less: medical aid), as far as its cash goes, and for ``illness_months`` one of its
        workers (the sick or the carer) cannot work. Returns 1 for each household kept from work, else 0."""
        hh, cfg = self.hh, self.cfg.households
        who = np.flatnonzero(self.health_draw[rows] < self.illness_chance[rows])
        if who.size:
            idx = who + rows.start
            aided = hh.registered_poor[idx] | hh.monitored[idx]
            share = np.where(aided, cfg.illness_out_of_pocket_share_poor, cfg.illness_out_of_pocket_share)
            cost = np.minimum(to_fen(cfg.illness_cost_yuan * share), self.ledger.block("household", idx))
            self.ledger.collect_block("household", "market", cost, "medical_costs", idx)
            hh.sick_until[idx] = t + cfg.illness_months - 1
        return ((hh.sick_until[rows] >= t) & (hh.working_age[rows] > 0)).astype(np.int64)

    def _transfers(self, t: int, rows: slice) -> None:
        """The state's transfers, by kind, each to the households that qualify: pensions for members aged 60 and
        over, the minimum living allowance (dibao) to enrolled households, the farmland subsidy per contracted mu
        (once a year), poverty-alleviation support to registered-poor and monitored households, and the other
        transfers per person."""
        hh, state, led = self.hh, self.cfg.state, self.ledger
        kinds = {"pension": self.pension_fen[rows], "dibao": self.dibao_fen[rows],
                 "poverty_support": self.support_fen[rows], "other_transfers": self.other_fen[rows]}
        if t % 12 + 1 == state.farm_subsidy_month:
            kinds["farm_subsidy"] = to_fen(hh.land_mu[rows] * self.farm_subsidy[t])
        for kind, amounts in kinds.items():
            led.pay_block("state", "household", amounts, kind, rows)
            hh.earn("transfers", amounts, rows)

    def _farm(self, rows: slice, at_home: np.ndarray, coop_days: np.ndarray) -> None:
        """The own farm: the work done with the days left after cooperative work, sold to middlemen (a small lot's
        selling cost: :meth:`~coopsim.markets.commodities.Market.selling_margin`)."""
        cfg, hh, led = self.cfg.households, self.hh, self.ledger
        available = (at_home + cfg.left_behind_labour * hh.dependants[rows]) * cfg.farm_days_per_worker_month - coop_days
        own = hh.land_mu[rows] - hh.land_in_coop_mu[rows]
        m, crop = self.market, hh.crop[rows]
        need = own * m.labour_days_per_mu[crop] / 12.0
        factor = farm_labour_factor(need, np.maximum(available, 0.0))
        self.farm_days_year[rows] += need * factor
        trusted = self._trusted_mu(rows, own * (1 - factor), crop)
        worked = own * factor + trusted
        self._lease(rows, own * (1 - factor) - trusted)
        producing = self.month >= hh.crop_planted_month[rows] + m.months_to_first_harvest[crop]
        value_per_mu = np.where(producing, self.value_per_mu[hh.township[rows], crop], 0.0)
        lot = worked * value_per_mu * self.farm_skill[rows]  # the month's lot at the buyers' price (yuan)
        sales = to_fen(lot * (1 - self.market.selling_margin(lot)))
        inputs = to_fen(worked * self.input_per_mu[crop])
        led.pay_block("middlemen", "household", sales, "farm_sales", rows)
        inputs = np.minimum(inputs, led.block("household", rows))
        led.collect_block("household", "market", inputs, "farm_inputs", rows)
        hh.earn("own_farm", sales - inputs, rows)
        fees = self._pay_trusteeship(rows, worked - own * factor, crop)
        hh.earn("own_farm", -fees, rows)

    def _lease(self, rows: slice, idle_mu: np.ndarray) -> None:
        """Land the household cannot farm this month goes to a tenant (an outside grower) where one takes it
        (``households.land_lease_chance``) for ``land_lease_rent_yuan_mu_year``: property income."""
        cfg = self.cfg.households
        leased = np.where(self.hh.lease_draw[rows] < cfg.land_lease_chance, np.maximum(idle_mu, 0.0), 0.0)
        self._receive("market", to_fen(leased * cfg.land_lease_rent_yuan_mu_year / 12.0), "land_lease_rent",
                      "land_rent", rows)

    def _trusted_mu(self, rows: slice, idle_mu: np.ndarray, crop: np.ndarray) -> np.ndarray:
        """The land each member household trusts to its cooperative this month: what its workers at home cannot
        farm, where a year's harvest of a mu, after inputs and its selling cost, pays the trusteeship fee."""
        coops, hh, m = self.coops, self.hh, self.market
        if coops is None or not coops.cfg.trusteeship:
            return np.zeros_like(idle_mu)
        member = hh.coop_member[rows] & coops.founded[hh.village[rows]]
        own = hh.land_mu[rows] - hh.land_in_coop_mu[rows]
        year = m.revenue_per_mu[crop] * self.farm_skill[rows]  # a mu's year at reference prices
        net = year * (1 - m.input_cost_share[crop] - m.selling_margin(own * year / 12.0))
        return np.where(member & trusteeship_pays(net, coops.trusteeship_fee_per_mu[crop]), idle_mu, 0.0)

    def _pay_trusteeship(self, rows: slice, trusted_mu: np.ndarray, crop: np.ndarray) -> np.ndarray:
        """Members pay their cooperative the month's fee for the land they trusted to it (fen per household,
        as far as their cash goes); the cooperative does the work with the next month's hiring."""
        coops = self.coops
        if coops is None:
            return np.zeros(len(trusted_mu), dtype=np.int64)
        hh, led = self.hh, self.ledger
        fees = np.minimum(to_fen(trusted_mu * coops.trusteeship_fee_per_mu[crop] / 12.0), led.block("household", rows))
        who = np.flatnonzero(fees > 0)
        if who.size:
            led.between_rows("household", who + rows.start, "cooperative", hh.village[rows][who], fees[who],
                             "trusteeship_fees")
        days = trusted_mu * self.market.labour_days_per_mu[crop] * (1 - coops.cfg.machine_labour_saving) / 12.0
        villages, starts = self.villages_of(rows)
        coops.trust_land(rows, villages, starts, trusted_mu, days, fees)
        return fees

    def villages_of(self, rows: slice) -> tuple[np.ndarray, np.ndarray]:
        """The villages the rows belong to and where each starts among the rows."""
        villages = np.arange(self.hh.village[rows.start], self.hh.village[rows.stop - 1] + 1)
        return villages, np.maximum(self.world.village_starts[villages], rows.start) - rows.start

    def _collect_coop_pay(self, rows: slice, at_home: np.ndarray) -> np.ndarray:
        """Members collect their cooperative's wages and land rent; returns the days each worked for it."""
        coops = self.coops
        pay = coops.household_pay if coops is not None else None
        if pay is None or coops is None:
            return np.zeros(rows.stop - rows.start)
        hh, led = self.hh, self.ledger
        member, village = hh.coop_member[rows], hh.village[rows]
        key = village * pay.days.shape[1] + at_home
        days = np.where(member, pay.days.ravel()[key], 0.0)
        wages = np.where(member, pay.wages.ravel()[key], 0)
        rent = pay.rent_of(coops.rent_fen[rows], village)
        villages, starts = self.villages_of(rows)
        led.groups_pay_rows("cooperative", villages, starts, "household", rows, wages, "coop_wages")
        led.groups_pay_rows("cooperative", villages, starts, "household", rows, rent, "coop_land_rent")
        coops.transactions_fen[rows] += wages + rent
        hh.earn("wages", wages, rows)
        hh.earn("land_rent", rent, rows)
        return days

    def _remittances(self, t: int, rows: slice) -> np.ndarray:
        """The rows' remittances this month (fen): last month's, unless their workers moved or wages changed."""
        stale = np.flatnonzero(self.remit_stale[rows])
        if stale.size:
            which: slice | np.ndarray = rows if stale.size == rows.stop - rows.start else stale + rows.start
            self.remit_fen[which] = to_fen(self.labour.remittances_yuan(t, self.hh, which))
            self.remit_stale[which] = False
        return self.remit_fen[rows]

    def _receive(self, payer: str, amounts_fen: np.ndarray, kind: str, source: str, rows: Rows) -> None:
        self.ledger.pay_block(payer, "household", amounts_fen, kind, rows)
        self.hh.earn(source, amounts_fen, rows)

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
        cfg, led = self.cfg.households, self.ledger
        balance = led.block("household", rows)
        spend = to_fen(spending_yuan(balance / 100.0, self.hh.members[rows],
                                     cfg.subsistence_yuan_month_per_person, cfg.spending_share_of_savings))
        led.collect_block("household", "market", np.minimum(spend, balance), "consumption", rows)

    def close_month(self, t: int, rows: slice) -> None:
        """Add the month's income to the year's and to the villages' tally for the month's tables."""
        hh = self.hh
        month = hh.income_month[:, rows]
        villages, starts = self.villages_of(rows)
        sums = np.add.reduceat(month, starts, axis=1)
        with self._lock:
            self.village_income_fen[villages] += sums.T
        hh.income_year[:, rows] += month
        month[:] = 0
