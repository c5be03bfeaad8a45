"""The report's robust-ranking section: how often each tier beats the one below over every estimate's plausible
range, from the newest ``robust_tiers`` analysis in the same results tree (``<results>/robust_tiers/<time>/
analysis/pairs.csv``, written by :mod:`coopsim.studies.robust`); when there is none, what the report's runs
are (one parameter set) and the command that gives the robust answer.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from coopsim.analysis.reading import group_title

#: Where the robust analysis's table of pairs lies, under a results tree.
PAIRS_GLOB = "robust_tiers/*/analysis/pairs.csv"
INCOME = "income_per_capita_mean_yuan"


def newest_pairs(results: Path) -> Path | None:
    """The newest robust_tiers table of pairs under ``results`` (None if there is none)."""
    found = sorted(results.glob(PAIRS_GLOB), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def _pair_title(pair: str) -> str:
    hi, _vs, lo = pair.partition(" vs ")
    return f"{group_title(hi, 'tier')} against {group_title(lo, 'tier')}"


def robust_section(sweep_dir: Path, compare_by: str = "tier") -> str:
    """The section's HTML ('' when the report does not compare tiers)."""
    if compare_by != "tier":
        return ""
    head = "<h2>How robust is the ranking?</h2>"
    pairs = newest_pairs(sweep_dir.parent.parent)
    if pairs is None:
        return (head + "<p>The runs of this report share one parameter set (the calibration's); their intervals "
                "are over seeds only. The ranking over every estimate's plausible range at once — how often each "
                "tier beats the one below, by how much, and where 3.0 does not pay — is the <code>robust_tiers</code> "
                "experiment's (<code>coopsim +experiment=robust_tiers</code>, 40–50 minutes on two cores); its "
                "result is shown here once it lies in the same results directory.</p>")
    table = pd.read_csv(pairs)
    income = table[table["outcome"] == INCOME]
    rows = "".join(
        f"<tr><th class='l'>{html.escape(_pair_title(r.pair))}</th><td>{100 * r.p_higher_tier_better:,.0f} %</td>"
        f"<td>{r.gain_mean:+,.0f}</td><td>{r.gain_p05:+,.0f}</td><td>{r.gain_median:+,.0f}</td>"
        f"<td>{r.gain_p95:+,.0f}</td><td>{int(r.n):,}</td></tr>" for r in income.itertuples())
    return (head + f"<p>Over every estimate's plausible range at once (the newest robust_tiers analysis, "
            f"<code>{html.escape(str(pairs.parent.parent))}</code>): how often the higher tier gives the higher "
            "income per person, and the gain's spread over every sampled point and seed (yuan a person a year). "
            "Its runs are not this report's: see its own report.html for the public money, regret and the "
            "assumptions under which 3.0 does not pay.</p>"
            "<table><tr><th class='l'>pair</th><th>higher tier better (% of pairs)</th><th>mean gain (yuan a "
            "person a year)</th><th>5 % (yuan a person a year)</th><th>median (yuan a person a year)</th>"
            f"<th>95 % (yuan a person a year)</th><th>pairs (point × seed)</th></tr>{rows}</table>")
