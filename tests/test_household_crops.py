"""Households alone choose their crops by the cooperatives' rule, with their own information and costs."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from coopsim.engine.economy import TICKS, Economy
from coopsim.households.state import SOURCE
from coopsim.rules.founding import choose_industries, choose_industry
from tests.conftest import run_config


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-5e4, 5e4), min_size=2, max_size=8), st.floats(0, 1), st.floats(0, 1),
       st.floats(0.05, 5), st.integers(-1, 7))
def test_one_rule_for_a_cooperative_and_for_many_households(net: list[float], u_herd: float, u_pick: float,
                                                            temperature: float, mode: int) -> None:
    mode = mode if mode < len(net) else -1
    neighbours = np.array([mode] if mode >= 0 else [], dtype=np.int64)
    one = choose_industry(np.array(net), neighbours, 0.3, temperature, u_herd, u_pick)
    many = choose_industries(np.array([net, net]), np.array([mode, mode]), 0.3, temperature,
                             np.array([u_herd, u_herd]), np.array([u_pick, u_pick]))
    assert many.tolist() == [one, one]


def test_a_household_whose_farm_paid_less_than_casual_work_re_chooses() -> None:
    eco = Economy(run_config("region=tiny", "tier=none", "years=2", "progress=never", "households.herding=0",
                             "households.choice_temperature=0.001"))
    hh, live, m = eco.hh, eco.livelihoods, eco.market
    veg = m.index_of("vegetables")
    hh.crop[:] = m.index_of("potatoes")
    m.price_index[:12, :] = 0.5
    m.price_index[:12, veg] = 5.0  # vegetables have paid far more than anything else this year
    live.farm_days_year[:] = 100.0
    poor = np.arange(hh.n) % 2 == 0
    # half the farms paid nothing for their 100 days; the other half far more than casual work
    hh.income_year[SOURCE["own_farm"]] = np.where(poor, 0, 10**9)
    changed = live.review_crops(11)
    has_land = hh.land_mu > 0
    assert changed == int((poor & has_land).sum())
    assert (hh.crop[poor & has_land] == veg).all() and (hh.crop[~poor] == m.index_of("potatoes")).all()
    assert (hh.crop_planted_month[poor & has_land] == 12).all()  # planted in January
    # a crop planted this January is not judged before a year of harvests (vegetables: from March)
    hh.income_year[SOURCE["own_farm"]] = np.where(poor, 0, 10**9)
    assert live.review_crops(23) == 0


def test_a_new_crop_yields_nothing_until_its_first_harvest() -> None:
    eco = Economy(run_config("region=tiny", "tier=none", "years=3", "progress=never"))
    hh, m = eco.hh, eco.market
    hh.crop[:] = m.index_of("tea")  # three years to the first harvest
    hh.crop_planted_month[:] = 0
    eco.env.run(until=24 * TICKS)
    flows = eco.ledger.flows
    sales = sum(a for (k, _p, _q), a in flows.items() if k == "farm_sales")
    assert sales == 0  # no tea harvest within 36 months of planting; the inputs were still paid
    assert sum(a for (k, _p, _q), a in flows.items() if k == "farm_inputs") > 0
