"""Where the modules of the flat package of coopsim 0.1 went.

User code, Hydra ``_target_``s in users' own configs and pickles may still
name the old paths (``coopsim.report.ReportCallback``,
``from coopsim.economy import Economy``). An import of an old path gives the
module at its new path (the same module object) and a ``DeprecationWarning``
that names the new path; nothing in coopsim itself uses the old paths.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import ModuleType

#: Old module path -> new module path.
MOVED = {
    "coopsim.schema": "coopsim.config.schema",
    "coopsim.config_tiers": "coopsim.config.tiers",
    "coopsim.config_scenario": "coopsim.config.scenarios",
    "coopsim.compose": "coopsim.config.compose",
    "coopsim.ledger": "coopsim.money",
    "coopsim.metrics": "coopsim.rules.measures",
    "coopsim.livelihoods": "coopsim.households.livelihoods",
    "coopsim.market": "coopsim.markets.commodities",
    "coopsim.labour": "coopsim.markets.labour",
    "coopsim.shocks": "coopsim.markets.shocks",
    "coopsim.cooperative": "coopsim.institutions.cooperative",
    "coopsim.federation": "coopsim.institutions.federation",
    "coopsim.platform": "coopsim.institutions.platform",
    "coopsim.operations": "coopsim.institutions.operations",
    "coopsim.economy": "coopsim.engine.economy",
    "coopsim.recorder": "coopsim.engine.recorder",
    "coopsim.rng": "coopsim.engine.streams",
    "coopsim.output": "coopsim.io.run_dir",
    "coopsim.sweep": "coopsim.io.sweeps",
    "coopsim.markdown": "coopsim.analysis.markdown",
    "coopsim.report": "coopsim.analysis.report",
    "coopsim.report_figures": "coopsim.analysis.figures",
    "coopsim.report_html": "coopsim.analysis.html",
    "coopsim.resilience": "coopsim.analysis.resilience",
    "coopsim.replay": "coopsim.analysis.replay",
    "coopsim.validation": "coopsim.analysis.validation",
    "coopsim.study": "coopsim.studies.study",
    "coopsim.calibration": "coopsim.studies.calibration",
    "coopsim.sensitivity": "coopsim.studies.sensitivity",
    "coopsim.parameters": "coopsim.studies.parameter_table",
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old path and loads it as the module at its new path."""

    def find_spec(self, fullname: str, path: object, target: object = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        new = MOVED[spec.name]
        warnings.warn(f"{spec.name} moved to {new}; import it from there", DeprecationWarning, stacklevel=2)
        module = importlib.import_module(new)
        spec.loader_state = module.__spec__  # the import system sets the old path's spec on the module next
        return module

    def exec_module(self, module: ModuleType) -> None:
        """The module at the new path is already executed; give it back its own spec."""
        own = module.__spec__.loader_state if module.__spec__ is not None else None
        if own is not None:
            module.__spec__ = own


def install() -> None:
    """Make the old paths importable (once per process)."""
    if not any(isinstance(f, _Alias) for f in sys.meta_path):
        sys.meta_path.append(_Alias())
