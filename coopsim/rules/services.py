"""What the services a cooperative needs cost, alone or shared (technicians and books), and what its
services to members cost them (production trusteeship).

Both are indivisible: a cooperative cannot hire a tenth of a technician or
keep a tenth of an accountant. Alone it pays for at least one; shared across a
township (a federation's front-end contract), the cost is spread by use.
"""

from __future__ import annotations

import numpy as np


def technician_cost_yuan_per_year(land_mu: np.ndarray | float, technician_yuan: float, mu_per_technician: float,
                                  shared_land_mu: np.ndarray | float | None = None) -> np.ndarray:
    """What extension costs a cooperative farming ``land_mu`` a year.

    Alone it employs at least one technician, and one per ``mu_per_technician``
    beyond; sharing technicians with cooperatives that farm ``shared_land_mu``
    in all (itself included), it pays its share by land of at least one.

    >>> technician_cost_yuan_per_year(np.array([200.0, 3000.0]), 60000, 1000).tolist()
    [60000.0, 180000.0]
    >>> technician_cost_yuan_per_year(np.array([200.0, 800.0]), 60000, 1000, 4000.0).tolist()
    [12000.0, 48000.0]
    """
    land = np.asarray(land_mu, dtype=np.float64)
    pool = land if shared_land_mu is None else np.asarray(shared_land_mu, dtype=np.float64)
    technicians = np.maximum(pool / mu_per_technician, 1.0)
    share = np.divide(land, pool, out=np.zeros(np.broadcast(land, pool).shape), where=pool > 0)
    return technicians * technician_yuan * share


def extension_pays(gain: float, output_yuan_per_year: np.ndarray, cost_yuan_per_year: np.ndarray) -> np.ndarray:
    """Where a cooperative hires technicians: the yield gain on a year's output at reference
    prices is worth at least what they cost.

    >>> extension_pays(0.1, np.array([500000.0, 800000.0]), np.array([60000.0, 60000.0])).tolist()
    [False, True]
    """
    return (np.asarray(output_yuan_per_year) > 0) & (gain * np.asarray(output_yuan_per_year)
                                                     >= np.asarray(cost_yuan_per_year))


def bookkeeping_yuan_per_year(bookkeeping_yuan: float, cooperatives_per_accountant: float = 1.0) -> float:
    """What keeping a cooperative's books costs it a year: an accountant and audit of its own, or a
    share of one who keeps ``cooperatives_per_accountant`` cooperatives' books.

    >>> bookkeeping_yuan_per_year(24000), bookkeeping_yuan_per_year(24000, 6)
    (24000.0, 4000.0)
    """
    return bookkeeping_yuan / cooperatives_per_accountant


def trusteeship_fee_yuan_per_mu(labour_days_per_mu: np.ndarray, machine_labour_saving: float, day_wage_yuan: float,
                                machine_yuan_per_mu: float, margin: float) -> np.ndarray:
    """The yearly fee per mu for the cooperative to farm a member's land: the crop's days (less what machines
    save) at the cooperative's day wage, and the machines' cost, plus its margin.

    >>> trusteeship_fee_yuan_per_mu(np.array([20.0]), 0.5, 90.0, 150.0, 0.1).round(2).tolist()
    [1155.0]
    """
    work = np.asarray(labour_days_per_mu) * (1 - machine_labour_saving) * day_wage_yuan
    return (work + machine_yuan_per_mu) * (1 + margin)


def trusteeship_pays(net_yuan_per_mu: np.ndarray, fee_yuan_per_mu: np.ndarray) -> np.ndarray:
    """Where a household trusts its land to the cooperative: a year's harvest of a mu, after inputs and
    selling, pays at least the fee.

    >>> trusteeship_pays(np.array([1000.0, 1200.0]), np.array([1155.0, 1155.0])).tolist()
    [False, True]
    """
    return np.asarray(net_yuan_per_mu) >= np.asarray(fee_yuan_per_mu)
