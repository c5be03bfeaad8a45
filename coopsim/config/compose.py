"""Composing a run's config the way the ``coopsim`` command does, for tools that
run many configs in one process (studies, sensitivity analysis, tests)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from coopsim.config.run_config import RunConfig, parse_config


def _config_dir() -> Path:
    """The shipped Hydra configs: ``coopsim/configs`` in an installed wheel, the
    repository's top-level ``configs/`` in a source tree (or an editable install)."""
    package = Path(__file__).resolve().parents[1]
    shipped = package / "configs"
    return shipped if (shipped / "config.yaml").is_file() else package.parent / "configs"


#: The shipped Hydra configs.
CONFIG_DIR = _config_dir()


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
