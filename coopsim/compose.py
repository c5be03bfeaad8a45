"""Composing a run's config the way the ``coopsim`` command does, for tools that
run many configs in one process (studies, sensitivity analysis, tests)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from coopsim.config import RunConfig, parse_config

#: The shipped Hydra configs (top-level ``configs/``).
CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


def compose_dict(overrides: Sequence[str]) -> dict[str, Any]:
    """The resolved config (without ``hydra``) that ``coopsim <overrides>`` would run."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("config", overrides=list(overrides))
    return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]


def compose_config(overrides: Sequence[str]) -> RunConfig:
    """The validated :class:`RunConfig` that ``coopsim <overrides>`` would run."""
    return parse_config(compose_dict(overrides))
