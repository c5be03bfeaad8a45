"""Rule functions on hand-computable cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopsim.config import CadrePayConfig
from coopsim.households import AWAY
from coopsim.money import allocate
from coopsim.rules.distribution import allocate_rows, split_surplus
from coopsim.rules.founding import choose_industry, founding_months
from coopsim.rules.measures import gini, weighted_median
from coopsim.rules.migration import leave_probability, search_outcome, split_uniform, weekly_hazard
from coopsim.rules.pay import secretary_base_pay_yuan
from coopsim.rules.prices import local_price_factor
from tests.conftest import run_config


def test_local_glut_lowers_the_farm_gate_price() -> None:
    # capacity 100 mu: 50 mu planted -> full price; 400 mu with flexibility 0.5 ->
    # (100/400)^0.5 = 0.5; 200 mu with flexibility 1 -> 0.5; nothing planted -> 1.
    f = local_price_factor(np.array([50.0, 400.0, 200.0, 0.0]), np.array(100.0), np.array([0.5, 0.5, 1.0, 1.0]))
    np.testing.assert_allclose(f, [1.0, 0.5, 0.5, 1.0])


def test_surplus_split_hand_computed() -> None:
    # 100,000 fen surplus, 2 members, 10,000 guaranteed each: 10 % = 10,000 kept;
    # 20,000 guaranteed; 70,000 left split 40/30/30 = 28,000 / 21,000 / 21,000.
    d = split_surplus(100_000, 0, 2, 10_000, 0.1, 0.4, 0.3, 0.3)
    assert d == (10_000, 20_000, 28_000, 21_000, 21_000)
    # A thin year: 15,000 surplus, 1,500 kept, 13,500 left < 20,000 guaranteed:
    # the 5,000 reserve brings it to 18,500, paid pro rata; nothing else to split.
    d = split_surplus(15_000, 5_000, 2, 10_000, 0.1, 0.4, 0.3, 0.3)
    assert d == (1_500, 18_500, 0, 0, 0)
    # A loss: no surplus; the guarantee is paid from the reserve as far as it goes.
    assert split_surplus(-50_000, 12_000, 2, 10_000, 0.1, 0.4, 0.3, 0.3) == (0, 12_000, 0, 0, 0)


def test_secretary_pay_345_rule() -> None:
    rule = CadrePayConfig("345", 20000, 3, 40000, 50000, 0.5, 0.05, 7650)
    assert secretary_base_pay_yuan(rule, 8473, also_head=False) == 40000  # 3 x 8,473 = 25,419 < 40,000
    assert secretary_base_pay_yuan(rule, 8473, also_head=True) == 50000
    assert secretary_base_pay_yuan(rule, 15000, also_head=False) == 45000  # 3 x 15,000
    flat = CadrePayConfig("flat", 20000, 3, 40000, 50000, 0.5, 0.05, 7650)
    assert secretary_base_pay_yuan(flat, 15000, also_head=True) == 20000


def test_a_move_and_its_day_come_from_one_uniform() -> None:
    u = np.random.default_rng(5).random(200_000)
    p = 0.3
    cell, rest = split_uniform(u[u < p], p, 31)
    days = np.bincount(cell, minlength=31) / cell.size
    assert abs(days - 1 / 31).max() < 0.004 and cell.max() == 30  # every day of the month alike
    assert abs(rest.mean() - 0.5) < 0.005 and abs(np.corrcoef(cell, rest)[0, 1]) < 0.01  # the rest is a fresh uniform


def test_job_search_lasts_geometric_weeks_or_ends_at_home() -> None:
    r = np.random.default_rng(3).random(100_000)
    hazard = weekly_hazard(np.full(r.size, 0.6))  # 60 % find a job within a month
    day, status = search_outcome(np.zeros(r.size, dtype=np.int32), hazard, r, 8)
    found = status == AWAY
    assert abs(((day <= 28) & found).mean() - (1 - (1 - hazard[0]) ** 4)) < 0.005  # a job within four weeks
    assert (day[~found] == 56).all() and abs((~found).mean() - (1 - hazard[0]) ** 8) < 0.005
    assert set(np.unique(day % 7)) == {0}


def test_leave_probability_falls_with_local_earnings() -> None:
    p = leave_probability(0.04, 1.0, np.array([4000.0, 4000.0]), np.array([1000.0, 2000.0]), reference_ratio=4.0)
    np.testing.assert_allclose(p, [0.04, 0.02])


def test_gini_and_median() -> None:
    assert gini(np.array([5.0, 5.0, 5.0])) == 0.0
    assert gini(np.array([0.0, 0.0, 0.0, 4.0])) == pytest.approx(0.75)
    # weights are persons: a household of 3 counts three times
    assert gini(np.array([1.0, 2.0]), np.array([3, 1])) == pytest.approx(gini(np.array([1.0, 1, 1, 2])))
    assert weighted_median(np.array([3.0, 1.0, 2.0]), np.array([1, 1, 1])) == 2.0


def test_rollout_pilots_then_everyone_by_completion() -> None:
    cfg = run_config("region=county").tier.cooperative
    assert cfg is not None
    months = founding_months(cfg, 2017, 3700, np.random.default_rng(1))
    assert (months == 3).sum() == round(0.095 * 3700)  # April 2017 = month 3
    assert months.max() <= 33  # October 2019 = month 33
    assert (months[months != 3] >= 12).all()  # the others from January 2018 (month 12)
    assert (months == 12).any() and (months == 33).any()


def test_industry_choice_herds_or_prefers_profit() -> None:
    net = np.array([100.0, 5000.0, 200.0])
    assert choose_industry(net, np.array([2, 2, 0]), herding=0.3, temperature=1.0, u_herd=0.1, u_pick=0.5) == 2
    assert choose_industry(net, np.array([2, 2, 0]), herding=0.3, temperature=0.1, u_herd=0.9, u_pick=0.5) == 1


@given(st.lists(st.integers(0, 10**9), min_size=1, max_size=20),
       st.lists(st.integers(0, 4), min_size=3, max_size=3).filter(lambda w: sum(w) > 0))
@settings(max_examples=200, deadline=None)
def test_allocate_rows_is_allocate_row_by_row(totals: list[int], weights: list[int]) -> None:
    w = np.array(weights, dtype=np.float64)
    rows = allocate_rows(np.array(totals), w)
    assert rows.tolist() == [allocate(t, w).tolist() for t in totals]
