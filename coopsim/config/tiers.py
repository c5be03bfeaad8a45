"""Validated configuration of the tiers: cooperatives, the governments' rules, federations, platforms.

The boolean switches of the blocks (``tier.federation.marketing=false``) are
levers; every mechanism of a tier, with what it gives, what it costs and its
off values, is named in :mod:`coopsim.config.mechanisms` (``ablate=``). A block that does not apply to the chosen tier
is an error, not silently ignored.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass

from coopsim.config.schema import MONTHS, MU, PROB, SHARE, YEAR, YUAN, fail, require_sum_one, spec


@dataclass(frozen=True)
class CadrePayConfig:
    """Pay of the village party secretary ("345" rule in the cooperative tiers)."""

    rule: str = spec(choices=("flat", "345"))
    flat_yuan: float = spec(**YUAN)
    multiple_of_rural_income: float = spec(min=0.0, max=100.0)
    floor_yuan: float = spec(**YUAN)
    floor_if_also_head_yuan: float = spec(**YUAN)
    also_head_share: float = spec(**SHARE)
    performance_share: float = spec(**SHARE)
    previous_year_rural_income_yuan: float = spec(**YUAN)


@dataclass(frozen=True)
class RolloutConfig:
    """When the village cooperatives are founded (pilots first, then all)."""

    pilot_year: int = spec(**YEAR)
    pilot_month: int = spec(choices=MONTHS)
    pilot_share: float = spec(**SHARE)
    spread_year: int = spec(**YEAR)
    spread_month: int = spec(choices=MONTHS)
    complete_year: int = spec(**YEAR)
    complete_month: int = spec(choices=MONTHS)
    coverage_share: float = spec(default=1.0, **SHARE)  # of villages that ever found one (the others never do)

    def check(self, path: str) -> None:
        pilot, spread = (self.pilot_year, self.pilot_month), (self.spread_year, self.spread_month)
        if (self.complete_year, self.complete_month) < pilot:
            fail(f"{path}.complete_year", self.complete_year, "the rollout must complete no earlier than the pilots")
        if self.pilot_share < 1.0 and not pilot < spread <= (self.complete_year, self.complete_month):
            fail(f"{path}.spread_year", [self.spread_year, self.spread_month],
                 "the spread must start after the pilots and no later than the rollout completes "
                 "(unless pilot_share is 1)")


@dataclass(frozen=True)
class MembershipConfig:
    """Who joins the village cooperative and what they put in."""

    join_probability: float = spec(**PROB)
    peer_influence: float = spec(**PROB)
    land_put_in_share: float = spec(**SHARE)
    cash_share_yuan: float = spec(**YUAN)


@dataclass(frozen=True)
class ShareholdingConfig:
    """The shareholding rules of a village cooperative and its outside holders."""

    collective_min: float = spec(**SHARE)
    villagers_min: float = spec(**SHARE)
    single_holder_max: float = spec(**SHARE)
    collective_assets_yuan: float = spec(**YUAN)
    land_share_value_yuan_per_mu: float = spec(**YUAN)
    capable_person_share: float = spec(**SHARE)

    def check(self, path: str) -> None:
        if self.collective_min + self.villagers_min > 1.0:
            fail(
                f"{path}.villagers_min",
                self.villagers_min,
                f"collective_min + villagers_min must be <= 1 (collective_min is {self.collective_min})",
            )
        if self.capable_person_share > self.single_holder_max:
            fail(
                f"{path}.capable_person_share",
                self.capable_person_share,
                f"must be <= single_holder_max ({self.single_holder_max})",
            )
        if self.capable_person_share > 1.0 - self.collective_min - self.villagers_min:
            fail(
                f"{path}.capable_person_share",
                self.capable_person_share,
                "leaves less than collective_min + villagers_min for the village",
            )


#: The cooperative law's least share of distributable surplus returned by transactions.
LAW_TRANSACTION_SHARE = 0.6


@dataclass(frozen=True)
class DistributionConfig:
    """The annual split of a cooperative's surplus.

    ``rule``: ``village`` (the villages' practice: reserve, guaranteed dividend, then
    members / collective / managers) or ``law`` (the cooperative law: reserve, then at
    least 60 % of the distributable surplus returned to member households by their
    transactions with the cooperative, the rest by shares).
    """

    accumulation_share: float = spec(**SHARE)
    guaranteed_dividend_yuan: float = spec(**YUAN)
    members_share: float = spec(**SHARE)
    collective_share: float = spec(**SHARE)
    managers_share: float = spec(**SHARE)
    rule: str = spec(choices=("village", "law"))
    transaction_share: float = spec(**SHARE)
    elite_capture_share: float = spec(**SHARE)

    def check(self, path: str) -> None:
        require_sum_one(f"{path}.members_share", self.members_share,
                        (self.members_share, self.collective_share, self.managers_share),
                        "members + collective + managers shares")
        if self.rule == "law" and self.transaction_share < LAW_TRANSACTION_SHARE:
            fail(f"{path}.transaction_share", self.transaction_share,
                 f"the cooperative law returns at least {LAW_TRANSACTION_SHARE:.0%} of the distributable surplus "
                 "by transactions: must be >= 0.6 with rule 'law'")


@dataclass(frozen=True)
class CooperativeConfig:
    """The village party-branch-led cooperative (tier 1.0)."""

    rollout: RolloutConfig = spec()
    membership: MembershipConfig = spec()
    shareholding: ShareholdingConfig = spec()
    distribution: DistributionConfig = spec()
    industries: tuple[str, ...] = spec()
    collective_land_mu: float = spec(**MU)
    reclamation_cost_yuan_per_mu: float = spec(**YUAN)
    land_rent_yuan_per_mu: float = spec(**YUAN)
    day_wage_yuan: float = spec(**YUAN)
    marketing: bool = spec()
    management_cost_share: float = spec(**SHARE)
    bookkeeping_yuan_per_year: float = spec(**YUAN)
    business_mode: str = spec(choices=("farm", "contract_out"))
    contract_out_rent_yuan_per_mu: float = spec(**YUAN)
    trusteeship: bool = spec()
    machine_labour_saving: float = spec(**SHARE)
    machine_yuan_per_mu: float = spec(**YUAN)
    trusteeship_margin: float = spec(min=0.0, max=5.0)
    extension: bool = spec()
    extension_yield_gain: float = spec(min=0.0, max=2.0)
    technician_yuan_per_year: float = spec(**YUAN)
    mu_per_technician: float = spec(gt=0.0, max=MU["max"])
    startup_grant_yuan: float = spec(**YUAN)
    loan_rate_annual: float = spec(min=0.0, max=1.0)
    credit_limit_yuan: float = spec(**YUAN)
    working_capital_months: int = spec(min=0, max=12)
    planning_horizon_years: float = spec(gt=0.0, max=100.0)
    review_after_months: int = spec(min=1, max=1200)
    herding: float = spec(**PROB)
    choice_temperature: float = spec(gt=0.0, max=100.0)
    collective_spending_share: float = spec(**SHARE)
    funds_into_shares_yuan_per_year: float = spec(**YUAN)
    funds_into_shares_until_year: int = spec(**YEAR)
    infrastructure_depreciation: float = spec(**SHARE)

    def check(self, path: str) -> None:
        if not self.industries:
            fail(f"{path}.industries", [], "must list at least one commodity")


def check_spread(block: typing.Any, path: str) -> None:
    """An institution's spread completes no earlier than its pioneers start."""
    if (block.complete_year, block.complete_month) < (block.start_year, block.start_month):
        fail(f"{path}.complete_year", [block.complete_year, block.complete_month],
             f"the spread must complete no earlier than the pioneers start ({block.start_year}-{block.start_month:02d})")


@dataclass(frozen=True)
class FederationConfig:
    """A township federation of village cooperatives (tier 2.0, "two contracts, one work").

    The booleans are the levers: the front-end contract (``planning``,
    ``fund``, ``technology``, ``management``), the back-end contract
    (``marketing``) and ``strong_lead_weak``.
    """

    start_year: int = spec(**YEAR)
    start_month: int = spec(choices=MONTHS)
    pioneer_share: float = spec(**SHARE)
    complete_year: int = spec(**YEAR)
    complete_month: int = spec(choices=MONTHS)
    min_member_villages: int = spec(min=1, max=1000)
    planning: bool = spec()
    planning_temperature: float = spec(gt=0.0, max=100.0)
    fund: bool = spec()
    fund_seed_yuan: float = spec(**YUAN)
    fund_rate_annual: float = spec(min=0.0, max=1.0)
    fund_limit_yuan_per_member: float = spec(**YUAN)
    technology: bool = spec()
    management: bool = spec()
    cooperatives_per_accountant: float = spec(min=1.0, max=1000.0)
    bulk_inputs: bool = spec()
    bulk_input_discount: float = spec(**SHARE)
    procurement_share: float = spec(**SHARE)
    marketing: bool = spec()
    bulk_haulage_share: float = spec(**SHARE)
    strong_lead_weak: bool = spec()
    one_industry: bool = spec(tiers=("songtao",))  # a joint committee: one industry for the zone (township), kept
    joint_investment_share: float = spec(**SHARE)
    joint_return_annual: float = spec(min=-1.0, max=1.0)
    weak_village_weight: float = spec(min=1.0, max=1000.0)
    service_fee_share: float = spec(**SHARE)
    overhead_yuan_per_year: float = spec(**YUAN)
    credit_limit_yuan: float = spec(**YUAN)

    def check(self, path: str) -> None:
        check_spread(self, path)


@dataclass(frozen=True)
class GovernmentConfig:
    """The county and prefecture governments' rules for every party-led cooperative, from their date (tier 1.0
    and up): public projects built by cooperatives and the prefecture's reward fund. The booleans are the levers."""

    start_year: int = spec(**YEAR)
    start_month: int = spec(choices=MONTHS)
    projects: bool = spec()
    projects_yuan_per_village_year: float = spec(**YUAN)
    project_max_yuan: float = spec(gt=0.0, max=4_000_000.0)
    project_labour_share: float = spec(**SHARE)
    project_margin_share: float = spec(**SHARE)
    reward_fund: bool = spec()
    reward_fund_yuan_per_year: float = spec(**YUAN)
    reward_fund_villages: int = spec(min=1, max=1_000_000)
    reward_min_income_yuan: float = spec(**YUAN)
    reward_min_growth: float = spec(min=-1.0, max=100.0)

    def check(self, path: str) -> None:
        if self.project_labour_share + self.project_margin_share > 1.0:
            fail(f"{path}.project_margin_share", self.project_margin_share,
                 f"project_labour_share + project_margin_share must be <= 1 (labour is {self.project_labour_share})")


@dataclass(frozen=True)
class ContractsConfig:
    """What a county platform and a leading enterprise share: when they start in each county, order contracts with
    the cooperatives ("double binding") and processing of what they buy."""

    start_year: int = spec(**YEAR)
    start_month: int = spec(choices=MONTHS)
    pioneer_share: float = spec(**SHARE)
    complete_year: int = spec(**YEAR)
    complete_month: int = spec(choices=MONTHS)
    order_contracts: bool = spec()
    order_share: float = spec(**SHARE)
    order_price_share: float = spec(min=0.0, max=2.0)
    renege_gap: float = spec(**SHARE)
    processing: bool = spec()
    processing_share: float = spec(**SHARE)
    processing_value_added: float = spec(min=0.0, max=5.0)
    processing_cost_share: float = spec(**SHARE)
    processing_days_per_10k_yuan: float = spec(min=0.0, max=10_000.0)
    processing_rebate_share: float = spec(**SHARE)

    def check(self, path: str) -> None:
        check_spread(self, path)


@dataclass(frozen=True)
class PlatformConfig(ContractsConfig):
    """A county state-owned platform company (tier 3.0). The booleans are the levers."""

    floor_price: bool = spec()
    floor_share: float = spec(min=0.0, max=2.0)
    brand: bool = spec()
    brand_premium: float = spec(min=0.0, max=2.0)
    brand_fee_share: float = spec(**SHARE)
    brand_budget_yuan_per_year: float = spec(**YUAN)
    credit: bool = spec()
    credit_rate_annual: float = spec(min=0.0, max=1.0)
    credit_limit_multiplier: float = spec(min=1.0, max=1000.0)
    labour_export: bool = spec()
    export_contracts_yuan_per_village_year: float = spec(**YUAN)
    export_public_share: float = spec(**SHARE)
    export_labour_share: float = spec(**SHARE)
    export_margin_share: float = spec(**SHARE)
    overhead_yuan_per_year: float = spec(**YUAN)

    def check(self, path: str) -> None:
        super().check(path)
        if self.export_labour_share + self.export_margin_share > 1.0:
            fail(f"{path}.export_margin_share", self.export_margin_share,
                 f"export_labour_share + export_margin_share must be <= 1 (labour is {self.export_labour_share})")


@dataclass(frozen=True)
class EnterpriseConfig(ContractsConfig):
    """Leading enterprises (龙头企业), one partner per county: "double binding" (双绑) — the enterprise binds the
    cooperatives with order contracts, the cooperatives bind their households — and processing of what it buys,
    with a second payout to the sellers by contract. Private: its owners take its margin and bear its losses; no
    public money. The booleans are the levers."""


#: Blocks of rules that apply to every cooperative from their date (the governments'): a date after the run
#: leaves the tier what it is, unlike an institution (federation, platform) that never starts.
RULE_BLOCKS = frozenset({"government"})

#: Which optional blocks each tier has (each block is a field of :class:`TierConfig`).
TIER_BLOCKS = {
    "none": (),
    "v1": ("cooperative", "government"),
    "v2": ("cooperative", "government", "federation"),
    "v3": ("cooperative", "government", "federation", "platform"),
    "longling": ("cooperative", "government", "federation", "enterprise"),
    "songtao": ("cooperative", "government", "federation", "enterprise"),
}

#: Bijie's tiered system, each version on the one before (the ladder the studies and the explorer compare).
LADDER = ("none", "v1", "v2", "v3")
#: The tier each tier adds its own mechanisms to: the ladder's version below, or for another county's design the
#: village cooperatives it builds on. With its own mechanisms off (``ablate=own``) a tier is exactly its parent.
TIER_PARENT = {"v1": "none", "v2": "v1", "v3": "v2", "longling": "v1", "songtao": "v1"}
#: The designs of the places issue: each county's way of organising its party-led cooperatives, as a tier.
DESIGNS = {"bijie": "v3", "longling": "longling", "songtao": "songtao"}

#: Each tier by name, as a reader meets it (reports, summaries, the command line).
TIER_TITLES = {
    "none": "no cooperatives",
    "v1": "1.0 village cooperatives",
    "v2": "2.0 township federations",
    "v3": "3.0 county platform",
    "longling": "Longling: township unions and enterprise double binding",
    "songtao": "Songtao: joint committees, one industry a zone, company partners",
}


@dataclass(frozen=True)
class TierConfig:
    """Which tier of the cooperative system is in place, with its levers."""

    name: str = spec(choices=tuple(TIER_BLOCKS))
    cadre_pay: CadrePayConfig = spec()
    cooperative: CooperativeConfig | None = None
    government: GovernmentConfig | None = None
    federation: FederationConfig | None = None
    platform: PlatformConfig | None = None
    enterprise: EnterpriseConfig | None = None

    def check(self, path: str) -> None:
        for block in BLOCKS:
            if getattr(self, block) is None and block in TIER_BLOCKS[self.name]:
                fail(f"{path}.{block}", None, f"is required for tier '{self.name}'")


def _block_types() -> dict[str, type]:
    """Each optional block of :class:`TierConfig` and its config class, in field order."""
    hints = typing.get_type_hints(TierConfig)
    out = {}
    for f in dataclasses.fields(TierConfig):
        if f.default is None:
            (cls,) = (a for a in typing.get_args(hints[f.name]) if a is not type(None))
            out[f.name] = cls
    return out


#: The optional blocks of a tier (cooperative, federation, platform...) and their config classes.
BLOCK_TYPES = _block_types()
BLOCKS = tuple(BLOCK_TYPES)


def tier_levers(tier: str) -> list[str]:
    """The boolean levers of a tier's blocks, as ``block.name`` (a lever of one design only, ``spec(tiers=...)``,
    is that design's)."""
    return [f"{block}.{f.name}" for block in TIER_BLOCKS.get(tier, ())
            for f in dataclasses.fields(BLOCK_TYPES[block])
            if f.type in ("bool", bool) and tier in f.metadata.get("tiers", (tier,))]


def not_in_tier(block: str, tier: str) -> str:
    """What is allowed when a config sets ``tier.<block>`` for a tier without it."""
    having = ", ".join(t for t, blocks in TIER_BLOCKS.items() if block in blocks)
    return f"does not apply to tier '{tier}' (it has no {block}); the tiers with a {block} are {having}"
