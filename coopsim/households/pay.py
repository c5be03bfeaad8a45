"""What the month's cooperatives owe their member households.

The cooperatives publish it when they have produced and sold (phase
``production``); the households collect it in their own step (``earn``), each
household from its own village's row, so the same step gives the same result
on any block of households.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class HouseholdPay(NamedTuple):
    """What the month's cooperatives owe their member households.

    A member household's days and wages depend only on its village and its
    workers at home (0..MAX_WORKERS), so they are tables of shape
    (villages, MAX_WORKERS + 1); its land rent is its own
    (:attr:`~coopsim.institutions.cooperative.VillageCooperatives.rent_fen`), times ``ratio`` where its
    cooperative cannot pay everything. The households collect them in their
    own step; the sums by village are what the cooperatives pay out.
    """

    members_at_home: np.ndarray  # member households by village and workers at home
    days: np.ndarray
    wages: np.ndarray
    wages_by_village: np.ndarray
    ratio: np.ndarray
    rent_by_village: np.ndarray

    def rent_of(self, rent_fen: np.ndarray, village: np.ndarray) -> np.ndarray:
        """The rent actually paid to households whose full rent is ``rent_fen``."""
        r = self.ratio[village]
        short = r < 1.0
        if not short.any():
            return rent_fen
        return np.where(short, np.floor(rent_fen * r).astype(np.int64), rent_fen)
