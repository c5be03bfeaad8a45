"""The comparison report as one self-contained HTML file (figures embedded, no external assets)."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pandas as pd

from coopsim.analysis.reading import (
    FEW_SEEDS,
    answer,
    caveats,
    clear,
    first_meta,
    group_title,
    header,
    income_per_public_yuan,
    interval,
    scenario_title,
    show,
)
from coopsim.analysis.statistics import mean_interval

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right}th{background:#f3f3f3}
td.l,th.l{text-align:left}.good{background:#e6f4e6}.bad{background:#f9e3e3}
p.warn{background:#fff4d6;padding:.4em .6em}img{max-width:100%;border:1px solid #eee;margin:.4em 0}pre{background:#f7f7f7;padding:.8em;overflow:auto;
font-size:.8em}.muted{color:#666}
"""


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def headline_table(diffs: pd.DataFrame, compare_by: str = "tier") -> str:
    """Groups x outcomes per scenario, each cell: the paired difference and its 95 % interval, in the outcome's
    unit (in the header); coloured when the interval excludes 0 (green: better, red: worse)."""
    out = []
    for scenario, sc in diffs.groupby("scenario", sort=False):
        outcomes = list(dict.fromkeys(sc["outcome"]))
        head = "".join(f"<th>{html.escape(header(o, difference=True))}</th>" for o in outcomes)
        rows = []
        for group, g in sc.groupby("group", sort=False):
            cells = []
            for o in outcomes:
                r = g[g["outcome"] == o].iloc[0]
                cls = ""
                if r["higher_is_better"] is not None and clear(r):
                    cls = "good" if (r["difference"] > 0) == bool(r["higher_is_better"]) else "bad"
                cells.append(f'<td class="{cls}">{show(r["difference"], o, True)}<br><span class="muted">'
                             f'{html.escape(interval(r, o))}</span></td>')
            rows.append(f'<tr><th class="l">{html.escape(group_title(group, compare_by))}</th>{"".join(cells)}</tr>')
        n = int(sc["seeds"].min())
        out.append(f"<h3>{html.escape(scenario_title(scenario).capitalize())} <span class='muted'>(n = {n} seeds)"
                   f"</span></h3><table><tr><th class='l'>{html.escape(compare_by)}</th>{head}</tr>"
                   + "".join(rows) + "</table>")
    return "\n".join(out)


def levels_table(diffs: pd.DataFrame, reference: str, compare_by: str = "tier") -> str:
    """The reference group's own levels, so differences can be read against them."""
    ref = diffs.drop_duplicates(["scenario", "outcome"])
    outcomes = list(dict.fromkeys(ref["outcome"]))
    head = "".join(f"<th>{html.escape(header(o))}</th>" for o in outcomes)
    rows = []
    for scenario, sc in ref.groupby("scenario", sort=False):
        cells = "".join(f"<td>{show(sc[sc['outcome'] == o]['reference_mean'].iloc[0], o)}</td>" for o in outcomes)
        rows.append(f"<tr><th class='l'>{html.escape(scenario_title(scenario))}</th>{cells}</tr>")
    return (f"<p>Levels under {html.escape(group_title(reference, compare_by))}, mean over seeds:</p>"
            f"<table><tr><th class='l'>scenario</th>{head}</tr>{''.join(rows)}</table>")


YEARLY = ("income_per_capita_mean_yuan", "poverty_rate", "coops_founded", "coop_member_households",
          "collective_income_per_village_yuan", "fiscal_cost_yuan")
_YEARLY_HEAD = {"coops_founded": "cooperatives (founded, to date)", "coop_member_households": "member households"}


def yearly_table(region_year: pd.DataFrame, compare_by: str = "tier") -> str:
    """Key levels by year and group, in the first scenario (mean over seeds), a unit in every header."""
    first = region_year["scenario"].iloc[0]
    ry = region_year[region_year["scenario"] == first]
    table = ry.groupby(["group", "year"], sort=False)[list(YEARLY)].mean()
    head = "".join(f"<th>{html.escape(_YEARLY_HEAD.get(c) or header(c))}</th>" for c in YEARLY)
    rows = [f"<tr><th class='l'>{html.escape(group_title(g, compare_by))}</th><th>{y}</th>"
            + "".join(f"<td>{show(r[c], c)}</td>" for c in YEARLY) + "</tr>" for (g, y), r in table.iterrows()]
    return (f"<h2>Year by year ({html.escape(scenario_title(first))})</h2><p>Mean over seeds.</p>"
            f"<table><tr><th class='l'>{html.escape(compare_by)}</th><th>year</th>{head}</tr>{''.join(rows)}</table>")


_RESILIENCE = {"depth": "depth (share of the no-shock income)", "recovery_months": "recovery (months)",
               "cumulative_loss_per_capita_yuan": "cumulative loss (yuan a person)",
               "returns_extra": "extra returns home (workers)",
               "poverty_headcount_change_mean": "extra persons in poverty (mean a year)",
               "coop_failures_extra": "extra cooperative-years unpaid",
               "fiscal_cost_change_yuan": "public money change (million yuan)"}


def resilience_html(resilience: pd.DataFrame, compare_by: str = "tier") -> str:
    """The resilience section: each scenario and group, mean over seeds with its t-interval ("" without shocked
    runs)."""
    if resilience.empty:
        return ""
    cols = [c for c in _RESILIENCE if c in resilience]
    head = "".join(f"<th>{html.escape(_RESILIENCE[c])}</th>" for c in cols)
    rows = []
    for (scenario, group), g in resilience.groupby(["scenario", "group"], sort=False):
        cells = []
        for c in cols:
            values = g[c].dropna().to_numpy(dtype=float)
            mean, lo, hi = mean_interval(values)
            scale = 1e6 if c == "fiscal_cost_change_yuan" else 1.0
            fmt = ".3f" if c == "depth" else ",.1f" if scale > 1 or c == "recovery_months" else ",.0f"
            span = (f"<br><span class='muted'>[{lo / scale:{fmt}}, {hi / scale:{fmt}}]</span>"
                    if not pd.isna(lo) else "")
            cells.append(f"<td>{'–' if pd.isna(mean) else format(mean / scale, fmt)}{span}</td>")
        rows.append(f"<tr><th class='l'>{html.escape(scenario_title(scenario))}</th>"
                    f"<th class='l'>{html.escape(group_title(group, compare_by))}</th>{''.join(cells)}</tr>")
    n = int(resilience.groupby(["scenario", "group"])["seed"].nunique().min()) if "seed" in resilience else 0
    return ("<h2>Resilience to each shock</h2><p>Each shocked run against the no-shock run of the same group and "
            "seed; mean over seeds and its 95 % t-interval (n = " + str(n) + " seeds). Depth: the largest fall "
            "of income (3-month average) below the no-shock path; recovery: months from the onset until back at "
            f"95 %.</p><table><tr><th class='l'>scenario</th><th class='l'>{html.escape(compare_by)}</th>{head}"
            f"</tr>{''.join(rows)}</table>")


def public_money_html(diffs: pd.DataFrame, fiscal: pd.DataFrame, persons: float, reference: str,
                      compare_by: str = "tier") -> str:
    """Household income gained per yuan of extra public money, and the public money by kind."""
    value = income_per_public_yuan(diffs, persons)
    rows = "".join(
        f"<tr><th class='l'>{html.escape(scenario_title(r.scenario))}</th>"
        f"<th class='l'>{html.escape(group_title(r.group, compare_by))}</th>"
        f"<td>{r.income_gain_yuan / 1e6:+,.2f}</td><td>{r.extra_public_yuan / 1e6:+,.2f}</td>"
        f"<td>{'–' if pd.isna(r.income_per_public_yuan) else f'{r.income_per_public_yuan:,.2f}'}</td></tr>"
        for r in value.itertuples())
    out = (f"<h2>Public money</h2><p>Against {html.escape(group_title(reference, compare_by))}, a year, over the "
           "final years: household income gained (all persons) and the extra public money; their ratio where the "
           "group costs more (– where it costs no more).</p><table><tr><th class='l'>scenario</th>"
           f"<th class='l'>{html.escape(compare_by)}</th><th>household income gained (million yuan a year)</th>"
           "<th>extra public money (million yuan a year)</th><th>income gained per yuan of public money (yuan)"
           f"</th></tr>{rows}</table>")
    if fiscal.empty:
        return out
    first = fiscal["scenario"].iloc[0]
    fy = fiscal[fiscal["scenario"] == first]
    groups = list(dict.fromkeys(fy["group"]))
    kinds = fy.groupby("kind")["yuan"].max().sort_values(ascending=False).index
    head = "".join(f"<th>{html.escape(group_title(g, compare_by))}</th>" for g in groups)
    body = []
    for kind in kinds:
        k = fy[fy["kind"] == kind].set_index("group")
        cells = "".join(f"<td>{k['yuan'].get(g, 0.0) / 1e6:,.2f}</td>" for g in groups)
        body.append(f"<tr><th class='l'>{html.escape(kind.replace('_', ' '))}</th>{cells}</tr>")
    total = "".join(f"<td><b>{fy[fy['group'] == g]['yuan'].sum() / 1e6:,.2f}</b></td>" for g in groups)
    return (out + f"<h3>Public money by kind ({html.escape(scenario_title(first))}; million yuan a year, mean over "
            f"seeds)</h3><table><tr><th class='l'>kind</th>{head}</tr>{''.join(body)}"
            f"<tr><th class='l'>all</th>{total}</tr></table>")


def distribution_html(deciles: pd.DataFrame, shares: pd.DataFrame, reference: str, compare_by: str = "tier") -> str:
    """Who gains: the change of income per person by decile, the shares of people who gain and lose, the
    registered poor against the others (first scenario; "" without household outcomes)."""
    if deciles.empty:
        return ""
    first = deciles["scenario"].iloc[0]
    dec, sh = deciles[deciles["scenario"] == first], shares[shares["scenario"] == first]
    groups = list(dict.fromkeys(dec["group"]))

    def cell(mean: float, lo: float, hi: float, scale: float = 1.0, fmt: str = "+,.0f") -> str:
        span = "" if pd.isna(lo) else f"<br><span class='muted'>[{lo * scale:{fmt}}, {hi * scale:{fmt}}]</span>"
        return f"<td>{mean * scale:{fmt}}{span}</td>"

    head = "".join(f"<th>{html.escape(group_title(g, compare_by))}</th>" for g in groups)
    rows = []
    for decile in sorted(set(dec["decile"])):
        d = dec[dec["decile"] == decile].set_index("group")
        rows.append(f"<tr><th>{decile}{' (poorest)' if decile == 1 else ' (richest)' if decile == 10 else ''}</th>"
                    + "".join(cell(*d.loc[g, ["change_yuan", "ci_low", "ci_high"]]) for g in groups) + "</tr>")
    share_rows = []
    for label, col, scale, fmt in (("people in households that gain (%)", "gain_share", 100.0, ",.1f"),
                                   ("people in households that lose (%)", "lose_share", 100.0, ",.1f"),
                                   ("registered poor: change (yuan a person a year)", "registered_poor_change_yuan",
                                    1.0, "+,.0f"),
                                   ("everyone else: change (yuan a person a year)", "others_change_yuan", 1.0,
                                    "+,.0f")):
        s_ = sh.set_index("group")
        share_rows.append(f"<tr><th class='l'>{html.escape(label)}</th>"
                          + "".join(cell(s_.loc[g, col], s_.loc[g, f"{col}_low"], s_.loc[g, f"{col}_high"], scale, fmt)
                                    for g in groups) + "</tr>")
    n = int(dec["seeds"].min())
    return (f"<h2>Who gains and who loses ({html.escape(scenario_title(first))})</h2><p>Each household against "
            f"itself under {html.escape(group_title(reference, compare_by))} on the same seed (the same household, "
            "prices and draws): its income per person over the final years. Deciles: households ranked by that "
            f"income under {html.escape(group_title(reference, compare_by))}. Mean over seeds and its 95 % "
            f"t-interval (n = {n} seeds); a household gains or loses when its income per person moves by more "
            "than half a yuan a year.</p>"
            f"<table><tr><th>decile</th>{head}</tr>{''.join(rows)}</table>"
            f"<table><tr><th class='l'></th>{head}</tr>{''.join(share_rows)}</table>")


def write_html(path: Path, title: str, compare_by: str, reference: str, runs: pd.DataFrame, diffs: pd.DataFrame,
               resilience: pd.DataFrame, figures: dict[str, Path], last_years: int,
               region_year: pd.DataFrame | None = None, lead: str = "", fiscal: pd.DataFrame | None = None,
               persons: float | None = None, who_gains: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> Path:
    """Write the report; return its path. It opens with the answer in words; ``lead``: HTML put after it (the
    decomposition); ``fiscal``: public money by kind (:func:`coopsim.analysis.reading.fiscal_by_kind`);
    ``persons``: the region's persons (for income gained in all); ``who_gains``: the households' deciles and
    shares (:func:`coopsim.analysis.reading.distribution`)."""
    groups = ", ".join(group_title(g, compare_by) for g in dict.fromkeys(runs["group"]))
    scenarios = ", ".join(scenario_title(s) for s in dict.fromkeys(runs["scenario"]))
    seeds = sorted(set(runs["seed"]))
    meta = first_meta(runs)
    end = int(region_year["year"].max()) if region_year is not None else 0
    years = (end - last_years + 1, end)
    words = answer(diffs, compare_by, reference, last_years, years, persons or float("nan"), who_gains)
    gains = distribution_html(*who_gains, reference, compare_by) if who_gains is not None else ""
    res_html = resilience_html(resilience, compare_by)
    money = public_money_html(diffs, fiscal if fiscal is not None else pd.DataFrame(), persons or float("nan"),
                              reference, compare_by)
    figs = "".join(f"<h3>{html.escape(t)}</h3>{_img(p)}" for t, p in figures.items())
    few = len(seeds) < FEW_SEEDS
    body = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>coopsim: {html.escape(title)}</title><style>{STYLE}</style></head><body>
<h1>coopsim: {html.escape(title.replace('_', ' '))}</h1>
<p class="muted">A simulated comparison of tiered cooperative economies, modelled on Bijie, Guizhou:
{html.escape(groups)}; {html.escape(scenarios)}; region {html.escape(str(runs['region'].iloc[0]))},
{len(seeds)} seeds.</p>
<h2>The answer</h2>
{''.join(f'<p>{html.escape(p)}</p>' for p in words.split(chr(10) + chr(10)) if p)}
{'<p class="warn">Fewer than 10 seeds: the intervals are rough.</p>' if few else ''}
{lead}
<h2>Paired differences from {html.escape(group_title(reference, compare_by))}</h2>
<p>Outcomes averaged over {years[0]}-{years[1]} (the final {last_years} years). Each cell: the mean difference
from the reference on the same seeds, in the unit of its column, and its 95 % t-interval over
seeds (n above each table). Green: better and the interval excludes zero; red: worse.</p>
{headline_table(diffs, compare_by)}
{levels_table(diffs, reference, compare_by)}
{money}
{gains}
{res_html}
<h2>Figures</h2>{figs}
{yearly_table(region_year, compare_by) if region_year is not None else ""}
<h2>What was run</h2>
<ul><li>compared: <b>{html.escape(compare_by)}</b> = {html.escape(groups)}; reference:
<b>{html.escape(group_title(reference, compare_by))}</b></li>
<li>scenarios: {html.escape(scenarios)}</li>
<li>region: {html.escape(str(runs['region'].iloc[0]))}, {int(runs['years'].iloc[0])} years;
{len(runs)} runs; seeds: {', '.join(map(str, seeds))}</li>
<li>code version: {html.escape(str(runs['code_version'].iloc[0]))}; total simulation time
{runs['wall_time_s'].sum():,.0f} s</li></ul>
<h2>Caveats</h2><ul>{''.join(f'<li>{html.escape(c)}</li>' for c in caveats(runs, meta))}</ul>
<h2>Config and seeds</h2>
<p>Runs (one row each; every run's full config and package versions are in its <code>metadata.json</code>):</p>
{runs.drop(columns=['dir']).to_html(index=False)}
<details><summary>Resolved config of the first run (click to open)</summary>
<pre>{html.escape(json.dumps(meta['config'], indent=1, sort_keys=True))}</pre></details>
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
