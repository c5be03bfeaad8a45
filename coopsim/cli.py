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
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from coopsim.config import BLOCKS, CONFIG_DIR, TIER_BLOCKS, ConfigError, not_in_tier
from coopsim.io.run_dir import FAILURE, record_failure
from coopsim.io.sweeps import FAILED_CALLBACKS, FAILED_RUNS
from coopsim.run import run_to_directory

HYDRA_OWN = {".hydra", "coopsim.log", "cli.log", "main.log"}
log = logging.getLogger("coopsim")


def _discard_incomplete(out_dir: Path) -> None:
    """Remove an output directory that holds only Hydra's own files."""
    if out_dir.is_dir() and {p.name for p in out_dir.iterdir()} <= HYDRA_OWN:
        shutil.rmtree(out_dir, ignore_errors=True)


def _name_scenario(data: object) -> None:
    """Label the scenario with the config name(s) chosen (``scenario=[a,b]`` -> ``a+b``)."""
    hc = HydraConfig.get()
    choice = hc.runtime.choices.get("scenario")
    if choice is None:  # Hydra does not record a list of options among the choices
        chosen = [o.split("=", 1)[1] for o in hc.overrides.task if o.startswith("scenario=")]
        choice = chosen[-1] if chosen else None
    if isinstance(data, dict) and isinstance(data.get("scenario"), dict) and choice and "name" not in data["scenario"]:
        data["scenario"]["name"] = "+".join(str(choice).strip("[]").replace(" ", "").split(","))


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def main(cfg: DictConfig) -> None:
    """Validate the composed config, run it, write results to Hydra's output directory."""
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    data = OmegaConf.to_container(cfg, resolve=True)
    _name_scenario(data)
    if isinstance(data, dict) and data.get("threads") == 0 and HydraConfig.get().mode == RunMode.MULTIRUN:
        data["threads"] = 1  # a sweep's jobs already share the cores
    try:
        meta = run_to_directory(data, out_dir)  # type: ignore[arg-type]
    except ConfigError as err:
        _discard_incomplete(out_dir)
        print(f"coopsim: bad config: {err}", file=sys.stderr)
        sys.exit(2)
    except Exception as err:
        record_failure(out_dir, data, err)
        log.error("run failed (%s: %s); config and traceback in %s", type(err).__name__, err, out_dir / FAILURE)
        if HydraConfig.get().mode != RunMode.MULTIRUN:
            raise
        return  # a sweep goes on; the failure is reported when it ends
    if meta.get("skipped"):
        log.info("run %s is already complete in %s: skipped", meta["run_id"], out_dir)
        return
    log.info("tier=%s scenario=%s region=%s seed=%s: %.1f s, ledger balanced; results in %s",
             meta["tier"], meta["scenario"], meta["region"], meta["seed"], meta["wall_time_s"], out_dir)


def lever_errors(args: list[str], default_tier: str = "v1") -> list[str]:
    """Overrides of tier blocks (``tier.federation.*``...) that a chosen tier does not have.

    Hydra would reject them with a generic "not in struct" error; this names
    the tier and the tiers that have the block. Returns one message per problem.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    candidates = [a for a in args if "=" in a and not a.startswith("-")]
    try:
        overrides = OverridesParser.create().parse_overrides(candidates)
    except Exception:  # noqa: BLE001 - let Hydra report syntax errors itself
        return []
    tiers = [default_tier]
    for o in overrides:
        if o.get_key_element() == "tier":
            tiers = list(o.sweep_string_iterator()) if o.is_sweep_override() else [str(o.value())]
    errors = []
    for o in overrides:
        key = o.get_key_element().lstrip("+~")
        parts = key.split(".")
        if len(parts) < 2 or parts[0] != "tier" or parts[1] not in BLOCKS:
            continue
        for tier in tiers:
            if tier in TIER_BLOCKS and parts[1] not in TIER_BLOCKS[tier]:
                errors.append(f"config key '{key}' = {o.value()!r}: {not_in_tier(parts[1], tier)}")
    return errors


def entry() -> None:
    """Console entry point: check lever overrides against the tiers, then run Hydra."""
    errors = lever_errors(sys.argv[1:])
    if errors:
        for e in errors:
            print(f"coopsim: bad config: {e}", file=sys.stderr)
        sys.exit(2)
    main()
    if FAILED_RUNS or FAILED_CALLBACKS:
        sys.exit(1)


if __name__ == "__main__":
    entry()
