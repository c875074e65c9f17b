"""Statistical baselines with the forecaster interface of `RNNForecaster`.

`Naive`, `SeasonalNaive` and `Drift` are computed here in a few lines of NumPy
(they equal statsmodels' ARIMA(0,1,0), seasonal ARIMA(0,0,0)(0,1,0,m) and
ARIMA(0,1,0) with drift), and so is `Naive2`, the M4 competition's reference
(the naive forecast of the series adjusted by `seasonal_indices` when
`seasonality_test` finds it seasonal); `ARIMA`, `ETS` and `Theta` are thin
wrappers over statsmodels' ``ARIMA``, ``ETSModel`` and ``ThetaModel``. Every
baseline is a scikit-learn estimator with

- ``fit(y, exog=None)``: `y` a float Series with a regular `DatetimeIndex` (or
  a step-1 integer index), validated by `forecastrnn.checks.check_series`;
- ``predict(steps=None, exog=None, last_window=None)``: a float64 Series named
  like `y`, indexed by the next `steps` timestamps (``steps=None`` means one
  step; `RNNForecaster` defaults to its ``horizon`` instead);
- ``predict_interval(steps=None, coverage=0.9, ...)``: columns ``mean``,
  ``lower``, ``upper``;
- ``predict_quantiles(steps=None, quantiles=(0.1, 0.5, 0.9), ...)``: one
  column per quantile level.

`last_window` is the tail of a series sampled like `y` (often the same series,
later): the forecast starts after it and reuses the parameters estimated by
``fit`` without refitting them; each class says what it reuses. statsmodels is
called on positions (its own date handling is bypassed) and its warnings are
collected into a single `FitWarning` per call.

A series constant up to rounding (its range at most 1e-10 times its largest
magnitude) is never passed to statsmodels, whose optimisers fail on it (a
spurious trend, intervals 1e-5 wide, warnings): `ARIMA`, `ETS` and `Theta`
forecast it silently as `Naive` does, by its last value (see their ``naive_``).
Seasonal periods left as None come from `seasonal_period`.

This module gathers the baselines: the naive ones live in `forecastrnn.naive`
(with the shared `forecastrnn.naive.Baseline` shell), the statsmodels wrappers
in `forecastrnn.statistical`, and `seasonal_period` in `forecastrnn.calendar`.
"""

from forecastrnn.calendar import seasonal_period
from forecastrnn.naive import (
    Drift,
    Naive,
    Naive2,
    SeasonalNaive,
    seasonal_indices,
    seasonality_test,
)
from forecastrnn.statistical import ARIMA, ETS, FitWarning, Theta

__all__ = [
    "ARIMA",
    "ETS",
    "Drift",
    "FitWarning",
    "Naive",
    "Naive2",
    "SeasonalNaive",
    "Theta",
    "seasonal_indices",
    "seasonal_period",
    "seasonality_test",
]
