"""A region from a table of its townships and a few aggregates (``region.townships_file``).

Any county (or several) can be simulated from public figures: one row per
township-level unit in a CSV file, and a few totals in the region's YAML.

The CSV (UTF-8, a header row; other columns are ignored, so a national code
list can be used as it is):

``code``
    the township's 9-digit national statistical code (required, unique);
``name``
    its name (required);
``county_code``
    the 6-digit code of its county (required); townships are grouped into
    counties by it, counties in order of first appearance;
``county_name``
    optional, the county's name (the same on every row of a county);
``villages``
    optional, its administrative villages and communities (a whole number
    >= 1). Rows without it share what ``region.villages`` leaves evenly;
``households``
    optional, its rural households; each township's villages share its
    own. Rows without it share what ``region.households`` leaves, by their
    villages; if every row has it, their sum is the region's households.

A blank is read as 0 in ``township_villages`` / ``township_households``:
the world splits what the total leaves over the blanks with the one
integer split the model uses (:func:`coopsim.money.allocate`).

The YAML gives ``townships_file`` (an absolute path, a path from the working
directory, or the name of a file shipped beside the regions' YAML in
``configs/region/``), ``households`` unless every row has it, ``villages``
unless every row has it (if given too, it must agree), and optionally the
region's main crops (``crops``, with ``own_farm_mix``: what share of
households grew each at the start). ``townships`` (townships per county) is
derived from the file; a value in the YAML must agree with it.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "t.csv").write_text("code,name,county_code,villages\\n530523101,A,530523,14\\n530523102,B,530523,9\\n")
>>> r = expand_region({"townships_file": str(d / "t.csv"), "households": 4000})
>>> r["townships"], r["villages"], r["township_villages"], r["township_households"], r["county_names"]
([2], 23, [14, 9], [], ['530523'])
>>> expand_region({"townships_file": str(d / "t.csv"), "households": 4000, "villages": 20})
Traceback (most recent call last):
...
coopsim.config.schema.ConfigError: config key 'region.villages' = 20: must agree with the villages of the \
townships in t.csv (23), or be left out
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from coopsim.config.paths import CONFIG_DIR
from coopsim.config.schema import fail

#: The columns a township table must have, and those it may have.
REQUIRED = ("code", "name", "county_code")
OPTIONAL = ("county_name", "villages", "households")


def locate(value: Any) -> Path:
    """The township table ``region.townships_file`` names: a path that exists, or a shipped region's file."""
    if not isinstance(value, str) or not value.strip():
        fail("region.townships_file", value, "the path of a CSV of townships (see docs/REGIONS.md)")
    shipped_dir = CONFIG_DIR / "region"  # the shipped regions' township tables, beside their YAML
    path = Path(value).expanduser()
    for candidate in (path, shipped_dir / value):
        if candidate.is_file():
            return candidate
    shipped = ", ".join(sorted(p.name for p in shipped_dir.glob("*.csv")))
    fail("region.townships_file", value, f"no such file (from {Path.cwd()}); a path to a CSV of townships or one "
                                         f"of the shipped tables: {shipped}")


def _whole(row: int, column: str, text: str, path: Path, low: int) -> int:
    try:
        number = int(text.strip())
    except ValueError:
        number = None
    if number is None or number < low:
        fail("region.townships_file", str(path), f"row {row}, column {column!r} = {text!r}: a whole number >= {low} "
                                                 "(or an empty cell)")
    return number


def read_townships(path: Path) -> list[dict[str, Any]]:
    """The rows of a township table, checked: the required columns, unique codes, whole numbers."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            columns = [c.strip() for c in reader.fieldnames or []]
            raw = [{k.strip(): (v or "").strip() for k, v in r.items() if k is not None} for r in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        fail("region.townships_file", str(path), f"cannot be read as a UTF-8 CSV ({err})")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        fail("region.townships_file", str(path), f"has no column {', '.join(missing)}; a township table has "
             f"{', '.join(REQUIRED)} and may have {', '.join(OPTIONAL)} (found: {', '.join(columns) or 'none'})")
    if not raw:
        fail("region.townships_file", str(path), "has no townships (one row per township after the header)")
    rows, seen = [], set()
    for i, r in enumerate(raw, start=2):  # row 1 is the header
        code, county = r["code"], r["county_code"]
        if not (code.isdigit() and len(code) == 9):
            fail("region.townships_file", str(path), f"row {i}, column 'code' = {code!r}: a 9-digit national code")
        if code in seen:
            fail("region.townships_file", str(path), f"row {i}: township {code} is listed twice")
        seen.add(code)
        if not (county.isdigit() and len(county) == 6 and code.startswith(county)):
            fail("region.townships_file", str(path), f"row {i}, column 'county_code' = {county!r}: the 6-digit code "
                                                     f"of the township's county (the first 6 digits of {code})")
        if not r["name"]:
            fail("region.townships_file", str(path), f"row {i}, column 'name' is empty")
        rows.append({
            "code": code, "name": r["name"], "county_code": county, "county_name": r.get("county_name", ""),
            "villages": _whole(i, "villages", r["villages"], path, 1) if r.get("villages") else None,
            "households": _whole(i, "households", r["households"], path, 10) if r.get("households") else None,
        })
    return rows


def expand_region(block: Mapping[str, Any]) -> dict[str, Any]:
    """The ``region`` block with its townships, villages and households taken from ``townships_file``.

    Adds ``townships`` (per county), ``township_codes``, ``township_names``,
    ``township_villages`` and (if the table has them) ``township_households``;
    sets ``villages`` and ``households`` from the table where it gives them,
    and ``county_names`` from its ``county_name`` column unless the YAML names
    the counties. Raises :class:`ConfigError` naming the key, the value and what is allowed.
    """
    out = dict(block)
    path = locate(out.get("townships_file"))
    rows = read_townships(path)
    counties: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        counties.setdefault(r["county_code"], []).append(r)
    ordered = [r for group in counties.values() for r in group]  # townships grouped by county
    per_county = [len(group) for group in counties.values()]
    if out.get("townships") not in (None, [], per_county):
        fail("region.townships", out["townships"], f"must agree with {path.name} ({per_county} townships per "
                                                   "county), or be left out")
    given_v = [r["villages"] for r in ordered]
    villages = _totals(given_v, out.get("villages"), sum(v is None for v in given_v), "region.villages", "villages",
                       path.name)
    blank_v = sum(v is None for v in given_v)
    most = -(-(villages[0] - sum(v or 0 for v in given_v)) // blank_v) if blank_v else 0  # a blank's share, at most
    bound = [v if v is not None else most for v in given_v]  # each township's villages, at most
    for r, v in zip(ordered, bound, strict=True):
        if r["households"] is not None and r["households"] < 10 * v:
            fail("region.townships_file", str(path), f"township {r['code']} has {r['households']} households for "
                                                     f"{v} villages: at least 10 a village")
    given_h = [r["households"] for r in ordered]
    households = _totals(given_h, out.get("households"), 10 * sum(v for v, h in zip(bound, given_h, strict=True)
                                                                  if h is None),
                         "region.households", "households", path.name)
    names = [group[0]["county_name"] or code for code, group in counties.items()]
    if not out.get("county_names"):
        out["county_names"] = names
    out.update(townships=per_county, villages=villages[0], households=households[0],
               township_codes=[r["code"] for r in ordered], township_names=[r["name"] for r in ordered],
               township_villages=villages[1], township_households=households[1])
    return out


def _totals(given: list[int | None], total: Any, least: int, key: str, what: str, table: str
            ) -> tuple[int, list[int]]:
    """The region's total of a column and each township's (0: a blank, which shares what the total leaves; the
    world splits it, :func:`coopsim.world.build_world`); all blanks: ``[]``. ``least``: what the blanks need."""
    listed = sum(v for v in given if v is not None)
    blanks = sum(v is None for v in given)
    if not blanks:
        if total not in (None, listed):
            fail(key, total, f"must agree with the {what} of the townships in {table} ({listed}), or be left out")
        return listed, [int(v) for v in given if v is not None]
    if isinstance(total, bool) or not isinstance(total, int) or total < listed + least:
        none = f"{table} gives no {what}; " if blanks == len(given) else ""
        fail(key, total, f"{none}{blanks} townships of {table} have no {what}: give the region's {what}, a whole "
                         f"number >= {listed + least} (the {listed} listed and {least} for the others)")
    return total, ([] if blanks == len(given) else [v or 0 for v in given])
