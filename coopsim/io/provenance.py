"""Provenance of a run: the code version, the packages, and the run id (a hash
of the resolved config and the code version) that names a run and makes
resuming safe."""

from __future__ import annotations

import hashlib
import json
import subprocess
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import pandas as pd

#: The source tree when coopsim runs from a checkout (in an installed wheel: site-packages, no pyproject.toml).
SOURCE_ROOT = Path(__file__).resolve().parents[2]

PACKAGES = ("coopsim", "simpy", "numpy", "networkx", "pandas", "pyarrow", "matplotlib", "hydra-core",
            "omegaconf", "hydra-joblib-launcher", "tqdm")


def code_version() -> str:
    """The git commit of the source tree (with ``+dirty`` if modified), else the package version."""
    root = SOURCE_ROOT
    if not (root / "pyproject.toml").is_file():  # an installed wheel
        return "coopsim-" + importlib_metadata.version("coopsim")
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "coopsim", "configs"], cwd=root,
                               capture_output=True, text=True, check=True, timeout=10).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "coopsim-" + importlib_metadata.version("coopsim")


def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


#: Config keys that change how a run is computed or shown, not its results.
NOT_RESULTS = ("progress", "engine", "threads")


def run_id(config: dict[str, Any], version: str) -> str:
    """Stable id of a run: hash of its resolved config (less :data:`NOT_RESULTS`) and the code version."""
    what = {k: v for k, v in config.items() if k not in NOT_RESULTS}
    blob = json.dumps(what, sort_keys=True, default=str) + "\n" + version
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def with_provenance(table: pd.DataFrame, rid: str, tier: str, scenario: str, region: str, seed: int) -> pd.DataFrame:
    """Prefix a table with the columns that say which run it came from."""
    front = pd.DataFrame({"run_id": rid, "tier": tier, "scenario": scenario, "region": region, "seed": seed},
                         index=table.index)
    return pd.concat([front, table], axis=1)
