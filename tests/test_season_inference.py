"""The period ``RNNForecaster(season_length=None)`` follows, read from the
index or, on an integer index, found in the data."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecastrnn import seasons
from forecastrnn.seasons import infer_season_length, scale_period, series_season


def periodic(pattern, length, noise=0.0, seed=0, index=None):
    """``pattern`` repeated over ``length`` steps, plus Gaussian noise."""
    values = np.resize(np.asarray(pattern, float), length)
    values = values + noise * np.random.default_rng(seed).standard_normal(len(values))
    return pd.Series(values, index=index)


@settings(max_examples=40, deadline=None)
@given(
    pattern=st.lists(st.integers(-50, 50), min_size=2, max_size=24, unique=True).map(
        lambda xs: np.asarray(xs, float)
    ),
    length=st.integers(60, 200),
)
def test_a_repeating_pattern_on_an_integer_index_gives_its_period(pattern, length):
    # distinct values: no shorter period repeats them, and every multiple of
    # the period is exact too; the shortest one is chosen
    y = periodic(pattern, length)
    assert infer_season_length([y], window_size=24, horizon=6) == len(pattern)


def test_noisy_cycles_are_found_and_their_absence_gives_one():
    rng = np.random.default_rng(1)
    t = np.arange(900)
    daily = pd.Series(10 + np.sin(2 * np.pi * t / 24) + 0.2 * rng.standard_normal(900))
    assert infer_season_length([daily], window_size=48, horizon=48) == 24
    # the period must fit in the window
    assert infer_season_length([daily], window_size=12, horizon=48) != 24
    walk = pd.Series(np.cumsum(rng.standard_normal(900)))
    noise = pd.Series(rng.standard_normal(900))
    trend = pd.Series(0.5 * t + rng.standard_normal(900))
    constant = pd.Series(np.full(900, 3.0))
    for y in (walk, noise, trend, constant):
        assert infer_season_length([y], window_size=48, horizon=48) == 1
    # a panel's period is the one its cyclic series follow, however few;
    # each series then takes it or 1 on its own test
    assert infer_season_length([daily, walk, daily], 48, 48) == 24
    assert infer_season_length([walk, noise, daily], 48, 48) == 24
    assert infer_season_length([walk, noise, trend], 48, 48) == 1
    # (white noise scores about 1 either way: a coin toss, harmless)
    assert [series_season(y, 24, 48) for y in (daily, walk, trend)] == [24, 1, 1]
    # a window of one step has no period to try, a short series no origin
    assert infer_season_length([daily], window_size=1, horizon=4) == 1
    assert infer_season_length([daily.iloc[:30]], window_size=24, horizon=12) == 1


def test_gaps_are_read_interpolated_and_nothing_is_modified():
    y = periodic(np.arange(7.0) ** 2, 280, noise=0.1)
    y.iloc[[10, 50, 51, 200]] = np.nan
    before = y.copy()
    assert infer_season_length([y], window_size=14, horizon=7) == 7
    pd.testing.assert_series_equal(y, before)


def test_dated_series_keep_the_frequency_rule():
    # the same daily values on a daily index: no universal cycle, 1; hourly:
    # the day; integer: found in the data
    t = np.arange(600)
    values = np.sin(2 * np.pi * t / 24) + 0.1 * np.random.default_rng(
        2
    ).standard_normal(600)
    days = pd.Series(values, pd.date_range("2020-01-01", periods=600, freq="D"))
    hours = pd.Series(values, pd.date_range("2020-01-01", periods=600, freq="h"))
    assert infer_season_length([days], 48, 24) == 1
    assert infer_season_length([hours], 48, 24) == 24
    assert infer_season_length([pd.Series(values)], 48, 24) == 24
    # a weekly pattern in daily data is not guessed on a date index
    weekly = periodic(np.arange(7.0), 560, index=days.index[:560])
    assert infer_season_length([weekly], 14, 7) == 1
    assert infer_season_length([weekly.reset_index(drop=True)], 14, 7) == 7


def test_the_panel_takes_the_period_most_of_its_cyclic_series_follow():
    fives = periodic(np.arange(5.0), 150, noise=0.05)
    sevens = periodic(np.arange(7.0) ** 2, 150, noise=0.05, seed=1)
    flat = pd.Series(np.random.default_rng(3).standard_normal(150))
    assert infer_season_length([sevens, fives, flat, fives], 10, 5) == 5
    # a tie goes to the shorter period
    assert infer_season_length([sevens, fives, flat], 10, 5) == 5
    assert infer_season_length([sevens, flat, flat], 10, 5) == 7


def test_a_large_panel_is_sampled_evenly(monkeypatch):
    cyclic = periodic(np.arange(5.0), 150, noise=0.05)
    flat = pd.Series(np.random.default_rng(3).standard_normal(150))
    panel = [flat, cyclic, flat, cyclic, flat]
    assert infer_season_length(panel, window_size=10, horizon=5) == 5
    # over SEASON_SERIES = 3 the even sample is the first, middle and last
    monkeypatch.setattr(seasons, "SEASON_SERIES", 3)
    assert infer_season_length(panel, window_size=10, horizon=5) == 1


def test_a_series_follows_its_panel_s_period_only_if_it_beats_the_naive_one():
    hours = pd.date_range("2020-01-01", periods=600, freq="h")
    rng = np.random.default_rng(4)
    t = np.arange(600)
    cycle = np.sin(2 * np.pi * t / 24)
    daily = pd.Series(cycle + 0.1 * rng.standard_normal(600), hours)
    smooth = pd.Series(np.cumsum(rng.standard_normal(600)), hours)
    assert infer_season_length([smooth, smooth, daily], 48, 24) == 24
    assert infer_season_length([smooth, smooth], 48, 24) == 1
    assert series_season(daily, 24, 24) == 24
    assert series_season(smooth, 24, 24) == 1
    assert series_season(daily, 1, 24) == 1
    # too short or too flat to tell: the panel's period
    assert series_season(daily.iloc[:30], 24, 24) == 24
    assert series_season(pd.Series(np.full(100, 2.0)), 24, 24) == 24
    with pytest.raises(ValueError, match="`period` must be a positive"):
        series_season(daily, 0, 24)


def test_bad_arguments_are_named():
    y = periodic(np.arange(5.0), 100)
    with pytest.raises(ValueError, match="`series` is empty"):
        infer_season_length([], window_size=10, horizon=5)
    with pytest.raises(ValueError, match="`window_size` must be a positive"):
        infer_season_length([y], window_size=0, horizon=5)
    with pytest.raises(TypeError, match="`horizon` must be a positive integer"):
        infer_season_length([y], window_size=10, horizon=2.5)


def test_the_mase_scale_takes_the_day_of_sub_daily_data():
    hours = pd.date_range("2020-01-01", periods=10, freq="h")
    assert scale_period(hours, 1) == 24  # whether or not the data follow it
    assert scale_period(hours, 24) == 24
    assert scale_period(pd.date_range("2020-01-01", periods=10, freq="30min"), 1) == 48
    # no day to take: the season
    assert scale_period(pd.date_range("2020-01-01", periods=10, freq="D"), 1) == 1
    assert scale_period(pd.date_range("2020-01-01", periods=10, freq="7h"), 1) == 1
    assert scale_period(pd.RangeIndex(10), 12) == 12
    assert scale_period(pd.RangeIndex(10), 1) == 1
    with pytest.raises(ValueError, match="`season_length` must be a positive integer"):
        scale_period(pd.RangeIndex(10), 0)
