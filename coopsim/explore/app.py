"""The explorer's page (Solara): choose a comparison with the controls on the left, run it in the background,
read its answer, its paired differences, who gains and who loses, and its public money; or open a finished
sweep. The settings live in the URL: a link opens the same view.

Started by ``coopsim-explore`` (:mod:`coopsim.explore.server`), which sets the server's limits.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import solara

from coopsim.config import TIER_TITLES
from coopsim.config.mechanisms import tier_mechanisms
from coopsim.config.tiers import LADDER as TIERS
from coopsim.explore import server
from coopsim.explore.jobs import Busy
from coopsim.explore.settings import (
    LEVERS,
    MIN_SEEDS,
    View,
    fitted,
    lever_applies,
    lever_range,
    lever_title,
    parse_query,
    scenarios,
    to_query,
)
from coopsim.explore.views import Result, finished_sweeps, open_sweep

TIER_OF_TITLE = {title: tier for tier, title in TIER_TITLES.items()}


def _scenario_title(name: str) -> str:
    return name.replace("_", " ")


@solara.component
def Controls(view: View, set_view: Any, defaults: dict[str, float]) -> None:
    """The comparison's settings: region, baseline, reform, scenario, seeds, the reform's levers and
    mechanisms."""
    limits = server.current().limits

    def put(**changes: Any) -> None:
        set_view(fitted(dataclasses.replace(view, **changes, open="")))

    solara.Select("region", value=view.region, values=list(limits.regions), on_value=lambda v: put(region=v))
    solara.Select("baseline", value=TIER_TITLES[view.baseline], values=[TIER_TITLES[t] for t in TIERS],
                  on_value=lambda v: put(baseline=TIER_OF_TITLE[v]))
    solara.Select("reform", value=TIER_TITLES[view.reform], values=[TIER_TITLES[t] for t in TIERS],
                  on_value=lambda v: put(reform=TIER_OF_TITLE[v]))
    names = {_scenario_title(s): s for s in scenarios()}
    solara.Select("scenario", value=_scenario_title(view.scenario), values=list(names),
                  on_value=lambda v: put(scenario=names[v]))
    solara.SliderInt("seeds (paired)", value=view.seeds, min=MIN_SEEDS, max=limits.max_seeds,
                     on_value=lambda v: put(seeds=v))
    moved = dict(view.levers)
    with solara.Details("the reform's levers", expand=bool(moved)):
        for key in LEVERS:
            if not lever_applies(key, view.reform) or key not in defaults:
                continue
            low, high = lever_range(key)

            def on_lever(value: float, key: str = key) -> None:
                levers = dict(view.levers)
                levers[key] = round(float(value), 6)
                put(levers=tuple(sorted(levers.items(), key=lambda kv: LEVERS.index(kv[0]))))

            solara.SliderFloat(f"{lever_title(key)}{' (moved)' if key in moved else ''}",
                               value=moved.get(key, defaults[key]), min=low, max=high,
                               step=(high - low) / 100, on_value=on_lever)
        if moved:
            solara.Button("levers back to their defaults", text=True, on_click=lambda: put(levers=()))
    mechanisms = tier_mechanisms(view.reform)
    if mechanisms:
        with solara.Details("switch off a mechanism of the reform", expand=bool(view.off)):
            for m in mechanisms:

                def on_off(checked: bool, name: str = m.name) -> None:
                    off = [x for x in view.off if x != name] + ([name] if checked else [])
                    put(off=tuple(off))

                solara.Checkbox(label=f"{m.name} off", value=m.name in view.off, on_value=on_off)


@solara.component
def ResultView(result: Result) -> None:
    solara.Markdown(f"### {result.title}")
    if result.note:
        solara.Text(result.note, classes=["muted"])
    for paragraph in result.answer.split("\n\n"):
        if paragraph:
            solara.Text(paragraph, classes=["coopsim-answer"])
    if result.few_seeds:
        solara.Warning(f"{result.seeds} seeds: fewer than 10, the intervals are rough.", dense=True)
    for caption, png in result.figures.items():
        solara.Markdown(f"**{caption}**")
        solara.Image(png, width="100%")
    solara.HTML(tag="div", unsafe_innerHTML=result.tables_html)


@solara.component
def Page() -> None:
    state = server.current()
    router = solara.use_router()
    sweeps = solara.use_memo(lambda: finished_sweeps(state.results), [])
    first = solara.use_memo(lambda: parse_query(router.search or "", state.limits, sweeps), [])
    view, set_view = solara.use_state(first[0])
    refused = first[1]
    job_id, set_job_id = solara.use_state(0)
    progress, set_progress = solara.use_state((0, 0, 0.0, False))
    message, set_message = solara.use_state("")
    defaults = solara.use_memo(lambda: state.defaults(view.reform), [view.reform])

    solara.use_effect(lambda: router.push(f"{router.path}?{to_query(view)}"), [view])

    def watch(cancel: Any) -> None:
        """Follow the running comparison; the page is drawn again at each run done."""
        import time

        while job_id and not cancel.is_set():
            job = state.runner.jobs.get(job_id)
            if job is None:
                return
            set_progress((job.done, job.total, job.seconds(), job.over))
            if job.over:
                return
            time.sleep(0.25)

    solara.use_thread(watch, dependencies=[job_id])

    def start() -> None:
        problem = state.check(view)
        if problem:
            set_message(problem)
            return
        try:
            job = state.submit(view, solara.get_session_id())
        except Busy as err:
            set_message(str(err))
            return
        set_message("")
        set_progress((0, job.total, 0.0, False))
        set_job_id(job.id)

    def load_sweep(cancel: Any) -> Result | None:
        return open_sweep(state.results, view.open) if view.open else None

    sweep = solara.use_thread(load_sweep, dependencies=[view.open])

    solara.Title("coopsim explorer")
    with solara.Sidebar():
        solara.Markdown("## coopsim explorer\nA baseline and a reform on the same households, prices and draws "
                        "(common random numbers), paired seed by seed.")
        Controls(view, set_view, defaults)
        solara.Button("Run the comparison", color="primary", on_click=start, classes=["coopsim-run"],
                      disabled=bool(job_id) and not progress[3])
        if sweeps:
            solara.Select("or open a finished sweep", value=view.open or None, values=sweeps,
                          on_value=lambda v: set_view(dataclasses.replace(view, open=v or "")))
        solara.Markdown(f"Share this view: `?{to_query(view)}`")
    for text in refused:
        solara.Warning(text, dense=True, classes=["coopsim-refused"])
    if message:
        solara.Error(message, classes=["coopsim-message"])
    job = state.runner.jobs.get(job_id) if job_id else None
    if job is not None:
        done, total, seconds, over = progress
        if not over:
            solara.Text(f"running: {done} of {total} runs, {seconds:,.0f} s", classes=["coopsim-progress"])
            solara.ProgressLinear(value=100 * done / max(total, 1))
        elif job.error:
            solara.Error(job.error)
        elif job.result is not None:
            solara.Text(f"{total} runs in {seconds:,.1f} s", classes=["coopsim-done"])
            ResultView(job.result)
    elif view.open:
        if sweep.state == solara.ResultState.FINISHED and sweep.value is not None:
            ResultView(sweep.value)
        elif sweep.state == solara.ResultState.ERROR:
            solara.Error(f"the sweep could not be read: {sweep.error}")
        else:
            solara.Text(f"reading {view.open} ...")
            solara.ProgressLinear(True)
    else:
        solara.Markdown("Choose a comparison on the left and press **Run the comparison**. "
                        f"The reform: {view.reform_title()}; the baseline: {TIER_TITLES[view.baseline]}.")
