"""``coopsim-explore``: the live explorer in the browser.

    coopsim-explore                       # http://127.0.0.1:8765, regions tiny and small, at most 5 seeds
    coopsim-explore --port 9000 --results results --max-region county --max-seeds 10

It listens on localhost unless told otherwise (``--host``). A visitor chooses from the page's controls or a
link's query (:mod:`coopsim.explore.settings`: known keys and checked values only); the server limits the
region, the seeds and how many comparisons wait, and runs them in worker processes (``--workers``).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from coopsim.analysis.runs import config_value
from coopsim.config import TIER_TITLES, ConfigError, compose_config, compose_dict
from coopsim.explore.jobs import Job, Runner
from coopsim.explore.settings import LEVERS, MIN_SEEDS, REGIONS, Limits, View, lever_applies, overrides
from coopsim.io.console import console_script
from coopsim.io.helptext import PlainHelp

#: Hydra's compose is one global: one composition at a time.
_COMPOSE = threading.Lock()


@dataclass
class ServerState:
    """One server's limits, results directory and background runs."""

    limits: Limits = field(default_factory=Limits)
    results: Path = Path("results")
    workers: int = 1
    runner: Runner = field(init=False)
    _defaults: dict[str, dict[str, float]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.runner = Runner(self.limits, self.workers)

    def defaults(self, tier: str) -> dict[str, float]:
        """The levers' configured values under tier ``tier`` (the sliders start there)."""
        if tier not in self._defaults:
            with _COMPOSE:
                config = compose_dict([f"tier={tier}"])
            self._defaults[tier] = {k: float(config_value(config, k)) for k in LEVERS if lever_applies(k, tier)}
        return self._defaults[tier]

    def check(self, view: View) -> str:
        """Why a view cannot run ("" if it can): its limits, then its configs composed and validated."""
        if view.region not in self.limits.regions or not MIN_SEEDS <= view.seeds <= self.limits.max_seeds:
            return (f"this server runs regions {', '.join(self.limits.regions)} with {MIN_SEEDS} to "
                    f"{self.limits.max_seeds} seeds")
        if view.reform_title() == TIER_TITLES[view.baseline]:
            return "the reform is the baseline: choose another tier, move a lever or switch a mechanism off"
        try:
            with _COMPOSE:
                for group in ("baseline", "reform"):
                    compose_config(overrides(view, group, 1))
        except ConfigError as err:
            return f"refused: {err}"
        return ""

    def submit(self, view: View, owner: str) -> Job:
        from coopsim.explore.views import compare_view

        return self.runner.submit(view, owner, lambda tables: compare_view(view, tables))


_STATE: ServerState | None = None


def current() -> ServerState:
    """The server's state (a default one when the page is served by ``solara run`` directly)."""
    global _STATE
    if _STATE is None:
        _STATE = ServerState()
    return _STATE


def configure(state: ServerState) -> None:
    global _STATE
    _STATE = state


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="coopsim-explore", formatter_class=PlainHelp,
        description="The live explorer: compare a baseline and a reform in the browser, on common random "
                    "numbers, with progress, intervals, who gains and the public money; open finished sweeps. "
                    "The settings live in the URL.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 opens it to the network)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--results", type=Path, default=Path("results"),
                   help="where the finished sweeps are listed from (default results)")
    p.add_argument("--max-region", choices=REGIONS, default="small",
                   help="the largest region a visitor may run (default small)")
    p.add_argument("--max-seeds", type=int, default=5, help="the most seeds a comparison may have (default 5)")
    p.add_argument("--max-waiting", type=int, default=2,
                   help="comparisons that may wait behind the running one (default 2)")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="worker processes running the simulations (default: 2, or 1 on one core)")
    return p


@console_script("coopsim-explore")
def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    for flag, value, least in (("--max-seeds", args.max_seeds, MIN_SEEDS), ("--workers", args.workers, 1),
                               ("--max-waiting", args.max_waiting, 0)):
        if value < least:
            parser().error(f"{flag} {value}: must be at least {least}")
    # the page reads the state from this module by its name (under ``python -m`` this code runs as __main__)
    from coopsim.explore import server

    server.configure(ServerState(Limits(args.max_region, args.max_seeds, args.max_waiting), args.results,
                                 args.workers))
    os.environ["SOLARA_APP"] = "coopsim.explore.app"
    os.environ.setdefault("SOLARA_MODE", "production")
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    import uvicorn

    print(f"coopsim-explore: http://{args.host}:{args.port}/ (regions up to {args.max_region}, at most "
          f"{args.max_seeds} seeds; Ctrl-C stops it)", flush=True)
    try:
        uvicorn.run("solara.server.starlette:app", host=args.host, port=args.port, log_level="warning")
    finally:
        server.current().runner.shutdown()
    sys.exit(0)


if __name__ == "__main__":
    main()
