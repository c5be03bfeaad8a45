"""The labour market of migrant workers: destinations, chain migration, family
constraints, the Spring Festival, city shocks and remittances.

Each working-age adult's slot holds a status (home, away, home for the
festival), and for those away a destination and a sector. Every month two
uniforms are drawn per slot whatever the state, so tiers and scenarios share
them: ``u`` (``migration`` stream) decides moves (leave, return, festival,
job found) and ``v`` (``destinations`` stream) decides where
(destination and sector).
"""

from __future__ import annotations

import threading

import numpy as np

from coopsim.config import LabourConfig
from coopsim.households.state import AWAY, FESTIVAL, HOME, Households, any_slot, sum_slots
from coopsim.markets.shocks import CityConditions
from coopsim.money import ALL, Rows
from coopsim.rules.livelihood import wage_in_month
from coopsim.rules.migration import (
    AFTER_FESTIVAL_MONTH,
    FESTIVAL_MONTH,
    chain_finding,
    destination_choice,
    leave_probability,
    migration_step,
)
from coopsim.rules.series import monthly
from coopsim.world import World

#: Above this share of a block's households that may move, the step takes the whole block (cheaper than gathering).
DENSE_SHARE = 0.5


class LabourMarket:
    """Destination cities and the monthly migration step.

    Each month :meth:`open_month` draws the month's uniforms for every worker
    slot and publishes each village's migrant ties; then :meth:`step` moves
    the workers of a block of household rows (the whole region, a block of
    villages or one household: the result is the same).
    """

    def __init__(self, cfg: LabourConfig, world: World, conditions: CityConditions, start_year: int) -> None:
        self.cfg, self.world, self.conditions = cfg, world, conditions
        #: The migrant reference wage of every month of the run (yuan/month).
        self.wages = monthly(cfg.migrant_wage_yuan_month_by_year, start_year, len(conditions.travel_stop))
        self.names = cfg.destination_names
        dests = [cfg.destinations[n] for n in self.names]
        self.wage_multiplier = np.array([d.wage_multiplier for d in dests])
        self.job_finding = np.array([d.job_finding for d in dests])
        self.living_cost = np.array([d.living_cost_yuan_month for d in dests])
        self.sector_shares = np.array([d.sector_shares() for d in dests])
        self.n_sectors = self.sector_shares.shape[1]
        self.departures = np.zeros(len(self.names), dtype=np.int64)
        self.job_losses = 0
        self._lock = threading.Lock()
        #: (villages, D) workers of each village away in each destination, kept up to date by :meth:`step`.
        self.village_away = np.zeros((world.n_villages, len(self.names)), dtype=np.int64)
        #: This month's moves: left, returned, home for the festival, back after it.
        self.month_moves = np.zeros(4, dtype=np.int64)
        self.u = self.v = np.zeros((0, 0))
        self.village_ties = np.zeros((world.n_villages, len(self.names)))

    def base_wage(self, t: int) -> float:
        """The migrant reference wage in month ``t`` (before destination, sector, skill): the year's
        average wage of migrants working outside their township (``labour.migrant_wage_yuan_month_by_year``)."""
        return float(self.wages[t])

    def local_day_wage(self, t: int) -> float:
        """The day wage of casual local work in month ``t``."""
        return wage_in_month(self.cfg.local_day_wage_yuan, self.cfg.local_wage_growth, t)

    def slot_wage(self, t: int, hh: Households, rows: Rows = ALL) -> np.ndarray:
        """(rows, W) monthly wage of each slot's job if it is away."""
        d = np.maximum(hh.worker_destination[rows], 0)
        s = np.maximum(hh.worker_sector[rows], 0)
        factor = (self.wage_multiplier[:, None] * self.conditions.wage_factor[t]).ravel().take(d * self.n_sectors + s)
        return self.base_wage(t) * hh.productivity[rows, None] * factor

    def remittances_yuan(self, t: int, hh: Households, rows: Rows = ALL) -> np.ndarray:
        """What each household's migrants send home this month."""
        net = self.slot_wage(t, hh, rows)
        net -= self.living_cost.take(np.maximum(hh.worker_destination[rows], 0))
        np.maximum(net, 0.0, out=net)
        net *= hh.worker_status[rows] == AWAY
        net *= self.cfg.remittance_share
        return sum_slots(net)

    def count_away(self, hh: Households) -> None:
        """Recount :attr:`village_away` from the households' state."""
        d = len(self.names)
        away = hh.worker_status == AWAY
        key = hh.village[:, None] * d + np.maximum(hh.worker_destination, 0)
        counts = np.bincount(key[away], minlength=self.world.n_villages * d)
        self.village_away = counts.reshape(self.world.n_villages, d).astype(np.int64)

    def initial_destinations(self, hh: Households, rng: np.random.Generator) -> None:
        """Place the workers away at the start (no ties yet)."""
        v = rng.random(hh.worker_status.shape)
        r, c = np.nonzero(hh.worker_status == AWAY)
        # without ties every worker faces the same choice: one row of (zero) ties serves all
        dest, sector = self._choose(v[r, c][:, None], np.zeros((1, len(self.names))), 0)[:2]
        hh.worker_destination = np.full(hh.worker_status.shape, -1, dtype=np.int8)
        hh.worker_sector = np.full(hh.worker_status.shape, -1, dtype=np.int8)
        hh.worker_destination[r, c], hh.worker_sector[r, c] = dest[:, 0], sector[:, 0]
        self.count_away(hh)

    def _choose(self, v: np.ndarray, ties: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        find = chain_finding(self.job_finding, ties, self.cfg.chain_strength)
        net = self.base_wage(t) * self.wage_multiplier * self.conditions.wage_factor[t].mean(axis=1) - self.living_cost
        dest, sector = destination_choice(v, net, find, self.cfg.destination_temperature, self.sector_shares,
                                          self.cfg.chain_strength * ties)
        return dest, sector, np.take_along_axis(find, dest.astype(np.int64), axis=1)

    def open_month(self, u: np.ndarray, v: np.ndarray) -> None:
        """Publish the month's draws and each village's ties.

        ``u`` and ``v`` are the month's two uniforms per worker slot (drawn
        whatever its state, so tiers and scenarios share them): ``u`` decides
        moves, ``v`` destinations. A village's ties are the share of its
        migrants in each destination, averaged with its neighbours'.
        """
        self.u, self.v = u, v
        share = self.village_away / np.maximum(self.village_away.sum(axis=1), 1)[:, None]
        self.village_ties = 0.5 * (share + self.world.neighbour_mean(share))
        self.month_moves[:] = 0

    def step(self, t: int, hh: Households, rows: slice, local_income: np.ndarray,
             reference_ratio: float) -> np.ndarray:
        """One month of moves for the workers of ``rows``.

        ``local_income`` is the rows' local earnings per worker. Only
        households where some worker could move this month are worked through
        (the others are left as they are, which is what the rules would do).
        Returns those households' row indices.
        """
        cfg, cond = self.cfg, self.conditions
        city = self.base_wage(t) * hh.productivity[rows] * float(cond.wage_factor[t].mean())
        p_leave = leave_probability(cfg.leave_probability, cfg.wage_gap_elasticity, city, local_income,
                                    reference_ratio)
        p_leave = np.where(hh.dependants[rows], p_leave * cfg.family_factor, p_leave)
        carer = hh.needs_carer[rows]
        may_move = self._may_move(t, hh.worker_status[rows], self.u[rows], p_leave)
        sub: slice | np.ndarray = np.flatnonzero(may_move)
        idx = sub + rows.start
        if not idx.size:
            return idx
        sel: slice | np.ndarray = idx
        if idx.size > DENSE_SHARE * may_move.size:  # most households move (festival months): take them all
            sub, sel, idx = slice(None), rows, np.arange(rows.start, rows.stop)
        u, v, before = self.u[sel].astype(np.float64), self.v[sel].astype(np.float64), hh.worker_status[sel]
        p_leave, carer = p_leave[sub], carer[sub]
        dest, sector, find = self._destinations(t, hh, idx, before, u, v, p_leave)
        p_slot = p_leave[:, None] * find  # a worker leaves only if he finds a job
        p_return = self._return_probability(t, hh, sel)
        moves = migration_step(before, u, t % 12 + 1, p_slot, p_return, cfg.festival_home_probability,
                               cfg.festival_stay_probability, bool(cond.travel_stop[t]))
        status = _keep_a_carer(before, moves.status, carer)
        left = (before == HOME) & (status == AWAY)
        came_back = (before == AWAY) & (status == HOME)
        away_change = self._away_change(hh, sel, before, status, dest)
        self._apply(hh, sel, idx, before, status, left, dest, sector)
        with self._lock:  # blocks of households may step on several threads
            self.job_losses += int((came_back & (u >= cfg.return_probability)).sum())
            self.departures += np.bincount(dest[left].astype(np.int64), minlength=len(self.names))
            self.village_away += away_change
            self.month_moves += (int(left.sum()), moves.returned, moves.festival_home, moves.festival_back)
        return idx

    def _destinations(self, t: int, hh: Households, idx: np.ndarray, before: np.ndarray, u: np.ndarray,
                      v: np.ndarray, p_leave: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where each slot of households ``idx`` would go if it left, its sector and its chance of a job.

        Only slots that could leave this month (``u`` below the upper bound
        ``p_leave``) need a destination: the result is the same as choosing for every slot.
        """
        dest = np.zeros(before.shape, dtype=np.int8)
        sector = np.zeros_like(dest)
        find = np.ones(before.shape)
        r, c = np.nonzero((before == HOME) & (u < p_leave[:, None]))
        if r.size:
            d, s, f = self._choose(v[r, c][:, None], self.village_ties[hh.village[idx[r]]], t)
            dest[r, c], sector[r, c], find[r, c] = d[:, 0], s[:, 0], f[:, 0]
        return dest, sector, find

    @staticmethod
    def _apply(hh: Households, sel: Rows, idx: np.ndarray, before: np.ndarray, status: np.ndarray,
               left: np.ndarray, dest: np.ndarray, sector: np.ndarray) -> None:
        """Write the moves of the households ``sel`` (rows ``idx``) into their columns."""
        at_home = status == HOME
        r, c = np.nonzero(left)
        hh.worker_destination[idx[r], c], hh.worker_sector[idx[r], c] = dest[r, c], sector[r, c]
        r, c = np.nonzero(at_home & (before != HOME))
        hh.worker_destination[idx[r], c] = hh.worker_sector[idx[r], c] = -1
        hh.worker_status[sel] = status
        hh.count_workers(sel)

    def _may_move(self, t: int, status: np.ndarray, u: np.ndarray, p_leave: np.ndarray) -> np.ndarray:
        """Households with a worker who could move this month (a superset of those who will).

        Chances are compared in double precision (``np.float64``), as in the rules themselves.
        """
        cfg, month, stop = self.cfg, t % 12 + 1, bool(self.conditions.travel_stop[t])
        slots = np.zeros(status.shape, dtype=bool)
        if month == FESTIVAL_MONTH and not stop:
            slots |= (status == AWAY) & (u < np.float64(cfg.festival_home_probability))
        if month >= AFTER_FESTIVAL_MONTH:
            p_return = np.float64(cfg.return_probability + float(self.conditions.job_loss[t].max()))
            slots |= (status == AWAY) & (u < p_return)
            if not stop:
                slots |= ((status == HOME) & (u < p_leave[:, None])) | (status == FESTIVAL)
        return any_slot(slots)

    def _return_probability(self, t: int, hh: Households, rows: Rows) -> float | np.ndarray:
        """Chance that each slot's worker comes home: the base rate plus the job loss of its destination
        and sector."""
        cfg, loss = self.cfg, self.conditions.job_loss[t]
        p: float | np.ndarray = cfg.return_probability
        if loss.any():
            d, s = np.maximum(hh.worker_destination[rows], 0), np.maximum(hh.worker_sector[rows], 0)
            p = p + loss[d, s]
        return np.minimum(p, 1.0)

    def _away_change(self, hh: Households, rows: Rows, before: np.ndarray, after: np.ndarray,
                     new_dest: np.ndarray) -> np.ndarray:
        """The change in :attr:`village_away` from the rows' moves."""
        was, now = before == AWAY, after == AWAY
        r, c = np.nonzero(was != now)
        if not r.size:
            return np.zeros_like(self.village_away)
        arriving = now[r, c]
        # a worker arriving in a city from home goes to the new destination; one back from the festival to the old
        dest = np.where(arriving & (before[r, c] == HOME), new_dest[r, c], hh.worker_destination[rows][r, c])
        d = len(self.names)
        change = np.bincount(hh.village[rows][r] * d + dest, weights=np.where(arriving, 1.0, -1.0),
                             minlength=self.village_away.size)
        return change.astype(np.int64).reshape(self.village_away.shape)

    def stock(self) -> np.ndarray:
        """Workers away in each destination (D,)."""
        return self.village_away.sum(axis=0)


def _keep_a_carer(before: np.ndarray, after: np.ndarray, needs_carer: np.ndarray) -> np.ndarray:
    """A household that needs a carer keeps one adult at home: if this
    month's departures would leave none, the last one to leave stays."""
    home_after = ((after == HOME) | (after == FESTIVAL)).sum(axis=1)
    leaving = (before == HOME) & (after == AWAY)
    undo = needs_carer & (home_after == 0) & leaving.any(axis=1)
    if not undo.any():
        return after
    out = after.copy()
    rows = np.flatnonzero(undo)
    last = leaving.shape[1] - 1 - np.argmax(leaving[rows, ::-1], axis=1)
    out[rows, last] = HOME
    return out

