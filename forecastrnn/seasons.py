"""The periods a forecaster follows: the season of its reference and of its scale.

``RNNForecaster(season_length=None)`` reads its panel's period from the
index (the day of sub-daily data) or, on an integer index, finds it in the
data (`infer_season_length`); each series follows it if its seasonal naive
forecast beats the naive one in sample, else forecasts relative to its
newest value (`series_season`). ``scaler="mase"`` divides each series by its
seasonal naive error at the lag `scale_period` gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .checks import check_int
from .series_inputs import fill_gaps

__all__ = [
    "SEASON_EVIDENCE",
    "SEASON_ORIGINS",
    "SEASON_SERIES",
    "SEASON_TIES",
    "infer_season_length",
    "scale_period",
    "series_season",
]

# How far below the naive forecast's in-sample error a period found in the
# data of an integer-indexed series must bring the seasonal naive forecast's
# to count as a cycle: each of the periods tried has a chance of scoring a
# little under 1 on a series without one.
SEASON_EVIDENCE = 0.9

# The forecast origins at most that measure the in-sample errors of one
# series when looking for a period in its data (evenly spread over it): the
# search tries every period up to the window's length.
SEASON_ORIGINS = 256
SEASON_SERIES = 1000  # and the series at most, for a panel
SEASON_TIES = 1.1  # periods whose errors are this close to the best tie


def infer_season_length(series, window_size: int, horizon: int) -> int:
    """The panel's period: the one ``RNNForecaster(season_length=None)``
    follows in the series that follow it (:func:`series_season`).

    - Sub-daily series: the steps in a day (at most ``window_size``) if the
      seasonal naive forecast of that period beats the naive one in sample
      over ``horizon`` steps in at least one series, else 1.
    - Daily and longer frequencies: 1 (no universal cycle).
    - Integer indexes (no frequency to read, as in M4's files): each series'
      own period, the one from 2 to ``window_size`` whose seasonal naive
      forecast has the lowest in-sample error relative to the naive one, if
      below ``SEASON_EVIDENCE`` (the shortest of those within
      ``SEASON_TIES`` of the lowest, since a cycle's multiples forecast
      about as well); the panel's is the one most of its series with a
      period have (the shorter on a tie), over at most ``SEASON_SERIES``
      series evenly spread; 1 if none has one.

    Parameters
    ----------
    series : iterable of pandas.Series
        The training series (NaN allowed: they are interpolated).
    window_size, horizon : int

    Returns
    -------
    int
        ``season_length_`` of ``RNNForecaster(season_length=None)``.

    Examples
    --------
    >>> t = np.arange(400)
    >>> day = pd.Series(np.sin(2 * np.pi * t / 24))
    >>> walk = pd.Series(np.cumsum(np.random.default_rng(0).normal(size=400)))
    >>> infer_season_length([day, walk, walk], window_size=48, horizon=24)
    24
    >>> series_season(day, 24, 24), series_season(walk, 24, 24)
    (24, 1)
    """
    window_size = check_int(window_size, "window_size")
    horizon = check_int(horizon, "horizon")
    series = list(series)
    if not series:
        raise ValueError(
            "`series` is empty: pass the training series (an iterable of "
            "pandas.Series) whose period to infer."
        )
    if len(series) > SEASON_SERIES:  # an even sample bounds the time a panel takes
        series = [
            series[i]
            for i in np.linspace(0, len(series) - 1, SEASON_SERIES).astype(int)
        ]
    index = series[0].index
    if not isinstance(index, pd.DatetimeIndex):
        return _period_in_data(series, window_size, horizon)
    m = _steps_per_day(index)
    if m == 1 or m > window_size:
        return 1
    ratios = [_seasonal_errors(fill_gaps(y).to_numpy(float), [m], horizon)[0]
              for y in series]
    return m if min(ratios) < 1 else 1


def series_season(y: pd.Series, period: int, horizon: int) -> int:
    """The period one series follows of its panel's ``period``: ``period``
    if its seasonal naive forecast has a lower in-sample error than the
    naive one over ``horizon`` steps (or the series is too short or too flat
    to tell), else 1.

    Parameters
    ----------
    y : pandas.Series
        The series (NaN allowed: interpolated).
    period : int
        The panel's period (:func:`infer_season_length`).
    horizon : int

    Returns
    -------
    int
        ``period`` or 1.
    """
    period = check_int(period, "period")
    horizon = check_int(horizon, "horizon")
    if period == 1:
        return 1
    ratio = _seasonal_errors(fill_gaps(y).to_numpy(float), [period], horizon)[0]
    return 1 if np.isfinite(ratio) and ratio >= 1 else period


def scale_period(index: pd.Index, season_length: int) -> int:
    """The lag of ``RNNForecaster(scaler="mase")``'s scale: the steps in a day
    for sub-daily dates, whether or not the series follow the day (MASE's
    ``m`` for hourly data, as M4 takes it), else ``season_length``.

    Examples
    --------
    >>> hours = pd.date_range("2024-01-01", periods=3, freq="h")
    >>> scale_period(hours, 1), scale_period(pd.RangeIndex(3), 7)
    (24, 7)
    """
    season_length = check_int(season_length, "season_length")
    if isinstance(index, pd.DatetimeIndex) and _steps_per_day(index) > 1:
        return _steps_per_day(index)
    return season_length


def _steps_per_day(index: pd.DatetimeIndex) -> int:
    """The steps in a day of a sub-daily frequency that divides it, else 1."""
    try:
        nanos = None if index.freq is None else index.freq.nanos
    except (AttributeError, ValueError):  # calendar frequencies: months, days off
        nanos = None
    day = pd.Timedelta(days=1).value
    if nanos is None or nanos >= day or day % nanos:
        return 1
    return day // nanos


def _period_in_data(series: list, window_size: int, horizon: int) -> int:
    """The period of :func:`infer_season_length` for integer indexes."""
    periods = np.arange(2, window_size + 1)
    if len(periods) == 0:
        return 1
    found = []
    for y in series:
        ratios = _seasonal_errors(
            fill_gaps(y).to_numpy(float), periods, horizon, SEASON_ORIGINS
        )
        if ratios.min() < SEASON_EVIDENCE:
            # a cycle's multiples forecast about as well: the shortest
            # period within SEASON_TIES of the best (rounding aside, for an
            # exact cycle)
            near = ratios <= ratios.min() * SEASON_TIES + 1e-9
            found.append(periods[np.argmax(near)])
    if not found:
        return 1
    values, counts = np.unique(found, return_counts=True)
    return int(values[np.argmax(counts)])  # the shorter on a tie


def _seasonal_errors(
    values: np.ndarray, periods, horizon: int, max_origins: int | None = None
) -> np.ndarray:
    """In-sample mean absolute error of the seasonal naive forecast of each
    period over ``horizon`` steps, relative to the naive forecast's, from the
    same origins (every one after the longest period's first season, or
    ``max_origins`` of them evenly spread); below 1: the cycle is worth
    following."""
    periods = np.asarray(periods)
    origins = np.arange(periods.max() - 1, len(values) - horizon)
    if len(origins) == 0:
        return np.full(len(periods), np.inf)
    if max_origins is not None and len(origins) > max_origins:
        origins = origins[np.linspace(0, len(origins) - 1, max_origins).astype(int)]
    k = np.arange(horizon)
    target = values[origins[:, None] + 1 + k]
    naive = np.abs(target - values[origins, None]).sum()
    if not naive > 0:
        return np.full(len(periods), np.inf)
    errors = [
        np.abs(target - values[origins[:, None] + k % m + 1 - m]).sum() for m in periods
    ]
    return np.asarray(errors) / naive
