"""coopsim: a discrete-event simulation of tiered cooperative economies (Bijie, Guizhou).

Households, village cooperatives, township federations and county platforms
on a networkx graph, in SimPy time, with money in a double-entry ledger of
integer fen. See README.md and docs/ODD.md.

The public face — import from here::

    from coopsim import compose_config, simulate

    cfg = compose_config(["region=tiny", "tier=v3"])   # as ``coopsim region=tiny tier=v3`` would run
    tables = simulate(cfg)                             # dict of pandas DataFrames

``parse_config`` validates a plain mapping instead; ``simulate_scenario`` also
runs a shocked config's no-shock counterfactual; ``run_to_directory`` writes a
run's tables and ``metadata.json``. The package's rooms, by concern:

- ``config``: the validated run config, tiers, scenarios, composing, the parameter vocabulary;
- ``money``: the ledger in integer fen and integer allocation;
- ``rules``: pure rule functions over arrays;
- ``world``: the region graph;
- ``households``: household state, drawing it, what the cooperatives owe, the household steps;
- ``markets``: commodity prices, the labour market, shocks;
- ``institutions``: village cooperatives and the partners above them (federations, platforms);
- ``engine``: the economy's SimPy processes, the calendar, the recorder, random streams;
- ``io``: run directories, provenance, sweeps;
- ``analysis``: outcomes, statistics, reports, resilience, the replay and its facts;
- ``studies``: tier and ablation studies, calibration, sensitivity, the parameter table;
- ``run`` and ``cli``: a run as a function, and the ``coopsim`` command.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from coopsim import _moved

__version__ = "0.1.0"

#: Public name -> the module that defines it (imported when first used, so that
#: ``import coopsim.config`` does not load the engine).
_PUBLIC = {
    "simulate": "coopsim.run",
    "simulate_scenario": "coopsim.run",
    "run_to_directory": "coopsim.run",
    "compose_config": "coopsim.config",
    "compose_dict": "coopsim.config",
    "parse_config": "coopsim.config",
    "RunConfig": "coopsim.config",
    "ConfigError": "coopsim.config",
    "LedgerError": "coopsim.money",
    "Economy": "coopsim.engine",
    "RunTables": "coopsim.engine",
    "OUTCOMES": "coopsim.analysis.outcomes",
}
__all__ = ["OUTCOMES", "ConfigError", "Economy", "LedgerError", "RunConfig", "RunTables", "compose_config",
           "compose_dict", "parse_config", "run_to_directory", "simulate", "simulate_scenario"]

if TYPE_CHECKING:
    from coopsim.analysis.outcomes import OUTCOMES
    from coopsim.config import ConfigError, RunConfig, compose_config, compose_dict, parse_config
    from coopsim.engine import Economy, RunTables
    from coopsim.money import LedgerError
    from coopsim.run import run_to_directory, simulate, simulate_scenario

_moved.install()


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'coopsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
