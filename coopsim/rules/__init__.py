"""Pure rule functions over arrays: prices, production, migration, shares,
distribution, pay, and the measures of outcomes (median, Gini).

Nothing here holds state or knows the model's objects: a rule takes numbers,
arrays and config values and returns new ones, so it can be applied to all
households at once or to one household's slice, and tested by hand. SimPy
processes only put the rules in time order. (Import contract: ``coopsim.rules``
imports nothing of coopsim but ``coopsim.config``.)
"""
