"""Shared helpers: compose configs as the CLI does, and small cached runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from coopsim.config import RunConfig, parse_config
from coopsim.run import simulate

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


def compose_dict(*overrides: str) -> dict[str, Any]:
    """The resolved config (without ``hydra``) that ``coopsim <overrides>`` would run."""
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("config", overrides=list(overrides))
    return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]


def run_config(*overrides: str) -> RunConfig:
    return parse_config(compose_dict(*overrides))


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
