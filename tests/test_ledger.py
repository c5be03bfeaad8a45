"""The ledger: integer fen, every transfer debits one account and credits another."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopsim.money import Ledger, LedgerError, allocate, segment_sums, split_equally, to_fen

STARTS = np.array([0, 2, 2, 5])  # 4 villages with 2, 0, 3 and 1 households


def new_ledger() -> Ledger:
    return Ledger(("market", "state"), {"household": 6, "cooperative": 4})


def test_hand_computed_transfers() -> None:
    led = new_ledger()
    led.pay_block("state", "household", np.array([100, 0, 50, 0, 0, 7], dtype=np.int64), "allowance")
    led.between_blocks("cooperative", "household", STARTS, np.array([10, 20, 1, 2, 3, 4], dtype=np.int64), "wages")
    led.pay(("household", 5), "market", 11, "spending")
    assert led.block("household").tolist() == [110, 20, 51, 2, 3, 0]
    assert led.block("cooperative").tolist() == [-30, 0, -6, -4]
    assert led.balance("state") == -157 and led.balance("market") == 11
    closing = led.verify()
    assert closing["household"] == 186 and sum(closing.values()) == 0
    with pytest.raises(LedgerError, match=r"cooperative\[0\] is overdrawn: balance -30 fen"):
        led.close_period()


@given(st.integers(0, 10**12), st.lists(st.floats(0, 1e6), min_size=1, max_size=60))
@settings(max_examples=300, deadline=None)
def test_allocate_sums_exactly(total: int, weights: list[float]) -> None:
    w = np.array(weights)
    if w.sum() <= 0:
        if total > 0:
            with pytest.raises(ValueError):
                allocate(total, w)
        return
    parts = allocate(total, w)
    assert parts.dtype == np.int64 and (parts >= 0).all()
    assert int(parts.sum()) == total
    assert np.all(np.abs(parts - w / w.sum() * total) < 1.0 + 1e-6 * total)


transfers = st.lists(
    st.tuples(
        st.sampled_from(["pay", "pay_block", "collect_block", "to_members", "from_members", "parallel"]),
        st.lists(st.integers(0, 10**9), min_size=6, max_size=6),
        st.integers(0, 5),
    ),
    max_size=40,
)


@given(transfers)
@settings(max_examples=200, deadline=None)
def test_any_sequence_of_transfers_conserves_money(ops: list[tuple[str, list[int], int]]) -> None:
    led = new_ledger()
    for op, amounts, i in ops:
        hh = np.array(amounts, dtype=np.int64)
        coop = hh[:4]
        if op == "pay":
            led.pay(("household", i), ("cooperative", i % 4), amounts[0], "x")
        elif op == "pay_block":
            led.pay_block("state", "household", hh, "x")
        elif op == "collect_block":
            led.collect_block("cooperative", "market", coop, "x")
        elif op in ("to_members", "from_members"):
            led.between_blocks("cooperative", "household", STARTS, hh, "x", to_members=op == "to_members")
        else:
            led.parallel("cooperative", "cooperative", coop, "x")
        assert int(led.balances.sum()) == 0
    closing = led.verify()
    assert sum(closing.values()) == 0


def test_created_money_is_caught() -> None:
    led = new_ledger()
    led.pay_block("state", "household", np.full(6, 5, dtype=np.int64), "x")
    led.balances[2] += 1  # money from nowhere
    with pytest.raises(LedgerError, match="does not balance: accounts sum to 1 fen"):
        led.verify()


def test_moved_money_without_a_record_is_caught() -> None:
    led = new_ledger()
    led.balances[0] -= 3  # market -> state without a transfer record
    led.balances[1] += 3
    with pytest.raises(LedgerError, match="account group 'market' holds -3 fen but its recorded flows net to 0"):
        led.verify()


def test_amounts_must_be_non_negative_integer_fen() -> None:
    led = new_ledger()
    with pytest.raises(LedgerError, match="amounts must be int64 fen, got float64"):
        led.pay_block("state", "household", np.ones(6), "x")
    with pytest.raises(LedgerError, match="negative transfer amount -1"):
        led.pay_block("state", "household", np.array([0, 0, -1, 0, 0, 0], dtype=np.int64), "x")
    with pytest.raises(LedgerError, match="negative transfer amount -5"):
        led.pay("state", "market", -5, "x")


def test_to_fen_rounds_half_away_from_zero() -> None:
    assert to_fen(np.array([0.125, 0.004, 2.375, -0.125])).tolist() == [13, 0, 238, -13]


def test_segment_sums_handle_empty_segments() -> None:
    assert segment_sums(np.arange(6, dtype=np.int64), STARTS).tolist() == [1, 0, 9, 5]


@given(st.integers(0, 10**6), st.lists(st.integers(0, 3), min_size=1, max_size=40))
@settings(max_examples=300, deadline=None)
def test_allocate_gives_remainders_to_the_largest_then_the_lowest_index(total: int, classes: list[int]) -> None:
    # few distinct weights: many tied remainders, which go to the lower index (a stable descending sort)
    w = np.array(classes, dtype=np.float64) + 1.0
    exact = w / w.sum() * total
    floor = np.floor(exact).astype(np.int64)
    expected = floor.copy()
    expected[np.argsort(-(exact - floor), kind="stable")[: total - int(floor.sum())]] += 1
    assert allocate(total, w).tolist() == expected.tolist()


@given(st.lists(st.tuples(st.integers(0, 10**6), st.lists(st.booleans(), min_size=1, max_size=8)), min_size=1,
                max_size=8))
@settings(max_examples=300, deadline=None)
def test_split_equally_matches_allocate_with_equal_weights(groups: list[tuple[int, list[bool]]]) -> None:
    totals = np.array([t if any(f) else 0 for t, f in groups], dtype=np.int64)
    flags = np.concatenate([np.array(f) for _, f in groups])
    group = np.repeat(np.arange(len(groups)), [len(f) for _, f in groups])
    expected = np.zeros(len(flags), dtype=np.int64)
    for g, total in enumerate(totals):
        rows = np.flatnonzero(flags & (group == g))
        if rows.size:
            expected[rows] = allocate(int(total), np.ones(rows.size))
    assert split_equally(totals, flags, group).tolist() == expected.tolist()


def test_split_equally_refuses_a_total_without_members() -> None:
    with pytest.raises(ValueError, match="group 1 has 5 fen to split and no members"):
        split_equally(np.array([3, 5]), np.array([True, False]), np.array([0, 1]))


def test_rows_of_a_block_and_groups_paying_rows() -> None:
    led = new_ledger()
    led.pay_block("state", "household", np.array([5, 6], dtype=np.int64), "allowance", rows=slice(2, 4))
    led.collect_block("household", "market", np.array([1], dtype=np.int64), "spending", rows=slice(3, 4))
    assert led.block("household", slice(1, 5)).tolist() == [0, 5, 5, 0]
    # villages 2 and 3 pay households 2..5 (village 2: rows 2-4, village 3: row 5)
    led.groups_pay_rows("cooperative", np.array([2, 3]), np.array([0, 3]), "household", slice(2, 6),
                        np.array([1, 2, 3, 4], dtype=np.int64), "wages")
    led.between_rows("household", np.array([2, 4]), "cooperative", np.array([2, 2]), np.array([1, 1], dtype=np.int64),
                     "shares")
    assert led.block("household").tolist() == [0, 0, 5, 7, 2, 4]
    assert led.block("cooperative").tolist() == [0, 0, -4, -4]
    assert led.flows[("wages", "cooperative", "household")] == 10
    assert led.flows[("shares", "household", "cooperative")] == 2
    assert sum(led.verify().values()) == 0


def test_group_totals_must_match_the_amounts() -> None:
    led = new_ledger()
    with pytest.raises(LedgerError, match="group totals"):
        led.between_blocks("cooperative", "household", STARTS, np.ones(6, dtype=np.int64), "wages",
                           per_group=np.array([2, 0, 3, 0]))


def test_a_transfer_past_the_64_bit_range_is_refused_not_wrapped() -> None:
    # four amounts of 2^62 fen: their int64 sum wraps to 0, so before this check the payer was charged
    # nothing, the balances summed to 2^64 = 0 (mod 2^64) and the ledger "balanced"
    led = new_ledger()
    with pytest.raises(LedgerError, match=r"a transfer of 1.845e\+19 fen passes the ledger's limit of 4.612e\+18"):
        led.pay_block("state", "household", np.array([2**62] * 4 + [0, 0], dtype=np.int64), "huge")
    with pytest.raises(LedgerError, match="passes the ledger's limit"):
        led.pay("state", "market", 2**62 + 1, "huge")


def test_a_period_moving_more_than_the_limit_is_refused() -> None:
    led = new_ledger()
    for _ in range(2):  # 2 x 2^61 = 2^62: at the limit
        led.pay_block("state", "household", np.array([2**60, 2**60, 0, 0, 0, 0], dtype=np.int64), "big")
    with pytest.raises(LedgerError, match="more than 4.612e\\+18 fen moved in one period"):
        led.pay_block("state", "household", np.array([1, 0, 0, 0, 0, 0], dtype=np.int64), "one more fen")


def test_verify_sums_exactly() -> None:
    # balances whose int64 sum wraps to exactly zero: an exact sum sees the 2^64 fen created
    led = new_ledger()
    led.balances[2:6] = 2**62
    with pytest.raises(LedgerError, match="does not balance: accounts sum to 18446744073709551616 fen"):
        led.verify()
