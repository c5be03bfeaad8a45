"""Every canned experiment runs end to end in a fast mode, writes its report, and
gives its stored summary (``tests/golden/``), so a change of model behaviour
shows up in review as a changed golden file.

After a change that is meant to move results, rewrite the golden files with
``COOPSIM_UPDATE_GOLDEN=1 python -m pytest tests/test_experiments.py`` and
commit them with the change (the experiment pages say what moved).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

EXPERIMENTS = sorted(p.stem for p in (Path(__file__).resolve().parent.parent / "configs" / "experiment").glob("*.yaml"))
#: Experiments that are one sweep of runs with a comparison report (robust_tiers is a design of many runs in
#: jobs: tests/test_robust.py runs it small, against its own golden summary; three_designs compares on several
#: counties: tests/test_places.py runs it small, against its own).
SWEEPS = [e for e in EXPERIMENTS if e not in ("robust_tiers", "three_designs")]
FAST = ["region=tiny", "seed=1,2", "hydra.launcher.verbose=0"]
GOLDEN = Path(__file__).resolve().parent / "golden"
#: Significant digits kept in a golden summary (enough to see any change of behaviour).
DIGITS = 6


def golden_text(out: Path, name: str) -> str:
    """What is compared with ``tests/golden/<name>.csv``: the paired differences
    (and, for the replay, the prefecture's table and the facts), rounded."""
    parts = [pd.read_csv(out / "summary.csv").to_csv(index=False, float_format=f"%.{DIGITS}g", lineterminator="\n")]
    for extra in ("replay.csv", "facts.csv"):
        if (out / extra).exists():
            parts.append(pd.read_csv(out / extra).to_csv(index=False, float_format=f"%.{DIGITS}g",
                                                        lineterminator="\n"))
    return "\n".join(parts)


def check_golden(out: Path, name: str) -> None:
    text, path = golden_text(out, name), GOLDEN / f"{name}.csv"
    if os.environ.get("COOPSIM_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no golden summary {path}: run with COOPSIM_UPDATE_GOLDEN=1 and commit it"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name}: the fast run's summary differs from {path} (the model's behaviour changed); if that is meant, "
        "rewrite the golden files with COOPSIM_UPDATE_GOLDEN=1 and say on the experiment pages what moved")


def run_experiment(name: str, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    years = [] if name in ("rollout_replay", "bijie_2017_2020") else ["years=6"]
    return subprocess.run([sys.executable, "-m", "coopsim.cli", f"+experiment={name}", *FAST, *years, *extra,
                           f"hydra.sweep.dir={out}"], capture_output=True, text=True, timeout=900)


def test_there_are_at_least_six_documented_experiments() -> None:
    docs = Path(__file__).resolve().parent.parent / "experiments"
    assert len(EXPERIMENTS) >= 6
    for name in EXPERIMENTS:
        text = (docs / f"{name}.md").read_text()
        assert "**Question.**" in text and "**Expect.**" in text and f"+experiment={name}" in text


@pytest.fixture(scope="module")
def compare_tiers_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """compare_tiers in fast mode, run once for the tests of its report (kept on one worker: xdist_group)."""
    out = tmp_path_factory.mktemp("compare") / "compare_tiers"
    res = run_experiment("compare_tiers", out)
    assert res.returncode == 0, res.stderr[-3000:]
    return out


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xdist_group("compare_tiers"))
                                  if n == "compare_tiers" else n for n in SWEEPS])
def test_experiment_runs_in_fast_mode(name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if name == "compare_tiers":
        out = request.getfixturevalue("compare_tiers_out")
    else:
        res = run_experiment(name, tmp_path / name)
        assert res.returncode == 0, res.stderr[-3000:]
        out = tmp_path / name
    html = (out / "report.html").read_text()
    assert "<h2>The answer</h2>" in html and "<h2>Paired differences from" in html
    assert "data:image/png;base64," in html
    assert "src=\"http" not in html and "href=\"http" not in html  # self-contained
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["seeds"]) == {2} and summary["difference"].notna().all()
    assert len(list((out / "figures").glob("*.png"))) >= 4
    if name == "bijie_2017_2020":  # the history replay also writes the prefecture's yearly table
        replay = pd.read_csv(out / "replay.csv")
        assert list(replay.columns) == ["aggregate", "2017", "2018", "2019", "2020", "2021"]
        assert (out / "facts.csv").exists() and "Facts not calibrated to" in (out / "replay.md").read_text()
    check_golden(out, name)


def test_every_golden_summary_belongs_to_an_experiment() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.csv")) == EXPERIMENTS


@pytest.mark.xdist_group("compare_tiers")
def test_the_report_answers_in_words_with_names_units_and_public_money(compare_tiers_out: Path) -> None:
    import html
    import re

    from coopsim.analysis.reading import calibration_of

    out = compare_tiers_out
    page = (out / "report.html").read_text()
    summary = pd.read_csv(out / "summary.csv")
    answer = page.split("<h2>The answer</h2>")[1].split("<h2>")[0]
    v3 = summary[(summary["scenario"] == "baseline") & (summary["group"] == "v3")].set_index("outcome")
    income = v3.loc["income_per_capita_mean_yuan"]
    # the answer: names, the number and its interval, from the summary table
    assert "against no cooperatives: " in answer and "3.0 county platform raised income per person by " \
        f"{income['difference']:,.0f} yuan a year (95 % interval {income['ci_low']:,.0f} to " \
        f"{income['ci_high']:,.0f}" in answer
    assert "Intervals over 2 paired seeds." in answer and "the intervals are rough" in answer
    assert "million yuan a year more" in answer and "yuan of household income per yuan of public money" in answer
    assert "under the city crisis, " in answer and "under the price collapse, " in answer
    # tiers and scenarios by name, a unit in every header of the paired differences
    table = page.split("<h2>Paired differences from")[1].split("<h2>")[0]
    assert ">v1<" not in table and ">3.0 county platform<" in table and "City crisis" in table
    heads = re.findall(r"<th>([^<]+)</th>", table)
    assert heads and all("(" in h and h.endswith(")") for h in heads), heads
    assert "<th>fiscal cost (million yuan a year)</th>" in table and "(percentage points)" in table
    read = re.sub(r'src="data:image/png;base64,[^"]*"', "", page.split("<h2>Config and seeds</h2>")[0])
    assert not re.search(r"\de[+-]\d", read)  # no scientific notation in what a reader reads
    # public money: by kind, and income per yuan of it
    kinds = pd.read_csv(out / "fiscal_by_kind.csv")
    assert {"pension", "dibao"} <= set(kinds["kind"]) and "<h3>Public money by kind" in page
    assert "income gained per yuan of public money (yuan)" in page
    # caveats from the runs: the calibration used and what it was fitted on
    name, fitted = calibration_of(json.loads(next(out.rglob("metadata.json")).read_text()))
    assert html.escape(f"the calibration '{name}'") in page and (fitted is None or fitted in page)
    assert "not yet calibrated" not in page
    # resilience with intervals
    assert "<h2>Resilience to each shock</h2>" in page and "95 % t-interval (n = 2 seeds)" in page
    # who gains: every household against itself under none, by decile, and the shares that gain and lose
    deciles, shares = pd.read_csv(out / "gains_by_decile.csv"), pd.read_csv(out / "gains_and_losses.csv")
    assert deciles.groupby(["scenario", "group"])["decile"].apply(lambda d: list(d) == list(range(1, 11))).all()
    assert shares[["gain_share", "lose_share"]].sum(axis=1).le(1.0 + 1e-12).all()
    assert "<h2>Who gains and who loses (baseline)</h2>" in page and "Who gains under " in answer


def test_report_fails_loudly_for_a_missing_reference(tmp_path: Path) -> None:
    res = run_experiment("fiscal_value_of_v3", tmp_path / "x", "hydra.callbacks.report.reference=v9")
    assert res.returncode == 1
    assert "reference tier='v9' is not among the runs' values: v2, v3" in res.stderr


@pytest.mark.xdist_group("compare_tiers")
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_report_renders_in_headless_chromium(tmp_path: Path, compare_tiers_out: Path) -> None:
    out = compare_tiers_out  # the decomposition leads the page
    assert "<h2>Where each tier's gain comes from</h2>" in (out / "report.html").read_text()
    shot = tmp_path / "report.png"
    subprocess.run([sys.executable, str(Path(__file__).resolve().parent.parent / "scripts" / "screenshot_report.py"),
                    str(out / "report.html"), str(shot), "--height", "6000"], check=True, timeout=180)
    import matplotlib.image as mpimg

    img = mpimg.imread(shot)
    assert img.shape[0] == 6000 and img.shape[1] == 1280
    # the page is not blank: many rows carry drawn content (figures, tables)
    assert (img[:, :, :3].std(axis=(1, 2)) > 0.05).mean() > 0.3
