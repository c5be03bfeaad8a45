"""The institution protocol: how an institution above the village cooperatives
takes part in their month and their year.

The village cooperatives (tier 1.0) do the work: they hire, produce, sell,
pay and distribute. An institution above them — the county governments'
rules for every cooperative (1.0 and up), a township federation (2.0), a
county platform (3.0), or any later one — acts only through the hooks of
:class:`Partner`: it adds its *terms* to what the cooperatives plan, produce,
sell and pay (services, channels, prices, fees, credit), settles the money of
its own mechanisms, and keeps its own accounts. Every hook is neutral by
default, so an institution implements only what it does; the cooperatives'
operations (:mod:`coopsim.institutions.operations`) fold over the tier's
partners in order, and never ask which ones are there.

Each institution keeps one ledger account per village, township or county
(its :class:`Level`); money between two institutions moves down or up the
county -> township -> village hierarchy (:meth:`Institution.pay_down`,
:meth:`Institution.collect_from`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol

import numpy as np

from coopsim.money import Ledger, segment_sums
from coopsim.world import World

if TYPE_CHECKING:
    from coopsim.households.state import Households
    from coopsim.markets.commodities import Market


@dataclass(frozen=True)
class Level:
    """Where an institution keeps its accounts: one per village, township or county.

    Villages are ordered by township and townships by county, so the villages
    of one account are contiguous from ``village_starts[i]``.
    """

    name: str
    of_village: np.ndarray  # the account of each village
    village_starts: np.ndarray  # the first village of each account

    @classmethod
    def of(cls, world: World, name: str) -> Level:
        """The ``village``, ``township`` or ``county`` level of ``world``."""
        n = world.n_villages
        of_village = {"village": np.arange(n), "township": world.village_township,
                      "county": world.township_county[world.village_township]}[name]
        starts = np.flatnonzero(np.diff(np.r_[-1, of_village])).astype(np.int64)
        return cls(name, of_village, starts)

    @property
    def size(self) -> int:
        return len(self.village_starts)

    def totals(self, per_village: np.ndarray) -> np.ndarray:
        """Per-village amounts summed over each account's villages (exact for integers)."""
        return segment_sums(per_village, self.village_starts)

    def starts_within(self, upper: Level) -> np.ndarray:
        """The first of this level's accounts within each account of ``upper`` (a coarser level)."""
        return np.searchsorted(upper.of_village[self.village_starts], np.arange(upper.size))


class Accounts(Protocol):
    """A block of ledger accounts at one level: what money moves between."""

    @property
    def block(self) -> str: ...

    @property
    def level(self) -> Level: ...


class Cooperatives(Accounts, Protocol):
    """What a partner sees of the village cooperatives it serves (one entry per village)."""

    @property
    def partners(self) -> Sequence[Partner]: ...

    @property
    def founded(self) -> np.ndarray: ...

    @property
    def debt_fen(self) -> np.ndarray: ...  # to the bank

    @property
    def fund_debt_fen(self) -> np.ndarray: ...  # to a partner's pooled fund

    @property
    def collective_income_last_fen(self) -> np.ndarray: ...  # the village collective's, last year


class Institution:
    """An institution of a tier with a block of ledger accounts at one level.

    Subclasses set :attr:`block` (the ledger block's name) and :attr:`level_name`.
    """

    block: ClassVar[str]
    level_name: ClassVar[str]

    def __init__(self, world: World, market: Market, ledger: Ledger) -> None:
        self.world, self.market, self.ledger = world, market, ledger
        self.level = Level.of(world, self.level_name)

    def pay_down(self, payee: Accounts, amounts_fen: np.ndarray, kind: str) -> None:
        """Each of this institution's accounts pays the accounts of ``payee`` below it (one amount per payee account)."""
        self.ledger.between_blocks(self.block, payee.block, payee.level.starts_within(self.level), amounts_fen, kind)

    def collect_from(self, payer: Accounts, amounts_fen: np.ndarray, kind: str) -> None:
        """The accounts of ``payer`` below this institution's each pay it (one amount per payer account)."""
        self.ledger.between_blocks(self.block, payer.block, payer.level.starts_within(self.level), amounts_fen, kind,
                                   to_members=False)


# -- the terms the cooperatives' operations fold over ---------------------------------
@dataclass
class PlanningTerms:
    """What a village expects when it chooses an industry: how it chooses
    (herding probability, softmax temperature) and what it would earn: whether
    its output is sold as one lot (``one_lot``) or member by member; the
    haulage share at which it could sell in the county's market
    (``county_haulage``; ``None``: its township's market only); the yield gain
    of extension and what the technicians cost a year per mu
    (``technician_yuan_per_mu``; ``inf``: no extension; shared across a
    township: ``shared_technician_yuan_per_mu``)."""

    herding: float
    temperature: float
    one_lot: bool
    county_haulage: float | None
    extension_gain: float
    technician_yuan_per_mu: float
    shared_technician_yuan_per_mu: float


@dataclass
class WorkTerms:
    """The month's work of each cooperative beyond its own crop, and what extension would cost it.

    ``project_yuan``: public-project money it carries out this month (paid by
    the state); ``contract_yuan``: outside contracts its labour export team
    carries out this month (road upkeep, greening, building, community
    services), of which ``contract_public_yuan`` is paid by the state and the
    rest by outside clients. Of all this work, ``project_labour_yuan`` goes to
    members as wages and ``project_materials_yuan`` to materials; the rest is
    the cooperative's margin. ``technician_yuan_per_year``: what extension
    would cost each cooperative farming ``land_mu`` a year (``inf``: not
    offered), for technicians paid ``technician_pay_yuan`` a year who each look
    after ``mu_per_technician``; it hires them where the yield gain at
    reference prices pays for them.
    """

    project_yuan: np.ndarray
    project_labour_yuan: np.ndarray
    project_materials_yuan: np.ndarray
    land_mu: np.ndarray
    technician_yuan_per_year: np.ndarray
    technician_pay_yuan: float = 0.0
    mu_per_technician: float = 1.0
    contract_yuan: np.ndarray | float = 0.0
    contract_public_yuan: np.ndarray | float = 0.0


@dataclass
class SalesTerms:
    """How each cooperative's output is sold this month: the local price factor,
    how many lots it is sold in (``lots``: one, or one per member), fees on
    the sale beyond the selling margin (``fee_share``: grading, packaging), a
    price premium, and whether it goes through a partner's back-end contract
    (``channel``) instead of the cooperative selling it itself."""

    local: np.ndarray
    lots: np.ndarray
    fee_share: np.ndarray
    premium: np.ndarray
    channel: np.ndarray


@dataclass(frozen=True)
class Sale:
    """A month's sale by village, once priced (fen unless named).

    ``quantity_ref_yuan``: output valued at reference prices; ``realised``: the
    buyers' price relative to the reference; ``value``: what it sells for,
    margin deducted; ``processed``: the part bought by processors;
    ``to_market``: the rest, sold on the market; ``guaranteed``: the state's
    payout where a guaranteed (floor) price binds; ``channel``: sold through a
    partner's back-end contract; ``ordered``: the part of ``value`` an
    enterprise paid under an order contract (not in ``to_market``).
    """

    t: int
    township: np.ndarray
    industry: np.ndarray
    quantity_ref_yuan: np.ndarray
    realised: np.ndarray
    value: np.ndarray
    processed: np.ndarray
    to_market: np.ndarray
    guaranteed: np.ndarray
    channel: np.ndarray
    ordered: np.ndarray


@dataclass
class OrderTerms:
    """An enterprise's order contracts this month: the share of each village's output it takes
    (0 where there is none, or it reneges) and the price it pays, relative to the reference."""

    share: np.ndarray
    price_index: np.ndarray


@dataclass
class CostTerms:
    """What each cooperative's month costs beyond inputs and wages, and how it borrows.

    Shares are of revenue; rates are annual; ``bookkeeping_yuan_month``: the
    books' fixed cost (an accountant and audit); ``input_discount``: off the
    inputs' price where a partner buys them in bulk, for a
    ``procurement_share`` of the inputs' cost paid to it. ``bank_rate`` is the bank's own
    rate, ``loan_rate`` what each cooperative pays (lower where credit is
    subsidised); ``credit_limit_factor`` multiplies its bank credit limit;
    ``fund_room_fen`` is what it may still borrow from a partner's pooled fund
    (before the bank), at ``fund_rate``.
    """

    management_share: float | np.ndarray
    bookkeeping_yuan_month: np.ndarray
    service_fee_share: float | np.ndarray
    input_discount: float | np.ndarray
    procurement_share: float | np.ndarray
    bank_rate: float
    loan_rate: np.ndarray
    credit_limit_factor: np.ndarray
    fund_rate: float
    fund_room_fen: np.ndarray


@dataclass
class PartnerYear:
    """What a partner's year end adds to the cooperatives' year: income of
    the village collectives (fen by village), what it paid the cooperatives
    themselves (``coop_income_fen``: rebates, rewards — income of their next
    year, distributed with it) and accounts for the results."""

    collective_income_fen: np.ndarray | None = None
    accounts: dict[str, np.ndarray] = field(default_factory=dict)
    coop_income_fen: np.ndarray | None = None


class Partner(Institution):
    """An institution above the village cooperatives. Every hook is neutral.

    Parameters
    ----------
    cfg
        Its config block (with ``start_year`` and ``start_month``).
    start_month
        The run month in which it starts (clipped to the run start); where it spreads, the pioneers'
        month, and :attr:`start_months` each account's.
    """

    def __init__(self, cfg: object, start_month: int, world: World, market: Market, ledger: Ledger) -> None:
        super().__init__(world, market, ledger)
        self.cfg, self.start_month = cfg, start_month
        #: The month it starts in each of its accounts (township, county): all at ``start_month`` unless it spreads.
        self.start_months = np.full(self.level.size, start_month, dtype=np.int64)

    # -- the month opens (phase ``institutions``) ------------------------------
    def open_month(self, t: int, founded: np.ndarray, rng: np.random.Generator) -> None:
        """Start on its date; set the month's prices, plans or projects."""

    def running_costs(self, t: int) -> None:
        """Pay the month's overheads (phase ``running_costs``)."""

    # -- the cooperatives plan -------------------------------------------------
    def planning_terms(self, v: int, terms: PlanningTerms) -> None:
        """Change how village ``v`` chooses its industry and what it expects (front-end contract)."""

    # -- the cooperatives produce and sell (phase ``production``) --------------
    def work_terms(self, t: int, terms: WorkTerms, founded: np.ndarray) -> None:
        """Add work (public projects, outside contracts for labour export teams), or share the cost of extension
        (technicians for the whole township)."""

    def zone_industries(self, villages: np.ndarray) -> np.ndarray | None:
        """The one industry (a market index; -1: none) it keeps each of ``villages`` to, if it keeps any."""
        return None

    def sales_terms(self, t: int, terms: SalesTerms, founded: np.ndarray, township: np.ndarray,
                    industry: np.ndarray) -> None:
        """Change the price premium or fees, or take villages into its sales channel."""

    def pool_lots(self, lot_yuan: np.ndarray, gross_yuan: np.ndarray, channel: np.ndarray) -> np.ndarray:
        """The lot each village's output is sold in (yuan), given each village's own lot and its
        output's value before selling costs: a channel that sells its villages' output together pools it."""
        return lot_yuan

    def order_terms(self, t: int, realised: np.ndarray, founded: np.ndarray, industry: np.ndarray) -> OrderTerms | None:
        """The order contracts it brokers with enterprises (the buyers' price ``realised`` relative to the
        reference, ``industry`` each village's commodity), if any."""
        return None

    def buy_for_processing(self, value_fen: np.ndarray, founded: np.ndarray) -> np.ndarray | None:
        """The part of each village's sale it buys to process (fen), if it processes."""
        return None

    def guarantee(self, quantity_ref_yuan: np.ndarray, realised: np.ndarray, founded: np.ndarray,
                  industry: np.ndarray) -> np.ndarray | None:
        """The state's payout (fen) where a price it guarantees binds, if it guarantees one
        (``industry``: each village's commodity, a market index)."""
        return None

    def pay_sellers(self, seller: Accounts, mask: np.ndarray) -> None:
        """Pay ``seller`` for what it bought to process from the villages of ``mask``."""

    def settle_channel(self, sale: Sale, revenue_fen: np.ndarray, coops: Cooperatives) -> np.ndarray:
        """Sell its channel's output and pay the cooperatives; return each cooperative's revenue."""
        return revenue_fen

    def after_sales(self, sale: Sale, hh: Households, day_wage_yuan: float) -> np.ndarray | None:
        """Use what it bought this month (processing: wages for workers at home); return what it paid the
        cooperatives beyond the sale (fen by village: a contract's second payout), if anything."""
        return None

    def cost_terms(self, terms: CostTerms, coops: Cooperatives) -> None:
        """Change management costs, charge fees, offer cheaper credit or a fund to borrow from."""

    def lend(self, coops: Cooperatives, amounts_fen: np.ndarray) -> None:
        """Lend from its fund what the cooperatives borrow from it (``fund_room_fen`` of :class:`CostTerms`)."""

    def collect_costs(self, coops: Cooperatives, costs: dict[str, np.ndarray]) -> None:
        """Collect its fees and fund interest from the month's costs; pay what it subsidises."""

    # -- the cooperatives' year end (phase ``year_end``) ------------------------
    def collect_loans(self, coops: Cooperatives) -> np.ndarray | None:
        """Take back what the cooperatives owe its fund, as far as their cash goes; return it by village."""
        return None

    def invest_surplus(self, coops: Cooperatives, surplus_fen: np.ndarray) -> np.ndarray | None:
        """Take part of each cooperative's surplus into joint operations; return it by village."""
        return None

    def close_year(self, coops: Cooperatives, accounts: dict[str, np.ndarray], thin_fen: int) -> PartnerYear:
        """Close its own year (joint income, rebates, rewards)."""
        return PartnerYear()

    # -- the households' month -----------------------------------------------
    def pay_workers_at_home(self, rows: slice, home_workers: np.ndarray, county: np.ndarray) -> np.ndarray | None:
        """Pay wages to the workers at home of household ``rows`` (fen per household), if it employs them."""
        return None
