"""coopsim: a discrete-event simulation of tiered cooperative economies (Bijie, Guizhou).

Households, village cooperatives, township federations and county platforms
on a networkx graph, in SimPy time, with money in a double-entry ledger of
integer fen. See README.md and docs/ODD.md.
"""

__version__ = "0.1.0"
