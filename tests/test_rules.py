"""Rule functions on hand-computable cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopsim.config import CadrePayConfig
from coopsim.households import AWAY, FESTIVAL, HOME, NO_WORKER
from coopsim.money import allocate
from coopsim.rules.distribution import allocate_rows, split_surplus
from coopsim.rules.founding import choose_industry, founding_months
from coopsim.rules.measures import gini, weighted_median
from coopsim.rules.migration import leave_probability, migration_step
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


def test_spring_festival_cycle() -> None:
    status = np.array([[AWAY, AWAY, HOME, NO_WORKER]], dtype=np.int8)
    u = np.array([[0.1, 0.9, 0.01, 0.0]])
    p_leave = np.array([0.5])
    jan = migration_step(status, u, 1, p_leave, 0.0, festival_home=0.8, festival_stay=0.2)
    # January: the first migrant (u 0.1 < 0.8) comes home, the second stays away;
    # nobody leaves before the festival.
    assert jan.status.tolist() == [[FESTIVAL, AWAY, HOME, NO_WORKER]] and jan.festival_home == 1 and jan.left == 0
    feb = migration_step(jan.status, u, 2, p_leave, 0.0, 0.8, 0.2)
    assert feb.status.tolist() == jan.status.tolist()
    mar = migration_step(feb.status, np.array([[0.5, 0.9, 0.4, 0.0]]), 3, p_leave, 0.0, 0.8, 0.2)
    # March: the visitor goes back (0.5 >= 0.2 stay), the worker at home leaves (0.4 < 0.5).
    assert mar.status.tolist() == [[AWAY, AWAY, AWAY, NO_WORKER]]
    assert (mar.festival_back, mar.left, mar.returned) == (1, 1, 0)


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
