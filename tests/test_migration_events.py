"""Migration in event time (issue 16): the Spring Festival by its date, journeys home and back over weeks,
departures after the festival, job search with durations, a city crisis and a travel stop week by week."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coopsim.config import ConfigError
from coopsim.run import simulate
from tests.conftest import run_config

SMALL = ("region=small", "tier=none", "years=4", "progress=never", "resilience=false", "household_table=false")


def weeks(*overrides: str) -> pd.DataFrame:
    return simulate(run_config(*SMALL, *overrides))["region_week"].set_index("date")


@pytest.fixture(scope="module")
def baseline() -> pd.DataFrame:
    return weeks()


def test_migrants_go_home_in_the_weeks_before_the_festival_and_back_after_it(baseline: pd.DataFrame) -> None:
    for festival in ("2019-02-05", "2020-01-25"):
        day = pd.Timestamp(festival)
        around = baseline.loc[day - pd.Timedelta(days=70): day + pd.Timedelta(days=70), "away_share"]
        low = around.idxmin()
        assert abs((low - day).days) <= 7  # the fewest away in the festival's week
        assert around.min() < 0.4 * around.iloc[0]
        before = baseline.loc[day - pd.Timedelta(days=28): day, "workers_home_for_festival"]
        assert before.is_monotonic_increasing and before.iloc[0] < 0.5 * before.iloc[-1]  # spread over weeks
        after = baseline.loc[day: day + pd.Timedelta(days=49), "workers_home_for_festival"]
        assert after.is_monotonic_decreasing and after.iloc[-1] == 0  # back over five weeks
        # 2019's festival a week and a half later than 2020's: its low comes later in the year
    lows = [baseline.loc[f"{y}-01-01":f"{y}-03-31", "away_share"].idxmin().day_of_year for y in (2019, 2020)]
    assert lows[0] > lows[1] + 5


def test_departures_wait_for_the_festival_to_pass(baseline: pd.DataFrame) -> None:
    m = simulate(run_config(*SMALL))["region_month"]
    jan, mar = m[m.month == 1]["left"].to_numpy()[1:], m[m.month == 3]["left"].to_numpy()[1:]  # after the first year
    assert (jan < 0.5 * mar).all()


def test_a_city_crisis_sends_the_jobless_searching_then_home_week_by_week(baseline: pd.DataFrame) -> None:
    crisis = weeks("scenario=city_crisis", "years=7")
    base = weeks("years=7")
    onset = pd.Timestamp("2022-10-01")
    searching = crisis["workers_searching"] - base["workers_searching"]
    home = crisis["workers_home"] - base["workers_home"]
    before = onset - pd.Timedelta(days=7)  # a week's row counts at its end: the last week before the onset
    assert (searching.loc[:before] == 0).all() and (home.loc[:before] == 0).all()  # the same until the onset
    peak = searching.loc[onset:].idxmax()
    assert peak < onset + pd.Timedelta(days=120) and searching.max() > 10 * base["workers_searching"].loc[:onset].iloc[-1]
    # those who find nothing come home about eight weeks after they lose the job
    assert home.loc[onset + pd.Timedelta(days=56): onset + pd.Timedelta(days=120)].mean() > \
        2 * home.loc[onset: onset + pd.Timedelta(days=28)].mean()


def test_a_travel_stop_keeps_the_festival_visitors_home_until_travel_opens(baseline: pd.DataFrame) -> None:
    stop = weeks("scenario=lockdown_return")
    visitors = stop.loc["2020-02-01":"2020-04-30", "workers_home_for_festival"]
    assert visitors.min() > 0.5 * visitors.max()  # stuck at home through the stop (February to April)
    assert baseline.loc["2020-03-15":"2020-04-30", "workers_home_for_festival"].max() == 0
    after = stop.loc["2020-05-01":"2020-07-15", "workers_home_for_festival"]
    assert after.iloc[0] > 0 and after.iloc[-1] == 0 and (after.diff().dropna() <= 0).all()  # back over weeks


def test_the_weekly_and_monthly_tables_agree_at_month_ends() -> None:
    t = simulate(run_config(*SMALL))
    w, m = t["region_week"].set_index("date"), t["region_month"]
    total = m["workers"].iloc[0]
    for _, row in m.iloc[::5].iterrows():
        end = pd.Timestamp(year=int(row.year), month=int(row.month), day=1) + pd.offsets.MonthEnd(0)
        week = w.loc[:end].iloc[-1]  # the last week end in the month
        assert abs(week["away_share"] - row["workers_away"] / total) < 0.15


def test_a_run_year_without_a_festival_date_stops_before_the_run() -> None:
    with pytest.raises(ConfigError, match="has no date for 2031"):
        run_config(*SMALL, "start_year=2028", "years=3")
    with pytest.raises(ConfigError, match="must be a date of January or February"):
        run_config(*SMALL, "labour.spring_festival_by_year.2019=03-05")
    assert np.datetime64("2019-02-05") - np.datetime64("2019-01-01") == np.timedelta64(35, "D")
