"""The labour market of migrant workers: destinations, chain migration, family
constraints, the Spring Festival, city shocks and remittances.

Each working-age adult's slot holds a status (home, away, home for the
festival), and for those away a destination and a sector. Every month two
uniforms are drawn per slot from the ``migration`` stream whatever the state,
so tiers and scenarios share them: ``u`` decides moves (leave, return,
festival, job found, team placement) and ``v`` decides where (destination and
sector).
"""

from __future__ import annotations

import numpy as np

from coopsim.config import LabourConfig
from coopsim.config_scenario import SECTORS
from coopsim.households import AWAY, FESTIVAL, HOME, Households
from coopsim.rules.migration import Moves, chain_finding, destination_choice, leave_probability, migration_step
from coopsim.shocks import CityConditions
from coopsim.world import World


class LabourMarket:
    """Destination cities and the monthly migration step."""

    def __init__(self, cfg: LabourConfig, world: World, conditions: CityConditions) -> None:
        self.cfg, self.world, self.conditions = cfg, world, conditions
        self.names = cfg.destination_names
        dests = [cfg.destinations[n] for n in self.names]
        self.wage_multiplier = np.array([d.wage_multiplier for d in dests])
        self.job_finding = np.array([d.job_finding for d in dests])
        self.living_cost = np.array([d.living_cost_yuan_month for d in dests])
        self.sector_shares = np.array([d.sector_shares() for d in dests])
        self.departures = np.zeros(len(self.names), dtype=np.int64)
        self.job_losses = 0

    def base_wage(self, t: int) -> float:
        """The migrant reference wage in month ``t`` (before destination, sector, skill)."""
        return self.cfg.migrant_wage_yuan_month * (1.0 + self.cfg.migrant_wage_growth) ** (t // 12)

    def slot_wage(self, t: int, hh: Households, export_uplift: float) -> np.ndarray:
        """(n, W) monthly wage of each slot's job if it is away."""
        d = np.maximum(hh.worker_destination, 0)
        s = np.maximum(hh.worker_sector, 0)
        factor = self.wage_multiplier[d] * self.conditions.wage_factor[t][d, s]
        return self.base_wage(t) * hh.productivity[:, None] * factor * (1.0 + export_uplift * hh.organised)

    def remittances_yuan(self, t: int, hh: Households, export_uplift: float) -> np.ndarray:
        """What each household's migrants send home this month."""
        away = hh.worker_status == AWAY
        net = self.slot_wage(t, hh, export_uplift) - self.living_cost[np.maximum(hh.worker_destination, 0)]
        return (np.where(away, np.maximum(net, 0.0), 0.0) * self.cfg.remittance_share).sum(axis=1)

    def tie_shares_of(self, hh: Households, rows: np.ndarray) -> np.ndarray:
        """(len(rows), D) share of each household's village's migrants in each
        destination, averaged with the neighbouring villages' shares."""
        w = self.world
        away = hh.worker_status == AWAY
        d = len(self.names)
        key = hh.village[:, None] * d + np.maximum(hh.worker_destination, 0)
        counts = np.bincount(key[away], minlength=w.n_villages * d).reshape(w.n_villages, d)
        share = counts / np.maximum(counts.sum(axis=1), 1)[:, None]
        return (0.5 * (share + w.neighbour_mean(share)))[hh.village[rows]]

    def initial_destinations(self, hh: Households, rng: np.random.Generator) -> None:
        """Place the workers away at the start (no ties yet)."""
        v = rng.random(hh.worker_status.shape)
        dest, sector = self._choose(v, np.zeros((hh.n, len(self.names))), 0)[:2]
        away = hh.worker_status == AWAY
        hh.worker_destination = np.where(away, dest, -1).astype(np.int8)
        hh.worker_sector = np.where(away, sector, -1).astype(np.int8)

    def _choose(self, v: np.ndarray, ties: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        find = chain_finding(self.job_finding, ties, self.cfg.chain_strength)
        net = self.base_wage(t) * self.wage_multiplier * self.conditions.wage_factor[t].mean(axis=1) - self.living_cost
        dest, sector = destination_choice(v, net, find, self.cfg.destination_temperature, self.sector_shares,
                                          self.cfg.chain_strength * ties)
        return dest, sector, np.take_along_axis(find, dest.astype(np.int64), axis=1)

    def step(self, t: int, hh: Households, local_income: np.ndarray, reference_ratio: float,
             u: np.ndarray, v: np.ndarray, teams: np.ndarray | None, team_share: float,
             return_factor: float) -> tuple[Moves, np.ndarray]:
        """One month of moves for every worker; returns the moves and the team placements (n, W)."""
        cfg, cond = self.cfg, self.conditions
        city = self.base_wage(t) * hh.productivity * float(cond.wage_factor[t].mean())
        p_leave = leave_probability(cfg.leave_probability, cfg.wage_gap_elasticity, city, local_income,
                                    reference_ratio)
        dependants = hh.members > hh.working_age
        p_leave = np.where(dependants, p_leave * cfg.family_factor, p_leave)
        # Only slots that could leave this month (u below the upper bound p_leave)
        # need a destination: the result is the same as choosing for every slot.
        dest = np.zeros(hh.worker_status.shape, dtype=np.int8)
        sector = np.zeros_like(dest)
        find = np.ones(hh.worker_status.shape)
        rows, cols = np.nonzero((hh.worker_status == HOME) & (u < p_leave[:, None]))
        if rows.size:
            ties = self.tie_shares_of(hh, rows)
            d, s, f = self._choose(v[rows, cols][:, None], ties, t)
            dest[rows, cols], sector[rows, cols], find[rows, cols] = d[:, 0], s[:, 0], f[:, 0]
        team = np.zeros(hh.worker_status.shape, dtype=bool) if teams is None else teams[:, None] & np.ones_like(find, bool)
        # A team always finds its members a job; others leave only if they find one.
        p_slot = p_leave[:, None] * np.where(team, 1.0, find)
        d_now, s_now = np.maximum(hh.worker_destination, 0), np.maximum(hh.worker_sector, 0)
        p_return = cfg.return_probability * np.where(hh.organised, return_factor, 1.0) + cond.job_loss[t][d_now, s_now]
        moves = migration_step(hh.worker_status, u, t % 12 + 1, p_slot, np.minimum(p_return, 1.0),
                               cfg.festival_home_probability, cfg.festival_stay_probability,
                               bool(cond.travel_stop[t]))
        status = _keep_a_carer(hh.worker_status, moves.status, dependants)
        left = (hh.worker_status == HOME) & (status == AWAY)
        came_back = (hh.worker_status == AWAY) & (status == HOME)
        self.job_losses += int((came_back & (u >= cfg.return_probability)).sum())
        placed = left & team & (u < p_slot * team_share)
        hh.worker_destination = np.where(left, dest, np.where(status == HOME, -1, hh.worker_destination)).astype(np.int8)
        hh.worker_sector = np.where(left, sector, np.where(status == HOME, -1, hh.worker_sector)).astype(np.int8)
        hh.organised = (hh.organised | placed) & (status != HOME)
        self.departures += np.bincount(hh.worker_destination[left].astype(np.int64), minlength=len(self.names))
        hh.worker_status = status
        moves = moves._replace(status=status, left=int(left.sum()))
        return moves, placed

    def stock(self, hh: Households) -> np.ndarray:
        """Workers away in each destination (D,)."""
        away = hh.worker_status == AWAY
        return np.bincount(hh.worker_destination[away].astype(np.int64), minlength=len(self.names))


def _keep_a_carer(before: np.ndarray, after: np.ndarray, dependants: np.ndarray) -> np.ndarray:
    """A household with children or elderly keeps one adult at home: if this
    month's departures would leave none, the last one to leave stays."""
    home_after = ((after == HOME) | (after == FESTIVAL)).sum(axis=1)
    leaving = (before == HOME) & (after == AWAY)
    undo = dependants & (home_after == 0) & leaving.any(axis=1)
    if not undo.any():
        return after
    out = after.copy()
    rows = np.flatnonzero(undo)
    last = leaving.shape[1] - 1 - np.argmax(leaving[rows, ::-1], axis=1)
    out[rows, last] = HOME
    return out


__all__ = ["LabourMarket", "SECTORS"]
