"""Tests for forecastrnn.datasets: bundled data, calendars, DST repair."""

import numpy as np
import pandas as pd
import pytest

from forecastrnn.calendar import future_index
from forecastrnn.checks import check_series
from forecastrnn.datasets import (
    NYSE_TRADING_DAY,
    NYSECalendar,
    list_datasets,
    load_energy,
    load_stock,
    load_weather,
)

STOCK_COLUMNS = ["open", "high", "low", "close", "volume", "adj_close"]
SPRING = ["2012-03-25 01:00", "2013-03-31 01:00", "2014-03-30 01:00"]
AUTUMN = ["2012-10-28 01:00", "2013-10-27 01:00", "2014-10-26 01:00"]


@pytest.mark.parametrize(
    ("ticker", "rows", "first"),
    [
        ("AAPL", 3270, "2000-03-01"),
        ("GOOG", 2148, "2004-08-19"),
        ("IBM", 3270, "2000-03-01"),
        ("MSFT", 3270, "2000-03-01"),
    ],
)
def test_load_stock(ticker, rows, first):
    df = load_stock(ticker)
    assert list(df.columns) == STOCK_COLUMNS and len(df) == rows
    assert (df.dtypes == np.float64).all() and not df.isna().any().any()
    assert df.index[0] == pd.Timestamp(first)
    assert df.index[-1] == pd.Timestamp("2013-03-01")
    assert df.index.name == "date" and df.index.freq == NYSE_TRADING_DAY
    # The dates are exactly the NYSE trading days of the period.
    expected = pd.date_range(first, "2013-03-01", freq=NYSE_TRADING_DAY)
    assert df.index.equals(expected)
    assert check_series(df["adj_close"]).index.freq == NYSE_TRADING_DAY


def test_load_stock_ticker_is_case_insensitive_and_checked():
    assert load_stock("msft").equals(load_stock("MSFT"))
    with pytest.raises(ValueError, match=r"`ticker` must be one of \['AAPL'.*got 'FB'"):
        load_stock("FB")


def test_each_call_returns_a_fresh_frame():
    df = load_stock("IBM")
    df.iloc[0, 0] = -1.0
    df["extra"] = 1.0
    again = load_stock("IBM")
    assert again.iloc[0, 0] == 102.0 and "extra" not in again
    energy = load_energy()
    energy["load_kw"] *= 0
    assert load_energy()["load_kw"].iloc[0] > 1000


def test_nyse_calendar_rules():
    days = NYSECalendar().holidays("1997-01-01", "2025-12-31")
    for closed in [
        "2001-09-11",  # September 11
        "2004-06-11",  # Reagan
        "2004-12-24",  # Christmas on a Saturday -> Friday
        "2007-01-02",  # Ford
        "2009-07-03",  # Independence Day on a Saturday -> Friday
        "2012-01-02",  # New Year's Day on a Sunday -> Monday
        "2012-10-30",  # Hurricane Sandy
        "2013-03-29",  # Good Friday
        "2022-06-20",  # Juneteenth on a Sunday -> Monday
        "2025-01-09",  # Carter
    ]:
        assert pd.Timestamp(closed) in days, closed
    for open_day in [
        "1997-01-20",  # MLK Day, observed by NYSE only from 1998
        "2010-12-31",  # New Year's Day 2011 on a Saturday: no make-up day
        "2021-06-18",  # Juneteenth only from 2022
    ]:
        assert pd.Timestamp(open_day) not in days, open_day
    assert len(NYSECalendar().holidays("2013-01-01", "2013-12-31")) == 9


def test_stock_future_index_is_next_trading_days():
    out = future_index(load_stock("GOOG").index, 20)
    assert out[0] == pd.Timestamp("2013-03-04")
    assert out[-1] == pd.Timestamp("2013-04-01")  # skips Good Friday 2013-03-29


def test_load_weather():
    df = load_weather()
    assert df.shape == (43824, 7) and (df.dtypes == np.float64).all()
    assert list(df.columns) == [
        "temp_c", "dewpoint_c", "pressure_hpa", "wind_speed_cum_ms",
        "snow_hours_cum", "rain_hours_cum", "pm25_ugm3",
    ]  # fmt: skip
    assert df.index[0] == pd.Timestamp("2010-01-01 00:00")
    assert df.index[-1] == pd.Timestamp("2014-12-31 23:00")
    assert df.index.freqstr == "h" and df.index.name == "datetime"
    pm25 = df["pm25_ugm3"]
    assert pm25.isna().sum() == 2067 and pm25.iloc[:24].isna().all()
    assert not df.drop(columns="pm25_ugm3").isna().any().any()
    with pytest.raises(ValueError, match=r"`y` has 2067 missing values \(NaN\)"):
        check_series(pm25)


def test_load_energy_shape_and_index():
    df = load_energy()
    assert df.shape == (26304, 1) and list(df.columns) == ["load_kw"]
    assert df["load_kw"].dtype == np.float64 and not df.isna().any().any()
    assert df.index[0] == pd.Timestamp("2012-01-01 00:00")
    assert df.index[-1] == pd.Timestamp("2014-12-31 23:00")
    assert df.index.freqstr == "h"


def test_energy_dst_repair_changes_exactly_six_hours():
    raw = load_energy(repair_dst=False)["load_kw"]
    fixed = load_energy()["load_kw"]
    changed = raw.index[raw.to_numpy() != fixed.to_numpy()]
    assert list(changed) == sorted(pd.DatetimeIndex(SPRING + AUTUMN))
    hour = pd.Timedelta(hours=1)
    for ts in map(pd.Timestamp, SPRING):
        assert raw[ts] < 60.0
        assert fixed[ts] == pytest.approx((raw[ts - hour] + raw[ts + hour]) / 2)
    for ts in map(pd.Timestamp, AUTUMN):
        assert raw[ts] > 2700.0 and fixed[ts] == pytest.approx(raw[ts] / 2)


def test_list_datasets_matches_loaders():
    table = list_datasets()
    assert list(table.columns) == [
        "name", "loader", "domain", "frequency", "rows", "columns", "start", "end",
        "licence",
    ]  # fmt: skip
    rows = dict(zip(table["name"], table["rows"], strict=True))
    assert rows == {
        "stock:AAPL": 3270,
        "stock:GOOG": 2148,
        "stock:IBM": 3270,
        "stock:MSFT": 3270,
        "weather": 43824,
        "energy": 26304,
    }
    assert table["licence"].str.len().gt(0).all()
    assert set(table["domain"]) == {"stock", "weather", "energy"}
