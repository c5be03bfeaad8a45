"""``coopsim``: the Hydra command-line entry point (a thin shell over :mod:`coopsim.run`).

Examples
--------
``coopsim``                              one run, default region and tier
``coopsim tier=none region=tiny years=2``
``coopsim -m tier=none,v1``              a sweep (basic launcher)
``coopsim -m tier=none,v1 seed=1,2,3 hydra/launcher=joblib``
``coopsim --help``                       what coopsim does, the experiments, the other commands, the groups
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import textwrap
import traceback
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from coopsim.config import BLOCKS, CONFIG_DIR, TIER_BLOCKS, ConfigError, not_in_tier
from coopsim.config.compose import config_error, resolved
from coopsim.io.launch import announce_main_process, note_failure, register_sweeper, watch_the_sweep
from coopsim.io.run_dir import RunDirError, record_failure
from coopsim.io.sweeps import FAILED_CALLBACKS, FAILED_RUNS
from coopsim.run import run_to_directory

log = logging.getLogger("coopsim")

ABOUT = """\
coopsim: a discrete-event simulation of tiered cooperative economies, modelled on Bijie
prefecture, Guizhou. Households, village cooperatives (1.0), township federations (2.0) and
county platforms (3.0), or no cooperatives at all, under commodity price shocks and labour
migration; every run's money is counted in fen and balanced.

  coopsim [key=value ...]                 one run (default: region=county, tier=v1, 10 years);
                                          tables under results/runs/, a summary at the end
  coopsim region=small tier=v3 scenario=price_collapse
  coopsim -m tier=none,v1,v2,v3 seed=1,2  a sweep: every combination, in parallel
  coopsim +experiment=NAME                a canned experiment, with its report
  coopsim --cfg job [key=value ...]       the composed config, checked
"""

#: The package's other commands, one line each (``coopsim --help``; a test holds it to the console scripts).
COMMANDS = {
    "coopsim-report": "the comparison report of a sweep (tables, figures, HTML): coopsim-report <sweep dir>",
    "coopsim-study": "studies over many runs, paired on seeds: tiers, ablation, decompose, shocks, ensemble, robust",
    "coopsim-collect": "one tidy table of a sweep's complete runs, or its runs into one Parquet dataset",
    "coopsim-sensitivity": "Morris screening of the outcomes over chosen config keys (SALib)",
    "coopsim-calibrate": "fit the behavioural parameters to Bijie's facts of 2017-2020 (Optuna)",
    "coopsim-explore": "the live explorer in the browser: a baseline against a reform, settings in the URL",
}


def experiments() -> dict[str, str]:
    """Each canned experiment (``configs/experiment/``) and the first sentence of its description."""
    out = {}
    for path in sorted((CONFIG_DIR / "experiment").glob("*.yaml")):
        words = " ".join(line.lstrip("#").strip() for line in path.read_text().splitlines()
                         if line.startswith("#") and "@package" not in line)
        first = re.split(r"(?<=[a-z0-9)])\.\s|\s(?:See|Run:)\s", words + " ", maxsplit=1)[0].strip().rstrip(".")
        if len(first) > 150:  # a long one: without its asides, to its first dash
            first = re.sub(r"\s*\([^()]*\)", "", first).split(" - ")[0].split("; ")[0]
        out[path.stem] = first
    return out


def about() -> str:
    """What ``coopsim --help`` says before Hydra's part: what coopsim does, the experiments, the other commands."""
    lines = [ABOUT, "Experiments (coopsim +experiment=NAME; each has its page in experiments/NAME.md):"]
    for name, text in experiments().items():
        lines += textwrap.wrap(text, 100, initial_indent=f"  {name:<22}", subsequent_indent=" " * 24)
    lines += ["", "Other commands (each with --help):"]
    lines += [f"  {name:<22}{text}" for name, text in COMMANDS.items()]
    return "\n".join(lines) + "\n"


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
def main(cfg: DictConfig) -> dict[str, str]:
    """Run the composed config into Hydra's output directory; return the run's outcome
    (``status`` complete, skipped or failed, its ``dir``, the ``error``) for the sweeper."""
    hc = HydraConfig.get()
    out_dir, sweep = Path(hc.runtime.output_dir), hc.mode == RunMode.MULTIRUN
    if sweep:
        watch_the_sweep()
    data: Any = None
    try:
        data = resolved(cfg)
        _name_scenario(data)
        if data.get("threads") == 0 and sweep:
            data["threads"] = 1  # a sweep's jobs already share the cores
        if sweep:
            data["progress"] = "never"  # the sweep draws one bar over its runs (coopsim.io.launch.SweepProgress)
        if "robust" in data:  # a job of a study's design: its share of the runs, into the sweep's dataset
            from coopsim.studies.robust import run_chunk

            done = run_chunk(data["robust"], list(hc.overrides.task), Path(hc.sweep.dir))
            log.info("job %s: %d runs (%d computed, %d already there), %.1f s simulated in %.1f s",
                     data["robust"].get("chunk"), done["runs"], done["computed"], done["skipped"], done["sim_s"],
                     done["wall_s"])
            return {"status": "complete", "dir": str(out_dir)}
        meta = run_to_directory(data, out_dir, list(hc.overrides.task))
    except (ConfigError, RunDirError) as err:  # checked at the door; a rerun into another run's directory
        _remove_if_empty(out_dir)
        print(f"coopsim: {'bad config' if isinstance(err, ConfigError) else 'refused'}: {err}", file=sys.stderr)
        if not sweep:
            sys.exit(2)
        return {"status": "failed", "dir": str(out_dir), "error": str(err)}
    except Exception as err:  # noqa: BLE001 - a run that fails is recorded; a sweep goes on
        return _failed(out_dir, data, err, sweep)
    if meta.get("skipped"):
        log.info("run %s is already complete in %s: skipped", meta["run_id"], out_dir)
        return {"status": "skipped", "dir": str(out_dir)}
    if sweep:
        log.info("tier=%s scenario=%s region=%s seed=%s: %.1f s, ledger balanced; results in %s",
                 meta["tier"], meta["scenario"], meta["region"], meta["seed"], meta["wall_time_s"], out_dir)
    else:  # a single run ends with what it found and where its tables are
        import pandas as pd

        from coopsim.analysis.summary import run_summary

        print("\n".join(run_summary(pd.read_parquet(out_dir / "region_year.parquet"), meta, out_dir)), flush=True)
    return {"status": "complete", "dir": str(out_dir)}


def _failed(out_dir: Path, data: Any, err: Exception, sweep: bool) -> dict[str, str]:
    """Record a failed run (``failure.json`` in its directory, or in the sweep's ``failures/``
    when the directory cannot be written) and say where; a single run exits 1."""
    error = f"{type(err).__name__}: {err}"
    try:
        where = str(record_failure(out_dir, data, err))
    except OSError as io_err:
        where = "nowhere: the directory cannot be written either" if not sweep else "the sweep's failures/"
        if sweep:
            note_failure(out_dir, error)
        else:
            traceback.print_exception(err)
        log.error("recording the failure failed too: %s", io_err)
    log.error("run failed (%s); config and traceback in %s", error, where)
    if not sweep:
        sys.exit(1)
    return {"status": "failed", "dir": str(out_dir), "error": error}


def _remove_if_empty(out_dir: Path) -> None:
    """Remove a run directory this run made and left empty, and its parents that it left empty too."""
    here = Path.cwd().resolve()
    for d in [out_dir, *out_dir.parents]:
        if d.resolve() == here or not d.is_dir() or any(d.iterdir()):
            break
        shutil.rmtree(d, ignore_errors=True)


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


#: Hydra's options that take a value (the word after them is not an override).
_VALUED = {"--cfg", "-c", "--package", "-p", "--config-path", "-cp", "--config-name", "-cn", "--config-dir", "-cd",
           "--experimental-rerun"}
def _overrides(argv: list[str]) -> list[str]:
    """The overrides among the command's words (not Hydra's options, nor their values)."""
    out, skip = [], False
    for word in argv:
        if skip:
            skip = False
        elif word in _VALUED:
            skip = True
        elif not word.startswith("-"):
            out.append(word)
    return out


def check_shown_config(argv: list[str]) -> str | None:
    """For ``coopsim --cfg job ...``: what is wrong with the config shown, as the run would say it; ``None``
    when it would run."""
    from coopsim.config import compose_config

    try:
        compose_config(_overrides(argv))
    except ConfigError as err:
        return str(err)
    return None


def entry() -> None:
    """Console entry point: check lever overrides against the tiers, then run Hydra.

    A bad config, an override Hydra cannot apply, an interpolation that does not
    resolve or a config file that is not YAML ends with one message (exit 2);
    a run that cannot write its directory with one message (exit 1).
    ``HYDRA_FULL_ERROR=1`` shows Hydra's own report instead.
    """
    if {"--help", "-h"} & set(sys.argv[1:]):
        print(about())  # then Hydra's part: the config groups (configs/hydra/help/coopsim.yaml)
    errors = lever_errors(sys.argv[1:])
    if errors:
        for e in errors:
            print(f"coopsim: bad config: {e}", file=sys.stderr)
        sys.exit(2)
    register_sweeper()
    full_error = os.environ.get("HYDRA_FULL_ERROR") == "1"
    os.environ["HYDRA_FULL_ERROR"] = "1"  # Hydra passes errors up, to be told here in one message
    announce_main_process()
    try:
        main()
    except Exception as err:  # noqa: BLE001 - configs: Hydra's, OmegaConf's and YAML's errors alike
        from hydra.errors import HydraException
        from omegaconf.errors import OmegaConfBaseException
        from yaml import YAMLError

        if full_error:
            raise
        if isinstance(err, HydraException | OmegaConfBaseException | YAMLError | ConfigError):  # before OSError:
            print(f"coopsim: bad config: {config_error(err)}", file=sys.stderr)  # a missing config is one too
            sys.exit(2)
        if isinstance(err, ValueError) and str(err).startswith("Only one of --run"):  # Hydra's options clash
            print(f"coopsim: {err} (a sweep's points are checked when it starts)", file=sys.stderr)
            sys.exit(2)
        if isinstance(err, BrokenPipeError):  # coopsim --help | head: the reader has read enough
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        if isinstance(err, OSError):
            print(f"coopsim: cannot write: {err}", file=sys.stderr)
            sys.exit(1)
        raise
    if FAILED_CALLBACKS or FAILED_RUNS:
        sys.exit(1)
    if _shows_job_config(sys.argv[1:]):  # Hydra printed it; say whether it would run
        problem = check_shown_config(sys.argv[1:])
        if problem:
            print(f"coopsim: bad config: {problem}", file=sys.stderr)
            sys.exit(2)


def _shows_job_config(argv: list[str]) -> bool:
    """``--cfg job`` or ``--cfg all`` (or ``-c``) among the words."""
    return any(a in ("--cfg", "-c") and b in ("job", "all") for a, b in zip(argv, argv[1:], strict=False)) \
        or any(a in ("--cfg=job", "--cfg=all") for a in argv)


if __name__ == "__main__":
    entry()
