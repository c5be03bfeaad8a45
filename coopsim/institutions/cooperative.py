"""Village cooperatives led by the village party branch (tier 1.0).

One account per village. Each cooperative's founding is its own SimPy event,
scheduled from the rollout; membership, the month's operations
(:mod:`coopsim.institutions.operations`) and the year's close
(:mod:`coopsim.institutions.year_end`) are applied to all cooperatives at once
by the economy's processes. The institutions above them (the tier's
*partners*: federations, platforms) take part through the hooks of
:class:`~coopsim.institutions.base.Partner`. Money moves only through the ledger.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from coopsim.config.tiers import CooperativeConfig
from coopsim.households.pay import HouseholdPay
from coopsim.households.state import Households
from coopsim.institutions.base import Institution, Partner, PlanningTerms
from coopsim.money import Ledger, segment_sums, to_fen
from coopsim.rules.founding import choose_industry, over_horizon
from coopsim.rules.prices import local_price_factor
from coopsim.rules.services import technician_cost_yuan_per_year, trusteeship_fee_yuan_per_mu
from coopsim.rules.shares import apportion_shares_many
from coopsim.world import World

if TYPE_CHECKING:
    from coopsim.markets.commodities import Market

#: Year-to-date income and cost accounts of each cooperative, in fen.
#: ``year_end_income``: what the partners paid at the last year's close (rebates, rewards), distributed this year.
#: ``service_income``: members' fees for production trusteeship.
INCOME = ("revenue", "public_income", "year_end_income", "service_income")
COSTS = ("inputs", "procurement", "wages", "land_rent", "management", "extension", "machines", "interest",
         "fund_interest", "service_fee", "materials")
YTD = INCOME + COSTS


class VillageCooperatives(Institution):
    """The village cooperatives of a region, one account per village.

    ``partners``: the tier's institutions above them, in order (none in tier 1.0).
    """

    block = "cooperative"
    level_name = "village"

    def __init__(self, cfg: CooperativeConfig, world: World, market: Market, ledger: Ledger,
                 partners: Sequence[Partner] = ()) -> None:
        super().__init__(world, market, ledger)
        self.cfg, self.partners = cfg, tuple(partners)
        v = world.n_villages
        self.industries = np.array([market.index_of(n) for n in cfg.industries])
        self.founded = np.zeros(v, dtype=bool)
        self.founded_month = np.full(v, -1, dtype=np.int64)
        self.planted_month = np.full(v, -1, dtype=np.int64)
        self.switches = 0
        self.unpaid_fen = np.zeros(v, dtype=np.int64)
        self.industry = np.full(v, -1, dtype=np.int64)
        self.collective_fraction = np.zeros(v)
        #: The value of the collective's shares in each cooperative (fen): the resources and assets it put in at
        #: founding and the state funds put in in its name since.
        self.collective_share_value_fen = np.zeros(v, dtype=np.int64)
        #: Each collective's non-operating assets (yuan, book value): the public projects its cooperative built and
        #: the public goods the collective paid for, less depreciation.
        self.infrastructure_yuan = np.zeros(v)
        self.capable_fraction = np.zeros(v)
        self.debt_fen = np.zeros(v, dtype=np.int64)
        self.fund_debt_fen = np.zeros(v, dtype=np.int64)
        self.reserve_fen = np.zeros(v, dtype=np.int64)
        self.ytd = {k: np.zeros(v, dtype=np.int64) for k in YTD}
        self.month_revenue_fen = np.zeros(v, dtype=np.int64)
        self.month_wage_days: np.ndarray = np.zeros(v)
        self.collective_income_fen = np.zeros(v, dtype=np.int64)
        self.collective_income_last_fen = np.zeros(v, dtype=np.int64)
        self.household_fraction: np.ndarray | None = None
        self.dividends_fen = np.zeros(v, dtype=np.int64)
        #: Each household's monthly land rent from its cooperative (fen), set when it joins.
        self.rent_fen = np.zeros(world.n_households, dtype=np.int64)
        #: Each household's transactions with its cooperative this year (fen): the wages and land rent it was
        #: paid (what the cooperative law's 60 % rule returns surplus by).
        self.transactions_fen = np.zeros(world.n_households, dtype=np.int64)
        #: Counts changes of membership or founding; what depends on them is cached against it.
        self.membership_version = 0
        self._lock = threading.Lock()
        self._by_membership: dict[str, tuple[int, np.ndarray]] = {}
        # Published each month for the households' steps:
        #: the month's joining draw of each household, and each village's chance to join;
        self.join_draw = np.zeros(world.n_households, dtype=np.float32)
        self.join_probability = np.zeros(v)
        #: what the cooperatives owe their members this month (set by the month's operations).
        self.household_pay: HouseholdPay | None = None
        #: The accounts of the last year closed (fen by village), for the results.
        self.year_accounts: dict[str, np.ndarray] = {}
        #: Production trusteeship: the yearly fee per mu of each crop, and the members' land trusted to each
        #: cooperative this month (mu) and the work it needs (days), done with the next month's hiring.
        self.trusteeship_fee_per_mu = trusteeship_fee_yuan_per_mu(
            market.labour_days_per_mu, cfg.machine_labour_saving, cfg.day_wage_yuan, cfg.machine_yuan_per_mu,
            cfg.trusteeship_margin)
        #: What each household trusted this month (mu, and the days of work it needs), written by its own step;
        #: summed by village in row order when the cooperatives hire (the same sums whatever the engine).
        self.trusted_mu = np.zeros(world.n_households)
        self.trusted_days = np.zeros(world.n_households)

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

    def expected_net_per_mu(self, v: int, t: int, land_mu: float, members: int) -> np.ndarray:
        """Net yuan per mu and year that village ``v`` expects from each candidate industry.

        Uses the last twelve months' average price index and the local price
        the township would pay if this cooperative's ``land_mu`` were added to
        what is already planted there (it knows its own market, not what its
        neighbours will plant next) — or the county's, less haulage, where its
        federation sells there and that pays more; the selling cost of its lot
        (one lot, or ``members`` lots sold apart); the yield gain of extension
        where it pays for the technicians.
        """
        m, c, cfg, w = self.market, self.industries, self.cfg, self.world
        index = m.price_index[max(t - 11, 0) : t + 1].mean(axis=0)[c]
        town = w.village_township[v]
        own = np.zeros(len(m.names))
        if self.founded[v] and self.industry[v] >= 0:
            own[self.industry[v]] = land_mu
        plan = self.planning_terms(v, land_mu)
        local = local_price_factor(m.planted_mu[town] - own + land_mu, m.capacity_mu[town], m.flexibility)
        if plan.county_haulage is not None:
            towns = w.township_county == w.township_county[town]
            county = local_price_factor(m.planted_mu[towns].sum(axis=0) - own + land_mu,
                                        m.capacity_mu[towns].sum(axis=0), m.flexibility)
            local = np.maximum(local, county * (1 - plan.county_haulage))
        price = m.revenue_per_mu[c] * index * local[c]  # a year's output of a mu at the expected price
        lot = price * land_mu / 12.0 / (1 if plan.one_lot else max(members, 1))
        extension = np.maximum(plan.extension_gain * price - plan.technician_yuan_per_mu, 0.0)
        gross = price * (1 - m.selling_margin(lot)) + extension
        upkeep = m.revenue_per_mu[c] * m.input_cost_share[c] + m.labour_days_per_mu[c] * cfg.day_wage_yuan \
            + cfg.land_rent_yuan_per_mu
        net = gross * (1 - cfg.management_cost_share) - upkeep
        return over_horizon(net, upkeep, m.months_to_first_harvest[c], cfg.planning_horizon_years)

    def planning_terms(self, v: int, land_mu: float = 0.0) -> PlanningTerms:
        """How village ``v`` chooses its industry and what it expects to earn: its
        own rule, as the partners change it (a federation that plans: no herding)."""
        cfg = self.cfg
        technician = float(technician_cost_yuan_per_year(land_mu, cfg.technician_yuan_per_year, cfg.mu_per_technician)
                           / max(land_mu, 1e-9)) if cfg.extension else np.inf
        terms = PlanningTerms(cfg.herding, cfg.choice_temperature, cfg.marketing, None, cfg.extension_yield_gain,
                              technician, cfg.technician_yuan_per_year / cfg.mu_per_technician)
        for partner in self.partners:
            partner.planning_terms(v, terms)
        return terms

    def choice_rule(self, v: int) -> tuple[float, float]:
        """Herding probability and softmax temperature of village ``v``'s industry choice."""
        plan = self.planning_terms(v)
        return plan.herding, plan.temperature

    def candidate_positions(self, industries: np.ndarray) -> np.ndarray:
        """The positions in ``cfg.industries`` (the candidates a cooperative chooses among) of
        industries given as market indices; industries that are not candidates are left out."""
        position = np.full(len(self.market.names), -1, dtype=np.int64)
        position[self.industries] = np.arange(len(self.industries))
        out = position[np.asarray(industries, dtype=np.int64)]
        return out[out >= 0]

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
        neighbour_choices = self.candidate_positions(self.industry[nb[self.founded[nb]]])
        herding, temperature = self.choice_rule(v)
        members = int(hh.coop_member[sl].sum())
        zone = self.zone_industries(np.array([v]))
        pick = self.candidate_positions(zone)[0] if zone[0] >= 0 else choose_industry(
            self.expected_net_per_mu(v, t, land, members), neighbour_choices, herding, temperature, float(u[0]),
            float(u[1]))
        self.industry[v] = self.industries[pick]
        self.founded[v] = True
        self.membership_version += 1
        self.founded_month[v] = self.planted_month[v] = t
        self.collective_share_value_fen[v] = int(to_fen(self.cfg.shareholding.collective_assets_yuan))
        grant = int(to_fen(self.cfg.startup_grant_yuan))
        self.ledger.pay("state", ("cooperative", v), grant, "coop_startup_grant")
        # The idle collective land it farms is reclaimed first (contractors are paid; what cash lacks it owes the bank).
        reclaim = int(to_fen(self.cfg.collective_land_mu * self.cfg.reclamation_cost_yuan_per_mu))
        short = max(reclaim - int(self.ledger.block("cooperative")[v]), 0)
        self.ledger.pay("bank", ("cooperative", v), short, "coop_loans")
        self.debt_fen[v] += short
        self.ledger.pay(("cooperative", v), "market", reclaim, "coop_land_reclamation")
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

    def open_membership(self, t: int, hh: Households, rng: np.random.Generator) -> None:
        """Draw the month's joining uniforms (one per household, from ``rng``) and
        publish each village's chance to join: the base rate plus peer influence
        (the member share of the village and its neighbours)."""
        w, m = self.world, self.cfg.membership
        self.join_draw = rng.random(hh.n, dtype=np.float32)
        share = self.members_by_village(hh) / w.village_households
        peer = 0.5 * (share + w.neighbour_mean(share))
        self.join_probability = m.join_probability + m.peer_influence * peer

    def register_shares(self, hh: Households) -> None:
        """Recompute every cooperative's share register under the rules."""
        sh = self.cfg.shareholding
        frac = np.zeros(hh.n)
        founded = np.flatnonzero(self.founded)
        if founded.size:
            members = np.flatnonzero(hh.coop_member & self.founded[hh.village])
            group = np.searchsorted(founded, hh.village[members])  # index among the founded cooperatives
            collective, frac[members] = apportion_shares_many(
                self.collective_share_value_fen[founded] / 100.0, hh.share_value_fen[members] / 100.0, group,
                founded.size,
                sh.capable_person_share, sh.collective_min, sh.villagers_min, sh.single_holder_max)
            self.collective_fraction[founded] = collective
            self.capable_fraction[founded] = sh.capable_person_share
        self.household_fraction = frac

    def trust_land(self, rows: slice, villages: np.ndarray, starts: np.ndarray, mu: np.ndarray, days: np.ndarray,
                   fees_fen: np.ndarray) -> None:
        """Households ``rows`` (of ``villages``, each from ``starts`` among the rows) trusted ``mu`` of land needing
        ``days`` of work this month and paid ``fees_fen`` (already moved by the ledger): the fees are the
        cooperatives' service income; the work is done with the next month's hiring."""
        self.trusted_mu[rows] = mu
        self.trusted_days[rows] = days
        fees = np.add.reduceat(fees_fen, starts) if len(fees_fen) else np.zeros(0, dtype=np.int64)
        with self._lock:
            self.ytd["service_income"][villages] += fees

    def trusted_by_village(self, hh: Households) -> tuple[np.ndarray, np.ndarray]:
        """The land trusted to each cooperative last month (mu) and the days of work it needs."""
        v = self.world.n_villages
        return (np.bincount(hh.village, weights=self.trusted_mu, minlength=v),
                np.bincount(hh.village, weights=self.trusted_days, minlength=v))

    # -- monthly book-keeping ------------------------------------------------
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

    def put_funds_into_shares(self, year: int) -> None:
        """December of ``year`` (to ``funds_into_shares_until_year``): the state's poverty-alleviation funds go
        into every cooperative as the collective's shares (资金变股金)."""
        if year > self.cfg.funds_into_shares_until_year or not self.founded.any():
            return
        funds = np.where(self.founded, to_fen(self.cfg.funds_into_shares_yuan_per_year), 0)
        self.ledger.pay_block("state", "cooperative", funds, "funds_into_shares")
        self.collective_share_value_fen += funds

    def operating_assets_yuan(self) -> np.ndarray:
        """Each collective's operating assets (yuan): its cash, its shares in the cooperative (what it put in
        and the state funds put in in its name) and its part of the cooperative's reserve."""
        cash = self.ledger.block("collective") / 100.0
        return cash + self.collective_share_value_fen / 100.0 + self.collective_fraction * self.reserve_fen / 100.0

    def collective_assets_yuan(self) -> np.ndarray:
        """Each village collective's assets (yuan), as the sources count them: operating and non-operating."""
        return self.operating_assets_yuan() + self.infrastructure_yuan

    def planted_mu(self, hh: Households) -> np.ndarray:
        """(villages, C) area planted by each cooperative."""
        out = np.zeros((self.world.n_villages, len(self.market.names)))
        rows = np.flatnonzero(self.founded)
        out[rows, self.industry[rows]] = self.land_mu(hh)[rows]
        return out

    def zone_industries(self, villages: np.ndarray) -> np.ndarray:
        """The one industry a partner keeps each of ``villages`` to, if it is among the candidates (a market
        index), else -1 (:meth:`~coopsim.institutions.base.Partner.zone_industries`)."""
        zone = np.full(len(villages), -1, dtype=np.int64)
        for partner in self.partners:
            kept = partner.zone_industries(villages)
            if kept is not None:
                zone = np.where(zone < 0, kept, zone)
        candidate = np.zeros(len(self.market.names) + 1, dtype=bool)  # the last: -1, no industry
        candidate[self.industries] = True
        return np.where(candidate[zone], zone, -1)

    def review(self, t: int, profit_fen: np.ndarray, u: np.ndarray, land_mu: np.ndarray, members: np.ndarray) -> int:
        """Switch loss-making industries after ``review_after_months`` of harvests.

        ``u`` is (villages, 2) uniforms from the ``institutions`` stream;
        ``land_mu`` the land each cooperative farms, ``members`` its member households. A
        cooperative re-chooses (without herding) from what it expects now;
        a new industry starts its own wait for the first harvest next month.
        A cooperative whose joint committee keeps its zone to one industry
        (:meth:`zone_industries`) switches to it, loss or not.
        Returns the number of switches.
        """
        m = self.market
        ind = np.maximum(self.industry, 0)
        harvesting_since = self.planted_month + m.months_to_first_harvest[ind]
        due = self.founded & (profit_fen < 0) & (t - harvesting_since + 1 >= self.cfg.review_after_months)
        zone = self.zone_industries(np.arange(self.world.n_villages))
        due |= self.founded & (zone >= 0) & (zone != self.industry)  # a joint committee keeps its zone to one
        switched = 0
        for v in np.flatnonzero(due):
            if zone[v] >= 0:
                pick = zone[v]
            else:
                _herding, temperature = self.choice_rule(int(v))
                pick = self.industries[choose_industry(self.expected_net_per_mu(int(v), t, float(land_mu[v]),
                                                                                int(members[v])),
                                                       np.array([], dtype=np.int64), 0.0,
                                                       temperature, 1.0, float(u[v, 1]))]
            if pick != self.industry[v]:
                self.industry[v], self.planted_month[v] = pick, t + 1
                switched += 1
        self.switches += switched
        return switched
