"""Village cooperatives led by the village party branch (tier 1.0).

One row per village. Each cooperative's founding is its own SimPy event,
scheduled from the rollout; membership, monthly operations and the annual
distribution are applied to all cooperatives at once by the economy's
processes. Money moves only through the ledger.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from coopsim.config import CooperativeConfig
from coopsim.households import Households
from coopsim.ledger import Ledger, allocate, segment_sums, split_equally, to_fen
from coopsim.market import Market
from coopsim.rules.distribution import Distributions, split_surpluses
from coopsim.rules.founding import choose_industry
from coopsim.rules.prices import local_price_factor
from coopsim.rules.shares import apportion_shares_many
from coopsim.world import World

if TYPE_CHECKING:
    from coopsim.federation import TownshipFederations

#: Year-to-date income and cost accounts of each cooperative, in fen.
INCOME = ("revenue", "public_income")
COSTS = ("inputs", "wages", "land_rent", "management", "interest", "fund_interest", "service_fee", "materials")
YTD = INCOME + COSTS


class HouseholdPay(NamedTuple):
    """What the month's cooperatives owe their member households.

    A member household's days and wages depend only on its village and its
    workers at home (0..MAX_WORKERS), so they are tables of shape
    (villages, MAX_WORKERS + 1); its land rent is its own
    (:attr:`VillageCooperatives.rent_fen`), times ``ratio`` where its
    cooperative cannot pay everything. The households collect them in their
    own step; the sums by village are what the cooperatives pay out.
    """

    members_at_home: np.ndarray  # member households by village and workers at home
    days: np.ndarray
    wages: np.ndarray
    wages_by_village: np.ndarray
    ratio: np.ndarray
    rent_by_village: np.ndarray

    def rent_of(self, rent_fen: np.ndarray, village: np.ndarray) -> np.ndarray:
        """The rent actually paid to households whose full rent is ``rent_fen``."""
        r = self.ratio[village]
        short = r < 1.0
        if not short.any():
            return rent_fen
        return np.where(short, np.floor(rent_fen * r).astype(np.int64), rent_fen)


class VillageCooperatives:
    """The village cooperatives of a region, one row per village."""

    def __init__(self, cfg: CooperativeConfig, world: World, market: Market, ledger: Ledger) -> None:
        self.cfg, self.world, self.market, self.ledger = cfg, world, market, ledger
        v = world.n_villages
        self.industries = np.array([market.index_of(n) for n in cfg.industries])
        self.founded = np.zeros(v, dtype=bool)
        self.founded_month = np.full(v, -1, dtype=np.int64)
        self.planted_month = np.full(v, -1, dtype=np.int64)
        self.switches = 0
        self.unpaid_fen = np.zeros(v, dtype=np.int64)
        self.industry = np.full(v, -1, dtype=np.int64)
        self.collective_fraction = np.zeros(v)
        self.capable_fraction = np.zeros(v)
        self.debt_fen = np.zeros(v, dtype=np.int64)
        self.fund_debt_fen = np.zeros(v, dtype=np.int64)
        self.revenue_last_fen = np.zeros(v, dtype=np.int64)
        self.reserve_fen = np.zeros(v, dtype=np.int64)
        self.ytd = {k: np.zeros(v, dtype=np.int64) for k in YTD}
        self.month_revenue_fen = np.zeros(v, dtype=np.int64)
        self.month_wage_days: np.ndarray = np.zeros(v)
        self.collective_income_fen = np.zeros(v, dtype=np.int64)
        self.collective_income_last_fen = np.zeros(v, dtype=np.int64)
        self.household_fraction: np.ndarray | None = None
        self.federation: TownshipFederations | None = None  # the township federation, whose front-end contract plans industries
        self.dividends_fen = np.zeros(v, dtype=np.int64)
        #: Each household's monthly land rent from its cooperative (fen), set when it joins.
        self.rent_fen = np.zeros(world.n_households, dtype=np.int64)
        #: Counts changes of membership or founding; what depends on them is cached against it.
        self.membership_version = 0
        self._lock = threading.Lock()
        self._by_membership: dict[str, tuple[int, np.ndarray]] = {}

    def cached_by_membership(self, name: str, compute: Callable[[], np.ndarray]) -> np.ndarray:
        """``compute()``, recomputed only when membership or founding changed since."""
        version, value = self._by_membership.get(name, (-1, np.zeros(0)))
        if version != self.membership_version:
            value = compute()
            self._by_membership[name] = (self.membership_version, value)
        return value

    def members_by_village(self, hh: Households) -> np.ndarray:
        """Member households of each cooperative (read-only)."""
        return self.cached_by_membership("members", lambda: np.add.reduceat(hh.coop_member.view(np.int8), self.world.village_starts,
                                                               dtype=np.int64))

    def rent_by_village(self, hh: Households) -> np.ndarray:
        """Each cooperative's monthly land rent bill (fen; read-only)."""
        return self.cached_by_membership("rent", lambda: segment_sums(self.rent_fen, self.world.village_starts))

    # -- land and founding ------------------------------------------------
    def land_mu(self, hh: Households) -> np.ndarray:
        """Land farmed by each cooperative: members' land put in plus collective land (read-only)."""
        def land() -> np.ndarray:
            members_land = np.bincount(hh.village, weights=hh.land_in_coop_mu, minlength=self.world.n_villages)
            return np.where(self.founded, members_land + self.cfg.collective_land_mu, 0.0)
        return self.cached_by_membership("land", land)

    def expected_net_per_mu(self, v: int, t: int, land_mu: float) -> np.ndarray:
        """Net yuan per mu and year that village ``v`` expects from each candidate industry.

        Uses the last twelve months' average price index and the local price
        the township would pay if this cooperative's ``land_mu`` were added to
        what is already planted there (it knows its own market, not what its
        neighbours will plant next).
        """
        m, c, cfg = self.market, self.industries, self.cfg
        index = m.price_index[max(t - 11, 0) : t + 1].mean(axis=0)[c]
        town = self.world.village_township[v]
        own = np.zeros(len(m.names))
        if self.founded[v] and self.industry[v] >= 0:
            own[self.industry[v]] = land_mu
        planted = m.planted_mu[town] - own + land_mu
        reach, margin, uplift = 1.0, cfg.sales_margin, cfg.scale_yield_uplift
        fed = self.federation
        if fed is not None and fed.active[town] and not fed.failed[town]:
            # the federation plans with the whole township's plantings and its bulk market
            if fed.cfg.marketing:
                reach, margin = fed.cfg.market_reach, fed.cfg.marketing_margin
            if fed.cfg.technology:
                uplift += fed.cfg.technology_yield_uplift
        local = local_price_factor(planted, m.capacity_mu[town] * reach, m.flexibility)[c]
        gross = m.revenue_per_mu[c] * index * local * (1 + uplift) * (1 - margin)
        upkeep = m.revenue_per_mu[c] * m.input_cost_share[c] + m.labour_days_per_mu[c] * cfg.day_wage_yuan \
            + cfg.land_rent_yuan_per_mu
        net = gross * (1 - cfg.management_cost_share) - upkeep
        # Averaged over the planning horizon: no harvest while the crop or herd matures.
        horizon = 12.0 * cfg.planning_horizon_years
        harvest_months = np.clip(horizon - m.months_to_first_harvest[c], 0.0, horizon)
        return (net * harvest_months - upkeep * (horizon - harvest_months)) / horizon

    def choice_rule(self, v: int) -> tuple[float, float]:
        """Herding probability and softmax temperature of village ``v``'s industry choice.

        Under a working federation that plans (front-end contract), nobody
        herds and the plan follows expected returns closely.
        """
        fed, town = self.federation, self.world.village_township[v]
        if fed is not None and fed.cfg.planning and fed.active[town] and not fed.failed[town]:
            return 0.0, fed.cfg.planning_temperature
        return self.cfg.herding, self.cfg.choice_temperature

    def found(self, v: int, t: int, hh: Households, u: np.ndarray) -> None:
        """Found village ``v``'s cooperative in month ``t``.

        ``u`` holds three uniforms (herding, industry pick, spare) drawn
        from the ``institutions`` stream. Registered-poor and cadre
        households join at once; the state pays the startup grant.
        """
        sl = self.world.households_of(v)
        self.join(np.flatnonzero(hh.registered_poor[sl] | hh.cadre[sl]) + sl.start, hh)
        land = float(hh.land_in_coop_mu[sl].sum()) + self.cfg.collective_land_mu
        nb = self.world.neighbours[v]
        neighbour_choices = self.industry[nb[self.founded[nb]]]
        herding, temperature = self.choice_rule(v)
        pick = choose_industry(self.expected_net_per_mu(v, t, land), neighbour_choices, herding,
                               temperature, float(u[0]), float(u[1]))
        self.industry[v] = self.industries[pick]
        self.founded[v] = True
        self.membership_version += 1
        self.founded_month[v] = self.planted_month[v] = t
        grant = int(to_fen(self.cfg.startup_grant_yuan))
        self.ledger.pay("state", ("cooperative", v), grant, "coop_startup_grant")
        sh = self.cfg.shareholding
        village_value = sh.collective_assets_yuan + float(hh.share_value_fen[sl].sum()) / 100
        investment = int(to_fen(sh.capable_person_share / (1 - sh.capable_person_share) * village_value))
        self.ledger.pay("capable_persons", ("cooperative", v), investment, "coop_capable_investment")

    def join(self, rows: np.ndarray, hh: Households) -> int:
        """Enrol the households of ``rows`` (row indices) that are not yet members;
        they put in land and cash shares. Returns how many joined."""
        rows = rows[~hh.coop_member[rows]]
        if not rows.size:
            return 0
        m = self.cfg.membership
        hh.coop_member[rows] = True
        hh.land_in_coop_mu[rows] = m.land_put_in_share * hh.land_mu[rows]
        cash = np.minimum(to_fen(m.cash_share_yuan), self.ledger.block("household", rows))
        self.ledger.between_rows("household", rows, "cooperative", hh.village[rows], cash, "coop_cash_shares")
        land_value = to_fen(hh.land_in_coop_mu[rows] * self.cfg.shareholding.land_share_value_yuan_per_mu)
        hh.share_value_fen[rows] = cash + land_value
        self.rent_fen[rows] = to_fen(hh.land_in_coop_mu[rows] * self.cfg.land_rent_yuan_per_mu / 12.0)
        with self._lock:  # households of several blocks may join at once
            self.membership_version += 1
        return int(rows.size)

    def register_shares(self, hh: Households) -> None:
        """Recompute every cooperative's share register under the rules."""
        sh = self.cfg.shareholding
        frac = np.zeros(hh.n)
        founded = np.flatnonzero(self.founded)
        if founded.size:
            members = np.flatnonzero(hh.coop_member & self.founded[hh.village])
            group = np.searchsorted(founded, hh.village[members])  # index among the founded cooperatives
            collective, frac[members] = apportion_shares_many(
                sh.collective_assets_yuan, hh.share_value_fen[members] / 100.0, group, founded.size,
                sh.capable_person_share, sh.collective_min, sh.villagers_min, sh.single_holder_max)
            self.collective_fraction[founded] = collective
            self.capable_fraction[founded] = sh.capable_person_share
        self.household_fraction = frac

    # -- monthly book-keeping ------------------------------------------------
    def pay_within_means(self, costs: dict[str, np.ndarray], pay: HouseholdPay, limit_fen: np.ndarray,
                         fund_room_fen: np.ndarray, hh: Households) -> tuple[dict[str, np.ndarray], HouseholdPay]:
        """Borrow what cash does not cover (federation fund first, then the bank
        up to ``limit_fen``); beyond that, pay everything pro rata.

        Returns the amounts that will actually be paid.
        """
        led = self.ledger
        outgoing = sum(costs.values()) + pay.wages_by_village + pay.rent_by_village
        cash = led.block("cooperative")
        bank_room = np.maximum(limit_fen - self.debt_fen, 0)
        ratio = np.minimum(np.divide(cash + fund_room_fen + bank_room, outgoing, out=np.ones(len(outgoing)),
                                     where=outgoing > 0), 1.0)
        if (ratio < 1).any():
            costs = {k: np.floor(x * ratio).astype(np.int64) for k, x in costs.items()}
            wages = np.floor(pay.wages * ratio[:, None]).astype(np.int64)
            counts = pay.members_at_home
            scaled = pay._replace(ratio=ratio)
            short_hh = np.flatnonzero((ratio < 1)[hh.village])
            cut = self.rent_fen[short_hh] - scaled.rent_of(self.rent_fen[short_hh], hh.village[short_hh])
            pay = scaled._replace(wages=wages, wages_by_village=(counts * wages).sum(axis=1),
                                  rent_by_village=pay.rent_by_village
                                  - np.bincount(hh.village[short_hh], weights=cut, minlength=len(ratio)).astype(np.int64))
            paid = sum(costs.values()) + pay.wages_by_village + pay.rent_by_village
            self.unpaid_fen += outgoing - paid
            outgoing = paid
        short = np.maximum(outgoing - cash, 0)
        from_fund = np.minimum(short, fund_room_fen)
        if from_fund.any():
            led.between_blocks("federation", "cooperative", np.flatnonzero(np.diff(np.r_[-1, self.world.village_township])),
                               from_fund, "federation_fund_loans")
            self.fund_debt_fen += from_fund
        from_bank = short - from_fund
        led.pay_block("bank", "cooperative", from_bank, "coop_loans")
        self.debt_fen += from_bank
        return costs, pay

    def book_month(self, revenue: np.ndarray, public: np.ndarray, costs: dict[str, np.ndarray],
                   wages: np.ndarray, rent: np.ndarray) -> None:
        """Add the month's accounts (fen per village) to the year to date."""
        self.ytd["revenue"] += revenue
        self.ytd["public_income"] += public
        for k, x in costs.items():
            self.ytd[k] += x
        self.ytd["wages"] += wages
        self.ytd["land_rent"] += rent
        self.month_revenue_fen = revenue

    def planted_mu(self, hh: Households) -> np.ndarray:
        """(villages, C) area planted by each cooperative."""
        out = np.zeros((self.world.n_villages, len(self.market.names)))
        rows = np.flatnonzero(self.founded)
        out[rows, self.industry[rows]] = self.land_mu(hh)[rows]
        return out

    def review(self, t: int, profit_fen: np.ndarray, u: np.ndarray, land_mu: np.ndarray) -> int:
        """Switch loss-making industries after ``review_after_months`` of harvests.

        ``u`` is (villages, 2) uniforms from the ``institutions`` stream;
        ``land_mu`` the land each cooperative farms. A
        cooperative re-chooses (without herding) from what it expects now;
        a new industry starts its own wait for the first harvest next month.
        Returns the number of switches.
        """
        m = self.market
        ind = np.maximum(self.industry, 0)
        harvesting_since = self.planted_month + m.months_to_first_harvest[ind]
        due = self.founded & (profit_fen < 0) & (t - harvesting_since + 1 >= self.cfg.review_after_months)
        switched = 0
        for v in np.flatnonzero(due):
            _herding, temperature = self.choice_rule(int(v))
            pick = self.industries[choose_industry(self.expected_net_per_mu(int(v), t, float(land_mu[v])),
                                                   np.array([], dtype=np.int64), 0.0,
                                                   temperature, 1.0, float(u[v, 1]))]
            if pick != self.industry[v]:
                self.industry[v], self.planted_month[v] = pick, t + 1
                switched += 1
        self.switches += switched
        return switched

    # -- the annual distribution ------------------------------------------
    def distribute(self, hh: Households, fed: TownshipFederations | None = None) -> dict[str, np.ndarray]:
        """Close the year: repay loans, invest in joint operations, split each
        surplus, pay members, the collective and the managers.

        Returns the year's per-village accounts (fen) for the results.
        """
        cfg, w, led = self.cfg, self.world, self.ledger
        d = cfg.distribution
        self.register_shares(hh)
        assert self.household_fraction is not None
        v_n = w.n_villages
        costs = np.sum([self.ytd[k] for k in COSTS], axis=0)
        profit = np.sum([self.ytd[k] for k in INCOME], axis=0) - costs
        repay = np.minimum(self.debt_fen, led.block("cooperative"))
        led.collect_block("cooperative", "bank", repay, "coop_loan_repayment")
        self.debt_fen -= repay
        if fed is not None:
            back = np.minimum(self.fund_debt_fen, led.block("cooperative"))
            led.between_blocks("federation", "cooperative", fed.village_starts, back, "federation_fund_repayment",
                               to_members=False)
            self.fund_debt_fen -= back
        working_capital = costs * cfg.working_capital_months // 12
        surpluses = np.minimum(np.maximum(profit, 0), np.maximum(led.block("cooperative") - working_capital, 0))
        joint = fed.invest_joint(surpluses, self.founded) if fed is not None else np.zeros(v_n, dtype=np.int64)
        surpluses -= joint
        cash = led.block("cooperative").copy()
        to_hh_dividend = np.zeros(hh.n, dtype=np.int64)
        to_collective = np.zeros(v_n, dtype=np.int64)
        to_capable_persons = np.zeros(v_n, dtype=np.int64)
        guaranteed_fen = int(to_fen(d.guaranteed_dividend_yuan))
        starts = w.village_starts
        in_coop = hh.coop_member & self.founded[hh.village]
        members_count = self.members_by_village(hh)
        reserve = np.minimum(self.reserve_fen, cash - surpluses)
        split = split_surpluses(np.where(self.founded, surpluses, 0), reserve, members_count, guaranteed_fen,
                                d.accumulation_share, d.members_share, d.collective_share, d.managers_share)
        split = Distributions(*(np.where(self.founded, x, 0) for x in split))
        drawn = np.maximum(split.guaranteed - (np.maximum(surpluses, 0) - split.accumulation), 0)
        self.reserve_fen += np.where(self.founded, split.accumulation - drawn, 0)
        guaranteed, managers = split.guaranteed, split.managers
        to_collective += split.collective
        self._split_dividends(split.dividends, hh, to_hh_dividend, to_collective, to_capable_persons)
        to_hh_guaranteed = split_equally(guaranteed, in_coop, hh.village)
        to_managers = split_equally(managers, hh.cadre & self.founded[hh.village], hh.village)
        led.between_blocks("cooperative", "household", starts, to_hh_guaranteed, "coop_guaranteed_dividend")
        led.between_blocks("cooperative", "household", starts, to_hh_dividend, "coop_dividend")
        led.between_blocks("cooperative", "household", starts, to_managers, "coop_manager_share")
        led.parallel("cooperative", "collective", to_collective, "coop_collective_share")
        led.collect_block("cooperative", "capable_persons", to_capable_persons, "coop_capable_dividend")
        hh.earn("dividends", to_hh_guaranteed + to_hh_dividend)
        hh.earn("wages", to_managers)
        self.dividends_fen = segment_sums(to_hh_guaranteed + to_hh_dividend, starts)
        self.collective_income_last_fen = self.collective_income_fen
        self.collective_income_fen = to_collective
        accounts = {f"coop_{k}_fen": self.ytd[k].copy() for k in YTD}
        accounts["coop_profit_fen"] = profit
        accounts["coop_joint_investment_fen"] = joint
        accounts["coop_dividends_fen"] = self.dividends_fen
        accounts["coop_managers_fen"] = segment_sums(to_managers, starts)
        accounts["collective_income_fen"] = to_collective
        accounts["coop_unpaid_fen"] = self.unpaid_fen.copy()
        self.unpaid_fen[:] = 0
        for k in YTD:
            self.ytd[k][:] = 0
        return accounts

    def _split_dividends(self, dividends: np.ndarray, hh: Households, to_households: np.ndarray,
                         to_collective: np.ndarray, to_capable_persons: np.ndarray) -> None:
        """Each cooperative's dividends by shares: the collective's, the capable
        person's and each member household's (largest remainder, to the fen)."""
        assert self.household_fraction is not None
        for v in np.flatnonzero(self.founded & (dividends > 0)):
            sl = self.world.households_of(int(v))
            members = np.flatnonzero(hh.coop_member[sl]) + sl.start
            weights = np.concatenate(([self.collective_fraction[v], self.capable_fraction[v]],
                                      self.household_fraction[members]))
            parts = allocate(int(dividends[v]), weights)
            to_collective[v] += parts[0]
            to_capable_persons[v] = parts[1]
            to_households[members] = parts[2:]

    def spend_collective(self, hh: Households, performance_share: float) -> np.ndarray:
        """The collective pays the secretary's performance pay and spends on public goods.

        Performance pay is ``performance_share`` of the growth in collective
        income over last year; then ``collective_spending_share`` of what the
        collective holds goes to village public goods. Returns the pay per household.
        """
        w, led = self.world, self.ledger
        growth = np.maximum(self.collective_income_fen - self.collective_income_last_fen, 0)
        bonus_v = np.minimum(to_fen(performance_share * growth / 100.0), led.block("collective"))
        bonus = np.where(hh.secretary, bonus_v[hh.village], 0)
        led.between_blocks("collective", "household", w.village_starts, bonus, "secretary_performance_pay")
        hh.earn("wages", bonus)
        spend = to_fen(self.cfg.collective_spending_share * led.block("collective") / 100.0)
        led.collect_block("collective", "market", spend, "collective_public_goods")
        return bonus
