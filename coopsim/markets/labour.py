"""The labour market of migrant workers in event time: destinations, job search,
chain migration, family constraints, the Spring Festival by its date, city
shocks and remittances.

Each working-age adult's slot holds a status (home, in a city with a job,
in a city searching for one, home for the festival), for those in a city a
destination and a sector, and the day and kind of its next move. Every month
two uniforms are drawn per slot whatever the state, so tiers and scenarios
share them: ``u`` (``migration`` stream) decides moves and ``v``
(``destinations`` stream) where (destination and sector) and, for those home
for the festival, whether they go back. Where a uniform falls inside the
interval that decides a move gives the move's day, and what is left of it the
length of a job search (:func:`~coopsim.rules.migration.split_uniform`): so
journeys home before the festival and back after it, departures and searches
are spread over weeks, and :meth:`LabourMarket.weekly` gives the share away
week by week.
"""

from __future__ import annotations

import threading

import numpy as np

from coopsim.config import LabourConfig
from coopsim.households.state import AWAY, FESTIVAL, HOME, SEARCHING, Households, sum_slots
from coopsim.markets.shocks import CityConditions
from coopsim.money import ALL, Rows
from coopsim.rules.livelihood import wage_in_month
from coopsim.rules.migration import (
    STATUS_NAMES,
    chain_finding,
    destination_choice,
    leave_probability,
    search_outcome,
    split_uniform,
    weekly_hazard,
)
from coopsim.rules.series import monthly
from coopsim.world import World


class LabourMarket:
    """Destination cities and the month's migration step, with every move on its day.

    Each month :meth:`open_month` draws the month's uniforms for every worker
    slot and publishes each village's migrant ties; then :meth:`step` moves
    the workers of a block of household rows (the whole region, a block of
    villages or one household: the result is the same).

    Parameters
    ----------
    cfg, world, conditions
        The labour config, the region, the cities' conditions month by month.
    start_year
        The run's first year (day 0 is its 1 January).
    """

    def __init__(self, cfg: LabourConfig, world: World, conditions: CityConditions, start_year: int) -> None:
        self.cfg, self.world, self.conditions = cfg, world, conditions
        months = len(conditions.travel_stop)
        #: The migrant reference wage of every month of the run (yuan/month).
        self.wages = monthly(cfg.migrant_wage_yuan_month_by_year, start_year, months)
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
        #: (villages, D) workers of each village in each destination (with a job or searching).
        self.village_away = np.zeros((world.n_villages, len(self.names)), dtype=np.int64)
        #: This month's moves: left, returned, home for the festival, back after it.
        self.month_moves = np.zeros(4, dtype=np.int64)
        self.u = self.v = np.zeros((0, 0))
        self.village_ties = np.zeros((world.n_villages, len(self.names)))
        # the calendar in days from 1 January of the start year
        first = np.datetime64(f"{start_year}-01", "M")
        self.month_start = ((first + np.arange(months + 1)).astype("datetime64[D]")
                            - first.astype("datetime64[D]")).astype(np.int64)
        #: Each year's Spring Festival (day of the run), from the start year to the year after the last.
        self.festival = np.array([
            (np.datetime64(f"{y}-{cfg.spring_festival_by_year[y]}") - np.datetime64(f"{start_year}-01-01")).astype(int)
            for y in range(start_year, start_year + months // 12 + 1)])
        #: The first day at or after each day of the run on which one can travel (no travel stop).
        stop_days = np.repeat(conditions.travel_stop, np.diff(self.month_start))
        days = len(stop_days)
        self.open_day = np.minimum.accumulate(np.r_[np.where(stop_days, days, np.arange(days)), days][::-1])[::-1]
        #: The first day of each travel stop.
        self.stop_starts = np.flatnonzero(stop_days & ~np.r_[False, stop_days[:-1]]) if len(stop_days) else \
            np.zeros(0, dtype=np.int64)
        #: (statuses, days + 1) each day's change in the number of slots of each status.
        self.day_delta = np.zeros((len(STATUS_NAMES), int(self.month_start[-1]) + 1), dtype=np.int64)
        self.start_counts = np.zeros(len(STATUS_NAMES), dtype=np.int64)

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
        """What each household's migrants with a job send home this month."""
        net = self.slot_wage(t, hh, rows)
        net -= self.living_cost.take(np.maximum(hh.worker_destination[rows], 0))
        np.maximum(net, 0.0, out=net)
        net *= hh.worker_status[rows] == AWAY
        net *= self.cfg.remittance_share
        return sum_slots(net)

    def count_away(self, hh: Households) -> None:
        """Recount :attr:`village_away` from the households' state."""
        d = len(self.names)
        away = (hh.worker_status == AWAY) | (hh.worker_status == SEARCHING)
        key = hh.village[:, None] * d + np.maximum(hh.worker_destination, 0)
        counts = np.bincount(key[away], minlength=self.world.n_villages * d)
        self.village_away = counts.reshape(self.world.n_villages, d).astype(np.int64)

    def initial_destinations(self, hh: Households, rng: np.random.Generator) -> None:
        """Place the workers away at the start (no ties yet), each with a job."""
        v = rng.random(hh.worker_status.shape)
        r, c = np.nonzero(hh.worker_status == AWAY)
        # without ties every worker faces the same choice: one row of (zero) ties serves all
        dest, sector = self._choose(v[r, c][:, None], np.zeros((1, len(self.names))), 0)[:2]
        hh.worker_destination = np.full(hh.worker_status.shape, -1, dtype=np.int8)
        hh.worker_sector = np.full(hh.worker_status.shape, -1, dtype=np.int8)
        hh.worker_destination[r, c], hh.worker_sector[r, c] = dest[:, 0], sector[:, 0]
        self.count_away(hh)
        self.start_counts = np.bincount(hh.worker_status.ravel(), minlength=len(STATUS_NAMES)).astype(np.int64)

    def _choose(self, v: np.ndarray, ties: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        find = chain_finding(self.job_finding, ties, self.cfg.chain_strength)
        net = self.base_wage(t) * self.wage_multiplier * self.conditions.wage_factor[t].mean(axis=1) - self.living_cost
        dest, sector = destination_choice(v, net, find, self.cfg.destination_temperature, self.sector_shares,
                                          self.cfg.chain_strength * ties)
        return dest, sector, np.take_along_axis(find, dest.astype(np.int64), axis=1)

    def open_month(self, u: np.ndarray, v: np.ndarray) -> None:
        """Publish the month's draws and each village's ties.

        ``u`` and ``v`` are the month's two uniforms per worker slot (drawn
        whatever its state, so tiers and scenarios share them). A village's
        ties are the share of its migrants in each destination, averaged with
        its neighbours'.
        """
        self.u, self.v = u, v
        share = self.village_away / np.maximum(self.village_away.sum(axis=1), 1)[:, None]
        self.village_ties = 0.5 * (share + self.world.neighbour_mean(share))
        self.month_moves[:] = 0

    # -- the calendar ----------------------------------------------------------
    def _festivals_in(self, lo: int, hi: int, offset: int = 0) -> np.ndarray:
        """The festivals whose day plus ``offset`` falls in days [lo, hi)."""
        at = self.festival + offset
        return self.festival[(at >= lo) & (at < hi)]

    def _blackout_end(self, day: np.ndarray) -> np.ndarray:
        """For departure days in a festival's season (from its journeys home to three days after it), the day
        the season ends (departures wait for it); -1 for other days."""
        out = np.full(day.shape, -1, dtype=np.int64)
        for f in self.festival:
            inside = (day >= f - self.cfg.festival_home_window_days) & (day < f + 3)
            out[inside] = f + 3
        return out

    def _travel_day(self, day: np.ndarray) -> np.ndarray:
        """Days of travel moved past a travel stop, keeping their spread: a journey due on a stopped day goes on
        the first open day plus its days into the stop."""
        if not self.stop_starts.size:
            return day
        day = np.minimum(day, len(self.open_day) - 1)
        opened = self.open_day[day]
        i = np.maximum(np.searchsorted(self.stop_starts, day, side="right") - 1, 0)
        return np.where(opened > day, opened + (day - self.stop_starts[i]), day)

    # -- the month's moves -----------------------------------------------------
    def step(self, t: int, hh: Households, rows: slice, local_income: np.ndarray,
             reference_ratio: float) -> np.ndarray:
        """One month of moves for the workers of ``rows``: those free to decide do (journeys home for a coming
        festival with the journey back, departures, returns and job losses), each move scheduled on its own day;
        then every move due before the month ends happens on its day; moves due later wait for their month.

        ``local_income`` is the rows' local earnings per worker. Only the
        worker slots that decide or move this month are worked through (the
        others are left as they are, which is what the rules would do).
        Returns the row indices of the households whose workers moved or decided.
        """
        cfg, cond = self.cfg, self.conditions
        lo, hi = int(self.month_start[t]), int(self.month_start[t + 1])
        stop = bool(cond.travel_stop[t])
        city = self.base_wage(t) * hh.productivity[rows] * float(cond.wage_factor[t].mean())
        p_leave = leave_probability(cfg.leave_probability, cfg.wage_gap_elasticity, city, local_income,
                                    reference_ratio)
        p_leave = np.where(hh.dependants[rows], p_leave * cfg.family_factor, p_leave)
        going_home = self._festivals_in(lo, hi, -cfg.festival_home_window_days)  # a journey-home season starts
        status, due, u = hh.worker_status[rows], hh.worker_due[rows], self.u[rows]
        free = due < 0
        away = free & (status == AWAY)
        # every slot that decides or moves this month, found in one pass (chances compared in double precision,
        # as in the rules); then sorted into its kind on those slots alone
        p_out = np.float64(cfg.return_probability + float(cond.job_loss[t].max()))  # the most any slot's can be
        festival = bool(going_home.size) and not stop
        p_away = max(p_out, np.float64(cfg.festival_home_probability)) if festival else p_out
        may = (due >= 0) & (due < hi)
        may |= away & (u < p_away)
        if not stop:
            may |= free & (status == HOME) & (u < p_leave[:, None])
        r, c = np.nonzero(may)
        st, uu, dd = status[r, c], u[r, c].astype(np.float64), due[r, c]
        deciding = []
        if festival:
            pick = (dd < 0) & (st == AWAY) & (uu < np.float64(cfg.festival_home_probability))
            deciding.append((r[pick] + rows.start, c[pick]))
        if not stop:
            pick = (dd < 0) & (st == HOME) & (uu < p_leave[r])
            deciding.append((r[pick] + rows.start, c[pick]))
        pick = (dd < 0) & (st == AWAY) & (uu < p_out)
        deciding.append((r[pick] + rows.start, c[pick]))
        moves = np.zeros(4, dtype=np.int64)
        deltas: list[np.ndarray] = []
        r = r + rows.start
        self._decide(t, hh, rows, lo, hi, stop, p_leave, going_home, deciding)
        now = hh.worker_due[r, c]
        due_now = (now >= 0) & (now < hi)  # due this month (the decisions' own included)
        self._apply_due(hh, r[due_now], c[due_now], hi, moves, deltas)
        idx = r[np.r_[True, r[1:] != r[:-1]]] if r.size else r  # the households touched (rows in order)
        hh.count_workers(idx)
        with self._lock:  # blocks of households may step on several threads
            for d in deltas:
                self.day_delta += d
            self.month_moves += moves
        return idx

    def _decide(self, t: int, hh: Households, rows: slice, lo: int, hi: int, stop: bool, p_leave: np.ndarray,
                going_home: np.ndarray, candidates: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """The slots free to decide (``candidates``: absolute rows and slots whose uniform fell below the most
        their chance could be — returns and job losses, journeys home, departures) decide; each move is
        scheduled on its day (it happens in :meth:`_apply_due`)."""
        cfg, cond = self.cfg, self.conditions
        days = hi - lo
        k = 0
        # the festival's round trip, decided as its season starts: home on a day of the three weeks before it
        # (u), then back to the job on a day of the five weeks from three days after it, or home for good after
        # the Lantern Festival (v: those with a job keep their city, so v is free)
        if going_home.size and not stop:
            r, c = candidates[k]
            k += 1
            p, f = cfg.festival_home_probability, int(going_home[0])
            cell, _rest = split_uniform(self.u[r, c].astype(np.float64), p, cfg.festival_home_window_days)
            hh.worker_due[r, c] = f - 1 - cell
            hh.worker_next[r, c] = FESTIVAL
            v = self.v[r, c].astype(np.float64)
            stay = v < cfg.festival_stay_probability
            back, _rest = split_uniform(np.where(stay, 0.0, v - cfg.festival_stay_probability),
                                        1.0 - cfg.festival_stay_probability, cfg.festival_back_window_days)
            hh.worker_after_due[r, c] = np.where(stay, f + 15, f + 3 + back)
            hh.worker_after[r, c] = np.where(stay, HOME, AWAY)
        # departures: the day in the month (after the festival's season if it falls in one), then the search
        if not stop:
            r, c = candidates[k]
            if r.size:
                households = r[np.r_[True, r[1:] != r[:-1]]]  # the slots come in row order
                at = np.searchsorted(households, r)
                before = hh.worker_status[households]
                leaving = np.zeros(before.shape, dtype=bool)
                leaving[at, c] = True
                after = _keep_a_carer(before, np.where(leaving, AWAY, before), hh.needs_carer[households])
                keep = after[at, c] == AWAY  # a carer stays
                r, c = r[keep], c[keep]
            if r.size:
                p_r = p_leave[r - rows.start]
                day_cell, rest = split_uniform(self.u[r, c].astype(np.float64), p_r, days)
                day = lo + day_cell
                wait = self._blackout_end(day)
                back_cell, rest = split_uniform(rest, 1.0, cfg.festival_back_window_days)
                day = np.where(wait >= 0, wait + back_cell, day)
                dest, sector, find = self._choose(self.v[r, c].astype(np.float64)[:, None],
                                                  self.village_ties[hh.village[r]], t)
                dest, sector = dest[:, 0], sector[:, 0]
                factor = cond.finding_factor[t][dest.astype(np.int64), sector.astype(np.int64)]
                e, how = search_outcome(day, weekly_hazard(find[:, 0] * factor), rest, cfg.max_search_weeks)
                hh.worker_due[r, c], hh.worker_next[r, c] = day, SEARCHING
                hh.worker_after_due[r, c], hh.worker_after[r, c] = e, how
                hh.worker_destination[r, c], hh.worker_sector[r, c] = dest, sector
            k += 1
        # those with a job: home for good (the base rate), or the job is lost (a city shock) and a search begins
        r, c = candidates[k]
        keep = hh.worker_due[r, c] < 0  # not already going home for the festival this month
        r, c = r[keep], c[keep]
        if r.size:
            loss = cond.job_loss[t]
            d_now, s_now = np.maximum(hh.worker_destination[r, c], 0), np.maximum(hh.worker_sector[r, c], 0)
            p_home = cfg.return_probability
            p_out = np.minimum(p_home + loss[d_now, s_now], 1.0)
            q = self.u[r, c].astype(np.float64)
            out = q < p_out
            r, c, q, p_out, d_now, s_now = r[out], c[out], q[out], p_out[out], d_now[out], s_now[out]
            if r.size:
                lost = q >= p_home
                cell, rest = split_uniform(q, p_out, days)
                day = lo + cell
                find = chain_finding(self.job_finding, self.village_ties[hh.village[r]], self.cfg.chain_strength)
                hazard = weekly_hazard(find[np.arange(r.size), d_now] * cond.finding_factor[t][d_now, s_now])
                e, how = search_outcome(day, hazard, rest, cfg.max_search_weeks)
                hh.worker_due[r, c] = day
                hh.worker_next[r, c] = np.where(lost, SEARCHING, HOME)
                hh.worker_after_due[r, c] = np.where(lost, e, -1)
                hh.worker_after[r, c] = np.where(lost, how, 0)
                with self._lock:
                    self.job_losses += int(lost.sum())

    def _apply_due(self, hh: Households, r: np.ndarray, c: np.ndarray, hi: int, moves: np.ndarray,
                   deltas: list[np.ndarray]) -> None:
        """Every move due before the month ends (slots ``r``, ``c``) happens on its day (a journey due in a
        travel stop waits for travel to open); a departure starts its search and a journey home for the festival
        schedules the journey back, which may come within the month too."""
        n_days, n_dest = self.day_delta.shape[1], len(self.names)
        while r.size:
            old, new, day = hh.worker_status[r, c], hh.worker_next[r, c], hh.worker_due[r, c].astype(np.int64)
            travels = ((old == HOME) & (new == SEARCHING)) | ((old == FESTIVAL) & (new == AWAY)) \
                | ((old == AWAY) & (new == FESTIVAL))
            moved = np.where(travels, self._travel_day(day), day) if self.stop_starts.size else day
            later = moved != day
            again_r = again_c = np.zeros(0, dtype=np.int64)
            if later.any():  # postponed by a travel stop: the search starts later too
                rl, cl = r[later], c[later]
                hh.worker_due[rl, cl] = moved[later]
                end = hh.worker_after_due[rl, cl]
                hh.worker_after_due[rl, cl] = np.where(end >= 0, end + (moved - day)[later], -1)
                soon = moved[later] < hi  # travel opens within the month: it happens this month after all
                again_r, again_c = rl[soon], cl[soon]
                now = ~later
                r, c, old, new, day = r[now], c[now], old[now], new[now], day[now]
                if not r.size:
                    r, c = again_r, again_c
                    continue
            delta = np.bincount(new.astype(np.int64) * n_days + day, minlength=self.day_delta.size) \
                - np.bincount(old.astype(np.int64) * n_days + day, minlength=self.day_delta.size)
            deltas.append(delta.reshape(self.day_delta.shape))
            was_away = (old == AWAY) | (old == SEARCHING)
            is_away = (new == AWAY) | (new == SEARCHING)
            key = hh.village[r] * n_dest + np.maximum(hh.worker_destination[r, c], 0)
            change = np.bincount(key, weights=is_away.astype(np.float64) - was_away.astype(np.float64),
                                 minlength=self.village_away.size).astype(np.int64)
            gone = (old == HOME) & (new == SEARCHING)
            departures = np.bincount(np.maximum(hh.worker_destination[r[gone], c[gone]], 0).astype(np.int64),
                                     minlength=n_dest)
            hh.worker_status[r, c] = new
            moves += (int(gone.sum()), int(((new == HOME) & (old != HOME)).sum()),  # home to stay
                      int((new == FESTIVAL).sum()), int(((old == FESTIVAL) & (new == AWAY)).sum()))
            end, end_next = hh.worker_after_due[r, c], hh.worker_after[r, c]
            chained = end >= 0  # the search a departure starts, the journey back after the festival
            hh.worker_due[r, c] = np.where(chained, end, -1)
            hh.worker_next[r, c] = np.where(chained, end_next, 0)
            hh.worker_after_due[r, c], hh.worker_after[r, c] = -1, 0
            home = new == HOME
            hh.worker_destination[r[home], c[home]] = -1
            hh.worker_sector[r[home], c[home]] = -1
            with self._lock:
                self.village_away += change.reshape(self.village_away.shape)
                self.departures += departures
            nxt = chained & (end < hi)
            r, c = np.concatenate([r[nxt], again_r]), np.concatenate([c[nxt], again_c])

    def weekly(self) -> dict[str, np.ndarray]:
        """Workers by status at the end of each week of the run (day 6, 13, ...), and the share away (with a job
        or searching) of all working-age adults: the path of the festival, a crisis or a travel stop."""
        counts = self.start_counts[:, None] + np.cumsum(self.day_delta, axis=1)
        ends = np.arange(6, counts.shape[1] - 1, 7)
        workers = max(int(self.start_counts[1:].sum()), 1)
        week = counts[:, ends]
        out = {f"workers_{name}": week[i] for i, name in enumerate(STATUS_NAMES) if name != "no_worker"}
        out["away_share"] = (week[AWAY] + week[SEARCHING]) / workers
        out["day"] = ends - 6
        return out

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
