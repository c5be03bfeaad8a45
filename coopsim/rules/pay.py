"""Pay of the village party secretary."""

from __future__ import annotations

from coopsim.config import CadrePayConfig


def secretary_base_pay_yuan(rule: CadrePayConfig, county_rural_income_yuan: float, also_head: bool) -> float:
    """Annual base pay of a village party secretary.

    Under the "345" rule: at least ``multiple_of_rural_income`` (3) times the
    county's previous-year rural per-capita disposable income, and at least
    ``floor_yuan`` (40,000), or ``floor_if_also_head_yuan`` (50,000) when the
    secretary is also the village head. Under ``flat``: ``flat_yuan``.

    >>> from coopsim.config import CadrePayConfig
    >>> r = CadrePayConfig("345", 0, 3, 40000, 50000, 0.5, 0.05, 7600)
    >>> secretary_base_pay_yuan(r, 8473, False), secretary_base_pay_yuan(r, 20000, True)
    (40000, 60000)
    """
    if rule.rule == "flat":
        return rule.flat_yuan
    floor = rule.floor_if_also_head_yuan if also_head else rule.floor_yuan
    return max(rule.multiple_of_rural_income * county_rural_income_yuan, floor)
