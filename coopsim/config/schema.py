"""Validation of plain mappings into frozen dataclasses.

Config flows one way: YAML -> plain ``dict`` -> :func:`build` -> frozen
dataclasses. Every check names the dotted key, the value found and what is
allowed, so a bad config stops before a run starts with one clear message.

Constraints live in field metadata:

``min`` / ``max``
    inclusive bounds for numbers.
``gt``
    exclusive lower bound.
``choices``
    allowed values for strings.
``internal``
    set by the model itself, never from a config (e.g. the parsed shocks).
``values_max``
    for a mapping by year: the most any year's value may be (each value is
    also checked to be >= 0, and each year a calendar year).

Every number must be finite (no NaN, no infinity), and every numeric field
has an upper bound (a test checks): the shared bounds below keep money in
fen far inside 64 bits and a region inside memory.

A dataclass may add cross-field rules in a ``check(self, path)`` method that
raises :class:`ConfigError` through :func:`fail`.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")

#: The largest amount of money any one parameter may name (yuan): a billion, far above any amount
#: of a prefecture's rural economy and far below what could carry the ledger's sums past 64-bit fen.
MAX_YUAN = 1e9
#: Bounds shared by many fields: an amount of money, an area, a calendar year, a share, a probability.
YUAN = {"min": 0.0, "max": MAX_YUAN}
MU = {"min": 0.0, "max": 1e6}
YEAR = {"min": 1900, "max": 2200}
SHARE = {"min": 0.0, "max": 1.0}
PROB = {"min": 0.0, "max": 1.0}
#: The months of a year, as a config writes them (1 = January).
MONTHS = tuple(range(1, 13))


class ConfigError(ValueError):
    """A config value that the model cannot run with."""


def fail(key: str, value: Any, allowed: str) -> typing.NoReturn:
    """Raise a :class:`ConfigError` naming the key, the value and what is allowed."""
    raise ConfigError(f"config key '{key}' = {value!r}: {allowed}")


def require_sum_one(key: str, value: Any, parts: Any, what: str) -> None:
    """Fail on ``key`` unless ``parts`` (shares) sum to 1."""
    total = float(sum(parts))
    if abs(total - 1.0) > 1e-9:
        fail(key, value, f"{what} must sum to 1 (they sum to {total:g})")


def spec(default: Any = dataclasses.MISSING, **constraints: Any) -> Any:
    """A dataclass field carrying validation constraints in its metadata."""
    if default is dataclasses.MISSING:
        return dataclasses.field(metadata=constraints)
    if isinstance(default, (dict, list)):
        return dataclasses.field(default_factory=lambda: default, metadata=constraints)
    return dataclasses.field(default=default, metadata=constraints)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp))


def _convert(tp: Any, value: Any, path: str) -> Any:
    """Convert ``value`` to type ``tp`` or fail naming ``path``."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None and len(options) < len(typing.get_args(tp)):
            return None
        return _convert(options[0], value, path)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            fail(path, value, f"must be a mapping of {_type_name(tp)} keys")
        return build(tp, value, path)  # type: ignore[arg-type]
    if origin in (dict, Mapping):
        key_tp, val_tp = typing.get_args(tp)
        if not isinstance(value, Mapping):
            fail(path, value, "must be a mapping")
        if key_tp is int:  # years: a YAML file writes 2019, a command-line override '2019'
            value = _year_keys(value, path)
        return types.MappingProxyType(
            {
                _convert(key_tp, k, path): _convert(val_tp, v, _join(path, str(k)))
                for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))
            }
        )
    if origin is tuple:
        (item_tp, _ellipsis) = typing.get_args(tp)
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            fail(path, value, "must be a list")
        return tuple(_convert(item_tp, v, f"{path}[{i}]") for i, v in enumerate(value))
    if tp is bool:
        if not isinstance(value, bool):
            fail(path, value, "must be true or false")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            fail(path, value, "must be an integer")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            fail(path, value, "must be a number")
        if not math.isfinite(value):
            fail(path, value, "must be a finite number")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            fail(path, value, "must be a string")
        return value
    raise TypeError(f"schema type {tp!r} at {path} is not supported")


def _year_keys(value: Mapping[Any, Any], path: str) -> dict[Any, Any]:
    """A mapping by year with its keys as integers: ``'2019'`` (as a command-line override writes it)
    is the year 2019. A year given both ways is ambiguous and fails."""
    out: dict[Any, Any] = {}
    for k, v in value.items():
        key = int(k) if isinstance(k, str) and k.isdigit() else k
        if key in out:
            fail(_join(path, str(k)), v, f"year {key} is given twice (as {key} and as '{key}'); quote the years in "
                                         f"YAML ('{key}': ...) so a command-line override replaces them")
        out[key] = v
    return out


def _check_constraints(meta: Mapping[str, Any], value: Any, path: str) -> None:
    if "choices" in meta and value not in meta["choices"]:
        fail(path, value, f"must be one of {', '.join(map(str, meta['choices']))}")
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and hi is not None and not lo <= value <= hi:
        fail(path, value, f"must be between {lo} and {hi}")
    if lo is not None and value < lo:
        fail(path, value, f"must be >= {lo}")
    if hi is not None and value > hi:
        fail(path, value, f"must be <= {hi}")
    if "gt" in meta and not value > meta["gt"]:
        fail(path, value, f"must be > {meta['gt']}")
    if "values_max" in meta:
        check_series(path, value, meta["values_max"])
    if "length" in meta and len(value) != meta["length"]:
        fail(path, value, f"must have exactly {meta['length']} entries")


def build(cls: type[T], data: Mapping[str, Any], path: str = "", also_allowed: tuple[str, ...] = ()) -> T:
    """Build dataclass ``cls`` from ``data``, validating every key.

    Parameters
    ----------
    cls
        A (frozen) dataclass whose fields may carry :func:`spec` constraints.
    data
        Plain mapping, typically ``OmegaConf.to_container(cfg, resolve=True)``.
    path
        Dotted prefix of ``data`` in the whole config, used in error messages.
    also_allowed
        Keys the caller has taken out of ``data`` already (named among the allowed ones in messages).

    Raises
    ------
    ConfigError
        On an unknown or missing key, a wrong type, a value out of range, or a
        broken cross-field rule.
    """
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    settable = sorted(name for name, f in fields.items() if not f.metadata.get("internal"))
    for raw_key, raw_value in sorted(data.items(), key=lambda kv: str(kv[0])):
        if not isinstance(raw_key, str) or raw_key not in settable:
            allowed = ", ".join(sorted([*settable, *also_allowed]))
            fail(_join(path, str(raw_key)), raw_value, f"unknown key; allowed keys are {allowed}")
    kwargs: dict[str, Any] = {}
    for name in settable:
        field, key = fields[name], _join(path, name)
        if name not in data:
            if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                fail(key, None, "is required but missing")
            continue
        kwargs[name] = _field_value(hints[name], field, data[name], key)
    obj = cls(**kwargs)
    check = getattr(obj, "check", None)
    if callable(check):
        check(path)
    return obj


def _field_value(tp: Any, field: dataclasses.Field[Any], raw: Any, key: str) -> Any:
    """One field's value, converted and checked, or a :class:`ConfigError` naming ``key``."""
    if tp is str and "choices" in field.metadata and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = str(raw)  # ``rule=345`` on the command line arrives as a number
    try:
        value = _convert(tp, raw, key)
        _check_constraints(field.metadata, value, key)
    except ConfigError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as err:  # a value of an unexpected shape
        fail(key, raw, f"cannot be read ({type(err).__name__}: {err})")
    return value


def check_series(path: str, series: Mapping[int, float], high: float = MAX_YUAN) -> None:
    """Fail unless ``series`` gives at least one year, every year a calendar year and every value in [0, high]."""
    if not series:
        fail(path, {}, "must give a value for at least one year ({year: value, ...})")
    for year, value in series.items():
        if not YEAR["min"] <= year <= YEAR["max"]:
            fail(f"{path}.{year}", value, f"the year must be between {YEAR['min']} and {YEAR['max']}")
        if not 0.0 <= value <= high:
            fail(f"{path}.{year}", value, f"must be between 0 and {high:g}")
