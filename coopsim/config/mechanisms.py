"""The named mechanisms of each tier: what each gives, what it costs, and its off switch.

A tier is better or worse than the one below it only through these. Each
mechanism names the config keys that carry its gain and its cost, and the
values that switch it off — the neutral values under which it changes
nothing. Switched off all together, a tier's *own* mechanisms (those it adds
to the tier below) leave exactly the tier below: the households' incomes and
every money flow with the outside (the state, markets, cities, banks) are
the same to the fen on the same seed (``tests/test_mechanisms.py``). So every
difference between tiers is one of these, and can be measured one by one
(:mod:`coopsim.analysis.decomposition`).

``assumed`` marks a mechanism whose gain is a parameter with no modelled
cost of its own (a yield multiplier, a better selling margin, a capacity
multiplier): a defect to be replaced by a mechanism that earns its gain,
shown as such in the ODD and in every decomposition.

A run switches mechanisms off with ``ablate`` (:func:`parse_ablate`):
``none``; a mechanism's name; several joined by ``+``; ``own`` (every
mechanism the tier adds: the tier below); ``all`` (every mechanism of the
tier and those below: tier ``none``); ``only:A+B`` (of the tier's own
mechanisms, only A and B stay on).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from coopsim.config.schema import fail
from coopsim.config.tiers import TIER_BLOCKS, TIER_PARENT


@dataclass(frozen=True)
class Mechanism:
    """One mechanism of a tier.

    ``off`` maps config keys to the values that switch the mechanism off;
    ``requires``: mechanisms without which this one does nothing (a
    cooperative's selling margin needs land to farm); ``kind``: what sort of
    mechanism it is (``organisation``, ``market``, ``finance``, ``public
    money``, ``cost``).
    """

    name: str
    tier: str
    kind: str
    gives: str
    costs: str
    off: Mapping[str, Any]
    requires: tuple[str, ...] = ()
    assumed: bool = False
    keys: tuple[str, ...] = field(default=())
    also: tuple[str, ...] = ()  # other counties' designs (tiers) that have it too

    def in_tier(self, tier: str) -> bool:
        """Whether it is one of the mechanisms tier ``tier`` adds to its parent."""
        return self.tier == tier or tier in self.also

    @property
    def parameters(self) -> tuple[str, ...]:
        """The config keys that carry the mechanism (its off switch and its other parameters)."""
        return tuple(dict.fromkeys((*self.off, *self.keys)))


C, G, F, P, E = "tier.cooperative", "tier.government", "tier.federation", "tier.platform", "tier.enterprise"
#: The designs that have a township tier of their own: Longling's unions (联合社) of at least three village
#: cooperatives, guided by the township; Songtao's joint party committees (联合党委) over a zone's villages.
UNION, ZONE = ("longling",), ("songtao",)
#: The parameters of order contracts and of processing: the same for a county platform and a leading enterprise
#: (both :class:`~coopsim.config.tiers.ContractsConfig`).
ORDER_KEYS = ("order_share", "order_price_share", "renege_gap")
PROCESSING_KEYS = ("processing_share", "processing_value_added", "processing_cost_share",
                   "processing_days_per_10k_yuan", "processing_rebate_share")


def _keys(block: str, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{block}.{n}" for n in names)
#: The kind of the mechanisms the state pays for.
PUBLIC_MONEY = "public money"

MECHANISMS: tuple[Mechanism, ...] = (
    # -- 1.0: the village cooperative ------------------------------------------------
    Mechanism(
        "cooperative.land_pooling",
        "v1",
        "organisation",
        "members' land farmed as one: the cooperative chooses an industry among its candidates, "
        "hires members at its day wage and pays them rent",
        "rent, wages, inputs and the management cost share of revenue; members' land leaves their own farm",
        {f"{C}.membership.land_put_in_share": 0.0},
        keys=(
            f"{C}.land_rent_yuan_per_mu",
            f"{C}.day_wage_yuan",
            f"{C}.management_cost_share",
            f"{C}.bookkeeping_yuan_per_year",
            f"{C}.industries",
            f"{C}.herding",
            f"{C}.choice_temperature",
        ),
    ),
    Mechanism(
        "cooperative.collective_land",
        "v1",
        "organisation",
        "idle collective land (waste, abandoned plots: no household farms it) farmed by the cooperative",
        "reclaiming it first (clearing, terraces, water), paid at founding, borrowed where cash lacks; "
        "then inputs and wages like any land",
        {f"{C}.collective_land_mu": 0.0},
        keys=(f"{C}.reclamation_cost_yuan_per_mu",),
    ),
    Mechanism(
        "cooperative.extension",
        "v1",
        "organisation",
        "technicians close part of the yield gap (good practice over what farmers get alone)",
        "the technicians' pay: at least one per cooperative, hired only where the gain at reference prices "
        "pays for them",
        {f"{C}.extension": False},
        requires=("cooperative.land_pooling",),
        keys=(f"{C}.extension_yield_gain", f"{C}.technician_yuan_per_year", f"{C}.mu_per_technician"),
    ),
    Mechanism(
        "cooperative.marketing",
        "v1",
        "market",
        "the members' output sold as one lot: the fixed cost of collecting a lot is spread over tens of "
        "thousands of yuan instead of each household's few hundred",
        "the wholesale margin on every yuan, as for anyone; the managers' time (the management cost)",
        {f"{C}.marketing": False},
        requires=("cooperative.land_pooling",),
        keys=("market.wholesale_margin", "market.collection_cost_yuan", "market.max_collection_share"),
    ),
    Mechanism(
        "cooperative.trusteeship",
        "v1",
        "organisation",
        "production trusteeship: the members' own land their workers at home cannot farm (the migrants' "
        "land) is farmed by the cooperative with machines; the household keeps the harvest",
        "the household pays a fee per mu: the work's days (machines save some) at the cooperative's day wage "
        "and the machines' cost, plus the cooperative's margin; it trusts land only where a year's harvest, "
        "after inputs and its selling cost, pays the fee",
        {f"{C}.trusteeship": False},
        keys=(f"{C}.machine_labour_saving", f"{C}.machine_yuan_per_mu", f"{C}.trusteeship_margin"),
    ),
    Mechanism(
        "cooperative.shares",
        "v1",
        "finance",
        "members' cash shares and a capable person's investment: working capital",
        "the capable person takes his share of the dividends; members' cash is tied up",
        {f"{C}.membership.cash_share_yuan": 0.0, f"{C}.shareholding.capable_person_share": 0.0},
    ),
    Mechanism(
        "cooperative.bank_credit",
        "v1",
        "finance",
        "bank loans when cash runs short",
        "interest at the bank's rate; debt",
        {f"{C}.credit_limit_yuan": 0.0},
        requires=("cooperative.land_pooling",),
        keys=(f"{C}.loan_rate_annual",),
    ),
    Mechanism(
        "cooperative.elite_capture",
        "v1",
        "cost",
        "nothing: a transfer to the village cadres' households",
        "elite_capture_share of each surplus taken by the cadres' households before the rules split it, out "
        "of what members and the collective would get",
        {f"{C}.distribution.elite_capture_share": 0.0},
    ),
    Mechanism(
        "cooperative.startup_grant",
        "v1",
        "public money",
        "the state's seed fund for each new cooperative",
        "the state pays it",
        {f"{C}.startup_grant_yuan": 0.0},
    ),
    Mechanism(
        "cooperative.funds_into_shares",
        "v1",
        "public money",
        "the state's poverty-alleviation funds put into each cooperative as the collective's shares each year "
        "(to 2020): the collective's part of every surplus grows",
        "the state pays it",
        {f"{C}.funds_into_shares_yuan_per_year": 0.0},
        keys=(f"{C}.funds_into_shares_until_year",),
    ),
    Mechanism(
        "cadre_pay.rule_345",
        "v1",
        "public money",
        'the village secretary\'s "345" pay, partly tied to collective income growth',
        "the state pays the base pay; the collective pays the performance share",
        {"tier.cadre_pay.rule": "flat", "tier.cadre_pay.performance_share": 0.0},
        keys=(
            "tier.cadre_pay.multiple_of_rural_income",
            "tier.cadre_pay.floor_yuan",
            "tier.cadre_pay.floor_if_also_head_yuan",
        ),
    ),
    Mechanism(
        "government.projects",
        "v1",
        "public money",
        "public projects (under 4 M yuan) built by cooperatives, from the rules' date: wages and a margin",
        "the state pays for the projects; members' days go to them",
        {f"{G}.projects": False},
        keys=(f"{G}.start_year", f"{G}.projects_yuan_per_village_year", f"{G}.project_max_yuan",
              f"{G}.project_labour_share", f"{G}.project_margin_share"),
    ),
    Mechanism(
        "government.reward_fund",
        "v1",
        "public money",
        "the prefecture's reward fund for cooperatives with operating income >= 300,000 yuan that grew >= 10 %",
        "the state pays it",
        {f"{G}.reward_fund": False},
        keys=(f"{G}.start_year", f"{G}.reward_fund_yuan_per_year", f"{G}.reward_min_income_yuan",
              f"{G}.reward_min_growth"),
    ),
    # -- 2.0: the township federation ----------------------------------------------------
    Mechanism(
        "federation.planning",
        "v2",
        "organisation",
        "members' industries planned across the township (no herding, township gluts seen)",
        "none modelled",
        {f"{F}.planning": False},
        keys=(f"{F}.planning_temperature",),
    ),
    Mechanism(
        "federation.fund",
        "v2",
        "finance",
        "a pooled fund lends to members below the bank's rate",
        "the state seeds it; members pay its interest",
        {f"{F}.fund": False},
        keys=(f"{F}.fund_seed_yuan", f"{F}.fund_rate_annual"),
    ),
    Mechanism(
        "federation.technology",
        "v2",
        "organisation",
        "technicians shared across the township: each member pays its share by land, not a whole technician, "
        "so extension pays for small cooperatives too",
        "the members' shares of the technicians' pay",
        {f"{F}.technology": False},
        keys=(f"{C}.extension_yield_gain", f"{C}.technician_yuan_per_year", f"{C}.mu_per_technician"),
        also=UNION + ZONE,
    ),
    Mechanism(
        "federation.management",
        "v2",
        "organisation",
        "shared accountants: each keeps several members' books, so each pays a share of one",
        "the members' shares of the accountants' pay (the service fee and the federation's overheads)",
        {f"{F}.management": False},
        keys=(f"{F}.cooperatives_per_accountant", f"{C}.bookkeeping_yuan_per_year"),
        also=UNION,
    ),
    Mechanism(
        "federation.bulk_inputs",
        "v2",
        "market",
        "members' inputs (seed, feed, fertiliser) bought in bulk at a discount",
        "a procurement fee to the federation (buying, storing, delivering)",
        {f"{F}.bulk_inputs": False},
        keys=(f"{F}.bulk_input_discount", f"{F}.procurement_share"),
        also=UNION,
    ),
    Mechanism(
        "federation.marketing",
        "v2",
        "market",
        "the back-end contract: buys at a price agreed before the season, sells the township's output as one "
        "lot in the township's market or the county's, whichever pays (the county's buyers absorb only what "
        "all its townships' do, and its price falls as more is sold there)",
        "haulage to the county's market; the federation carries the price risk, borrows and can fail",
        {f"{F}.marketing": False},
        keys=(f"{F}.bulk_haulage_share",),
        also=UNION + ZONE,
    ),
    Mechanism(
        "federation.strong_lead_weak",
        "v2",
        "organisation",
        "joint operations: members invest part of their surplus; the return goes to the villages, "
        "weighted toward weak ones",
        "the invested surplus; the return is an estimate",
        {f"{F}.strong_lead_weak": False},
        keys=(f"{F}.joint_investment_share", f"{F}.joint_return_annual", f"{F}.weak_village_weight"),
        also=ZONE,
    ),
    Mechanism(
        "federation.office",
        "v2",
        "cost",
        "staff and office (what the federation's services cost)",
        "overheads and a service fee on members' revenue",
        {f"{F}.overhead_yuan_per_year": 0.0, f"{F}.service_fee_share": 0.0},
        also=UNION + ZONE,
    ),
    # -- Songtao: the joint committee's zone ----------------------------------------------
    Mechanism(
        "federation.one_industry",
        "songtao",
        "organisation",
        "a joint party committee over a zone's villages (联合党委) chooses one industry for the whole zone — the "
        "one with the most land planted there when it starts — and keeps every member to it: the zone's output sold "
        "as one large lot through one sales link",
        "the zone's own market takes all of one crop (its local price falls as the area grows: a glut of its own "
        "making); no spreading of risk across crops; cooperatives that grew another crop replant and wait for a "
        "first harvest",
        {f"{F}.one_industry": False},
    ),
    # -- 3.0: the county platform ------------------------------------------------------
    Mechanism(
        "platform.floor_price",
        "v3",
        "public money",
        "order contracts with a floor at floor_share of the contract year's prices",
        "the state pays the gap below the floor",
        {f"{P}.floor_price": False},
        keys=(f"{P}.floor_share",),
    ),
    Mechanism(
        "platform.order_contracts",
        "v3",
        "market",
        "double binding: leading enterprises the platform brings in order part of each contracted village's "
        "output at a price agreed for the year, collected at the village (no selling cost, no local glut)",
        "the enterprise's discount on the contract price; it reneges when the market falls far below the "
        "contract, leaving the output to the market just when prices are worst (the floor price is separate)",
        {f"{P}.order_contracts": False},
        keys=_keys(P, ORDER_KEYS),
    ),
    Mechanism(
        "platform.processing",
        "v3",
        "market",
        "the platform buys part of the output to process: local processing jobs, and by contract a second "
        "payout to the sellers of a share of the processing margin",
        "processing costs (energy, packaging, the plant) and wages; the platform keeps the rest of the margin "
        "for its running costs, the state covers a loss",
        {f"{P}.processing": False},
        keys=_keys(P, PROCESSING_KEYS),
    ),
    Mechanism(
        "platform.brand",
        "v3",
        "market",
        "a county brand: a price premium on the branded output",
        "grading, packaging and certification (a share of branded sales, paid by the sellers); the county's "
        "promotion budget (paid by the platform, its losses by the state)",
        {f"{P}.brand": False},
        keys=(f"{P}.brand_premium", f"{P}.brand_fee_share", f"{P}.brand_budget_yuan_per_year"),
    ),
    Mechanism(
        "platform.credit",
        "v3",
        "public money",
        "cheaper credit and a higher limit",
        "the state pays the bank the gap in interest",
        {f"{P}.credit": False},
        keys=(f"{P}.credit_rate_annual", f"{P}.credit_limit_multiplier"),
    ),
    Mechanism(
        "platform.labour_export",
        "v3",
        "market",
        "village labour export teams take the outside contracts the platform brings (road upkeep, greening, "
        "building, community services): local wages for members at home and a margin for the cooperative",
        "the members' days (taken from their own farm and casual local work), materials and tools; the state "
        "pays for the public part of the contracts, outside clients for the rest",
        {f"{P}.labour_export": False},
        keys=(f"{P}.export_contracts_yuan_per_village_year", f"{P}.export_public_share", f"{P}.export_labour_share",
              f"{P}.export_margin_share"),
    ),
    Mechanism(
        "platform.office",
        "v3",
        "cost",
        "the platform company's running costs",
        "overheads; the state covers its losses",
        {f"{P}.overhead_yuan_per_year": 0.0},
    ),
    # -- Longling and Songtao: leading enterprises ------------------------------------------
    Mechanism(
        "enterprise.order_contracts",
        "longling",
        "market",
        "double binding (双绑): a leading enterprise binds the cooperatives with order contracts — part of each "
        "bound village's output bought at the village at a price agreed for the year (no selling cost, no local "
        "glut) — and the cooperatives bind their households",
        "the enterprise's discount on the contract price; it reneges when the market falls far below the "
        "contract, leaving the output to the market when prices are worst; no floor and no public money",
        {f"{E}.order_contracts": False},
        keys=_keys(E, ORDER_KEYS),
        also=ZONE,
    ),
    Mechanism(
        "enterprise.processing",
        "longling",
        "market",
        "the enterprise (a company partner in Songtao's 'branch + company + collective + households') buys part "
        "of the output to process (ham curing, sugar, tea, fungi): local processing jobs, and by contract a second "
        "payout to the sellers of a share of the processing margin",
        "processing costs and wages; the owners keep the rest of the margin, and bear its losses",
        {f"{E}.processing": False},
        keys=_keys(E, PROCESSING_KEYS),
        also=ZONE,
    ),
)

BY_NAME = {m.name: m for m in MECHANISMS}
#: Every tier: Bijie's ladder, then the other counties' designs.
TIERS = tuple(TIER_BLOCKS)


def own_mechanisms(tier: str) -> tuple[Mechanism, ...]:
    """The mechanisms tier ``tier`` adds to the tier below it (its parent, :data:`TIER_PARENT`)."""
    return tuple(m for m in MECHANISMS if m.in_tier(tier))


def tier_mechanisms(tier: str) -> tuple[Mechanism, ...]:
    """Every mechanism of tier ``tier``: its own and those of the tiers below it, in registry order."""
    chain = set()
    while tier in TIER_BLOCKS:
        chain.add(tier)
        tier = TIER_PARENT.get(tier, "")
    return tuple(m for m in MECHANISMS if any(m.in_tier(t) for t in chain))


def tier_below(tier: str) -> str:
    """The tier a tier's own mechanisms are added to."""
    return TIER_PARENT[tier]


def parse_ablate(value: Any, tier: str) -> tuple[Mechanism, ...]:
    """The mechanisms an ``ablate`` value switches off in tier ``tier`` (see the module docstring)."""
    if value in (None, "none"):
        return ()
    if not isinstance(value, str):
        fail("ablate", value, "must be a string: none, a mechanism, A+B, own, all or only:A+B")
    allowed = tier_mechanisms(tier)
    if value == "all":
        return allowed
    if value == "own":
        return own_mechanisms(tier)
    only = value.startswith("only:")
    names = value[len("only:") :].split("+") if only else value.split("+")
    pool = own_mechanisms(tier) if only else allowed
    known = [m.name for m in pool]
    for name in names:
        if name not in known:
            if not known:
                fail("ablate", value, f"tier '{tier}' has no mechanisms to switch off; allowed: none")
            what = "own mechanism" if only else "mechanism"
            fail(
                "ablate",
                value,
                f"{name!r} is not a {what} of tier '{tier}'; allowed: none, own, all, "
                f"only:A+B (own mechanisms), or names joined by '+' among: {', '.join(known)}",
            )
    if only:
        return tuple(m for m in pool if m.name not in names)
    return tuple(m for m in pool if m.name in names)


def _set(data: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    head, _, rest = key.partition(".")
    if not rest:
        return {**data, head: value}
    return {**data, head: _set(dict(data.get(head) or {}), rest, value)}


def switch_off(data: Mapping[str, Any], mechanisms: tuple[Mechanism, ...]) -> dict[str, Any]:
    """The config mapping ``data`` with ``mechanisms`` switched off (their off values set)."""
    out = dict(data)
    for m in mechanisms:
        for key, value in m.off.items():
            out = _set(out, key, value)
    return out
