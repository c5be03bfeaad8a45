"""The validated run configuration: frozen dataclasses built from YAML.

Every value a run uses is here, with its unit in the field name (``_yuan``,
``_mu``, ``_months``, ``_share``...). ``configs/`` holds the defaults; their
units, ranges and sources are in the parameter vocabulary
(:mod:`coopsim.config.parameters`). Core code receives a :class:`RunConfig` and
never reads files or sees Hydra objects.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coopsim.config.mechanisms import parse_ablate, switch_off
from coopsim.config.regions import expand_region
from coopsim.config.scenarios import DestinationConfig, Shock, check_shocks, parse_shocks
from coopsim.config.schema import (
    MONTHS,
    MU,
    PROB,
    SHARE,
    YEAR,
    YUAN,
    ConfigError,
    build,
    fail,
    require_sum_one,
    spec,
)
from coopsim.config.tiers import BLOCKS, RULE_BLOCKS, TIER_BLOCKS, TierConfig, not_in_tier


@dataclass(frozen=True)
class RegionConfig:
    """Administrative size of the simulated region (county -> township -> village)."""

    name: str = spec()
    townships: tuple[int, ...] = spec()  # townships in each county, one entry per county
    villages: int = spec(min=1, max=50_000)
    households: int = spec(min=1, max=50_000_000)  # memory is checked before a run too
    village_size_sigma: float = spec(min=0.0, max=2.0)
    neighbours_per_village: int = spec(min=0, max=50)
    county_names: tuple[str, ...] = spec(default=())  # optional, one per county (for tables and reports)
    # A region from a table of its townships (coopsim.config.regions): the file, and what is read from it.
    townships_file: str = spec(default="")
    township_codes: tuple[str, ...] = spec(default=())  # national codes, in the graph's order
    township_names: tuple[str, ...] = spec(default=())
    township_villages: tuple[int, ...] = spec(default=())  # () = villages spread evenly over the townships
    township_households: tuple[int, ...] = spec(default=())  # () = households spread by village size
    # The region's main crops: when given, what its households grow (and grew at the start, own_farm_mix) and what
    # its cooperatives choose among; households.crops, households.own_farm_mix, tier.cooperative.industries follow.
    crops: tuple[str, ...] = spec(default=())
    own_farm_mix: Mapping[str, float] = spec(default={})

    @property
    def counties(self) -> int:
        """Number of county-level units."""
        return len(self.townships)

    def check(self, path: str) -> None:
        if not self.townships or min(self.townships) < 1:
            fail(f"{path}.townships", list(self.townships), "must list at least one county, each with >= 1 township")
        if self.county_names and len(self.county_names) != self.counties:
            fail(f"{path}.county_names", list(self.county_names),
                 f"must name every county: {self.counties} names (one per entry of {path}.townships) or none")
        townships = sum(self.townships)
        if self.villages < townships:
            fail(f"{path}.villages", self.villages, f"must be >= the number of townships ({townships})")
        if self.households < 10 * self.villages:
            fail(f"{path}.households", self.households, f"must be >= 10 per village ({10 * self.villages})")
        for key, total, least in (("township_codes", None, 0), ("township_names", None, 0),
                                  ("township_villages", self.villages, 1), ("township_households", self.households, 0)):
            values = getattr(self, key)
            if values and len(values) != townships:
                fail(f"{path}.{key}", list(values), f"one per township ({townships}) or none")
            blanks = sum(v == 0 for v in values) if total is not None else 0
            if values and total is not None and (min(values) < 0 or sum(values) + least * blanks > total
                                                 or (not blanks and sum(values) != total)):
                fail(f"{path}.{key}", list(values), f"whole numbers (0: a share of what the others leave) summing "
                                                    f"to {path}.{key.split('_')[1]} ({total})")
        if set(self.own_farm_mix) - set(self.crops):
            fail(f"{path}.own_farm_mix", dict(self.own_farm_mix), f"shares of the region's crops ({path}.crops: "
                                                                  f"{', '.join(self.crops) or 'none given'}) only")
        if self.crops and not self.own_farm_mix:
            fail(f"{path}.own_farm_mix", {}, f"what share of households grew each of {path}.crops at the start")


@dataclass(frozen=True)
class CommodityConfig:
    """One product: its reference price, economics, calendar and price process."""

    unit: str = spec()
    reference_price_yuan: float = spec(gt=0.0, max=YUAN["max"])
    revenue_yuan_per_mu: float = spec(gt=0.0, max=YUAN["max"])
    input_cost_share: float = spec(**SHARE)
    labour_days_per_mu: float = spec(min=0.0, max=366.0)
    months_to_first_harvest: int = spec(min=0, max=60)
    harvest_weights: tuple[float, ...] = spec(length=12)
    price_persistence: float = spec(min=0.0, max=0.999)
    price_volatility: float = spec(min=0.0, max=1.0)
    annual_volatility: float = spec(min=0.0, max=1.5)
    seasonal_amplitude: float = spec(min=0.0, max=0.9)
    seasonal_peak_month: int = spec(choices=MONTHS)
    cycle_months: int = spec(min=0, max=1200)
    cycle_amplitude: float = spec(min=0.0, max=1.5)
    local_capacity_mu_per_village: float = spec(gt=0.0, max=MU["max"])
    price_flexibility: float = spec(min=0.0, max=3.0)
    regional_capacity_mu_per_village: float = spec(gt=0.0, max=MU["max"])
    regional_price_flexibility: float = spec(min=0.0, max=3.0)

    def check(self, path: str) -> None:
        if any(w < 0 for w in self.harvest_weights) or sum(self.harvest_weights) <= 0:
            fail(f"{path}.harvest_weights", list(self.harvest_weights), "must be >= 0 with a positive sum")


@dataclass(frozen=True)
class MarketConfig:
    """Commodity markets and what selling costs.

    Every seller — a household, a cooperative, a federation — loses the same
    share of a lot's value to sell it: ``wholesale_margin`` on every yuan
    (haulage to and handling at the wholesale market, the buyer's margin) plus
    ``collection_cost_yuan`` per lot (the trader's trip to the village,
    grading, bargaining), at most ``max_collection_share`` of the lot
    (:func:`coopsim.rules.prices.selling_margin`). So small lots lose more.
    """

    commodities: Mapping[str, CommodityConfig] = spec()
    wholesale_margin: float = spec(min=0.0, max=0.9)
    collection_cost_yuan: float = spec(**YUAN)
    max_collection_share: float = spec(min=0.0, max=0.9)
    price_trend_annual: float = spec(min=-0.5, max=0.5)
    yield_trend_annual: float = spec(min=-0.2, max=0.2)

    def check(self, path: str) -> None:
        if not self.commodities:
            fail(f"{path}.commodities", {}, "must name at least one commodity")


@dataclass(frozen=True)
class HouseholdsConfig:
    """How households are generated and how they farm and spend."""

    members_mean: float = spec(min=1.0, max=8.0)
    working_age_share: float = spec(**SHARE)
    land_per_capita_mu: float = spec(**MU)
    land_sigma: float = spec(min=0.0, max=2.0)
    productivity_sigma: float = spec(min=0.0, max=2.0)
    savings_mean_yuan: float = spec(**YUAN)
    registered_poor_share: float = spec(**SHARE)
    cadres_per_village: int = spec(min=1, max=100)
    own_farm_mix: Mapping[str, float] = spec()
    crops: tuple[str, ...] = spec()
    planning_horizon_years: float = spec(gt=0.0, max=100.0)
    herding: float = spec(**PROB)
    choice_temperature: float = spec(gt=0.0, max=100.0)
    left_behind_labour: float = spec(min=0.0, max=2.0)
    carer_share: float = spec(**SHARE)
    farm_days_per_worker_month: float = spec(gt=0.0, max=31.0)
    subsistence_yuan_month_per_person: float = spec(**YUAN)
    spending_share_of_savings: float = spec(**SHARE)
    elderly_share_of_dependants: float = spec(**SHARE)
    disabled_share: float = spec(**SHARE)
    land_quality_sigma: float = spec(min=0.0, max=2.0)
    unsafe_housing_share: float = spec(**SHARE)
    illness_probability_year: float = spec(**PROB)
    illness_cost_yuan: float = spec(**YUAN)
    illness_out_of_pocket_share: float = spec(**SHARE)
    illness_out_of_pocket_share_poor: float = spec(**SHARE)
    illness_months: int = spec(min=0, max=60)
    land_lease_chance: float = spec(**PROB)
    land_lease_rent_yuan_mu_year: float = spec(**YUAN)

    def check(self, path: str) -> None:
        if not self.own_farm_mix or any(v < 0 for v in self.own_farm_mix.values()):
            fail(f"{path}.own_farm_mix", dict(self.own_farm_mix), "must give shares >= 0 for at least one commodity")
        require_sum_one(f"{path}.own_farm_mix", dict(self.own_farm_mix), self.own_farm_mix.values(), "shares")
        if not self.crops:
            fail(f"{path}.crops", [], "must list at least one commodity")


@dataclass(frozen=True)
class LabourConfig:
    """Working-age adults: local work, migration to the cities, Spring Festival."""

    migrant_wage_yuan_month_by_year: Mapping[int, float] = spec(values_max=YUAN["max"])
    remittance_share: float = spec(**SHARE)
    local_day_wage_yuan: float = spec(**YUAN)
    local_wage_growth: float = spec(min=-0.5, max=0.5)
    local_days_per_month: float = spec(min=0.0, max=31.0)
    leave_probability: float = spec(**PROB)
    return_probability: float = spec(**PROB)
    wage_gap_elasticity: float = spec(min=0.0, max=10.0)
    festival_home_probability: float = spec(**PROB)
    festival_stay_probability: float = spec(**PROB)
    spring_festival_by_year: Mapping[int, str] = spec()
    festival_home_window_days: int = spec(min=1, max=60)
    festival_back_window_days: int = spec(min=1, max=120)
    max_search_weeks: int = spec(min=1, max=104)
    initial_away_share: float = spec(**SHARE)
    destinations: Mapping[str, DestinationConfig] = spec()
    destination_temperature: float = spec(gt=0.0, max=100.0)
    chain_strength: float = spec(min=0.0, max=20.0)
    family_factor: float = spec(**SHARE)

    def check(self, path: str) -> None:
        if not self.destinations:
            fail(f"{path}.destinations", {}, "must name at least one destination")
        for year, date in self.spring_festival_by_year.items():
            if festival_date(year, date) is None:
                fail(f"{path}.spring_festival_by_year.{year}", date, "must be a date of January or February as 'MM-DD'")
        if min(self.migrant_wage_yuan_month_by_year.values()) <= 0:
            fail(f"{path}.migrant_wage_yuan_month_by_year", dict(self.migrant_wage_yuan_month_by_year),
                 "every year's wage must be > 0")

    @property
    def destination_names(self) -> tuple[str, ...]:
        return tuple(sorted(self.destinations))


@dataclass(frozen=True)
class StateConfig:
    """Transfers from the state outside any cooperative, by kind, each to the households that qualify."""

    pension_yuan_month_by_year: Mapping[int, float] = spec(values_max=YUAN["max"])
    dibao_standard_yuan_year_by_year: Mapping[int, float] = spec(values_max=YUAN["max"])
    dibao_take_up: float = spec(**SHARE)
    farm_subsidy_yuan_mu_by_year: Mapping[int, float] = spec(values_max=YUAN["max"])
    farm_subsidy_month: int = spec(choices=MONTHS)
    poverty_support_yuan_month_per_person: float = spec(**YUAN)
    monitoring_from_year: int = spec(**YEAR)
    monitoring_line_yuan_by_year: Mapping[int, float] = spec(values_max=YUAN["max"])
    other_transfers_yuan_month_per_person: float = spec(**YUAN)



@dataclass(frozen=True)
class RunConfig:
    """Everything one simulation run needs."""

    seed: int = spec(min=0, max=2**63 - 1)  # every table holds it as a 64-bit integer
    start_year: int = spec(**YEAR)
    years: int = spec(min=1, max=100)
    poverty_line_yuan_by_year: Mapping[int, float] = spec(values_max=YUAN["max"])
    thin_village_yuan: float = spec(**YUAN)
    progress: str = spec(choices=("auto", "always", "never"))
    household_table: bool = spec()
    region: RegionConfig = spec()
    market: MarketConfig = spec()
    households: HouseholdsConfig = spec()
    labour: LabourConfig = spec()
    state: StateConfig = spec()
    tier: TierConfig = spec()
    scenario_name: str = spec(default="", internal=True)  # set from the scenario by parse_config
    experiment: str = "adhoc"
    ablate: str = "none"
    shocks: tuple[tuple[str, Shock], ...] = spec(default=(), internal=True)  # parsed from scenario.shocks
    resilience: bool = True
    engine: str = spec(default="fast", choices=("fast", "agents"))
    threads: int = spec(default=0, min=0, max=64)  # fast engine; 0 = one per core (at most 4)

    @property
    def scenario(self) -> str:
        """The scenario's label: its config name(s) when known, else its shock
        names joined by '+', or 'baseline' without shocks."""
        return self.scenario_name or "+".join(name for name, _ in self.shocks) or "baseline"

    @property
    def months(self) -> int:
        """Length of the run in months."""
        return 12 * self.years

    @property
    def commodities(self) -> tuple[str, ...]:
        """Commodity names in a fixed (sorted) order; index = commodity id."""
        return tuple(sorted(self.market.commodities))

    def check(self, path: str) -> None:
        known = set(self.market.commodities)
        check_shocks(self.shocks, known, set(self.labour.destinations), self.start_year, self.months)
        for name in self.households.own_farm_mix:
            if name not in known:
                fail(f"households.own_farm_mix.{name}", self.households.own_farm_mix[name],
                     f"unknown commodity; known: {', '.join(sorted(known))}")
        for i, name in enumerate(self.households.crops):
            if name not in known:
                fail(f"households.crops[{i}]", name, f"unknown commodity; known: {', '.join(sorted(known))}")
        coop = self.tier.cooperative
        if coop is not None:
            sh = coop.shareholding
            if self.households.cadres_per_village * sh.single_holder_max < sh.villagers_min - 1e-9:
                fail("households.cadres_per_village", self.households.cadres_per_village,
                     f"the founding members (cadres, registered poor) must be able to hold villagers_min "
                     f"({sh.villagers_min}) under single_holder_max ({sh.single_holder_max}): need at least "
                     f"{int(-(-sh.villagers_min // sh.single_holder_max))} cadre households")
            for i, name in enumerate(coop.industries):
                if name not in known:
                    fail(f"tier.cooperative.industries[{i}]", name, f"unknown commodity; known: {', '.join(sorted(known))}")
        self._check_tier_dates()
        self._check_festivals()

    def _check_festivals(self) -> None:
        """Every year of the run, and the next, needs its Spring Festival's date."""
        dates = self.labour.spring_festival_by_year
        for year in range(self.start_year, self.start_year + self.years + 1):
            if year not in dates:
                fail("labour.spring_festival_by_year", {y: dates[y] for y in sorted(dates)},
                     f"has no date for {year}: every year of the run and the next needs the festival's date "
                     f"(e.g. labour.spring_festival_by_year.{year}=02-05)")

    def _check_tier_dates(self) -> None:
        """Every institution of the tier must start before the run ends (one that starts before the
        run is in place from its first month); otherwise the tier would run as a lower one, unnoticed."""
        last_year = self.start_year + self.years - 1
        for block in TIER_BLOCKS[self.tier.name]:
            if block in RULE_BLOCKS:
                continue
            key, year, month = _first_date(getattr(self.tier, block))
            if (year, month) > (last_year, 12):
                fail(f"tier.{block}.{key}", year,
                     f"the {block} would start in {year}-{month:02d}, after the run ends ({last_year}-12), so tier "
                     f"'{self.tier.name}' would run as if it had no {block}: run to {year} at least "
                     f"(years >= {year - self.start_year + 1}) or set an earlier start")


def festival_date(year: int, date: str) -> tuple[int, int] | None:
    """``"02-05"`` -> (2, 5) if it is a real date of January or February of ``year``, else None."""
    month, dash, day = str(date).partition("-")
    if not (dash and month.isdigit() and day.isdigit() and int(month) in (1, 2)):
        return None
    last = 31 if int(month) == 1 else (29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28)
    return (int(month), int(day)) if 1 <= int(day) <= last else None


def _first_date(block: Any) -> tuple[str, int, int]:
    """The key, year and month of a tier block's first institution: the cooperatives' first
    founding (the pilots, or the spread without pilots), or a partner's start."""
    rollout = getattr(block, "rollout", None)
    if rollout is not None:
        if rollout.pilot_share > 0:
            return "rollout.pilot_year", rollout.pilot_year, rollout.pilot_month
        return "rollout.spread_year", rollout.spread_year, rollout.spread_month
    return "start_year", block.start_year, block.start_month


def _strip_tier_optional(data: dict[str, Any]) -> dict[str, Any]:
    """Drop null tier blocks; reject a block that the chosen tier does not have."""
    tier = dict(data.get("tier") or {})
    name = tier.get("name")
    for block in BLOCKS:
        if block in tier and tier[block] is None:
            tier.pop(block)
        elif block in tier and name in TIER_BLOCKS and block not in TIER_BLOCKS[name]:
            fail(f"tier.{block}", tier[block], not_in_tier(block, name))
    return {**data, "tier": tier}


def _region_from_table(data: dict[str, Any]) -> dict[str, Any]:
    """A region with a ``townships_file`` read from it (:func:`~coopsim.config.regions.expand_region`); a region's
    main crops (``region.crops``) made what its households grow and its cooperatives choose among."""
    region = data.get("region")
    if not isinstance(region, Mapping):
        return data
    if "townships_file" in region and (region["townships_file"] or not region.get("townships")):
        region = expand_region(region)  # (a region without townships of its own must name its table)
    crops = region.get("crops")
    if crops:
        data["households"] = {**(data.get("households") or {}), "crops": list(crops),
                              "own_farm_mix": dict(region.get("own_farm_mix") or {})}
        tier = data.get("tier")
        if isinstance(tier, Mapping) and isinstance(tier.get("cooperative"), Mapping):
            data["tier"] = {**tier, "cooperative": {**tier["cooperative"], "industries": list(crops)}}
    return {**data, "region": region}


def _apply_ablation(data: dict[str, Any]) -> dict[str, Any]:
    """``ablate`` switches mechanisms of the tier off (:func:`~coopsim.config.mechanisms.parse_ablate`)."""
    tier = data.get("tier") or {}
    return switch_off(data, parse_ablate(data.get("ablate", "none"), str(tier.get("name"))))


def parse_config(data: Mapping[str, Any]) -> RunConfig:
    """Validate a plain mapping (the resolved Hydra config without ``hydra``).

    Raises
    ------
    ConfigError
        naming the first bad key, its value and what is allowed; it is the
        only error a config can raise, whatever its shape.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(f"the config must be a mapping, got {type(data).__name__}")
    try:
        return _parse(data)
    except ConfigError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as err:  # a shape no check foresaw
        raise ConfigError(f"the config cannot be read ({type(err).__name__}: {err})") from err


def _parse(data: Mapping[str, Any]) -> RunConfig:
    if not isinstance(data.get("tier"), Mapping):
        fail("tier", data.get("tier"), "must be a mapping with a 'name' (one of " + ", ".join(TIER_BLOCKS) + ")")
    data = _apply_ablation(_strip_tier_optional(_region_from_table(dict(data))))
    scenario = data.pop("scenario", None) or {}
    if not isinstance(scenario, Mapping):
        fail("scenario", scenario, "must be a mapping with 'shocks'")
    for key in scenario:
        if key not in ("shocks", "name"):
            fail(f"scenario.{key}", scenario[key], "unknown key; a scenario has 'shocks' (and a 'name')")
    shocks = parse_shocks(scenario.get("shocks"))
    cfg = build(RunConfig, data, also_allowed=("scenario",))
    name = scenario.get("name") or ""
    if not isinstance(name, str):
        fail("scenario.name", name, "must be a string")
    cfg = dataclasses.replace(cfg, shocks=shocks, scenario_name=name if shocks else "")
    cfg.check("")
    return cfg
