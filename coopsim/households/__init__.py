"""Households: their state as numpy columns (:mod:`~coopsim.households.state`),
how a region's households are drawn (:mod:`~coopsim.households.generate`),
what the cooperatives owe them each month (:mod:`~coopsim.households.pay`),
and what they do each month — migrate, join, farm and work, spend — as rules
over blocks of rows (:mod:`~coopsim.households.livelihoods`).

The package face holds the state and its drawing; the livelihoods, which act
through the markets and the institutions, are imported from their module.
"""

from coopsim.households.generate import generate_households, initial_savings_yuan
from coopsim.households.pay import HouseholdPay
from coopsim.households.state import (
    AWAY,
    FESTIVAL,
    HOME,
    INCOME_SOURCES,
    MAX_WORKERS,
    NO_WORKER,
    SOURCE,
    Households,
    any_slot,
    count_slots,
    sum_slots,
)

__all__ = ["AWAY", "FESTIVAL", "HOME", "INCOME_SOURCES", "MAX_WORKERS", "NO_WORKER", "SOURCE", "HouseholdPay",
           "Households", "any_slot", "count_slots", "generate_households", "initial_savings_yuan", "sum_slots"]
