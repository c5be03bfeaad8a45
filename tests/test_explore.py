"""The live explorer (``coopsim-explore``): what a visitor may ask for, the limits, the comparison it shows,
and the page itself in a real browser (Debian's chromium driven by Playwright; skipped where there is none —
CI installs it)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopsim.explore.jobs import Busy, Runner
from coopsim.explore.settings import (
    LEVERS,
    Limits,
    View,
    lever_range,
    mechanism_names,
    overrides,
    parse_query,
    scenarios,
    to_query,
)

#: Queries an attacker might try: free-form overrides, Hydra's instantiation and interpolation, path traversal,
#: the launcher, regions and seeds over the limits, numbers that are not numbers.
HOSTILE = [
    "hydra.run.dir=/etc",
    "_target_=os.system",
    "tier._target_=subprocess.call",
    "labour.leave_probability=${oc.env:HOME}",
    "labour.leave_probability=nan",
    "labour.leave_probability=inf",
    "labour.leave_probability=1e308",
    "labour.leave_probability=0.5",  # above its plausible range (0.04-0.3)
    "region=bijie",
    "region=county",  # over the default limit
    "seeds=1000",
    "seeds=-1",
    "seeds=1.5",
    "reform=v4",
    "scenario=../../etc/passwd",
    "open=../../../etc",
    "off=__import__('os')",
    "+experiment=robust_tiers",
    "hydra/launcher=submitit_slurm",
    "tier=${oc.env:HOME}",
    "region=tiny%0Aseed=3",
]


def _safe(args: list[str], view: View) -> None:
    """Every override is one the explorer writes itself, from the view's checked fields."""
    allowed = {"region", "scenario", "seed", "resilience", "household_table", "progress", "tier", "ablate", *LEVERS}
    for arg in args:
        key, _, value = arg.partition("=")
        assert key in allowed, arg
        assert "$" not in value and "{" not in value and "_target_" not in arg and "\n" not in arg, arg


@pytest.mark.parametrize("query", HOSTILE)
def test_a_hostile_query_is_refused_and_reaches_no_config(query: str) -> None:
    view, refused = parse_query(query, Limits())
    assert refused, f"{query!r} was accepted"
    assert view == View(), f"{query!r} changed the view: {view}"
    for group in ("baseline", "reform"):
        _safe(overrides(view, group, 1), view)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["region", "reform", "baseline", "scenario", "seeds", "off", "open",
                                           *LEVERS, "hydra.run.dir", "_target_"]), st.text(max_size=40)),
                max_size=12))
def test_any_query_gives_a_view_inside_the_limits(pairs: list[tuple[str, str]]) -> None:
    query = "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs)
    limits = Limits()
    view, _refused = parse_query(query, limits)
    assert view.region in limits.regions and 2 <= view.seeds <= limits.max_seeds
    assert view.scenario in scenarios() and view.open == ""
    for key, value in view.levers:
        low, high = lever_range(key)
        assert low <= value <= high
    for group in ("baseline", "reform"):
        _safe(overrides(view, group, 1), view)
    assert parse_query(to_query(view), limits) == (view, [])  # the link gives the same view back


def test_a_view_goes_through_its_link_and_back() -> None:
    limits = Limits(max_region="county", max_seeds=8)
    view = View(region="county", baseline="v1", reform="v3", scenario="city_crisis", seeds=8,
                levers=(("labour.leave_probability", 0.12), ("tier.cooperative.distribution.elite_capture_share", 0.1)),
                off=tuple(mechanism_names("v3")[-2:]))
    assert parse_query(to_query(view), limits) == (view, [])
    # a tier lever does not apply to a reform without cooperatives
    none_view, refused = parse_query("reform=none&tier.cooperative.management_cost_share=0.05", limits)
    assert none_view.levers == () and "has no cooperative" in refused[0]


def test_the_server_limits_what_a_visitor_starts() -> None:
    from coopsim.explore.server import ServerState

    state = ServerState(Limits(max_region="tiny", max_seeds=3, max_waiting=0), Path("results"))
    assert "regions tiny" in state.check(View(region="small", seeds=2))
    assert "2 to 3 seeds" in state.check(View(region="tiny", seeds=4))
    assert "the reform is the baseline" in state.check(View(region="tiny", baseline="v2", reform="v2", seeds=2))
    assert state.check(View(region="tiny", seeds=2)) == ""
    runner = Runner(state.limits)
    job = runner.submit(View(region="tiny", seeds=2, reform="v1"), "visitor-1", compare=lambda tables: tables)
    try:
        with pytest.raises(Busy, match="your comparison is still running"):
            runner.submit(View(region="tiny", seeds=2), "visitor-1", compare=lambda tables: tables)
        with pytest.raises(Busy, match="comparisons are running or waiting"):
            runner.submit(View(region="tiny", seeds=2), "visitor-2", compare=lambda tables: tables)
        deadline = time.monotonic() + 120
        while not job.over and time.monotonic() < deadline:
            time.sleep(0.2)
        assert job.error is None and job.done == job.total == 4
        assert sorted(job.result) == ["fiscal_year", "household_final", "region_year"]
        assert set(job.result["region_year"]["group"]) == {"baseline", "reform"}
    finally:
        runner.shutdown()


def test_the_comparison_pairs_baseline_and_reform_on_seeds() -> None:
    from coopsim.explore.jobs import run_one
    from coopsim.explore.views import compare_view

    view = View(region="tiny", baseline="v1", reform="v1", seeds=2, off=("cooperative.marketing",))
    parts = [run_one(overrides(view, g, s) + ["years=4"], g, view.scenario, s) for s in (1, 2)
             for g in ("baseline", "reform")]
    import pandas as pd

    tables = {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in parts[0]}
    result = compare_view(view, tables)
    assert result.title == "1.0 village cooperatives (without cooperative.marketing) against 1.0 village cooperatives"
    assert result.seeds == 2 and result.few_seeds
    assert "income per person by" in result.answer and "Intervals over 2 paired seeds" in result.answer
    assert "t-interval" in result.tables_html and "Who gains and who loses" in result.tables_html
    assert set(result.figures) and all(png.startswith(b"\x89PNG") for png in result.figures.values())


# -- the page in a real browser ------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def explorer(tmp_path_factory: pytest.TempPathFactory):
    """``coopsim-explore`` on a free port, listing one finished sweep (two tiers, tiny, 2 seeds, 3 years)."""
    results = tmp_path_factory.mktemp("results")
    sweep = results / "mini" / "one"
    run = subprocess.run([sys.executable, "-m", "coopsim.cli", "-m", "region=tiny", "tier=none,v1", "seed=1,2",
                          "years=3", "hydra.launcher.verbose=0", f"hydra.sweep.dir={sweep}"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    subprocess.run([sys.executable, "-m", "coopsim.analysis.report", str(sweep)], check=True, capture_output=True,
                   timeout=600)
    port = _free_port()
    log = results.parent / "explorer.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "coopsim.explore.server", "--port", str(port),
                                   "--results", str(results), "--workers", "1"], stdout=out, stderr=subprocess.STDOUT,
                                  cwd=results.parent)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).read()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"coopsim-explore did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
    yield url, results, log
    server.send_signal(signal.SIGINT)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no chromium on this machine (CI installs Debian's)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


def _page(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    page.wait_for_selector(".coopsim-run", timeout=90_000)
    return page


@pytest.mark.xdist_group("explorer")
def test_the_page_runs_a_comparison_started_from_its_controls(explorer, browser) -> None:
    url, results, log = explorer
    before = sorted(p.relative_to(results).as_posix() for p in results.rglob("*"))
    page = _page(browser, url + "?region=tiny&seeds=2&reform=v1")
    # a control changes the view and the URL with it
    page.locator(".v-select", has_text="scenario").click()
    page.get_by_role("option", name="price collapse", exact=True).click()
    page.wait_for_function("location.search.includes('scenario=price_collapse')", timeout=30_000)
    page.click(".coopsim-run")
    page.wait_for_selector(".coopsim-progress, .coopsim-done", timeout=60_000)
    page.wait_for_selector(".coopsim-done", timeout=240_000)
    text = page.inner_text("body")
    assert "1.0 village cooperatives against no cooperatives" in text
    assert "Under the price collapse scenario" in text and "Intervals over 2 paired seeds" in text
    assert "Who gains and who loses" in text and "Public money by kind" in text
    assert page.locator("img").count() >= 2
    shot = os.environ.get("COOPSIM_EXPLORER_SCREENSHOT")
    if shot:
        page.screenshot(path=shot)
    # the same link opens the same view
    again = _page(browser, page.url)
    assert "scenario=price_collapse" in again.url and again.locator(".coopsim-refused").count() == 0
    assert "price collapse" in again.inner_text(".v-navigation-drawer")
    again.close()
    page.close()
    assert sorted(p.relative_to(results).as_posix() for p in results.rglob("*")) == before  # it writes nothing


@pytest.mark.xdist_group("explorer")
def test_the_page_opens_a_finished_sweep(explorer, browser) -> None:
    url, _results, _log = explorer
    page = _page(browser, url + "?open=mini/one")
    try:
        page.wait_for_function("document.body.innerText.includes('mini/one: the tiers against no cooperatives')",
                               timeout=120_000)
    except Exception:
        pytest.fail(f"the sweep did not open; the page says:\n{page.inner_text('body')[-2000:]}")
    text = page.inner_text("body")
    assert "1.0 village cooperatives raised income per person" in text or "1.0 village cooperatives lowered" in text
    page.close()


@pytest.mark.xdist_group("explorer")
def test_the_page_refuses_hostile_urls(explorer, browser) -> None:
    url, results, _log = explorer
    before = sorted(p.relative_to(results).as_posix() for p in results.rglob("*"))
    query = "&".join(HOSTILE[:8] + ["region=county", "seeds=1000", "open=../../../etc"])
    page = _page(browser, url + "?" + query)
    refused = page.locator(".coopsim-refused")
    assert refused.count() >= 10
    text = page.inner_text("body")
    assert "'hydra.run.dir' refused: not a setting of the explorer" in text
    assert "region='county' refused: allowed tiny, small" in text
    # the controls show the default view, not what was refused
    drawer = page.inner_text(".v-navigation-drawer")
    assert "small" in drawer and "3.0 county platform" in drawer
    page.close()
    assert sorted(p.relative_to(results).as_posix() for p in results.rglob("*")) == before


def test_it_listens_on_localhost_unless_told_otherwise() -> None:
    from coopsim.explore.server import parser

    assert parser().parse_args([]).host == "127.0.0.1"
    assert parser().parse_args(["--host", "0.0.0.0"]).host == "0.0.0.0"
