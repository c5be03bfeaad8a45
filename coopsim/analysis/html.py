"""The comparison report as one self-contained HTML file (figures embedded, no external assets)."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pandas as pd

CAVEATS = [
    "Most parameters are estimates, not yet calibrated to Bijie (each config value says whether it is "
    "sourced [S] or estimated [E]; see docs/ODD.md). Read differences between tiers, not levels.",
    "Differences are paired on seeds: each group's run and the reference run share households, prices and "
    "shocks (common random numbers). The 95 % intervals are percentile bootstraps over seeds; with few seeds "
    "they are rough.",
    "Outcomes are averaged over the final years shown; tiers 2.0 and 3.0 start in 2020 and 2021, so "
    "earlier years show 1.0 only.",
    "Fiscal cost counts every yuan paid by the state in the model: allowances, transfers, secretary pay, "
    "grants, floor-price payouts, projects, interest subsidies, the public part of labour export teams' "
    "contracts, rewards and platform losses.",
    "Migrants' own spending in the cities is not modelled; household income counts what they send home.",
]

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right}th{background:#f3f3f3}
td.l,th.l{text-align:left}.good{background:#e6f4e6}.bad{background:#f9e3e3}
img{max-width:100%;border:1px solid #eee;margin:.4em 0}pre{background:#f7f7f7;padding:.8em;overflow:auto;
font-size:.8em}.muted{color:#666}
"""


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def _fmt(x: float, outcome: str) -> str:
    if pd.isna(x):
        return "–"
    if outcome in ("poverty_rate", "thin_village_share", "away_share_mean"):
        return f"{100 * x:+.2f} pp"
    if outcome == "gini":
        return f"{x:+.4f}"
    return f"{x:+,.0f}"


def headline_table(diffs: pd.DataFrame) -> str:
    """Groups x outcomes, each cell: paired difference [95 % CI], coloured when the CI excludes 0."""
    out = []
    for scenario, sc in diffs.groupby("scenario", sort=False):
        outcomes = list(dict.fromkeys(sc["outcome"]))
        labels = dict(zip(sc["outcome"], sc["label"], strict=False))
        head = "".join(f"<th>{html.escape(labels[o])}</th>" for o in outcomes)
        rows = []
        for group, g in sc.groupby("group", sort=False):
            cells = []
            for o in outcomes:
                r = g[g["outcome"] == o].iloc[0]
                cls = ""
                if r["higher_is_better"] is not None and not pd.isna(r["ci_low"]) and (
                        r["ci_low"] > 0 or r["ci_high"] < 0):
                    cls = "good" if (r["difference"] > 0) == bool(r["higher_is_better"]) else "bad"
                cells.append(f'<td class="{cls}">{_fmt(r["difference"], o)}<br><span class="muted">'
                             f'[{_fmt(r["ci_low"], o)}, {_fmt(r["ci_high"], o)}]</span></td>')
            rows.append(f'<tr><th class="l">{html.escape(str(group))}</th>{"".join(cells)}</tr>')
        out.append(f"<h3>scenario: {html.escape(str(scenario))}</h3><table><tr><th class='l'>group</th>{head}</tr>"
                   + "".join(rows) + "</table>")
    return "\n".join(out)


def levels_table(diffs: pd.DataFrame, reference: str) -> str:
    """The reference group's own levels, so differences can be read against them."""
    ref = diffs.drop_duplicates(["scenario", "outcome"])
    piv = ref.pivot(index="scenario", columns="label", values="reference_mean")
    piv.columns.name, piv.index.name = None, "scenario"
    return f"<p>Levels of the reference ({html.escape(reference)}), mean over seeds:</p>" + piv.to_html(
        float_format=lambda x: f"{x:,.4g}")


YEARLY = {"income_per_capita_mean_yuan": "income per person", "poverty_rate": "poverty rate",
          "coops_founded": "cooperatives", "coop_member_households": "member households",
          "collective_income_per_village_yuan": "collective income per village", "fiscal_cost_yuan": "fiscal cost"}


def yearly_table(region_year: pd.DataFrame) -> str:
    """Key levels by year and group, in the first scenario (mean over seeds)."""
    first = region_year["scenario"].iloc[0]
    ry = region_year[region_year["scenario"] == first]
    table = ry.groupby(["group", "year"], sort=False)[list(YEARLY)].mean().rename(columns=YEARLY)
    return (f"<h2>Year by year ({html.escape(str(first))})</h2><p>Mean over seeds.</p>"
            + table.to_html(float_format=lambda x: f"{x:,.4g}"))


def resilience_html(resilience: pd.DataFrame) -> str:
    """The resilience section: each scenario and group, mean over seeds ("" without shocked runs)."""
    if resilience.empty:
        return ""
    cols = [c for c in ("depth", "recovery_months", "cumulative_loss_per_capita_yuan", "returns_extra",
                        "poverty_headcount_change_mean", "coop_failures_extra", "fiscal_cost_change_yuan")
            if c in resilience]
    short = {"depth": "depth", "recovery_months": "recovery (months)",
             "cumulative_loss_per_capita_yuan": "cumulative loss per person (yuan)",
             "returns_extra": "extra returns", "poverty_headcount_change_mean": "extra poor persons (mean/yr)",
             "coop_failures_extra": "extra coop-years unpaid", "fiscal_cost_change_yuan": "fiscal cost change (yuan)"}
    mean = resilience.groupby(["scenario", "group"], sort=False)[cols].mean().rename(columns=short)
    return ("<h2>Resilience to each shock</h2><p>Each shocked run against the baseline run of the same "
            "group and seed; mean over seeds. Depth: largest fall of income (3-month average) below the "
            "no-shock path; recovery: months from the onset until back at 95 %.</p>"
            + mean.to_html(float_format=lambda x: f"{x:,.3g}"))


def write_html(path: Path, title: str, compare_by: str, reference: str, runs: pd.DataFrame, diffs: pd.DataFrame,
               resilience: pd.DataFrame, figures: dict[str, Path], last_years: int,
               region_year: pd.DataFrame | None = None, lead: str = "") -> Path:
    """Write the report; return its path. ``lead``: HTML put first, after the title (the decomposition)."""
    groups = ", ".join(dict.fromkeys(runs["group"]))
    scenarios = ", ".join(dict.fromkeys(runs["scenario"]))
    seeds = sorted(set(runs["seed"]))
    first_meta = json.loads((Path(runs["dir"].iloc[0]) / "metadata.json").read_text())
    res_html = resilience_html(resilience)
    figs = "".join(f"<h3>{html.escape(t)}</h3>{_img(p)}" for t, p in figures.items())
    body = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>coopsim: {html.escape(title)}</title><style>{STYLE}</style></head><body>
<h1>coopsim: {html.escape(title)}</h1>
<p class="muted">A simulated comparison of tiered cooperative economies, modelled on Bijie, Guizhou.</p>
{lead}
<h2>What was run</h2>
<ul><li>compared: <b>{html.escape(compare_by)}</b> = {html.escape(groups)}; reference: <b>{html.escape(reference)}</b></li>
<li>scenarios: {html.escape(scenarios)}</li>
<li>region: {html.escape(str(runs['region'].iloc[0]))}, {int(runs['years'].iloc[0])} years;
{len(runs)} runs; seeds: {', '.join(map(str, seeds))}</li>
<li>code version: {html.escape(str(runs['code_version'].iloc[0]))}; total simulation time
{runs['wall_time_s'].sum():.0f} s</li></ul>
<h2>Headline: paired differences from {html.escape(reference)}</h2>
<p>Outcomes averaged over the final {last_years} years. Each cell: mean difference from the reference on the same
seeds, and its bootstrap 95 % interval. Green: better and the interval excludes zero; red: worse.</p>
{headline_table(diffs)}
{levels_table(diffs, reference)}
{res_html}
<h2>Figures</h2>{figs}
{yearly_table(region_year) if region_year is not None else ""}
<h2>Caveats</h2><ul>{''.join(f'<li>{html.escape(c)}</li>' for c in CAVEATS)}</ul>
<h2>Config and seeds</h2>
<p>Runs (one row each; every run's full config and package versions are in its <code>metadata.json</code>):</p>
{runs.drop(columns=['dir']).to_html(index=False)}
<details><summary>Resolved config of the first run (click to open)</summary>
<pre>{html.escape(json.dumps(first_meta['config'], indent=1, sort_keys=True))}</pre></details>
</body></html>"""
    path.write_text(body, encoding="utf-8")
    return path


def _inline(text: str) -> str:
    """Escaped text with Markdown's **bold** and `code`."""
    import re

    out = html.escape(text)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", out)


def markdown_html(text: str) -> str:
    """The Markdown the studies write (headings, paragraphs, pipe tables, fenced code) as HTML.

    >>> markdown_html("# T\\n\\nA **b**.\\n\\n| x | y |\\n|---|---|\\n| 1 | 2 |\\n")
    '<h1>T</h1>\\n<p>A <b>b</b>.</p>\\n<table><tr><th>x</th><th>y</th></tr><tr><td>1</td><td>2</td></tr></table>'
    """
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            j = next((k for k in range(i + 1, len(lines)) if lines[k].startswith("```")), len(lines))
            blocks.append(f"<pre>{html.escape(chr(10).join(lines[i + 1:j]))}</pre>")
            i = j + 1
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            blocks.append(f"<h{level}>{_inline(line[level:].strip())}</h{level}>")
            i += 1
        elif line.startswith("|"):
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            rows = [[c.strip().replace("\\|", "|") for c in r.strip().strip("|").split(" | ")]
                    for r in lines[i:j] if not set(r) <= set("|-: ")]
            head = "".join(f"<th>{_inline(c)}</th>" for c in rows[0])
            body = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
            blocks.append(f"<table><tr>{head}</tr>{body}</table>")
            i = j
        elif line.strip():
            j = i
            while j < len(lines) and lines[j].strip() and not lines[j].startswith(("#", "|", "```")):
                j += 1
            blocks.append(f"<p>{_inline(' '.join(lines[i:j]))}</p>")
            i = j
        else:
            i += 1
    return "\n".join(blocks)


def markdown_page(path: Path, title: str, text: str, figures: Path) -> Path:
    """``text`` (Markdown) as one self-contained HTML page, the PNG figures in ``figures`` embedded after it."""
    images = "".join(f"<h2>{html.escape(p.stem)}</h2>{_img(p)}" for p in sorted(figures.glob("*.png")))
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>{markdown_html(text)}{images}</body></html>")
    path.write_text(page, encoding="utf-8")
    return path
