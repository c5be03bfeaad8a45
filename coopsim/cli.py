"""``coopsim``: the Hydra command-line entry point (a thin shell over :mod:`coopsim.run`).

Examples
--------
``coopsim``                              one run, default region and tier
``coopsim tier=none region=tiny years=2``
``coopsim -m tier=none,v1``              a sweep (basic launcher)
``coopsim -m tier=none,v1 seed=1,2,3 hydra/launcher=joblib``
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from coopsim.config import ConfigError
from coopsim.run import run_to_directory

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
HYDRA_OWN = {".hydra", "cli.log", "main.log"}
log = logging.getLogger("coopsim")


def _discard_incomplete(out_dir: Path) -> None:
    """Remove an output directory that holds only Hydra's own files."""
    if out_dir.is_dir() and {p.name for p in out_dir.iterdir()} <= HYDRA_OWN:
        shutil.rmtree(out_dir, ignore_errors=True)


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def main(cfg: DictConfig) -> None:
    """Validate the composed config, run it, write results to Hydra's output directory."""
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    data = OmegaConf.to_container(cfg, resolve=True)
    try:
        meta = run_to_directory(data, out_dir)  # type: ignore[arg-type]
    except ConfigError as err:
        _discard_incomplete(out_dir)
        print(f"coopsim: bad config: {err}", file=sys.stderr)
        sys.exit(2)
    log.info("tier=%s region=%s seed=%s: %.1f s, ledger balanced; results in %s",
             meta["tier"], meta["region"], meta["seed"], meta["wall_time_s"], out_dir)


if __name__ == "__main__":
    main()
