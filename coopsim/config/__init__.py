"""Configuration: the validated run config, its schema, the tiers and scenarios,
composing configs as the ``coopsim`` command does, and the parameter
vocabulary (unit, range, source of every key).

Config flows one way: YAML (``configs/``) -> Hydra -> a plain mapping ->
:func:`parse_config` -> frozen dataclasses (:class:`RunConfig`). Nothing else
in coopsim reads config files or sees Hydra objects.
"""

from coopsim.config.compose import CONFIG_DIR, compose_config, compose_dict
from coopsim.config.run_config import (
    CommodityConfig,
    HouseholdsConfig,
    LabourConfig,
    MarketConfig,
    RegionConfig,
    RunConfig,
    StateConfig,
    parse_config,
)
from coopsim.config.scenarios import SECTORS, CityShock, DestinationConfig, Shock, onset_month
from coopsim.config.schema import ConfigError
from coopsim.config.tiers import (
    BLOCKS,
    DESIGNS,
    LADDER,
    TIER_BLOCKS,
    TIER_PARENT,
    TIER_TITLES,
    CadrePayConfig,
    CooperativeConfig,
    EnterpriseConfig,
    FederationConfig,
    GovernmentConfig,
    PlatformConfig,
    TierConfig,
    not_in_tier,
    tier_levers,
)

__all__ = [
    "BLOCKS", "CONFIG_DIR", "DESIGNS", "LADDER", "SECTORS", "TIER_BLOCKS", "TIER_PARENT", "TIER_TITLES", "CadrePayConfig",
    "CityShock", "CommodityConfig", "ConfigError", "CooperativeConfig", "DestinationConfig", "EnterpriseConfig",
    "FederationConfig", "GovernmentConfig", "HouseholdsConfig", "LabourConfig", "MarketConfig",
    "PlatformConfig", "RegionConfig", "RunConfig", "Shock", "StateConfig", "TierConfig", "compose_config",
    "compose_dict", "not_in_tier", "onset_month", "parse_config", "tier_levers",
]
