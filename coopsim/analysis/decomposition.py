"""Decomposing each tier's gain over the tier below into its mechanisms.

For a tier T and each of its own mechanisms m (:mod:`coopsim.config.mechanisms`),
on shared seeds:

* **removed**: full T minus T without m — what m adds given everything else;
* **alone**: the tier below plus m (and what m needs) minus the tier below
  plus what m needs — what m adds by itself;
* **total**: full T minus T without all its own mechanisms, which is exactly
  the tier below (the neutral test).

When mechanisms do not interact, both columns sum to the total; the gap
between the sums and the total is their interaction. A mechanism marked
``assumed`` (none today) would carry a gain with no modelled cost, and is
flagged wherever it is shown. :func:`summary` shows each tier against
``none`` as shipped and with every mechanism of kind ``public money`` of the
tier (and the tiers below) switched off — what the tiers do without the
state's money — and on how many seeds the tiers come out in order.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from coopsim.analysis.outcomes import OUTCOMES
from coopsim.analysis.reading import header
from coopsim.analysis.statistics import mean_interval
from coopsim.config import TIER_TITLES
from coopsim.config.mechanisms import BY_NAME, PUBLIC_MONEY, Mechanism, own_mechanisms, tier_below, tier_mechanisms

#: The outcomes a decomposition shows (income, poverty, collective income, the state's cost).
DECOMPOSED = ("income_per_capita_mean_yuan", "poverty_rate", "collective_income_per_village_yuan", "fiscal_cost_yuan")


def requirements(m: Mechanism, tier: str) -> tuple[Mechanism, ...]:
    """What ``m`` needs among tier ``tier``'s own mechanisms, recursively, in registry order."""
    seen: dict[str, Mechanism] = {}
    todo = list(m.requires)
    while todo:
        name = todo.pop()
        if name not in seen and BY_NAME[name].in_tier(tier):
            seen[name] = BY_NAME[name]
            todo.extend(BY_NAME[name].requires)
    return tuple(x for x in own_mechanisms(tier) if x.name in seen)


def _only_label(tier: str, mechanisms: Sequence[Mechanism]) -> str:
    """The variant with only ``mechanisms`` of the tier's own on (none: the tier without all its own)."""
    return f"{tier} only {'+'.join(x.name for x in mechanisms)}" if mechanisms else f"{tier} without all"


def _only(mechanisms: Sequence[Mechanism]) -> str:
    return "ablate=only:" + "+".join(x.name for x in mechanisms) if mechanisms else "ablate=own"


def variants(tier: str) -> dict[str, list[str]]:
    """The runs a decomposition of ``tier`` needs: label -> overrides (``tier=...`` and ``ablate=...``)."""
    out = {f"{tier}": [f"tier={tier}"], f"{tier} without all": [f"tier={tier}", "ablate=own"]}
    for m in own_mechanisms(tier):
        need = requirements(m, tier)
        out[f"{tier} without {m.name}"] = [f"tier={tier}", f"ablate={m.name}"]
        out[_only_label(tier, (*need, m))] = [f"tier={tier}", _only((*need, m))]
        out[_only_label(tier, need)] = [f"tier={tier}", _only(need)]
    public = [m.name for m in tier_mechanisms(tier) if m.kind == PUBLIC_MONEY]
    if public:
        out[f"{tier} without public money"] = [f"tier={tier}", "ablate=" + "+".join(public)]
    return out


def summary(per_seed: pd.DataFrame, tiers: Sequence[str], reference: str = "none") -> pd.DataFrame:
    """Each tier against ``reference`` as shipped and without public money, and the seeds on which the tiers
    come out in order (income per person): one row per tier and version (``shipped``, ``without public money``)."""
    rows = []
    for version, suffix in (("shipped", ""), ("without public money", " without public money")):
        groups = [reference, *(f"{t}{suffix}" if f"{t}{suffix}" in set(per_seed["group"]) else t for t in tiers)]
        income = per_seed.pivot_table(index=["scenario", "seed"], columns="group",
                                      values="income_per_capita_mean_yuan")[groups]
        ordered = int((np.diff(income.to_numpy(), axis=1) > 0).all(axis=1).sum())
        for tier, group in zip(tiers, groups[1:], strict=True):
            row: dict[str, object] = {"tier": tier, "version": version, "ordered_seeds": ordered,
                                      "seeds": len(income)}
            for outcome in DECOMPOSED:
                x, lo, hi, _ = _difference(per_seed, group, reference, outcome)
                row.update({outcome: x, f"{outcome}_low": lo, f"{outcome}_high": hi})
            rows.append(row)
    return pd.DataFrame(rows)


def summary_markdown(table: pd.DataFrame, reference: str = "none") -> str:
    """The summary as Markdown: income and fiscal cost against ``reference``, shipped and without public money."""
    lines = [f"**Each tier against {_tier(reference)}**, as shipped and with every public-money mechanism switched off "
             "(95 % intervals over seeds)", "", "| " + " | ".join(SUMMARY_HEAD) + " |", "|---" * len(SUMMARY_HEAD) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in _summary_rows(table)]
    return "\n".join(lines)


def _difference(per_seed: pd.DataFrame, a: str, b: str, outcome: str) -> tuple[float, float, float, int]:
    """Mean paired difference a - b over shared seeds and scenarios, and its 95 % t-interval."""
    keys = ["scenario", "seed"]
    x = per_seed[per_seed["group"] == a].set_index(keys)[outcome]
    y = per_seed[per_seed["group"] == b].set_index(keys)[outcome]
    shared = x.index.intersection(y.index)
    d = (x.loc[shared] - y.loc[shared]).to_numpy()
    mean, lo, hi = mean_interval(d)
    return mean, lo, hi, len(d)


def decompose(per_seed: pd.DataFrame, tiers: Sequence[str]) -> pd.DataFrame:
    """The decomposition table from the per-seed outcomes of every :func:`variants` run.

    One row per tier, mechanism (and ``total``) and outcome: ``removed`` and
    ``alone`` with their intervals, the mechanism's kind and whether its gain
    is assumed.
    """
    label = {name: o.label for name, o in OUTCOMES.items()}
    rows = []
    for tier in tiers:
        for outcome in DECOMPOSED:
            total = _difference(per_seed, tier, f"{tier} without all", outcome)
            rows.append(
                {
                    "tier": tier,
                    "over": tier_below(tier),
                    "mechanism": "total",
                    "kind": "",
                    "assumed": False,
                    "outcome": outcome,
                    "label": label[outcome],
                    "removed": total[0],
                    "removed_low": total[1],
                    "removed_high": total[2],
                    "alone": total[0],
                    "alone_low": total[1],
                    "alone_high": total[2],
                    "seeds": total[3],
                }
            )
            for m in own_mechanisms(tier):
                need = requirements(m, tier)
                with_m, base = _only_label(tier, (*need, m)), _only_label(tier, need)
                removed = _difference(per_seed, tier, f"{tier} without {m.name}", outcome)
                alone = _difference(per_seed, with_m, base, outcome)
                rows.append(
                    {
                        "tier": tier,
                        "over": tier_below(tier),
                        "mechanism": m.name,
                        "kind": m.kind,
                        "assumed": m.assumed,
                        "outcome": outcome,
                        "label": label[outcome],
                        "removed": removed[0],
                        "removed_low": removed[1],
                        "removed_high": removed[2],
                        "alone": alone[0],
                        "alone_low": alone[1],
                        "alone_high": alone[2],
                        "seeds": removed[3],
                    }
                )
    return pd.DataFrame(rows)


def _cell(x: float, lo: float, hi: float, outcome: str) -> str:
    """A difference and its interval in the unit of its column's header (:func:`header`)."""
    if outcome == "poverty_rate":
        return f"{100 * x:+.2f} [{100 * lo:+.2f}, {100 * hi:+.2f}]"
    if outcome == "fiscal_cost_yuan":
        return f"{x / 1e6:+,.2f} [{lo / 1e6:+,.2f}, {hi / 1e6:+,.2f}]"
    return f"{x:+,.0f} [{lo:+,.0f}, {hi:+,.0f}]"


def _tier(tier: str) -> str:
    """A tier by its name (a variant keeps its code)."""
    return TIER_TITLES.get(tier, tier)


#: The outcomes the per-mechanism tables show (income and the state's cost).
SHOWN = ("income_per_capita_mean_yuan", "fiscal_cost_yuan")
#: The outcomes the summary shows.
SUMMARY_SHOWN = ("income_per_capita_mean_yuan", "collective_income_per_village_yuan", "fiscal_cost_yuan")
SUMMARY_HEAD = ("tier", "version", *(header(o, difference=True) for o in SUMMARY_SHOWN), "tiers in order (income)")


def _tier_tables(table: pd.DataFrame, outcomes: Sequence[str]
                 ) -> list[tuple[str, str, int, list[str], list[tuple[str, str, list[str]]]]]:
    """Per tier: its name, the tier below, the paired runs, the column heads, and one row per mechanism
    (``total`` first): its name, its kind, and removed | alone per outcome, as text."""
    out = []
    for tier, t in table.groupby("tier", sort=False):
        head = ["mechanism", "kind", *(f"{header(o, difference=True)}: {way}" for o in outcomes
                                       for way in ("removed", "alone"))]
        rows = []
        for mech, g in t.groupby("mechanism", sort=False):
            first = g.iloc[0]
            kind = f"{first['kind'] if isinstance(first['kind'], str) else ''}" + (
                " (assumed gain)" if first["assumed"] else "")
            cells = []
            for o in outcomes:
                r = g[g["outcome"] == o].iloc[0]
                cells += [_cell(r["removed"], r["removed_low"], r["removed_high"], o),
                          _cell(r["alone"], r["alone_low"], r["alone_high"], o) if mech != "total" else ""]
            rows.append((str(mech), kind, cells))
        out.append((_tier(str(tier)), _tier(str(t["over"].iloc[0])), int(t["seeds"].iloc[0]), head, rows))
    return out


def _summary_rows(overview: pd.DataFrame) -> list[list[str]]:
    return [[_tier(str(r["tier"])), str(r["version"]), *(_cell(r[o], r[f"{o}_low"], r[f"{o}_high"], o) for o in SUMMARY_SHOWN),
             f"{int(r['ordered_seeds'])} of {int(r['seeds'])} seeds"] for _, r in overview.iterrows()]


def markdown(table: pd.DataFrame, outcomes: Sequence[str] = SHOWN) -> str:
    """The decomposition as Markdown: one table per tier, a row per mechanism, removed and alone per outcome."""
    parts = []
    for tier, over, seeds, head, rows in _tier_tables(table, outcomes):
        parts += [f"**{tier} over {over}** ({seeds} paired runs; 95 % intervals over seeds)", "",
                  "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for mech, kind, cells in rows:
            name = f"**{mech}** ({tier} − {over})" if mech == "total" else f"`{mech}`"
            parts.append(f"| {name} | {kind} | " + " | ".join(cells) + " |")
        parts.append("")
    return "\n".join(parts)


#: The files a decomposition writes beside a sweep's runs (read back by the report).
TABLE_FILE, SUMMARY_FILE = "decomposition.csv", "without_public_money.csv"


def write(out: Path, table: pd.DataFrame, overview: pd.DataFrame) -> str:
    """Write the decomposition's tables and Markdown into ``out``; return the Markdown."""
    table.to_csv(out / TABLE_FILE, index=False)
    overview.to_csv(out / SUMMARY_FILE, index=False)
    text = summary_markdown(overview) + "\n\n" + markdown(table)
    (out / "decomposition.md").write_text(text + "\n", encoding="utf-8")
    return text


def _html_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    th = "".join(f'<th class="l">{html.escape(h)}</th>' if i < 2 else f"<th>{html.escape(h)}</th>"
                 for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f'<td class="l">{c}</td>' if i < 2 else f"<td>{html.escape(c)}</td>"
                                    for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><tr>{th}</tr>{body}</table>"


def in_words(overview: pd.DataFrame) -> str:
    """One sentence per version: each tier's income against ``none`` and on how many seeds the tiers are in order."""
    out = []
    for version, v in overview.groupby("version", sort=False):
        gains = ", ".join(f"{_tier(r.tier)} {r.income_per_capita_mean_yuan:+,.0f}" for r in v.itertuples())
        first = v.iloc[0]
        out.append(f"{str(version).capitalize()}: income per person against {_tier('none')} {gains} yuan a year; the tiers "
                   f"come out in order on {int(first['ordered_seeds'])} of {int(first['seeds'])} seeds.")
    return " ".join(out)


def html_section(sweep_dir: Path) -> str:
    """The report's leading section from the decomposition files in ``sweep_dir`` ('' when there are none)."""
    if not (sweep_dir / TABLE_FILE).exists() or not (sweep_dir / SUMMARY_FILE).exists():
        return ""
    table, overview = pd.read_csv(sweep_dir / TABLE_FILE), pd.read_csv(sweep_dir / SUMMARY_FILE)
    parts = ["<h2>Where each tier's gain comes from</h2>",
             "<p>Every difference between a tier and the tier below it is one of its named mechanisms "
             "(docs/ODD.md, the tiers' mechanisms). Each is measured on the same seeds, under the baseline, "
             "two ways: <b>removed</b> (the full tier minus the tier without it) and <b>alone</b> (the tier "
             "below plus it, and what it needs, minus the tier below). <i>Without public money</i>: the tier "
             "with every mechanism the state pays for switched off (grants, pay, projects, rewards, floor "
             "prices, cheap credit). A mechanism marked <i>assumed gain</i> would have a gain set by a parameter "
             "with no modelled cost of its own.</p>",
             f"<p>{html.escape(in_words(overview))}</p>",
             _html_table(SUMMARY_HEAD, [[html.escape(c) if i < 2 else c for i, c in enumerate(row)]
                                        for row in _summary_rows(overview)])]
    for tier, over, seeds, head, rows in _tier_tables(table, SHOWN):
        body = [[f"<b>total</b> ({html.escape(tier)} − {html.escape(over)})" if mech == "total"
                 else f"<code>{html.escape(mech)}</code>", html.escape(kind), *cells] for mech, kind, cells in rows]
        parts += [f"<h3>{html.escape(tier)} over {html.escape(over)} ({seeds} paired runs; 95 % intervals over "
                  "seeds)</h3>", _html_table(head, body)]
    return "\n".join(parts)
