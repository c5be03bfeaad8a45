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
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

import numpy as np

FEN_PER_YUAN = 100


class LedgerError(RuntimeError):
    """Money was created, lost, or an inside account was overdrawn."""


def to_fen(yuan: np.ndarray | float) -> np.ndarray:
    """Round yuan amounts to whole fen (int64), half away from zero."""
    arr = np.asarray(yuan, dtype=np.float64) * FEN_PER_YUAN
    return (np.sign(arr) * np.floor(np.abs(arr) + 0.5)).astype(np.int64)


def allocate(total_fen: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total_fen`` into integer parts proportional to ``weights``.

    Largest-remainder method: the parts are non-negative and sum exactly to
    ``total_fen``; ties in the remainders go to the lower index.

    Parameters
    ----------
    total_fen
        Non-negative amount to split.
    weights
        Non-negative weights; if they are all zero, nothing can be split and
        a ``ValueError`` is raised unless ``total_fen`` is zero.
    """
    w = np.asarray(weights, dtype=np.float64)
    if total_fen < 0:
        raise ValueError(f"allocate: total_fen must be >= 0, got {total_fen}")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("allocate: weights must be finite and >= 0")
    parts = np.zeros(w.shape, dtype=np.int64)
    wsum = w.sum()
    if total_fen == 0:
        return parts
    if wsum <= 0:
        raise ValueError(f"allocate: cannot split {total_fen} fen over zero weights")
    exact = w / wsum * total_fen
    parts = np.floor(exact).astype(np.int64)
    short = int(total_fen - parts.sum())
    if short > 0:
        order = np.argsort(-(exact - parts), kind="stable")
        parts[order[:short]] += 1
    return parts


def segment_sums(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Exact sums of contiguous segments ``values[starts[g]:starts[g+1]]``.

    Works for empty segments too (unlike ``np.add.reduceat``).
    """
    cum = np.concatenate(([0], np.cumsum(values)))
    ends = np.append(starts[1:], len(values))
    return cum[ends] - cum[starts]


class Ledger:
    """Balances of all accounts of a run, in int64 fen.

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

    # -- access ---------------------------------------------------------
    def balance(self, name: str) -> int:
        """Balance of an outside account."""
        return int(self.balances[self._index[name]])

    def block(self, name: str) -> np.ndarray:
        """A copy of a block's balances (a snapshot: later transfers do not change it)."""
        return self.balances[self._blocks[name]].copy()

    # -- posting ----------------------------------------------------------
    @staticmethod
    def _amounts(amounts: np.ndarray, kind: str) -> np.ndarray:
        arr = np.asarray(amounts)
        if arr.dtype != np.int64:
            raise LedgerError(f"{kind}: amounts must be int64 fen, got {arr.dtype}")
        if arr.size and arr.min() < 0:
            raise LedgerError(f"{kind}: negative transfer amount {int(arr.min())}")
        return arr

    def _record(self, kind: str, payer: str, payee: str, total: int) -> None:
        self._flows[(kind, payer, payee)] += total
        self._period[(kind, payer, payee)] += total

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
        (i, g_payer), (j, g_payee) = self._slot(payer), self._slot(payee)
        self.balances[i] -= amount
        self.balances[j] += amount
        self._record(kind, g_payer, g_payee, amount)

    def pay_block(self, payer: str, payee_block: str, amounts: np.ndarray, kind: str) -> int:
        """Pay each account of ``payee_block`` from outside account ``payer``."""
        arr = self._amounts(amounts, kind)
        total = int(arr.sum())
        self.balances[self._blocks[payee_block]] += arr
        self.balances[self._index[payer]] -= total
        self._record(kind, payer, payee_block, total)
        return total

    def collect_block(self, payer_block: str, payee: str, amounts: np.ndarray, kind: str) -> int:
        """Each account of ``payer_block`` pays outside account ``payee``."""
        arr = self._amounts(amounts, kind)
        total = int(arr.sum())
        self.balances[self._blocks[payer_block]] -= arr
        self.balances[self._index[payee]] += total
        self._record(kind, payer_block, payee, total)
        return total

    def between_blocks(
        self, group_block: str, member_block: str, starts: np.ndarray, amounts: np.ndarray, kind: str,
        to_members: bool = True,
    ) -> int:
        """Transfers between a group account and each of its members' accounts.

        ``member_block`` is ordered by group, group ``g``'s members being the
        contiguous rows from ``starts[g]`` (e.g. households by village).
        With ``to_members`` each group pays its members ``amounts`` (one per
        member); otherwise each member pays its group.
        """
        arr = self._amounts(amounts, kind)
        per_group = segment_sums(arr, starts)
        sign = 1 if to_members else -1
        self.balances[self._blocks[member_block]] += sign * arr
        self.balances[self._blocks[group_block]] -= sign * per_group
        total = int(arr.sum())
        if to_members:
            self._record(kind, group_block, member_block, total)
        else:
            self._record(kind, member_block, group_block, total)
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
        period = dict(sorted(self._period.items()))
        self._period.clear()
        return period

    def group_balance(self, group: str) -> int:
        """Total balance of a block or an outside account."""
        if group in self._blocks:
            return int(self.balances[self._blocks[group]].sum())
        return int(self.balances[self._index[group]])

    def verify(self) -> dict[str, int]:
        """Prove that no money was created or lost; return each group's balance.

        Raises
        ------
        LedgerError
            if the balances do not sum to zero, or a group's balance does not
            equal its opening balance plus recorded inflows less outflows.
        """
        total = int(self.balances.sum())
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
