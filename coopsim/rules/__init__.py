"""Pure rule functions over arrays: prices, production, migration, shares, distribution, pay.

SimPy processes only put these rules in time order; every rule can be applied
to all households at once or to one household's slice.
"""
