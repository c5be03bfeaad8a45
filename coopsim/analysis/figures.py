"""The comparison report's figures (PNG, matplotlib's Agg backend)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from coopsim.analysis.reading import group_title, scenario_title  # noqa: E402
from coopsim.analysis.resilience import smoothed  # noqa: E402
from coopsim.analysis.runs import onsets_from_runs  # noqa: E402
from coopsim.analysis.statistics import mean_interval  # noqa: E402


def _band(values: pd.DataFrame, column: str) -> pd.DataFrame:
    """Mean and 95 % t-band of ``column`` over seeds, per x."""
    rows = []
    for x, g in values.groupby("x"):
        mean, lo, hi = mean_interval(g[column].to_numpy())
        rows.append({"x": x, "mean": mean, "lo": lo, "hi": hi})
    return pd.DataFrame(rows)


def _grid(n: int, width: float = 6.0, height: float = 4.2) -> tuple[plt.Figure, np.ndarray]:
    fig, axes = plt.subplots(1, n, figsize=(width * n, height), squeeze=False)
    return fig, axes[0]


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def income_paths(region_year: pd.DataFrame, path: Path, column: str, ylabel: str) -> Path:
    """A yearly outcome by group per scenario: mean over seeds with a 95 % t-band."""
    scenarios = list(dict.fromkeys(region_year["scenario"]))
    fig, axes = _grid(len(scenarios))
    for ax, scenario in zip(axes, scenarios, strict=True):
        sc = region_year[region_year["scenario"] == scenario]
        for i, (group, g) in enumerate(sc.groupby("group", sort=False)):
            band = _band(g.assign(x=g["year"]), column)
            ax.plot(band["x"], band["mean"], color=f"C{i}", label=group_title(group, "tier"))
            ax.fill_between(band["x"], band["lo"], band["hi"], color=f"C{i}", alpha=0.2)
        ax.set_title(scenario_title(scenario))
        ax.set_xlabel("year")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole years, not 2017.5
        ax.set_ylabel(ylabel)
        ax.legend()
    return _save(fig, path)


def paired_paths(region_year: pd.DataFrame, reference: str, path: Path, column: str, ylabel: str,
                 scale: float = 1.0) -> Path | None:
    """Each group's paired difference from ``reference`` by year, per scenario: the mean over seeds and its 95 %
    t-interval (the difference the report's tables give, year by year); ``scale`` multiplies the values."""
    from coopsim.analysis.statistics import mean_interval

    scenarios = list(dict.fromkeys(region_year["scenario"]))
    groups = [g for g in dict.fromkeys(region_year["group"]) if g != reference]
    if not groups or reference not in set(region_year["group"]):
        return None
    fig, axes = _grid(len(scenarios))
    for ax, scenario in zip(axes, scenarios, strict=True):
        wide = region_year[region_year["scenario"] == scenario].pivot_table(
            index=["year", "seed"], columns="group", values=column)
        for i, group in enumerate(groups, start=1):
            if group not in wide:
                continue
            d = (wide[group] - wide[reference]).dropna() * scale
            band = pd.DataFrame([(year, *mean_interval(v.to_numpy())) for year, v in d.groupby(level="year")],
                                columns=["year", "mean", "lo", "hi"])
            ax.plot(band["year"], band["mean"], color=f"C{i}", marker="o", label=group_title(group, "tier"))
            ax.fill_between(band["year"], band["lo"], band["hi"], color=f"C{i}", alpha=0.2)
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.set_title(scenario_title(scenario))
        ax.set_xlabel("year")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=8)
    return _save(fig, path)


def decile_gains(deciles: pd.DataFrame, path: Path) -> Path | None:
    """The change of income per person by decile (poorest first), a bar a group, its 95 % t-interval, per
    scenario (:func:`coopsim.analysis.reading.distribution`)."""
    if deciles.empty:
        return None
    scenarios = list(dict.fromkeys(deciles["scenario"]))
    groups = list(dict.fromkeys(deciles["group"]))
    width = 0.8 / len(groups)
    fig, axes = _grid(len(scenarios))
    for ax, scenario in zip(axes, scenarios, strict=True):
        sc = deciles[deciles["scenario"] == scenario]
        for i, group in enumerate(groups):
            g = sc[sc["group"] == group].sort_values("decile")
            x = g["decile"].to_numpy() + (i - (len(groups) - 1) / 2) * width
            err = np.vstack([g["change_yuan"] - g["ci_low"], g["ci_high"] - g["change_yuan"]])
            ax.bar(x, g["change_yuan"], width, color=f"C{i + 1}", label=group_title(group, "tier"),
                   yerr=None if np.isnan(err).all() else err, capsize=2)
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.set_xticks(range(1, 11))
        ax.set_xlabel("decile of income per person without the change (1 = poorest)")
        ax.set_ylabel("change, yuan a person a year")
        ax.set_title(scenario_title(scenario))
        ax.legend(fontsize=8)
    return _save(fig, path)


def shock_responses(region_month: pd.DataFrame, onsets: dict[str, int], path: Path) -> Path | None:
    """Income as % of the same group's and seed's baseline run, around each shock (the scenarios whose
    baseline runs are in the sweep)."""
    base_runs = set(map(tuple, region_month.loc[region_month["scenario"] == "baseline", ["group", "seed"]]
                        .drop_duplicates().to_numpy()))
    shocked = [s for s in dict.fromkeys(region_month["scenario"]) if s != "baseline" and s in onsets
               and base_runs & set(map(tuple, region_month.loc[region_month["scenario"] == s, ["group", "seed"]]
                                       .drop_duplicates().to_numpy()))]
    if not shocked:
        return None
    base = region_month[region_month["scenario"] == "baseline"]
    fig, axes = _grid(len(shocked))
    for ax, scenario in zip(axes, shocked, strict=True):
        onset = onsets[scenario]
        rows = []
        for (group, seed), g in region_month[region_month["scenario"] == scenario].groupby(["group", "seed"]):
            b = base[(base["group"] == group) & (base["seed"] == seed)]
            if b.empty:
                continue
            ratio = 100 * smoothed(g["income_per_capita_yuan"]) / smoothed(b["income_per_capita_yuan"])
            rows.append(pd.DataFrame({"group": group, "seed": seed, "x": g["t"].to_numpy() - onset, "ratio": ratio}))
        data = pd.concat(rows)
        data = data[(data["x"] >= -12) & (data["x"] <= 48)]
        for i, (group, g) in enumerate(data.groupby("group", sort=False)):
            band = _band(g, "ratio")
            ax.plot(band["x"], band["mean"], color=f"C{i}", label=group_title(group, "tier"))
            ax.fill_between(band["x"], band["lo"], band["hi"], color=f"C{i}", alpha=0.2)
        ax.axhline(100, color="grey", linewidth=0.8)
        ax.axhline(95, color="grey", linewidth=0.8, linestyle="--")
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set_title(f"{scenario_title(scenario)}: income against no shock")
        ax.set_xlabel("months from the onset")
        ax.set_ylabel("% of the no-shock income (3-month average)")
        ax.legend()
    return _save(fig, path)


def collective_distribution(village_year: pd.DataFrame, path: Path) -> Path:
    """Collective income across villages in the final year of the baseline runs."""
    vy = village_year[village_year["scenario"] == village_year["scenario"].iloc[0]]
    last = vy[vy["year"] == vy["year"].max()]
    groups = list(dict.fromkeys(last["group"]))
    fig, axes = _grid(1, 7.5, 4.2)
    ax = axes[0]
    data = [last[last["group"] == g]["collective_income_yuan"].to_numpy() / 1000 for g in groups]
    ax.boxplot(data, showfliers=False)
    ax.set_xticks(range(1, len(groups) + 1), groups)
    ax.axhline(50, color="C3", linestyle="--", linewidth=1, label="thin village line (50,000 yuan)")
    ax.set_ylabel("collective income per village, thousand yuan")
    ax.set_title(f"villages' collective income, {int(last['year'].max())} ({vy['scenario'].iloc[0]})")
    ax.legend()
    return _save(fig, path)


def fiscal_vs_income(diffs: pd.DataFrame, persons: float, path: Path) -> Path | None:
    """Extra fiscal cost against income gained, per group and scenario, both per person and year."""
    inc = diffs[diffs["outcome"] == "income_per_capita_mean_yuan"].set_index(["scenario", "group"])
    fis = diffs[diffs["outcome"] == "fiscal_cost_yuan"].set_index(["scenario", "group"])
    if inc.empty:
        return None
    fig, axes = _grid(1, 7.5, 4.8)
    ax = axes[0]
    markers = "osD^v<>"
    for j, scenario in enumerate(dict.fromkeys(inc.index.get_level_values(0))):
        for i, group in enumerate(dict.fromkeys(inc.loc[scenario].index)):
            x, y = fis.loc[(scenario, group)], inc.loc[(scenario, group)]
            ax.errorbar(x["difference"] / persons, y["difference"],
                        xerr=[[(x["difference"] - x["ci_low"]) / persons], [(x["ci_high"] - x["difference"]) / persons]],
                        yerr=[[y["difference"] - y["ci_low"]], [y["ci_high"] - y["difference"]]],
                        fmt=markers[j % len(markers)], color=f"C{i}", label=f"{group}, {scenario}", capsize=3)
    lim = ax.get_xlim()
    xs = np.linspace(min(0, lim[0]), max(0, lim[1]), 10)
    ax.plot(xs, xs, color="grey", linewidth=0.8, linestyle="--", label="1 yuan of income per yuan spent")
    ax.axhline(0, color="grey", linewidth=0.6)
    ax.axvline(0, color="grey", linewidth=0.6)
    ax.set_xlabel("extra fiscal cost per person and year, yuan")
    ax.set_ylabel("extra income per person and year, yuan")
    ax.set_title("what it costs the state and what households gain")
    ax.legend(fontsize=7, ncol=2)
    return _save(fig, path)


def away_by_week(weeks: pd.DataFrame, onsets: dict[str, int], start_year: int, path: Path,
                 reference: str) -> Path | None:
    """The share of working-age adults away, week by week (mean over seeds, group ``reference``), one panel per
    scenario: the year of its shock (or, for the baseline, the festivals of its first three years)."""
    if weeks.empty:
        return None
    w = weeks[weeks["group"] == reference] if reference in set(weeks["group"]) else weeks
    scenarios = list(dict.fromkeys(w["scenario"]))
    fig, axes = _grid(len(scenarios), 6.5, 3.8)
    for ax, scenario in zip(axes, scenarios, strict=False):
        g = w[w["scenario"] == scenario].groupby("date")[["away_share", "workers_searching", "workers_employed"]].mean()
        onset = onsets.get(scenario)
        lo = (np.datetime64(f"{start_year + onset // 12}-{onset % 12 + 1:02d}-01") - np.timedelta64(120, "D")
              if onset is not None else np.datetime64(f"{start_year}-10-01"))
        hi = lo + np.timedelta64(480 if onset is not None else 900, "D")
        g = g[(g.index >= lo) & (g.index < hi)]
        ax.plot(g.index, g["away_share"], color="C0", label="away (with a job or searching)")
        ax.plot(g.index, g["workers_searching"] / (g["workers_employed"] + g["workers_searching"]).max(), color="C3",
                label="searching (share of those away at most)")
        if onset is not None:
            ax.axvline(np.datetime64(f"{start_year + onset // 12}-{onset % 12 + 1:02d}-01"), color="grey",
                       linestyle="--", linewidth=0.8, label="onset")
        ax.set_ylim(0, 1)
        ax.set_title(f"{scenario} ({reference})")
        ax.set_ylabel("share of working-age adults")
        ax.tick_params(axis="x", labelrotation=30)
        ax.legend(fontsize=7)
    return _save(fig, path)


def draw_all(tables: dict[str, pd.DataFrame], per_run: pd.DataFrame, diffs: pd.DataFrame,
             resilience: pd.DataFrame, reference: str, out: Path) -> dict[str, Path]:
    """Draw every figure into ``out``; return title -> path."""
    out.mkdir(parents=True, exist_ok=True)
    ry = tables["region_year"]
    figures: dict[str, Path | None] = {
        f"Income per person against {group_title(reference, 'tier')}, by year (paired on seeds; mean and 95 % "
        "t-interval)":
            paired_paths(ry, reference, out / "income_gain_paths.png", "income_per_capita_mean_yuan",
                         "difference, yuan a person a year"),
        f"Poverty rate against {group_title(reference, 'tier')}, by year (paired; percentage points)":
            paired_paths(ry, reference, out / "poverty_change_paths.png", "poverty_rate",
                         "difference, percentage points", scale=100.0),
        "Income per person by year (mean over seeds, 95 % band)":
            income_paths(ry, out / "income_paths.png", "income_per_capita_mean_yuan", "yuan per person and year"),
        "Response to each shock": shock_responses(tables["region_month"], onsets_from_runs(tables["runs"]),
                                                  out / "shock_response.png"),
        "Poverty rate by year": income_paths(ry, out / "poverty.png", "poverty_rate", "share of persons below the line"),
        "Collective income across villages": collective_distribution(tables["village_year"],
                                                                     out / "collective_income.png"),
        "Fiscal cost against income gain (vs " + reference + ")":
            fiscal_vs_income(diffs, float(ry["persons"].iloc[0]), out / "fiscal_vs_income.png"),
        "Share away, week by week (festivals, shocks)":
            away_by_week(tables.get("region_week", pd.DataFrame()), onsets_from_runs(tables["runs"]),
                         int(ry["year"].min()), out / "away_by_week.png", reference),
    }
    return {k: v for k, v in figures.items() if v is not None}


def designs_figure(table: pd.DataFrame, path: Path, places: dict[str, str]) -> Path:
    """Each design's income gain against no cooperatives on each county (bars, 95 % t-intervals), one panel per
    scenario; ``table``: the three designs' table (:func:`coopsim.studies.places.design_table`)."""
    t = table[table["outcome"] == "income_per_capita_mean_yuan"]
    scenarios = list(dict.fromkeys(t["scenario"]))
    designs = list(dict.fromkeys(t["design"]))
    fig, axes = plt.subplots(1, len(scenarios), figsize=(4.2 * len(scenarios), 3.6), sharey=True, squeeze=False)
    for ax, scenario in zip(axes[0], scenarios, strict=True):
        sc = t[t["scenario"] == scenario]
        regions = list(dict.fromkeys(sc["region"]))
        width = 0.8 / max(len(designs), 1)
        for k, design in enumerate(designs):
            d = sc[sc["design"] == design].set_index("region").reindex(regions)
            x = np.arange(len(regions)) + (k - (len(designs) - 1) / 2) * width
            err = np.vstack([d["difference"] - d["ci_low"], d["ci_high"] - d["difference"]])
            home = d["home"].fillna(False).astype(bool).to_numpy()
            ax.bar(x, d["difference"], width, yerr=err, capsize=3, label=design, edgecolor="black",
                   linewidth=np.where(home, 2.0, 0.0), hatch=None)
        ax.set_xticks(np.arange(len(regions)), [places.get(r, r) for r in regions])
        ax.set_title(scenario_title(scenario))
        ax.axhline(0, color="grey", lw=0.8)
    axes[0][0].set_ylabel("income gain per person (yuan/yr)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, title="design (outlined: on its own county)", loc="lower center",
               ncol=len(designs), fontsize=9)
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
