"""What a visitor may ask the explorer for, and nothing else.

A view is a baseline and a reform on the same region, scenario and seeds (common random numbers): the
baseline is a tier as configured; the reform is a tier with some of its levers moved and some of its
mechanisms switched off. Every part of a view comes from a fixed list or a bounded number:

- ``region``: one of the regions the server allows (``tiny`` and ``small`` unless started with
  ``--max-region county``);
- ``baseline``, ``reform``: a tier (``none``, ``v1``, ``v2``, ``v3``);
- ``scenario``: a shipped scenario (``configs/scenario/``);
- ``seeds``: 2 to the server's ``--max-seeds``;
- a lever (:data:`LEVERS`): a number inside its plausible range in ``coopsim/config/parameters.csv``;
- ``off``: mechanisms of the reform's tier joined by ``+``;
- ``open``: one of the finished sweeps the server lists.

A URL's query is read by :func:`parse_query`: a key that is not one of these, or a value outside what is
allowed, is refused with a message and never reaches the config (no free-form override, no Hydra
``_target_`` or interpolation); :func:`overrides` writes the run's command-line overrides from the checked
view alone.

>>> view, refused = parse_query("region=tiny&reform=v2&labour.leave_probability=0.1&seeds=3", Limits())
>>> view.region, view.reform, view.levers, view.seeds, refused
('tiny', 'v2', (('labour.leave_probability', 0.1),), 3, [])
>>> to_query(view)
'region=tiny&baseline=none&reform=v2&scenario=baseline&seeds=3&labour.leave_probability=0.1'
>>> parse_query("region=bijie&hydra.run.dir=/tmp&seeds=${oc.env:HOME}", Limits())[1]  # doctest: +NORMALIZE_WHITESPACE
["region='bijie' refused: allowed tiny, small",
 "'hydra.run.dir' refused: not a setting of the explorer",
 "seeds='${oc.env:HOME}' refused: must be a whole number from 2 to 5"]
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from coopsim.config import CONFIG_DIR, TIER_BLOCKS, TIER_TITLES
from coopsim.config.mechanisms import tier_mechanisms
from coopsim.config.parameters import parameter
from coopsim.config.tiers import LADDER as TIERS

#: The regions, smallest first (a server allows those up to its ``--max-region``).
REGIONS = ("tiny", "small", "county")
#: The levers a visitor may move, each within its plausible range (coopsim/config/parameters.csv).
#: ``tier.`` levers belong to a tier with cooperatives.
LEVERS = (
    "labour.leave_probability",
    "labour.remittance_share",
    "market.price_trend_annual",
    "households.herding",
    "state.dibao_take_up",
    "state.other_transfers_yuan_month_per_person",
    "tier.cooperative.management_cost_share",
    "tier.cooperative.distribution.elite_capture_share",
    "tier.cooperative.extension_yield_gain",
    "tier.cooperative.membership.peer_influence",
)
#: The longest query read (longer ones are refused whole).
MAX_QUERY = 2000
#: The fewest seeds: a paired interval needs two.
MIN_SEEDS = 2


def scenarios() -> tuple[str, ...]:
    """The shipped scenarios, ``baseline`` first."""
    names = sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))
    return ("baseline", *[n for n in names if n != "baseline"])


@dataclass(frozen=True)
class Limits:
    """What the server lets a visitor start: the largest region, the most seeds, how many comparisons may wait."""

    max_region: str = "small"
    max_seeds: int = 5
    max_waiting: int = 2

    @property
    def regions(self) -> tuple[str, ...]:
        return REGIONS[: REGIONS.index(self.max_region) + 1]


@dataclass(frozen=True)
class View:
    """One comparison: a baseline and a reform on the same region, scenario and seeds; or a finished sweep."""

    region: str = "small"
    baseline: str = "none"
    reform: str = "v3"
    scenario: str = "baseline"
    seeds: int = 5
    levers: tuple[tuple[str, float], ...] = ()
    off: tuple[str, ...] = ()
    open: str = ""

    def reform_title(self) -> str:
        """The reform as a reader says it: its tier, and what was changed."""
        changes = [f"{lever_title(k)} {v:g}" for k, v in self.levers]
        changes += [f"without {m}" for m in self.off]
        return TIER_TITLES[self.reform] + (f" ({'; '.join(changes)})" if changes else "")


def lever_title(key: str) -> str:
    """``tier.cooperative.distribution.elite_capture_share`` -> ``elite capture share``."""
    return key.rsplit(".", 1)[-1].replace("_", " ")


def lever_range(key: str) -> tuple[float, float]:
    """A lever's plausible range."""
    return parameter(key).range


def lever_applies(key: str, tier: str) -> bool:
    """A ``tier.<block>.`` lever applies only to a tier with that block."""
    if not key.startswith("tier."):
        return True
    return key.split(".")[1] in TIER_BLOCKS[tier]


def mechanism_names(tier: str) -> list[str]:
    """The mechanisms a reform of tier ``tier`` may switch off."""
    return [m.name for m in tier_mechanisms(tier)]


def fitted(view: View) -> View:
    """The view with only the levers and switched-off mechanisms its reform's tier has (a change of tier drops
    the others)."""
    known = mechanism_names(view.reform)
    return dataclasses.replace(view, levers=tuple((k, v) for k, v in view.levers if lever_applies(k, view.reform)),
                               off=tuple(m for m in view.off if m in known))


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_query(query: str, limits: Limits, sweeps: Sequence[str] = (), start: View | None = None
                ) -> tuple[View, list[str]]:
    """The view a URL's query asks for (from ``start``, by default the default view), and a message for every
    key or value refused. Nothing refused reaches the view."""
    view, refused = start or View(), []
    if len(query) > MAX_QUERY:
        return view, [f"the query is {len(query)} characters long; at most {MAX_QUERY} are read"]
    try:
        pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True, max_num_fields=len(LEVERS) + 8)
    except ValueError as err:
        return view, [f"the query was refused: {err}"]
    fields: dict[str, object] = {}
    levers: dict[str, float] = dict(view.levers)
    seen: set[str] = set()
    for key, value in pairs:
        if key in seen:
            refused.append(f"{key!r} given twice: the first is kept")
            continue
        seen.add(key)
        problem = None
        if key == "region":
            problem = None if value in limits.regions else f"allowed {', '.join(limits.regions)}"
        elif key in ("baseline", "reform"):
            problem = None if value in TIERS else f"allowed {', '.join(TIERS)}"
        elif key == "scenario":
            problem = None if value in scenarios() else f"allowed {', '.join(scenarios())}"
        elif key == "seeds":
            ok = value.isascii() and value.isdigit() and MIN_SEEDS <= int(value) <= limits.max_seeds
            problem = None if ok else f"must be a whole number from {MIN_SEEDS} to {limits.max_seeds}"
            value = int(value) if ok else value  # type: ignore[assignment]
        elif key == "open":
            problem = None if value in sweeps or value == "" else "not one of the finished sweeps listed"
        elif key == "off":
            fields["off"] = value
            continue  # checked below, against the reform's tier
        elif key in LEVERS:
            low, high = lever_range(key)
            number = _number(value)
            if number is None or not low <= number <= high:
                problem = f"must be a number from {low:g} to {high:g}"
            else:
                levers[key] = number
                continue
        else:
            refused.append(f"{key!r} refused: not a setting of the explorer")
            continue
        if problem:
            refused.append(f"{key}={value!r} refused: {problem}")
        else:
            fields[key] = value
    off_text = fields.pop("off", None)
    view = dataclasses.replace(view, **fields)  # type: ignore[arg-type]
    for key in [k for k in levers if not lever_applies(k, view.reform)]:
        refused.append(f"{key!r} refused: the reform's tier {view.reform} has no {key.split('.')[1]}")
        del levers[key]
    off: tuple[str, ...] = view.off
    if off_text is not None:
        names = [n for n in re.split(r"[+\s]+", str(off_text)) if n]  # a + in a URL may come as a space
        known = mechanism_names(view.reform)
        bad = [n for n in names if n not in known]
        if bad:
            refused.append(f"off={off_text!r} refused: {', '.join(repr(b) for b in bad)} "
                           f"not a mechanism of {view.reform}")
        else:
            off = tuple(dict.fromkeys(names))
    return fitted(dataclasses.replace(view, levers=tuple(sorted(levers.items(), key=lambda kv: LEVERS.index(kv[0]))),
                                      off=off)), refused


def to_query(view: View) -> str:
    """The view as a URL query (what is not default is left out of nothing: the link says it all)."""
    pairs: list[tuple[str, str]] = [("region", view.region), ("baseline", view.baseline), ("reform", view.reform),
                                    ("scenario", view.scenario), ("seeds", str(view.seeds))]
    pairs += [(k, f"{v:g}") for k, v in view.levers]
    if view.off:
        pairs.append(("off", "+".join(view.off)))
    if view.open:
        pairs.append(("open", view.open))
    return urlencode(pairs, safe="/:")


def overrides(view: View, group: str, seed: int) -> list[str]:
    """The command-line overrides of one run of a checked view: its baseline or its reform on one seed.

    Only names and numbers from the view's checked fields are written."""
    common = [f"region={view.region}", f"scenario={view.scenario}", f"seed={seed}", "resilience=false",
              "household_table=false", "progress=never"]
    if group == "baseline":
        return [*common, f"tier={view.baseline}"]
    out = [*common, f"tier={view.reform}", *(f"{k}={v!r}" for k, v in view.levers)]
    if view.off:
        out.append(f"ablate={'+'.join(view.off)}")
    return out
