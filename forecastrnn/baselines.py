"""Statistical baselines with the forecaster interface of `RNNForecaster`.

`Naive`, `SeasonalNaive` and `Drift` are computed here in a few lines of NumPy
(they equal statsmodels' ARIMA(0,1,0), seasonal ARIMA(0,0,0)(0,1,0,m) and
ARIMA(0,1,0) with drift); `ARIMA`, `ETS` and `Theta` are thin wrappers over
statsmodels' ``ARIMA``, ``ETSModel`` and ``ThetaModel``. Every baseline is a
scikit-learn estimator with

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
"""

from __future__ import annotations

import inspect
import math
import numbers
import warnings
from collections import Counter

import numpy as np
import pandas as pd
from scipy.special import ndtri
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted
from statsmodels.tsa.arima.model import ARIMA as _StatsmodelsARIMA
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.forecasting.theta import ThetaModel, ThetaModelResults
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from forecastrnn.calendar import future_index
from forecastrnn.checks import (
    check_covariates,
    check_probability,
    check_quantiles,
    check_series,
)

__all__ = [
    "ARIMA",
    "ETS",
    "Drift",
    "FitWarning",
    "Naive",
    "SeasonalNaive",
    "Theta",
    "seasonal_period",
]

# Warnings about statsmodels' own code, not about the fit: passed through as they are.
_PASS_THROUGH = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


class FitWarning(UserWarning):
    """The warnings statsmodels raised during one fit or forecast, summarised once.

    A statsmodels optimiser can warn hundreds of times in one fit (convergence,
    non-stationary or non-invertible starting parameters, ...). A baseline
    records them and issues one `FitWarning` naming the model, the series, the
    number of warnings and the first message. Silence it with
    ``warnings.filterwarnings("ignore", category=FitWarning)``.
    """


# --------------------------------------------------------------------------
# Seasonal periods
# --------------------------------------------------------------------------

# Calendar offsets with multiplier 1: the steps in their natural cycle.
_CALENDAR_CYCLES = (
    ((pd.offsets.BusinessDay,), 5),  # a working week
    ((pd.offsets.Week,), 52),  # a year
    ((pd.offsets.SemiMonthBegin, pd.offsets.SemiMonthEnd), 24),
    ((pd.offsets.MonthBegin, pd.offsets.MonthEnd, pd.offsets.BMonthBegin,
      pd.offsets.BMonthEnd), 12),
    ((pd.offsets.QuarterBegin, pd.offsets.QuarterEnd, pd.offsets.BQuarterBegin,
      pd.offsets.BQuarterEnd), 4),
    ((pd.offsets.YearBegin, pd.offsets.YearEnd, pd.offsets.BYearBegin,
      pd.offsets.BYearEnd), 1),
)  # fmt: skip
_SECOND, _MINUTE, _HOUR, _DAY, _WEEK = (
    pd.Timedelta(1, unit) for unit in ("s", "min", "h", "D", "W")
)


def seasonal_period(index: pd.Index) -> int:
    """The seasonal period of a regular index: the steps in its natural cycle.

    The baselines use it when their period is None, and so does the
    ``forecastrnn`` command for its models and its MASE scale.

    Parameters
    ----------
    index : pandas.DatetimeIndex, pandas.PeriodIndex or integer index
        A regular index with a frequency (``index.freq``), such as the index
        of a series validated by `forecastrnn.checks.check_series`.

    Returns
    -------
    int
        The number of steps after which the series returns to the same phase
        of its natural cycle; 1 if it has none.

    Raises
    ------
    ValueError
        If `index` has no frequency, or one with no natural cycle in the table
        below (custom business days, business hours, week of month...).
    TypeError
        If `index` is neither a date nor an integer index.

    Notes
    -----
    The natural cycle depends on the step: steps under a minute follow the
    hour, steps under a day the day, longer steps the week, and steps of whole
    weeks the year of 52 weeks; business days follow the working week (5),
    semi-months, months and quarters the year (24, 12, 4), years nothing (1).
    With a cycle of ``C`` base units and a step of ``n`` units the period is
    ``C / gcd(C, n)``: ``C / n`` when ``n`` divides ``C`` (2h: 12, 15min: 96,
    3h: 8, 2 months: 6, 2 weeks: 26), and otherwise the few cycles after which
    the phase repeats (5h: 24 steps, five days; 2 days: 7 steps, two weeks).
    A step of a whole cycle (24h, 12 months) takes the next cycle (7, 1).
    Steps under a second and integer indexes have no cycle: 1.

    Examples
    --------
    >>> import pandas as pd
    >>> [seasonal_period(pd.date_range("2024", periods=3, freq=f))
    ...  for f in ("h", "2h", "15min", "D", "B", "W", "MS", "2MS", "QS", "YS")]
    [24, 12, 96, 7, 5, 52, 12, 6, 4, 1]
    """
    if pd.api.types.is_integer_dtype(index):
        return 1
    if not isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        raise TypeError(
            f"`index` must be a DatetimeIndex, a PeriodIndex or an integer index; "
            f"got {type(index).__name__}. Pass the index of the series."
        )
    offset = index.freq
    if offset is None:
        raise ValueError(
            "`index` has no frequency, so it has no seasonal period. Make it "
            "regular first, e.g. `y.asfreq('h')`."
        )
    if isinstance(offset, (pd.offsets.Tick, pd.offsets.Day)):
        return _duration_period(pd.Timedelta(offset))
    for kinds, cycle in _CALENDAR_CYCLES:
        # CustomBusinessDay subclasses BusinessDay but has its own week
        if type(offset) in kinds:
            return cycle // math.gcd(cycle, abs(offset.n))
    raise ValueError(
        f"`index` has frequency {offset.freqstr!r}, which has no standard seasonal "
        "period. Pass the period explicitly."
    )


def _duration_period(step: pd.Timedelta) -> int:
    """The seasonal period of a fixed step (see `seasonal_period`)."""
    if step < _SECOND:
        return 1
    if step % _WEEK == pd.Timedelta(0):
        return 52 // math.gcd(52, step // _WEEK)
    cycle = _HOUR if step < _MINUTE else _DAY if step < _DAY else _WEEK
    return cycle.value // math.gcd(cycle.value, step.value)


# --------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------


def _positional(y: pd.Series) -> pd.Series:
    """The values of `y` on a RangeIndex: statsmodels sees positions, not dates."""
    return pd.Series(y.to_numpy(), name=y.name)


def _series_label(name, n: int) -> str:
    """Describe a series for messages: its name and length."""
    label = "unnamed series" if name is None else f"series {name!r}"
    return f"{label}, {n} observations"


def _index_kind(index: pd.Index) -> str:
    """Describe the kind of a validated index for messages."""
    if isinstance(index, pd.DatetimeIndex):
        return f"a DatetimeIndex with frequency {index.freqstr!r}"
    return "an integer index"


def _check_period(value, name: str, index: pd.Index) -> int:
    """Return a seasonal period: `value`, or read from the frequency of `index`."""
    if value is None:
        if not isinstance(index, pd.DatetimeIndex):
            raise ValueError(
                f"`{name}` is None and `y` has an integer index, so the seasonal "
                f"period cannot be read from a frequency. Pass `{name}`, e.g. "
                f"{name}=24 for hourly data with a daily cycle."
            )
        try:
            return seasonal_period(index)
        except ValueError:
            raise ValueError(
                f"`{name}` is None and the frequency of `y`, {index.freqstr!r}, has "
                f"no standard seasonal period. Pass `{name}` explicitly."
            ) from None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(
            f"`{name}` must be a positive int or None; got {value!r}. Pass e.g. "
            f"{name}=24 for hourly data with a daily cycle, or None to read it "
            "from the frequency of `y`."
        )
    return int(value)


def _check_length(n: int, needed: int, name: str, why: str) -> None:
    """Raise ValueError if a series of `n` observations is shorter than `needed`."""
    if n < needed:
        raise ValueError(
            f"`{name}` has {n} observations; {why} needs at least {needed}. Pass a "
            f"longer `{name}`."
        )


# --------------------------------------------------------------------------
# The shared shell
# --------------------------------------------------------------------------


class _Baseline(BaseEstimator):
    """fit / predict / intervals shared by the baselines.

    A subclass implements ``_fit(y, exog)``, storing its learned ``*_``
    attributes, and ``_forecast(steps, context, exog_past, exog_future)``,
    returning the forecast mean and standard error, arrays of shape (steps,).
    ``context`` is None (forecast from the end of the training series) or the
    validated `last_window` on positions. One private base class is the
    exception to "one level of inheritance": six copies of this shell would drift.
    """

    _uses_exog = False

    def fit(self, y: pd.Series, exog: pd.DataFrame | None = None):
        """Fit the baseline to a series.

        Parameters
        ----------
        y : pandas.Series
            The target: float values on a regular `DatetimeIndex` (or a step-1
            integer index), no NaN.
        exog : pandas.DataFrame or pandas.Series, optional
            Exogenous variables with a row for every timestamp of `y` (matched by
            index label; extra rows are ignored). Only `ARIMA` uses them.

        Returns
        -------
        self
            The fitted baseline.

        Raises
        ------
        TypeError, ValueError
            If `y` or `exog` are invalid (the message says how to fix them), or
            `exog` is given to a model that cannot use it.
        ValueError, RuntimeError
            If statsmodels fails to fit; the message names the model, its
            parameters and the series.
        """
        y = check_series(y, name="y")
        exog_values, columns = None, None
        if exog is not None:
            self._check_uses_exog()
            frame = check_covariates(exog, y.index)
            exog_values = frame.to_numpy()
            columns = list(frame.columns)
        self._fit(y, exog_values)
        self.y_name_ = y.name
        self.index_ = y.index
        self.n_obs_ = len(y)
        self.exog_columns_ = columns
        return self

    def predict(self, steps=None, exog=None, last_window=None) -> pd.Series:
        """Forecast the next `steps` values.

        Parameters
        ----------
        steps : int, optional
            Number of steps ahead, at least 1. None means 1.
        exog : pandas.DataFrame or pandas.Series, optional
            Required if, and only if, the model was fit with `exog`: the same
            columns, with a row for every forecast timestamp (and for every
            timestamp of `last_window` when it is given), matched by label.
        last_window : pandas.Series, optional
            The tail of a series sampled like `y`. The forecast continues from
            its end with the parameters estimated by ``fit`` (see the class).

        Returns
        -------
        pandas.Series
            float64 forecasts named like `y`, indexed by the `steps` timestamps
            after the end of `y` (or of `last_window`).

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the baseline is not fitted.
        TypeError, ValueError
            If `steps`, `exog` or `last_window` are invalid.
        """
        index, mean, _ = self._forecast_distribution(steps, exog, last_window)
        return pd.Series(mean, index=index, name=self.y_name_, dtype=np.float64)

    def predict_interval(
        self, steps=None, coverage=0.9, exog=None, last_window=None
    ) -> pd.DataFrame:
        """Forecast with central Gaussian prediction intervals.

        Parameters
        ----------
        steps, exog, last_window
            As in `predict`.
        coverage : float, default=0.9
            Nominal probability that an observation falls inside its interval,
            strictly between 0 and 1.

        Returns
        -------
        pandas.DataFrame
            Columns ``mean``, ``lower``, ``upper`` (float64) on the index of
            `predict`: ``mean -/+ z * se`` with ``z`` the ``(1 + coverage) / 2``
            standard normal quantile.

        Raises
        ------
        TypeError, ValueError
            If `coverage` is not a float in (0, 1), or as `predict`.
        """
        coverage = check_probability(coverage, "coverage")
        index, mean, se = self._forecast_distribution(steps, exog, last_window)
        half = ndtri(0.5 + coverage / 2.0) * se
        return pd.DataFrame(
            {"mean": mean, "lower": mean - half, "upper": mean + half}, index=index
        )

    def predict_quantiles(
        self, steps=None, quantiles=(0.1, 0.5, 0.9), exog=None, last_window=None
    ) -> pd.DataFrame:
        """Forecast quantiles of the Gaussian forecast distribution.

        Parameters
        ----------
        steps, exog, last_window
            As in `predict`.
        quantiles : sequence of float, default=(0.1, 0.5, 0.9)
            Distinct levels strictly between 0 and 1.

        Returns
        -------
        pandas.DataFrame
            One float64 column per level, labelled by the level as a float, on
            the index of `predict`.

        Raises
        ------
        ValueError
            If `quantiles` is not a sequence of distinct levels in (0, 1), or
            as `predict`.
        """
        levels = check_quantiles(quantiles)
        index, mean, se = self._forecast_distribution(steps, exog, last_window)
        return pd.DataFrame(
            {q: mean + ndtri(q) * se for q in levels}, index=index, dtype=np.float64
        )

    # ---------------------------------------------------------------- helpers

    def _forecast_distribution(self, steps, exog, last_window):
        """Validate the predict arguments; return the index, mean and std error."""
        check_is_fitted(self)
        steps = 1 if steps is None else steps
        context = None
        if last_window is not None:
            context = self._check_last_window(last_window)
        index = future_index(self.index_ if context is None else context.index, steps)
        exog_past, exog_future = self._predict_exog(exog, context, index)
        if context is not None:
            context = _positional(context)
        mean, se = self._forecast(int(steps), context, exog_past, exog_future)
        return index, np.asarray(mean, dtype=np.float64), np.asarray(se, np.float64)

    def _check_last_window(self, last_window) -> pd.Series:
        """Validate `last_window` and require an index like the training one."""
        window = check_series(last_window, name="last_window")
        train, new = self.index_, window.index
        same_kind = isinstance(train, pd.DatetimeIndex) == isinstance(
            new, pd.DatetimeIndex
        )
        if not same_kind or (
            isinstance(train, pd.DatetimeIndex) and train.freq != new.freq
        ):
            raise ValueError(
                f"`last_window` has {_index_kind(new)}; expected "
                f"{_index_kind(train)}, like the series the model was fit on. Pass "
                "the tail of a series sampled like `y`, or refit."
            )
        return window

    def _check_uses_exog(self) -> None:
        """Raise if this model cannot use exogenous variables."""
        if not self._uses_exog:
            raise ValueError(
                f"`exog` was given, but {type(self).__name__} cannot use exogenous "
                "variables. Drop `exog`, or use ARIMA, which can."
            )

    def _predict_exog(self, exog, context, index):
        """The exog rows of `context` and of the forecast `index`, or Nones."""
        name = type(self).__name__
        if self.exog_columns_ is None:
            if exog is not None:
                self._check_uses_exog()
                raise ValueError(
                    f"`exog` was given, but this {name} was fit without it. Drop "
                    "`exog`, or refit with `fit(y, exog=...)`."
                )
            return None, None
        if exog is None:
            raise ValueError(
                f"`exog` is required: this {name} was fit with exogenous variables "
                f"{self.exog_columns_}, so the forecast needs their values. Pass "
                f"`exog` with rows for {index[0]} to {index[-1]}."
            )
        frame = check_covariates(exog, allow_nan=True)
        missing = [c for c in self.exog_columns_ if c not in frame.columns]
        if missing:
            raise ValueError(
                f"`exog` lacks the columns {missing}; expected "
                f"{self.exog_columns_}, the columns seen in fit. Pass the same "
                "variables."
            )
        frame = frame[self.exog_columns_]
        past = None
        if context is not None:
            past = check_covariates(frame, context.index, what="`last_window`")
        future = check_covariates(frame, index, what="the forecast period")
        return None if past is None else past.to_numpy(), future.to_numpy()

    def _label(self) -> str:
        """The model with all its parameters, for messages."""
        names = inspect.signature(type(self).__init__).parameters
        params = ", ".join(f"{k}={getattr(self, k)!r}" for k in names if k != "self")
        return f"{type(self).__name__}({params})"

    def _statsmodels(self, call, action: str, series: pd.Series | None = None):
        """Run `call()`: one FitWarning for its warnings; a clear error if it fails.

        `series` is the series the call works on; None means the training one.
        """
        if series is None:
            label = _series_label(self.y_name_, self.n_obs_)
        else:
            label = _series_label(series.name, len(series))
        where = f"{self._label()} {action} ({label})"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = call()
            except Exception as err:  # any statsmodels failure, re-raised with context
                kind = ValueError if isinstance(err, ValueError) else RuntimeError
                raise kind(
                    f"{where} failed: {type(err).__name__}: {str(err).rstrip('.')}. "
                    "Check the model's parameters against the series (its length, "
                    "seasonal period, sign of the values), or choose a simpler model."
                ) from err
        _surface_warnings(caught, where)
        return result


def _surface_warnings(caught, where: str) -> None:
    """Issue one FitWarning for the recorded fit warnings; pass the others on."""
    fit = []
    for record in caught:
        if issubclass(record.category, _PASS_THROUGH):
            warnings.warn_explicit(
                record.message, record.category, record.filename, record.lineno
            )
        else:
            fit.append(record)
    if fit:
        kinds = Counter(record.category.__name__ for record in fit)
        counts = ", ".join(f"{kind} x{n}" for kind, n in kinds.items())
        first = fit[0]
        warnings.warn(
            f"{where}: statsmodels issued {len(fit)} warnings ({counts}); the first: "
            f"{first.category.__name__}: {str(first.message).rstrip('.')}. The "
            "estimates may be unreliable: check the model's parameters against the "
            "series. "
            "Silence this with `warnings.filterwarnings('ignore', "
            "category=forecastrnn.baselines.FitWarning)`.",
            FitWarning,
            stacklevel=5,  # the caller of fit
        )


def _rms(residuals: np.ndarray, ddof: int = 0) -> float:
    """Root mean square of residuals with `ddof` estimated parameters."""
    return float(np.sqrt(np.sum(residuals**2) / (residuals.size - ddof)))


# A series whose range is at most this fraction of its largest magnitude is
# constant up to rounding: statsmodels' optimisers fail on it (a trend from
# noise, intervals of width 1e-5, warnings), so it is forecast as by `Naive`.
_CONSTANT_RTOL = 1e-10


def _is_constant(values: np.ndarray) -> bool:
    """Whether at least two values are equal up to rounding (`_CONSTANT_RTOL`)."""
    return values.size >= 2 and bool(
        np.ptp(values) <= _CONSTANT_RTOL * np.abs(values).max()
    )


def _naive_if_constant(y: pd.Series):
    """A `Naive` fitted to `y` if `y` is constant up to rounding, else None."""
    return Naive().fit(y) if _is_constant(y.to_numpy()) else None


# --------------------------------------------------------------------------
# Naive methods
# --------------------------------------------------------------------------


class Naive(_Baseline):
    """Naive (random walk) forecast: every future value equals the last one.

    Notes
    -----
    With residuals ``e_t = y_t - y_{t-1}`` and ``sigma^2 = mean(e_t^2)``, the
    h-step forecast is ``y_T`` with standard error ``sigma * sqrt(h)``
    (Hyndman & Athanasopoulos, *Forecasting: principles and practice*, 5.5).
    It equals statsmodels' ``ARIMA(order=(0, 1, 0))``. With `last_window`, the
    forecast is its last value; `sigma` is the one estimated by ``fit``.

    Attributes
    ----------
    last_value_ : float
        The last training value.
    sigma_ : float
        Root mean square of the one-step in-sample errors.
    y_name_, index_, n_obs_, exog_columns_
        Name, index and length of the training series; exog columns (None).

    Examples
    --------
    >>> import pandas as pd
    >>> y = pd.Series([1.0, 3.0, 2.0], pd.date_range("2024-01-01", periods=3))
    >>> Naive().fit(y).predict(steps=2)
    2024-01-04    2.0
    2024-01-05    2.0
    Freq: D, dtype: float64
    """

    def _fit(self, y, exog):
        values = y.to_numpy()
        _check_length(values.size, 2, "y", "Naive (to estimate its error spread)")
        self.last_value_ = float(values[-1])
        self.sigma_ = _rms(np.diff(values))

    def _forecast(self, steps, context, exog_past, exog_future):
        last = self.last_value_ if context is None else context.iloc[-1]
        h = np.arange(1, steps + 1)
        return np.full(steps, last), self.sigma_ * np.sqrt(h)


class SeasonalNaive(_Baseline):
    """Seasonal naive forecast: each future value equals the value a season ago.

    Parameters
    ----------
    season_length : int or None, default=None
        Length ``m`` of the season, in steps. None reads it from the frequency of
        `y` with `seasonal_period` (24 for hourly, 12 for 2-hourly, 7 for daily,
        5 for business days, 12 for monthly).

    Notes
    -----
    The h-step forecast is ``y_{T + h - m (k + 1)}`` with ``k = floor((h - 1) /
    m)``; with ``e_t = y_t - y_{t-m}`` and ``sigma^2 = mean(e_t^2)`` its
    standard error is ``sigma * sqrt(k + 1)``. It equals statsmodels'
    ``ARIMA(seasonal_order=(0, 1, 0, m))``. With `last_window` (at least ``m``
    observations), the forecast repeats its last season; `sigma` is reused.

    Attributes
    ----------
    season_length_ : int
        The season length used.
    last_season_ : ndarray of shape (season_length_,)
        The last season of the training series.
    sigma_ : float
        Root mean square of the in-sample seasonal errors.
    y_name_, index_, n_obs_, exog_columns_
        Name, index and length of the training series; exog columns (None).

    Examples
    --------
    >>> import pandas as pd
    >>> y = pd.Series([1.0, 5.0, 2.0, 6.0], pd.date_range("2024-01-01", periods=4))
    >>> SeasonalNaive(season_length=2).fit(y).predict(steps=3).tolist()
    [2.0, 6.0, 2.0]
    """

    def __init__(self, season_length=None):
        self.season_length = season_length

    def _fit(self, y, exog):
        m = _check_period(self.season_length, "season_length", y.index)
        values = y.to_numpy()
        _check_length(values.size, m + 1, "y", f"SeasonalNaive with season_length={m}")
        self.season_length_ = m
        self.last_season_ = values[-m:].copy()
        self.sigma_ = _rms(values[m:] - values[:-m])

    def _forecast(self, steps, context, exog_past, exog_future):
        m = self.season_length_
        if context is None:
            season = self.last_season_
        else:
            why = f"SeasonalNaive with season_length={m} (one full season)"
            _check_length(len(context), m, "last_window", why)
            season = context.to_numpy()[-m:]
        h = np.arange(1, steps + 1)
        return season[(h - 1) % m], self.sigma_ * np.sqrt((h - 1) // m + 1)


class Drift(_Baseline):
    """Drift forecast: the line through the first and last observations, extended.

    Notes
    -----
    The slope is ``b = (y_T - y_1) / (T - 1)``, the mean one-step change; the
    h-step forecast is ``y_T + h b``. With ``e_t = y_t - y_{t-1} - b`` and
    ``sigma^2 = sum(e_t^2) / (T - 2)``, its standard error is
    ``sigma * sqrt(h (1 + h / T))``, which includes the uncertainty of ``b``
    (Hyndman & Athanasopoulos, 5.5). The mean equals statsmodels'
    ``ARIMA(order=(0, 1, 0), trend="t")``. With `last_window`, the slope and
    `sigma` estimated by ``fit`` are applied from its last value.

    Attributes
    ----------
    last_value_ : float
        The last training value.
    slope_ : float
        The drift ``b`` per step.
    sigma_ : float
        Standard deviation of the detrended one-step errors.
    y_name_, index_, n_obs_, exog_columns_
        Name, index and length of the training series; exog columns (None).

    Examples
    --------
    >>> import pandas as pd
    >>> y = pd.Series([1.0, 2.0, 4.0, 7.0], pd.date_range("2024-01-01", periods=4))
    >>> Drift().fit(y).predict(steps=2).tolist()
    [9.0, 11.0]
    """

    def _fit(self, y, exog):
        values = y.to_numpy()
        _check_length(values.size, 3, "y", "Drift (to estimate a slope and its spread)")
        self.last_value_ = float(values[-1])
        self.slope_ = float((values[-1] - values[0]) / (values.size - 1))
        self.sigma_ = _rms(np.diff(values) - self.slope_, ddof=1)

    def _forecast(self, steps, context, exog_past, exog_future):
        last = self.last_value_ if context is None else context.iloc[-1]
        h = np.arange(1, steps + 1)
        se = self.sigma_ * np.sqrt(h * (1.0 + h / self.n_obs_))
        return last + h * self.slope_, se


# --------------------------------------------------------------------------
# statsmodels models
# --------------------------------------------------------------------------


class ARIMA(_Baseline):
    """Seasonal ARIMA with optional exogenous regressors (statsmodels ``ARIMA``).

    Parameters
    ----------
    order : tuple of int, default=(1, 0, 0)
        ``(p, d, q)``: autoregressive order, differences, moving-average order.
    seasonal_order : tuple of int, default=(0, 0, 0, 0)
        ``(P, D, Q, s)``: the seasonal orders and the period ``s``.
    trend : str or None, default=None
        statsmodels' trend: ``"n"``, ``"c"``, ``"t"``, ``"ct"``; None means
        ``"c"`` without differencing and ``"n"`` with it.

    Notes
    -----
    Fitted by state-space maximum likelihood; forecasts and their standard
    errors are statsmodels' ``get_forecast``, and intervals equal its
    ``conf_int``. With `last_window`, ``results_.apply`` runs the Kalman filter
    over it with the estimated parameters kept (no refit). Future values of
    `exog` are required at predict when the model was fit with them; with
    `last_window`, `exog` also needs rows for its timestamps.
    A `y` constant up to rounding (range at most 1e-10 times its largest
    magnitude) is not fit: ``naive_``, a `Naive` fitted to it, forecasts its
    last value, with intervals of zero width for an exact constant (also from
    a `last_window`).

    Attributes
    ----------
    results_ : statsmodels ARIMAResults or None
        The fitted statsmodels results, on positions; None for a constant `y`.
    naive_ : Naive or None
        The `Naive` forecaster used instead of statsmodels for a constant `y`
        (see Notes); None otherwise.
    y_name_, index_, n_obs_, exog_columns_
        Name, index and length of the training series; exog columns or None.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> noise = np.random.default_rng(0).normal(0, 0.1, 48)
    >>> index = pd.date_range("2024-01-01", periods=48, freq="h")
    >>> y = pd.Series(10 + np.sin(np.arange(48) / 2) + noise, index)
    >>> ARIMA(order=(2, 0, 0)).fit(y).predict(steps=3).round(2).tolist()
    [9.31, 9.58, 9.93]
    """

    _uses_exog = True

    def __init__(self, order=(1, 0, 0), seasonal_order=(0, 0, 0, 0), trend=None):
        self.order = order
        self.seasonal_order = seasonal_order
        self.trend = trend

    def _model(self, y, exog):
        return _StatsmodelsARIMA(
            _positional(y),
            exog=exog,
            order=self.order,
            seasonal_order=self.seasonal_order,
            trend=self.trend,
        )

    def _fit(self, y, exog):
        self.naive_ = _naive_if_constant(y)
        if self.naive_ is not None:  # the parameters are still checked
            self._statsmodels(lambda: self._model(y, exog), "checking `y`", y)
            self.results_ = None
            return
        self.results_ = self._statsmodels(
            lambda: self._model(y, exog).fit(), "fitting `y`", y
        )

    def _forecast(self, steps, context, exog_past, exog_future):
        if self.naive_ is not None:
            return self.naive_._forecast(steps, context, None, None)

        def forecast():
            results = self.results_
            if context is not None:
                results = results.apply(context, exog=exog_past)
            return results.get_forecast(steps, exog=exog_future)

        if context is None:
            forecast = self._statsmodels(forecast, "forecasting")
        else:
            forecast = self._statsmodels(
                forecast, "forecasting from `last_window`", context
            )
        return forecast.predicted_mean.to_numpy(), forecast.se_mean.to_numpy()


class ETS(_Baseline):
    """Exponential smoothing state-space model (statsmodels ``ETSModel``).

    Parameters
    ----------
    trend : {None, "add"}, default=None
        Additive trend, or none.
    seasonal : {None, "add"}, default=None
        Additive seasonality, or none.
    seasonal_periods : int or None, default=None
        Season length when `seasonal` is set, at least 2; None reads it from
        the frequency of `y` with `seasonal_period` (24 for hourly, 7 for
        daily...).
    damped_trend : bool, default=False
        Damp the trend (requires `trend`).

    Notes
    -----
    The errors are additive, and so are the components: for these models
    statsmodels computes exact Gaussian prediction intervals, which
    `predict_interval` equals. Multiplicative components would only have
    simulated intervals; model a positive series on the log scale instead.
    Smoothing parameters and initial states are estimated by maximum
    likelihood. With `last_window`, the smoothing parameters (alpha, beta,
    gamma, phi) are kept fixed and only the initial states are estimated on the
    window, which then forecasts; the interval scale comes from that filter. A
    constant `last_window` is forecast as its last value with zero-width
    intervals, the filter's exact answer, without calling statsmodels.
    A `y` constant up to rounding (range at most 1e-10 times its largest
    magnitude) is not fit: ``naive_``, a `Naive` fitted to it, forecasts its
    last value, with intervals of zero width for an exact constant (also from
    a `last_window`).

    Attributes
    ----------
    results_ : statsmodels ETSResults or None
        The fitted statsmodels results, on positions; None for a constant `y`.
    naive_ : Naive or None
        The `Naive` forecaster used instead of statsmodels for a constant `y`
        (see Notes); None otherwise.
    seasonal_periods_ : int or None
        The season length used, None without `seasonal`.
    y_name_, index_, n_obs_, exog_columns_
        Name, index and length of the training series; exog columns (None).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> noise = np.random.default_rng(0).normal(0, 0.1, 48)
    >>> index = pd.date_range("2024-01-01", periods=48, freq="h")
    >>> y = pd.Series(10 + np.sin(np.arange(48) / 2) + noise, index)
    >>> ETS(trend="add").fit(y).predict(steps=3).round(2).tolist()
    [9.1, 9.01, 8.91]
    """

    def __init__(
        self, trend=None, seasonal=None, seasonal_periods=None, damped_trend=False
    ):
        self.trend = trend
        self.seasonal = seasonal
        self.seasonal_periods = seasonal_periods
        self.damped_trend = damped_trend

    def _model(self, y):
        return ETSModel(
            y,
            error="add",
            trend=self.trend,
            damped_trend=self.damped_trend,
            seasonal=self.seasonal,
            seasonal_periods=self.seasonal_periods_,
        )

    def _fit(self, y, exog):
        for name in ("trend", "seasonal"):
            if getattr(self, name) not in (None, "add"):
                raise ValueError(
                    f"`{name}` must be None or 'add'; got {getattr(self, name)!r}. "
                    "Multiplicative components have no exact prediction intervals "
                    f"in statsmodels; use {name}='add', on the log of the series if "
                    "it grows multiplicatively."
                )
        self.seasonal_periods_ = None
        if self.seasonal is not None:
            self.seasonal_periods_ = _check_period(
                self.seasonal_periods, "seasonal_periods", y.index
            )
            self._check_two_seasons(y.index)
        self.naive_ = _naive_if_constant(y)
        if self.naive_ is not None:  # the parameters are still checked
            self._statsmodels(lambda: self._model(_positional(y)), "checking `y`", y)
            self.results_ = None
            return
        self.results_ = self._statsmodels(
            lambda: self._model(_positional(y)).fit(disp=False), "fitting `y`", y
        )

    def _forecast(self, steps, context, exog_past, exog_future):
        if self.naive_ is not None:
            return self.naive_._forecast(steps, context, None, None)
        if context is not None and _is_constant(context.to_numpy()):
            # the filter's exact answer: flat states, zero errors (statsmodels'
            # optimiser only adds rounding and warnings)
            return np.full(steps, context.iloc[-1]), np.zeros(steps)

        def forecast():
            results = self.results_ if context is None else self._refilter(context)
            n = results.nobs
            return results.get_prediction(start=n, end=n + steps - 1)

        if context is None:
            prediction = self._statsmodels(forecast, "forecasting")
        else:
            prediction = self._statsmodels(
                forecast, "forecasting from `last_window`", context
            )
        variance = np.asarray(prediction.forecast_variance)
        return prediction.predicted_mean.to_numpy(), np.sqrt(variance)

    def _check_two_seasons(self, index: pd.Index) -> None:
        """Raise unless the seasonal period used is at least 2."""
        m = self.seasonal_periods_
        if m >= 2:
            return
        if self.seasonal_periods is None:
            raise ValueError(
                f"`seasonal_periods` is None and the frequency of `y`, "
                f"{index.freqstr!r}, has a seasonal period of {m} (see "
                "`forecastrnn.baselines.seasonal_period`); seasonal='add' needs at "
                "least 2. Pass `seasonal_periods`, or seasonal=None."
            )
        raise ValueError(
            f"`seasonal_periods` must be at least 2 with seasonal='add'; got {m}. "
            "Pass the season length, or seasonal=None."
        )

    def _refilter(self, context):
        """Fit `context` with the smoothing parameters of ``results_`` fixed."""
        names, values = self.results_.param_names, np.asarray(self.results_.params)
        fitted = dict(zip(names, values, strict=True))
        smoothing = {k: v for k, v in fitted.items() if not k.startswith("initial_")}
        model = self._model(context)
        with model.fix_params(smoothing):
            return model.fit(disp=False)


class Theta(_Baseline):
    """The Theta method of Assimakopoulos & Nikolopoulos (statsmodels ``ThetaModel``).

    Parameters
    ----------
    period : int or None, default=None
        Seasonal period for the deseasonalisation; None reads it from the
        frequency of `y` with `seasonal_period`; 1 means no seasonal
        adjustment. statsmodels tests for seasonality first and adjusts only if
        it is significant.
    theta : float, default=2.0
        Weight of the trend line, at least 1: 2 is the classic Theta method,
        1 plain simple exponential smoothing.

    Notes
    -----
    ``fit`` estimates the slope ``b0`` of a linear trend by OLS and the
    smoothing parameter ``alpha`` of simple exponential smoothing of the
    seasonally adjusted series; ``sigma^2`` comes from statsmodels' IMA(1,1)
    fit. Forecasts and intervals are statsmodels' ``forecast`` and
    ``prediction_intervals``. With `last_window`, ``b0``, ``alpha`` and
    ``sigma^2`` are reused; the seasonal adjustment (statsmodels' seasonality
    test and classical decomposition) and the smoothed level are recomputed on
    the window, because seasonal indices are tied to the phase of the series
    they were estimated on.
    A `y` constant up to rounding (range at most 1e-10 times its largest
    magnitude) is not fit: ``naive_``, a `Naive` fitted to it, forecasts its
    last value, with intervals of zero width for an exact constant (also from
    a `last_window`).

    Attributes
    ----------
    results_ : statsmodels ThetaModelResults or None
        The fitted statsmodels results, on positions; None for a constant `y`.
    naive_ : Naive or None
        The `Naive` forecaster used instead of statsmodels for a constant `y`
        (see Notes); None otherwise.
    period_ : int
        The seasonal period used.
    y_name_, index_, n_obs_, exog_columns_
        Name, index and length of the training series; exog columns (None).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> noise = np.random.default_rng(0).normal(0, 0.1, 48)
    >>> index = pd.date_range("2024-01-01", periods=48, freq="h")
    >>> y = pd.Series(10 + np.sin(np.arange(48) / 2) + noise, index)
    >>> Theta(period=1).fit(y).predict(steps=3).round(2).tolist()
    [9.91, 9.9, 9.9]
    """

    def __init__(self, period=None, theta=2.0):
        self.period = period
        self.theta = theta

    def _model(self, y, method="auto"):
        return ThetaModel(
            y, period=self.period_, deseasonalize=self.period_ > 1, method=method
        )

    def _fit(self, y, exog):
        self.period_ = _check_period(self.period, "period", y.index)
        theta = self.theta
        if isinstance(theta, bool) or not isinstance(theta, numbers.Real) or theta < 1:
            raise ValueError(
                f"`theta` must be a number >= 1; got {theta!r}. Pass theta=2.0 for "
                "the classic Theta method."
            )

        def fit():
            results = self._model(_positional(y)).fit()
            results.sigma2  # noqa: B018 - computed lazily by statsmodels: fit it now
            return results

        self.naive_ = _naive_if_constant(y)
        if self.naive_ is not None:  # the parameters are still checked
            self._statsmodels(lambda: self._model(_positional(y)), "checking `y`", y)
            self.results_ = None
            return
        self.results_ = self._statsmodels(fit, "fitting `y`", y)

    def _forecast(self, steps, context, exog_past, exog_future):
        if self.naive_ is not None:
            return self.naive_._forecast(steps, context, None, None)

        def forecast():
            results = self.results_ if context is None else self._reuse(context)
            mean = results.forecast(steps, theta=self.theta)
            bounds = results.prediction_intervals(steps, theta=self.theta, alpha=0.05)
            return mean.to_numpy(), (bounds["upper"] - bounds["lower"]).to_numpy()

        if context is None:
            mean, width = self._statsmodels(forecast, "forecasting")
        else:
            mean, width = self._statsmodels(
                forecast, "forecasting from `last_window`", context
            )
        return mean, width / (2.0 * ndtri(0.975))  # the 95 % interval's std error

    def _reuse(self, context):
        """Results on `context` with the fitted ``b0``, ``alpha`` and ``sigma2``."""
        fitted = self.results_
        model = self._model(context, method=fitted.model.method)
        # Fitting runs statsmodels' seasonal test and decomposition on the window;
        # its own b0 and alpha are discarded, only the seasonal factors are kept.
        n, period = len(context), self.period_
        if _is_constant(context.to_numpy()):  # no season to test or remove
            seasonal = np.full(period, 1.0 if model.method.startswith("mul") else 0.0)
        else:
            probe = model.fit()
            ahead = probe.forecast_components(period)["seasonal"].to_numpy()
            seasonal = ahead[(np.arange(period) - n) % period]  # phase 0: the start
        in_sample = seasonal[np.arange(n) % period]
        values = context.to_numpy()
        if model.method.startswith("mul"):
            adjusted = values / in_sample
        else:
            adjusted = values - in_sample
        b0, alpha = fitted.params["b0"], fitted.params["alpha"]
        if _is_constant(adjusted):  # flat: SES stays at the level (its AIC is -inf)
            one_step = float(adjusted[-1])
        else:
            ses = ExponentialSmoothing(
                adjusted, initial_level=adjusted[0], initialization_method="known"
            ).fit(smoothing_level=alpha, optimized=False)
            one_step = float(ses.forecast(1)[0])
        return ThetaModelResults(
            b0, alpha, fitted.sigma2, one_step, seasonal, False, model
        )
