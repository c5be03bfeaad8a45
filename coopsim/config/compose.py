"""Composing a run's config the way the ``coopsim`` command does, for tools that
run many configs in one process (studies, sensitivity analysis, tests)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coopsim.config.paths import CONFIG_DIR
from coopsim.config.run_config import RunConfig, parse_config
from coopsim.config.schema import ConfigError


def compose_dict(overrides: Sequence[str]) -> dict[str, Any]:
    """The resolved config (without ``hydra``) that ``coopsim <overrides>`` would run.

    Raises
    ------
    ConfigError
        for a bad override, a missing config option, an interpolation that
        does not resolve or a file that is not YAML (with its file and line).
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.initialize import get_gh_backup, restore_gh_from_backup

    # inside a running Hydra app (a sweep's callback) Hydra is initialised already: compose beside it
    running = get_gh_backup() if GlobalHydra.instance().is_initialized() else None
    if running is not None:
        GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = compose("config", overrides=list(overrides))
    except Exception as err:  # noqa: BLE001 - Hydra's, OmegaConf's and YAML's errors all become one kind
        raise config_error(err) from err
    finally:
        if running is not None:
            restore_gh_from_backup(running)
    return resolved(cfg)


def resolved(cfg: Any) -> dict[str, Any]:
    """A composed config as a plain mapping, interpolations resolved, without ``hydra``
    (which is left out before resolving: Hydra resolves its own keys itself)."""
    from omegaconf import DictConfig, OmegaConf

    assert isinstance(cfg, DictConfig)
    try:
        if "hydra" in cfg:
            cfg = OmegaConf.masked_copy(cfg, [str(k) for k in cfg if k != "hydra"])
        data = OmegaConf.to_container(cfg, resolve=True)
    except Exception as err:  # noqa: BLE001
        raise config_error(err) from err
    assert isinstance(data, dict)
    return {str(k): v for k, v in data.items()}


def config_error(err: BaseException) -> ConfigError:
    """One :class:`ConfigError` for what composing a config raised: the key for an
    interpolation or override, the file and line for a YAML file, Hydra's own
    message (which lists the options) for a missing config."""
    if isinstance(err, ConfigError):
        return err
    import yaml
    from omegaconf.errors import OmegaConfBaseException

    seen: set[int] = set()
    cause: BaseException | None = err
    while cause is not None and id(cause) not in seen:  # the YAML or OmegaConf error Hydra wrapped, if any
        seen.add(id(cause))
        if isinstance(cause, yaml.YAMLError):
            return ConfigError(f"a config file is not valid YAML: {' '.join(str(cause).split())}")
        if isinstance(cause, OmegaConfBaseException) and getattr(cause, "full_key", None):
            problem = str(cause).splitlines()[0]
            problem = "no such key" if problem.endswith("is not in struct") else problem  # OmegaConf's words
            return ConfigError(f"config key '{cause.full_key}': {problem}{_nearest(cause)}")
        cause = cause.__cause__ or cause.__context__
    return ConfigError(str(err).strip() or type(err).__name__)


def _nearest(err: Any) -> str:
    """For a key the config does not have, ``; did you mean ...?`` with the nearest real keys: the same name
    in another block (``leave_probability`` -> ``labour.leave_probability``), else the closest spellings
    beside it or anywhere (the closest); ``""`` when nothing is close (or the error is about something else)."""
    import difflib

    from omegaconf import DictConfig

    parent, key, full = getattr(err, "parent_node", None), str(getattr(err, "key", "") or ""), str(err.full_key)
    if not isinstance(parent, DictConfig) or not key or not full.endswith(key) or key in parent:
        return ""

    def dotted(node: DictConfig, prefix: str = "") -> list[str]:
        out = []
        for k in node.keys():
            if prefix == "" and str(k) == "hydra":
                continue
            out.append(f"{prefix}{k}")
            child = node._get_node(k)
            if isinstance(child, DictConfig):
                out += dotted(child, f"{prefix}{k}.")
        return out

    everywhere = dotted(parent._get_root())
    prefix = full[: -len(key)]
    found = [k for k in everywhere if k.rsplit(".", 1)[-1] == key]
    found = found or [prefix + k for k in difflib.get_close_matches(key, [str(k) for k in parent.keys()], n=1)]
    found = found or difflib.get_close_matches(full, everywhere, n=1)
    return f"; did you mean {' or '.join(found[:3])}?" if found else ""


def compose_config(overrides: Sequence[str]) -> RunConfig:
    """The validated :class:`RunConfig` that ``coopsim <overrides>`` would run (or a :class:`ConfigError`)."""
    return parse_config(compose_dict(overrides))
