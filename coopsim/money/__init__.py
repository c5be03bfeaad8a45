"""Money: a double-entry ledger of integer fen, and integer allocation.

Every yuan in a run moves through :class:`Ledger` as an integer number of fen
from one account to another; :func:`allocate` and :func:`split_equally` split
a sum of fen into integer parts that add up exactly. Nothing here knows the
model: the ledger's accounts are named by whoever opens it.
"""

from coopsim.money.allocation import FEN_PER_YUAN, allocate, segment_sums, split_equally, to_fen
from coopsim.money.ledger import ALL, Ledger, LedgerError, Rows

__all__ = ["ALL", "FEN_PER_YUAN", "Ledger", "LedgerError", "Rows", "allocate", "segment_sums", "split_equally",
           "to_fen"]
