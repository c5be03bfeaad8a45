"""Household state as numpy columns, one row per household, ordered by village.

The worker status codes (``NO_WORKER``, ``HOME``, ``AWAY``, ``FESTIVAL``,
``SEARCHING``) are the migration rule's (:mod:`coopsim.rules.migration`).

Households are agents with their own state and decisions, but for scale
their state lives in columns (see STYLE.md, "Households at scale"): monthly
behaviour is applied to all rows at once, and a decision concerning one
household is drawn per household.

Each household has up to :data:`MAX_WORKERS` working-age adults; each one's
whereabouts is one cell of ``worker_status``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from coopsim.money import ALL, Rows
from coopsim.rules.migration import AWAY, FESTIVAL, HOME, NO_WORKER, SEARCHING

MAX_WORKERS = 4  # slots per household; :func:`count_slots` reads a row's four one-byte flags as one word

#: Income channels, in the column order of ``income_month`` / ``income_year``.
INCOME_SOURCES = ("own_farm", "land_rent", "wages", "dividends", "remittances", "transfers")
SOURCE = {name: i for i, name in enumerate(INCOME_SOURCES)}


@dataclass
class Households:
    """Columns of household state (length ``n`` unless noted).

    Attributes
    ----------
    village, township
        Where the household lives (int32).
    members, working_age
        Persons, and working-age adults among them (<= MAX_WORKERS).
    land_mu, land_quality
        Contracted farm land (mu), and its quality: a multiplier on its yield (mean 1).
    productivity
        Skill multiplier on own-farm yield and city wage (mean 1).
    elderly, disabled, unsafe_housing
        Members aged 60 and over (the others not of working age are
        children); a member lives with a disability; the house is unsafe.
    lease_draw, dibao_draw
        Each household's fixed uniforms: whether a tenant takes the land it
        cannot farm (below ``households.land_lease_chance``), whether it is
        found and enrolled when eligible for the minimum living allowance
        (below ``state.dibao_take_up``).
    sick_until
        The month until which a member's illness keeps one worker from work.
    poverty_exit_year, monitored
        The year a registered-poor household was checked out of poverty (0:
        not yet); under the monitoring for falling back (after 2020).
    registered_poor, cadre, secretary
        Registered-poor household; a village cadre lives here; the village
        party secretary lives here (one per village).
    dependants
        Children or elderly live here (more members than working-age
        adults); derived.
    needs_carer
        Children or elderly live here and no grandparent can look after
        them: a working-age adult stays at home.
    worker_status
        (n, MAX_WORKERS) int8: NO_WORKER, HOME, AWAY (in a city, with a job),
        SEARCHING (in a city, looking for one) or FESTIVAL (home for the
        Spring Festival, returning to the city after).
    worker_due, worker_next
        (n, MAX_WORKERS): the day (from 1 January of the start year) of each
        worker's next move and the status it moves to (-1, 0: none pending).
    worker_after_due, worker_after
        The move after the pending one, scheduled with it: the end of the search a
        departure starts (a job or home), or the journey back after the festival
        (to the job, or home for good); -1, 0: none.
    worker_destination, worker_sector
        (n, MAX_WORKERS) int8: where each worker away works (index into the
        sorted destination names, and into ``SECTORS``); -1 when not away.
    coop_member, land_in_coop_mu, share_value_fen
        Cooperative membership, land put in, value of the shares held.
    crop, crop_planted_month
        The crop (or herd) of the own farm (a market index) and the month it was planted (the first
        harvest comes ``months_to_first_harvest`` later); set by the economy.
    income_month, income_year
        (len(INCOME_SOURCES), n) int64 fen, one row per channel (so each
        channel's column of households is contiguous); the month's and the
        year-to-date's.
    home_workers, away_workers, festival_workers
        Each household's workers at home, away (with a job or searching) and
        home for the festival (int64), kept in step with ``worker_status`` by
        :meth:`count_workers`.
    """

    village: np.ndarray
    township: np.ndarray
    members: np.ndarray
    working_age: np.ndarray
    land_mu: np.ndarray
    land_quality: np.ndarray
    productivity: np.ndarray
    elderly: np.ndarray
    disabled: np.ndarray
    unsafe_housing: np.ndarray
    registered_poor: np.ndarray
    cadre: np.ndarray
    secretary: np.ndarray
    needs_carer: np.ndarray
    worker_status: np.ndarray
    lease_draw: np.ndarray
    dibao_draw: np.ndarray
    coop_member: np.ndarray = field(init=False)
    land_in_coop_mu: np.ndarray = field(init=False)
    share_value_fen: np.ndarray = field(init=False)
    crop: np.ndarray = field(init=False)
    crop_planted_month: np.ndarray = field(init=False)
    dependants: np.ndarray = field(init=False)
    income_month: np.ndarray = field(init=False)
    income_year: np.ndarray = field(init=False)
    worker_destination: np.ndarray = field(init=False)
    worker_due: np.ndarray = field(init=False)
    worker_next: np.ndarray = field(init=False)
    worker_after_due: np.ndarray = field(init=False)
    worker_after: np.ndarray = field(init=False)
    worker_sector: np.ndarray = field(init=False)
    home_workers: np.ndarray = field(init=False)
    away_workers: np.ndarray = field(init=False)
    festival_workers: np.ndarray = field(init=False)
    sick_until: np.ndarray = field(init=False)
    poverty_exit_year: np.ndarray = field(init=False)
    monitored: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = len(self.village)
        self.sick_until = np.full(n, -1, dtype=np.int32)
        self.poverty_exit_year = np.zeros(n, dtype=np.int16)
        self.monitored = np.zeros(n, dtype=bool)
        self.dependants = self.members > self.working_age
        self.worker_destination = np.full((n, MAX_WORKERS), -1, dtype=np.int8)
        self.worker_sector = np.full((n, MAX_WORKERS), -1, dtype=np.int8)
        self.worker_due = np.full((n, MAX_WORKERS), -1, dtype=np.int32)
        self.worker_next = np.zeros((n, MAX_WORKERS), dtype=np.int8)
        self.worker_after_due = np.full((n, MAX_WORKERS), -1, dtype=np.int32)
        self.worker_after = np.zeros((n, MAX_WORKERS), dtype=np.int8)
        self.coop_member = np.zeros(n, dtype=bool)
        self.land_in_coop_mu = np.zeros(n)
        self.share_value_fen = np.zeros(n, dtype=np.int64)
        self.crop = np.zeros(n, dtype=np.int64)
        self.crop_planted_month = np.full(n, -1000, dtype=np.int64)
        self.income_month = np.zeros((len(INCOME_SOURCES), n), dtype=np.int64)
        self.income_year = np.zeros((len(INCOME_SOURCES), n), dtype=np.int64)
        self.home_workers = np.zeros(n, dtype=np.int64)
        self.away_workers = np.zeros(n, dtype=np.int64)
        self.festival_workers = np.zeros(n, dtype=np.int64)
        self.count_workers()

    @property
    def n(self) -> int:
        return len(self.village)

    def count_workers(self, rows: Rows = ALL) -> None:
        """Recount the ``rows``' workers by status after their ``worker_status`` changed."""
        status = self.worker_status[rows]
        self.home_workers[rows] = count_slots(status == HOME)
        self.away_workers[rows] = count_slots((status == AWAY) | (status == SEARCHING))
        self.festival_workers[rows] = count_slots(status == FESTIVAL)

    def workers(self, status: int, rows: slice = ALL) -> np.ndarray:
        """Number of each household's workers with the given status (HOME, AWAY — with a job or searching — or
        FESTIVAL)."""
        counts = {HOME: self.home_workers, AWAY: self.away_workers, FESTIVAL: self.festival_workers}[status]
        return counts[rows]

    def at_home(self, rows: slice = ALL) -> np.ndarray:
        """Number of each household's workers at home (including those home for the festival)."""
        return self.home_workers[rows] + self.festival_workers[rows]

    def earn(self, source: str, amounts_fen: np.ndarray, rows: Rows = ALL) -> None:
        """Book income (already paid through the ledger) to a channel."""
        self.income_month[SOURCE[source], rows] += amounts_fen

    def income_year_total_fen(self) -> np.ndarray:
        """Each household's income so far this year, all channels (fen)."""
        total = self.income_year[0].copy()
        for i in range(1, len(INCOME_SOURCES)):
            total += self.income_year[i]
        return total


def count_slots(flags: np.ndarray) -> np.ndarray:
    """Number of True slots in each row of an (n, MAX_WORKERS) bool array.

    The four one-byte flags of a row are read as one 32-bit word and its set
    bits counted: the same as ``flags.sum(axis=1)``, several times faster.
    """
    if flags.shape[1] != 4:
        raise ValueError(f"count_slots reads rows of 4 one-byte slots, got {flags.shape[1]}")
    words = np.ascontiguousarray(flags).view(np.uint32).reshape(-1)
    return np.bitwise_count(words).astype(np.int64)


def any_slot(flags: np.ndarray) -> np.ndarray:
    """Whether any slot of each row of an (n, MAX_WORKERS) bool array is True."""
    if flags.shape[1] != 4:
        raise ValueError(f"any_slot reads rows of 4 one-byte slots, got {flags.shape[1]}")
    return np.ascontiguousarray(flags).view(np.uint32).reshape(-1) != 0


def sum_slots(values: np.ndarray) -> np.ndarray:
    """Row sums of an (n, MAX_WORKERS) float array, added slot by slot in order
    (the same result as ``values.sum(axis=1)``, without the slow short-axis reduction)."""
    out = values[:, 0].copy()
    for k in range(1, values.shape[1]):
        out += values[:, k]
    return out


__all__ = ["AWAY", "FESTIVAL", "HOME", "INCOME_SOURCES", "MAX_WORKERS", "NO_WORKER", "SEARCHING", "SOURCE", "Households",
           "any_slot",
           "count_slots", "sum_slots"]
