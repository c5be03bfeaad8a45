"""A double-entry ledger in integer fen (1 yuan = 100 fen).

Every movement of money is a transfer from a payer's account to a payee's
account of the same integer amount: the payer's balance goes down, the
payee's goes up. Outside accounts (markets, middlemen, cities, the state, the
bank, the opening balances) may go negative — they are where money enters and
leaves the region. Inside accounts come in *blocks* (one per household, one
per village cooperative, ...) that must never be overdrawn.

At the end of a run :meth:`Ledger.verify` proves that nothing was created or
lost: the balances sum to zero, and each group's change in balance equals its
recorded inflows less its outflows.

Nothing can wrap around the 64-bit range unnoticed: no single amount may pass
:data:`LIMIT_FEN`, nor may all the money moved in one period, nor any balance
when a period closes — so no balance can ever reach 2^63 between two checks.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TypeAlias

import numpy as np

from coopsim.money.allocation import segment_sums

#: Which accounts of a block an operation touches: a slice of rows (e.g. one
#: village's households, or one household) or an array of row indices.
Rows: TypeAlias = "slice | np.ndarray"
ALL = slice(None)

#: 2^62 fen (46 quadrillion yuan): the most any transfer, any period's transfers together, or any balance may
#: reach. A balance within it at the start of a period, moved by at most as much in the period, stays below 2^63.
LIMIT_FEN = 2**62


class LedgerError(RuntimeError):
    """Money was created, lost, or an inside account was overdrawn."""


class Ledger:
    """Balances of all accounts of a run, in int64 fen.

    Posting is thread-safe for callers that touch disjoint rows of a block
    (outside accounts and the flow totals are updated under a lock).

    Parameters
    ----------
    outside
        Names of the outside accounts (may go negative).
    blocks
        Name -> size of each block of inside accounts (never negative).
    """

    def __init__(self, outside: Iterable[str], blocks: Mapping[str, int]) -> None:
        self._index: dict[str, int] = {}
        for name in outside:
            self._index[name] = len(self._index)
        self._blocks: dict[str, slice] = {}
        start = len(self._index)
        for name, size in blocks.items():
            self._blocks[name] = slice(start, start + int(size))
            start += int(size)
        self.balances = np.zeros(start, dtype=np.int64)
        self._opening = self.balances.copy()
        self._flows: dict[tuple[str, str, str], int] = defaultdict(int)
        self._period: dict[tuple[str, str, str], int] = defaultdict(int)
        self._moved = 0  # all the money moved this period (fen, an exact Python integer)
        # Households may be stepped on several threads at once (disjoint rows of
        # their block); what several of them share is changed under this lock.
        self._lock = threading.Lock()

    # -- access ---------------------------------------------------------
    def balance(self, name: str) -> int:
        """Balance of an outside account."""
        return int(self.balances[self._index[name]])

    def block(self, name: str, rows: Rows = ALL) -> np.ndarray:
        """A copy of a block's balances, or of some of its ``rows`` (a snapshot:
        later transfers do not change it)."""
        return self.balances[self._blocks[name]][rows].copy()

    # -- posting ----------------------------------------------------------
    @staticmethod
    def _amounts(amounts: np.ndarray, kind: str) -> np.ndarray:
        arr = np.asarray(amounts)
        if arr.dtype != np.int64:
            raise LedgerError(f"{kind}: amounts must be int64 fen, got {arr.dtype}")
        if arr.size:
            low, high = int(arr.min()), int(arr.max())
            if low < 0:
                raise LedgerError(f"{kind}: negative transfer amount {low}")
            if high > LIMIT_FEN // arr.size and float(arr.sum(dtype=np.float64)) > LIMIT_FEN:
                raise LedgerError(f"{kind}: a transfer of {float(arr.sum(dtype=np.float64)):.4g} fen passes the "
                                  f"ledger's limit of {LIMIT_FEN:.4g} fen")
        return arr

    def _record(self, kind: str, payer: str, payee: str, total: int) -> None:
        with self._lock:
            self._flows[(kind, payer, payee)] += total
            self._period[(kind, payer, payee)] += total
            self._moved += total
            if self._moved > LIMIT_FEN:
                raise LedgerError(f"{kind}: more than {LIMIT_FEN:.4g} fen moved in one period: past the ledger's "
                                  "range")

    def _outside(self, name: str, change: int) -> None:
        with self._lock:
            self.balances[self._index[name]] += change

    def _slot(self, account: str | tuple[str, int]) -> tuple[int, str]:
        if isinstance(account, tuple):
            block, i = account
            sl = self._blocks[block]
            if not 0 <= i < sl.stop - sl.start:
                raise LedgerError(f"account {block}[{i}] does not exist")
            return sl.start + i, block
        return self._index[account], account

    def pay(self, payer: str | tuple[str, int], payee: str | tuple[str, int], amount: int, kind: str) -> None:
        """Move ``amount`` fen from one account to another.

        An account is an outside name (``"state"``) or ``(block, index)``.
        """
        amount = int(amount)
        if amount < 0:
            raise LedgerError(f"{kind}: negative transfer amount {amount}")
        if amount > LIMIT_FEN:
            raise LedgerError(f"{kind}: a transfer of {amount:.4g} fen passes the ledger's limit of {LIMIT_FEN:.4g} fen")
        (i, g_payer), (j, g_payee) = self._slot(payer), self._slot(payee)
        self.balances[i] -= amount
        self.balances[j] += amount
        self._record(kind, g_payer, g_payee, amount)

    def pay_block(self, payer: str, payee_block: str, amounts: np.ndarray, kind: str, rows: Rows = ALL) -> int:
        """Pay each account of ``payee_block`` (or each of its ``rows``) from outside account ``payer``."""
        arr = self._amounts(amounts, kind)
        total = int(arr.sum())
        self.balances[self._blocks[payee_block]][rows] += arr
        self._outside(payer, -total)
        self._record(kind, payer, payee_block, total)
        return total

    def collect_block(self, payer_block: str, payee: str, amounts: np.ndarray, kind: str, rows: Rows = ALL) -> int:
        """Each account of ``payer_block`` (or each of its ``rows``) pays outside account ``payee``."""
        arr = self._amounts(amounts, kind)
        total = int(arr.sum())
        self.balances[self._blocks[payer_block]][rows] -= arr
        self._outside(payee, total)
        self._record(kind, payer_block, payee, total)
        return total

    def between_blocks(
        self, group_block: str, member_block: str, starts: np.ndarray, amounts: np.ndarray, kind: str,
        to_members: bool = True, per_group: np.ndarray | None = None,
    ) -> int:
        """Transfers between a group account and each of its members' accounts.

        ``member_block`` is ordered by group, group ``g``'s members being the
        contiguous rows from ``starts[g]`` (e.g. households by village).
        With ``to_members`` each group pays its members ``amounts`` (one per
        member); otherwise each member pays its group. ``per_group``: the
        amounts' sums by group, when the caller has them already.
        """
        arr = self._amounts(amounts, kind)
        if per_group is None:
            per_group = segment_sums(arr, starts)
        total = int(arr.sum())
        if int(per_group.sum()) != total:
            raise LedgerError(f"{kind}: group totals ({int(per_group.sum())}) differ from the amounts ({total})")
        member = self.balances[self._blocks[member_block]]
        group = self.balances[self._blocks[group_block]]
        if to_members:
            member += arr
            group -= per_group
        else:
            member -= arr
            group += per_group
        if to_members:
            self._record(kind, group_block, member_block, total)
        else:
            self._record(kind, member_block, group_block, total)
        return total

    def groups_pay_rows(self, group_block: str, groups: np.ndarray, starts: np.ndarray, member_block: str,
                        rows: slice, amounts: np.ndarray, kind: str) -> int:
        """Groups pay the ``rows`` of ``member_block`` (ordered by group): group
        ``groups[g]`` pays the rows from ``starts[g]`` (relative to ``rows``) to the next start."""
        arr = self._amounts(amounts, kind)
        per_group = np.add.reduceat(arr, starts) if arr.size else np.zeros(0, dtype=np.int64)
        total = int(arr.sum())
        self.balances[self._blocks[member_block]][rows] += arr
        with self._lock:
            self.balances[self._blocks[group_block].start + groups] -= per_group
        self._record(kind, group_block, member_block, total)
        return total

    def between_rows(self, payer_block: str, payer_rows: np.ndarray, payee_block: str, payee_rows: np.ndarray,
                     amounts: np.ndarray, kind: str) -> int:
        """Account ``payer_rows[i]`` of ``payer_block`` pays ``amounts[i]`` to account
        ``payee_rows[i]`` of ``payee_block`` (rows may repeat, e.g. many
        households paying one cooperative)."""
        arr = self._amounts(amounts, kind)
        with self._lock:
            np.subtract.at(self.balances, self._blocks[payer_block].start + np.asarray(payer_rows), arr)
            np.add.at(self.balances, self._blocks[payee_block].start + np.asarray(payee_rows), arr)
        total = int(arr.sum())
        self._record(kind, payer_block, payee_block, total)
        return total

    def parallel(self, payer_block: str, payee_block: str, amounts: np.ndarray, kind: str) -> int:
        """Account ``i`` of ``payer_block`` pays account ``i`` of ``payee_block`` (blocks of equal size)."""
        arr = self._amounts(amounts, kind)
        self.balances[self._blocks[payer_block]] -= arr
        self.balances[self._blocks[payee_block]] += arr
        total = int(arr.sum())
        self._record(kind, payer_block, payee_block, total)
        return total

    # -- periods and checks ----------------------------------------------
    def close_period(self) -> dict[tuple[str, str, str], int]:
        """Return this period's flows (kind, payer, payee) -> fen and start a new one.

        Raises
        ------
        LedgerError
            if an inside account is overdrawn.
        """
        for name, sl in self._blocks.items():
            block = self.balances[sl]
            if block.size and block.min() < 0:
                i = int(np.argmin(block))
                raise LedgerError(f"{name}[{i}] is overdrawn: balance {int(block[i])} fen")
        if self.balances.size and int(np.abs(self.balances).max()) > LIMIT_FEN:
            raise LedgerError(f"a balance passed the ledger's limit of {LIMIT_FEN:.4g} fen")
        period = dict(sorted(self._period.items()))
        self._period.clear()
        self._moved = 0
        return period

    def group_balance(self, group: str) -> int:
        """Total balance of a block or an outside account."""
        if group in self._blocks:
            return int(self.balances[self._blocks[group]].astype(object).sum())
        return int(self.balances[self._index[group]])

    def verify(self) -> dict[str, int]:
        """Prove that no money was created or lost; return each group's balance.

        Raises
        ------
        LedgerError
            if the balances do not sum to zero, or a group's balance does not
            equal its opening balance plus recorded inflows less outflows.
        """
        total = int(self.balances.astype(object).sum()) if self.balances.size else 0  # exact: no 64-bit sum
        if total != 0:
            raise LedgerError(f"ledger does not balance: accounts sum to {total} fen, expected 0")
        groups = list(self._index) + list(self._blocks)
        net = dict.fromkeys(groups, 0)
        for (_kind, payer, payee), amount in self._flows.items():
            net[payer] -= amount
            net[payee] += amount
        closing = {}
        for g in groups:
            closing[g] = self.group_balance(g)
            if closing[g] != net[g]:
                raise LedgerError(
                    f"account group '{g}' holds {closing[g]} fen but its recorded flows net to {net[g]} fen"
                )
        return closing

    @property
    def flows(self) -> dict[tuple[str, str, str], int]:
        """Cumulative flows (kind, payer, payee) -> fen since the ledger opened."""
        return dict(sorted(self._flows.items()))
