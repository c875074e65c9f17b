"""Tests for forecastrnn.calendar: future timestamps and calendar features."""

import numpy as np
import pandas as pd
import pytest

from forecastrnn.calendar import (
    auto_calendar,
    calendar_features,
    future_index,
    seasonal_period,
)
from forecastrnn.datasets import NYSE_TRADING_DAY, NYSECalendar, load_stock

# ---------------------------------------------------------------- future_index


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (
            pd.date_range("2024-03-30 22:00", periods=2, freq="h"),
            ["2024-03-31 00:00", "2024-03-31 01:00"],
        ),
        (
            pd.date_range("2024-02-27", periods=2, freq="D"),
            ["2024-02-29", "2024-03-01"],
        ),
        (
            pd.date_range("2024-01-04", periods=2, freq="B"),
            ["2024-01-08", "2024-01-09"],
        ),
    ],
)
def test_future_index_continues_freq(index, expected):
    out = future_index(index, 2)
    assert list(out) == list(pd.DatetimeIndex(expected)) and out.freq == index.freq


def test_future_index_skips_nyse_holidays():
    index = load_stock("AAPL").index  # ends Friday 2013-03-01
    out = future_index(index, 20)
    # 19 trading days from 4 to 28 March, then Good Friday 2013-03-29 is skipped.
    assert out[0] == pd.Timestamp("2013-03-04") and out[-1] == pd.Timestamp(
        "2013-04-01"
    )
    assert pd.Timestamp("2013-03-29") not in out and out.freq == NYSE_TRADING_DAY
    march = pd.date_range("2013-03-25", "2013-03-28", freq=NYSE_TRADING_DAY)
    assert list(future_index(march, 2).strftime("%m-%d")) == ["04-01", "04-02"]
    christmas = pd.date_range("2012-12-20", "2012-12-21", freq=NYSE_TRADING_DAY)
    assert list(future_index(christmas, 2).strftime("%m-%d")) == ["12-24", "12-26"]


def test_future_index_integers_and_timezone():
    assert list(future_index(pd.RangeIndex(5), 2)) == [5, 6]
    assert list(future_index(pd.RangeIndex(0, 10, 5), 2)) == [10, 15]
    assert list(future_index(pd.Index([7, 8]), 1)) == [9]
    tz = pd.date_range("2024-01-01", periods=2, freq="h", tz="Europe/Lisbon")
    assert future_index(tz, 1).tz == tz.tz


@pytest.mark.parametrize(
    ("index", "steps", "error", "match"),
    [
        (pd.RangeIndex(3), 0, ValueError, "`steps` must be a positive integer; got 0"),
        (
            pd.RangeIndex(3),
            2.0,
            TypeError,
            r"`steps` must be a positive integer; got 2.0 \(float\)",
        ),
        (pd.RangeIndex(0), 1, ValueError, "`index` is empty"),
        (
            pd.DatetimeIndex(["2024-01-01", "2024-01-03"]),
            1,
            ValueError,
            "`index` has no frequency",
        ),
        (
            pd.Index(["a", "b"]),
            1,
            TypeError,
            "DatetimeIndex or an integer index; got Index",
        ),
    ],
)
def test_future_index_errors(index, steps, error, match):
    with pytest.raises(error, match=match):
        future_index(index, steps)


# ---------------------------------------------------------------- calendar


def test_calendar_features_values_and_holidays():
    index = pd.date_range("2024-12-31 00:00", periods=30, freq="6h")
    cal = calendar_features(index, holidays=NYSECalendar())
    assert list(cal.columns) == [
        "hour_sin", "hour_cos", "day_of_week_sin", "day_of_week_cos",
        "day_of_year_sin", "day_of_year_cos", "holiday",
    ]  # fmt: skip
    np.testing.assert_allclose(cal["hour_sin"].iloc[:4], [0, 1, 0, -1], atol=1e-12)
    np.testing.assert_allclose(
        cal.loc["2025-01-01 00:00", "day_of_year_sin"], 0.0, atol=1e-12
    )
    # 2024 is a leap year: 31 December is day 366 of 366.
    np.testing.assert_allclose(
        cal.iloc[0]["day_of_year_sin"], np.sin(2 * np.pi * 365 / 366)
    )
    assert cal["holiday"].sum() == 4 and cal.loc["2025-01-01", "holiday"].eq(1.0).all()
    assert (cal.dtypes == np.float64).all()


def test_calendar_features_errors():
    with pytest.raises(
        TypeError, match="`index` must be a DatetimeIndex; got RangeIndex"
    ):
        calendar_features(pd.RangeIndex(3))
    with pytest.raises(
        ValueError, match=r"`features` must be a tuple drawn from .*got \('minute',\)"
    ):
        calendar_features(pd.date_range("2024-01-01", periods=2), ("minute",))


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (pd.date_range("2024-01-01", periods=3, freq="h"), ("hour", "day_of_week")),
        (pd.date_range("2024-01-01", periods=3, freq="15min"), ("hour", "day_of_week")),
        (pd.date_range("2024-01-01", periods=3, freq="D"), ("day_of_week",)),
        (pd.date_range("2024-01-01", periods=3, freq="2D"), ()),
        (pd.date_range("2024-01-01", periods=3, freq="B"), ()),
        (pd.date_range("2024-01-01", periods=3, freq="W"), ()),
        (pd.date_range("2024-01-01", periods=3, freq="MS"), ()),
        (load_stock("AAPL").index, ()),
        (pd.DatetimeIndex(["2024-01-01", "2024-01-03"]), ()),  # no freq
        (pd.RangeIndex(5), ()),
    ],
)
def test_auto_calendar_takes_the_cycles_the_frequency_resolves(index, expected):
    assert auto_calendar(index) == expected
    if expected:
        assert calendar_features(index, expected).shape == (
            len(index),
            2 * len(expected),
        )


# ----------------------------------------- seasonal_period (issue 16, item 3)


@pytest.mark.parametrize(
    ("freq", "period"),
    [
        ("h", 24), ("2h", 12), ("3h", 8), ("15min", 96), ("30min", 48),
        ("min", 1440), ("5h", 24), ("24h", 7), ("s", 3600), ("ms", 1),
        ("D", 7), ("2D", 7), ("B", 5), ("W", 52), ("2W", 26), ("14D", 26),
        ("MS", 12), ("ME", 12), ("2MS", 6), ("5MS", 12), ("QS", 4), ("2QE", 2),
        ("YS", 1), ("SMS", 24),
    ],
)  # fmt: skip
def test_seasonal_period_follows_the_step(freq, period):
    index = pd.date_range("2024-01-01", periods=3, freq=freq)
    assert seasonal_period(index) == period


def test_seasonal_period_of_other_indexes():
    assert seasonal_period(pd.RangeIndex(10)) == 1
    assert seasonal_period(pd.period_range("2024-01", periods=3, freq="M")) == 12
    with pytest.raises(ValueError, match=r"`index` has no frequency.*asfreq"):
        seasonal_period(pd.DatetimeIndex(["2024-01-01", "2024-01-03"]))
    with pytest.raises(
        ValueError, match=r"`index` has frequency 'C', which has no standard"
    ):
        seasonal_period(pd.date_range("2024-01-01", periods=3, freq="C"))
    with pytest.raises(TypeError, match=r"`index` must be a DatetimeIndex.*got Index"):
        seasonal_period(pd.Index([0.5, 1.5]))
