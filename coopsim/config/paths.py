"""Where the shipped Hydra configs are (the configs and the regions' tables of townships read from them)."""

from __future__ import annotations

from pathlib import Path


def _config_dir() -> Path:
    """The shipped Hydra configs: ``coopsim/configs`` in an installed wheel, the
    repository's top-level ``configs/`` in a source tree (or an editable install)."""
    package = Path(__file__).resolve().parents[1]
    shipped = package / "configs"
    return shipped if (shipped / "config.yaml").is_file() else package.parent / "configs"


#: The shipped Hydra configs.
CONFIG_DIR = _config_dir()
