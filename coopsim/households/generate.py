"""Drawing a region's households from the ``households`` stream: size, workers,
land, skill, the registered poor, the cadres and where each worker starts."""

from __future__ import annotations

import numpy as np

from coopsim.config import HouseholdsConfig, LabourConfig
from coopsim.households.state import MAX_WORKERS, Households
from coopsim.rules.migration import AWAY, HOME, NO_WORKER
from coopsim.world import World


def _pick_cadres(world: World, poor: np.ndarray, per_village: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n = world.n_households
    cadre = np.zeros(n, dtype=bool)
    secretary = np.zeros(n, dtype=bool)
    # One shuffled key per household; within each village the non-poor
    # households with the smallest keys are the cadres, the first the secretary.
    key = rng.random(n) + poor.astype(np.float64)
    village = world.household_village
    by_key = np.argsort(key)  # then by village (a stable radix sort): the same order as lexsort((key, village))
    order = by_key[np.argsort(village[by_key], kind="stable")]
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - np.repeat(world.village_starts, world.village_households)
    cadre[rank < per_village] = True
    secretary[rank == 0] = True
    return cadre, secretary


def generate_households(world: World, cfg: HouseholdsConfig, labour: LabourConfig, rng: np.random.Generator) -> Households:
    """Draw every household of the world from the ``households`` stream.

    Members are 1 + Poisson(members_mean - 1) (at most 8); working-age adults
    are binomial in the members (at most MAX_WORKERS); land is members times
    ``land_per_capita_mu`` with lognormal spread, of a quality (a yield
    multiplier) with its own spread. Of the members not of working age, each
    is elderly (60 and over) with ``elderly_share_of_dependants``, else a
    child; each person lives with a disability with ``disabled_share``; a
    household lives in an unsafe house with ``unsafe_housing_share``.

    The registered poor are identified as in the 2014-16 registration
    (建档立卡): by income first — the ``registered_poor_share`` of households
    with the weakest means of earning (land and its quality, workers per
    person, skill), as village assessors see them (with noise) — and by the
    "three guarantees" of housing, schooling and health: an unsafe house, a
    disabled member or children to put through school count against a
    household. Of the households with children or elderly, ``carer_share``
    need a working-age adult at home to look after them (the others have
    grandparents who do).
    """
    n = world.n_households
    village = world.household_village
    members = np.minimum(1 + rng.poisson(cfg.members_mean - 1.0, n), 8).astype(np.int8)
    working_age = np.minimum(rng.binomial(members, cfg.working_age_share), MAX_WORKERS).astype(np.int8)
    sig_l, sig_p = cfg.land_sigma, cfg.productivity_sigma
    land = members * cfg.land_per_capita_mu * rng.lognormal(-0.5 * sig_l**2, sig_l, n)
    productivity = rng.lognormal(-0.5 * sig_p**2, sig_p, n)
    sig_q = cfg.land_quality_sigma
    land_quality = rng.lognormal(-0.5 * sig_q**2, sig_q, n)
    elderly = rng.binomial(members - working_age, cfg.elderly_share_of_dependants).astype(np.int8)
    children = members - working_age - elderly
    disabled = rng.random(n) < 1.0 - (1.0 - cfg.disabled_share) ** members
    unsafe_housing = rng.random(n) < cfg.unsafe_housing_share
    endowment = (  # what the assessors see of a household's means of earning, per person, with noise
        np.log(productivity)
        + np.log((land * land_quality + 0.1) / members)
        + np.log((working_age + 0.5) / members)
        + 0.3 * rng.standard_normal(n)
        - 0.5 * (unsafe_housing.astype(np.float64) + disabled + (children > 0))  # the three guarantees
    )
    n_poor = int(round(cfg.registered_poor_share * n))
    poor = np.zeros(n, dtype=bool)
    poor[np.argsort(endowment, kind="stable")[:n_poor]] = True
    cadre, secretary = _pick_cadres(world, poor, cfg.cadres_per_village, rng)

    slots = np.arange(MAX_WORKERS)[None, :] < working_age[:, None]
    away = rng.random((n, MAX_WORKERS)) < labour.initial_away_share
    needs_carer = (members > working_age) & (rng.random(n) < cfg.carer_share)  # among households with dependants
    lease_draw = rng.random(n)  # below households.land_lease_chance: a tenant takes the land it cannot farm
    dibao_draw = rng.random(n)  # below state.dibao_take_up: an eligible household is found and enrolled
    status = np.where(slots, np.where(away, AWAY, HOME), NO_WORKER).astype(np.int8)
    return Households(
        village=village,
        township=world.village_township[village],
        members=members,
        working_age=working_age,
        land_mu=land,
        land_quality=land_quality,
        productivity=productivity,
        elderly=elderly,
        disabled=disabled,
        unsafe_housing=unsafe_housing,
        registered_poor=poor,
        cadre=cadre,
        secretary=secretary,
        needs_carer=needs_carer,
        worker_status=status,
        lease_draw=lease_draw,
        dibao_draw=dibao_draw,
    )


def initial_savings_yuan(n: int, mean_yuan: float, rng: np.random.Generator) -> np.ndarray:
    """Opening savings of each household (exponential with the given mean)."""
    return rng.exponential(mean_yuan, n) if mean_yuan > 0 else np.zeros(n)
