"""Shared helpers: compose configs as the CLI does, and small cached runs."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from coopsim.config import RunConfig
from coopsim.config.compose import compose_config
from coopsim.config.compose import compose_dict as _compose_dict
from coopsim.run import simulate


def compose_dict(*overrides: str) -> dict[str, Any]:
    """The resolved config (without ``hydra``) that ``coopsim <overrides>`` would run."""
    return _compose_dict(overrides)


def run_config(*overrides: str) -> RunConfig:
    return compose_config(overrides)


_CACHE: dict[tuple[str, ...], dict[str, pd.DataFrame]] = {}


def tiny_tables(*overrides: str) -> dict[str, pd.DataFrame]:
    """Tables of a small run (region=tiny, 4 years), cached per override set."""
    key = ("region=tiny", "years=4", "progress=never", *overrides)
    if key not in _CACHE:
        _CACHE[key] = simulate(run_config(*key))
    return _CACHE[key]


@pytest.fixture(scope="session")
def tiny_v1() -> dict[str, pd.DataFrame]:
    return tiny_tables("tier=v1")


@pytest.fixture(scope="session")
def tiny_none() -> dict[str, pd.DataFrame]:
    return tiny_tables("tier=none")
