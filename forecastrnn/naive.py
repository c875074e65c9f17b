"""The naive baselines and the shell every baseline shares.

`Naive`, `SeasonalNaive` and `Drift` are computed here in a few lines of NumPy
(they equal statsmodels' ARIMA(0,1,0), seasonal ARIMA(0,0,0)(0,1,0,m) and
ARIMA(0,1,0) with drift), and so is `Naive2`, the M4 competition's benchmark
(the naive forecast of the seasonally adjusted series), with its
`seasonality_test` and `seasonal_indices`. `Baseline` is their shared shell
(``fit``, ``predict``, ``predict_interval``, ``predict_quantiles``), which the
statsmodels wrappers of `forecastrnn.statistical` extend too; `positional` and
`check_period` are the input helpers both modules use. Import the models from
`forecastrnn.baselines`, which gathers them all.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import ndtri
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from forecastrnn.calendar import future_index, seasonal_period
from forecastrnn.checks import (
    check_covariates,
    check_int,
    check_probability,
    check_quantiles,
    check_series,
)

__all__ = [
    "Baseline",
    "Drift",
    "Naive",
    "Naive2",
    "SeasonalNaive",
    "check_period",
    "positional",
    "seasonal_indices",
    "seasonality_test",
]


# --------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------


def positional(y: pd.Series) -> pd.Series:
    """The values of `y` on a RangeIndex: statsmodels sees positions, not dates.

    Parameters
    ----------
    y : pandas.Series
        A series, usually validated by `forecastrnn.checks.check_series`.

    Returns
    -------
    pandas.Series
        The values of `y`, named like `y`, on ``RangeIndex(len(y))``.

    Examples
    --------
    >>> import pandas as pd
    >>> positional(pd.Series([1.0, 2.0], pd.date_range("2024", periods=2), name="y"))
    0    1.0
    1    2.0
    Name: y, dtype: float64
    """
    return pd.Series(y.to_numpy(), name=y.name)


def _index_kind(index: pd.Index) -> str:
    """Describe the kind of a validated index for messages."""
    if isinstance(index, pd.DatetimeIndex):
        return f"a DatetimeIndex with frequency {index.freqstr!r}"
    return "an integer index"


def check_period(value, name: str, index: pd.Index) -> int:
    """Return a seasonal period: `value`, or read from the frequency of `index`.

    Parameters
    ----------
    value : int or None
        The period a baseline was given; None reads it from the frequency of
        `index` with `forecastrnn.calendar.seasonal_period`.
    name : str
        The parameter's name, for messages.
    index : pandas.Index
        The validated index of the series being fit.

    Returns
    -------
    int
        The seasonal period, at least 1.

    Raises
    ------
    ValueError
        If `value` is not a positive int or None, or it is None and `index`
        has no frequency with a standard seasonal period.

    Examples
    --------
    >>> import pandas as pd
    >>> check_period(None, "period", pd.date_range("2024", periods=3, freq="h"))
    24
    """
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


class Baseline(BaseEstimator):
    """The shell every baseline shares: fit, predict and Gaussian intervals.

    A subclass implements ``_fit(y, exog)``, storing its learned ``*_``
    attributes, and ``_forecast(steps, context, exog_past, exog_future)``,
    returning the forecast mean and standard error, arrays of shape (steps,).
    ``context`` is None (forecast from the end of the training series) or the
    validated `last_window` on positions. This base class is the exception to
    "one level of inheritance": six copies of this shell would drift.

    Attributes
    ----------
    y_name_ : hashable
        The name of the training series, given to the forecasts.
    index_ : pandas.Index
        The index of the training series.
    n_obs_ : int
        The number of training observations.
    exog_columns_ : list or None
        The exogenous columns seen in ``fit``, or None.
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
            context = positional(context)
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


def _rms(residuals: np.ndarray, ddof: int = 0) -> float:
    """Root mean square of residuals with `ddof` estimated parameters."""
    return float(np.sqrt(np.sum(residuals**2) / (residuals.size - ddof)))


# --------------------------------------------------------------------------
# Naive methods
# --------------------------------------------------------------------------


class Naive(Baseline):
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


class SeasonalNaive(Baseline):
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
        m = check_period(self.season_length, "season_length", y.index)
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


class Drift(Baseline):
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
# The M4 competition's Naive2: naive forecast of the seasonally adjusted series
# --------------------------------------------------------------------------

# One-sided 90 % critical value of the standard normal, as in the M4 code.
_M4_CRITICAL = 1.645


def _check_values(y, name: str) -> np.ndarray:
    """Return `y` as a 1-D finite float64 array, or raise."""
    try:
        values = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"`{name}` must be array-like of real numbers; got "
            f"{type(y).__name__} that cannot be converted ({err}). Pass a numpy "
            "array, a list or a pandas Series of numbers."
        ) from err
    if values.ndim != 1:
        raise ValueError(
            f"`{name}` must be 1-D, one series oldest first; got shape "
            f"{values.shape}. Pass a single series."
        )
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(
            f"`{name}` has {int(bad.sum())} non-finite values (NaN or inf); "
            "expected finite numbers. Drop or fill them first."
        )
    return values


def _m4_test(values: np.ndarray, m: int) -> bool:
    """The M4 seasonality test on validated values (see `seasonality_test`)."""
    n = values.size
    if m < 2 or n < 3 * m or np.ptp(values) == 0.0:
        return False
    x = values - values.mean()
    acf = np.array([x[: n - k] @ x[k:] for k in range(1, m + 1)]) / (x @ x)
    limit = _M4_CRITICAL * np.sqrt((1.0 + 2.0 * np.sum(acf[: m - 1] ** 2)) / n)
    return bool(abs(acf[m - 1]) > limit)


def _indices(values: np.ndarray, m: int) -> np.ndarray:
    """Classical multiplicative seasonal indices of validated values."""
    kernel = np.ones(m) if m % 2 else np.r_[0.5, np.ones(m - 1), 0.5]
    trend = np.convolve(values, kernel / m, mode="valid")
    half = kernel.size // 2
    ratio = values[half : values.size - half] / trend
    phase = np.arange(half, values.size - half) % m
    figure = np.bincount(phase, ratio, m) / np.bincount(phase, minlength=m)
    return figure / figure.mean()


def seasonality_test(y: ArrayLike, m: int) -> bool:
    """The M4 competition's seasonality test: is lag `m` autocorrelated?

    Parameters
    ----------
    y : array-like of shape (n,)
        The series, oldest first, finite.
    m : int
        The seasonal period to test, at least 1.

    Returns
    -------
    bool
        True when the lag-`m` autocorrelation is significant at 90 %
        (one-sided, see Notes); always False when ``m < 2``, ``n < 3 m`` or
        `y` is constant.

    Raises
    ------
    ValueError
        If `y` is not 1-D or not finite, or `m` < 1.
    TypeError
        If `y` is not numeric or `m` not an integer.

    Notes
    -----
    The series is seasonal when

    .. math:: |r_m| > 1.645 \\sqrt{(1 + 2 \\sum_{k=1}^{m-1} r_k^2) / n},

    with ``r_k`` the sample autocorrelation with the full-sample denominator,
    ``sum_t (y_t - ybar)(y_{t+k} - ybar) / sum_t (y_t - ybar)^2`` (R's and
    statsmodels' ``acf``); the bound is Bartlett's standard error of ``r_m``
    under an MA(m - 1). This is ``SeasonalityTest`` of the M4 benchmark code
    (``Benchmarks and Evaluation.R`` in Mcompetitions/M4-methods), which
    decides whether the M4 benchmarks deseasonalise. One artefact of that R
    code is not reproduced: R's ``acf`` stops at lag ``floor(10 log10 n)`` by
    default, so there a longer period (``m = 24`` with ``n < 251``, ``m = 52``
    with any realistic ``n``) is never seasonal; no M4 series meets it, with
    M4's periods (1, 4, 12, 1, 1, 24 for yearly to hourly; hourly series have
    at least 700 values). The Python port in the same repository computes a
    different bound; the published benchmark scores come from the R code.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(48)
    >>> seasonality_test(10 + np.sin(2 * np.pi * t / 12), 12)
    True
    >>> seasonality_test(np.random.default_rng(0).normal(size=48), 12)
    False
    """
    values = _check_values(y, "y")
    return _m4_test(values, check_int(m, "m"))


def seasonal_indices(y: ArrayLike, m: int) -> np.ndarray:
    """Seasonal indices of a classical multiplicative decomposition.

    Parameters
    ----------
    y : array-like of shape (n,)
        The series, oldest first, positive and finite, with ``n >= 2 m``.
    m : int
        The seasonal period, at least 1.

    Returns
    -------
    ndarray of shape (m,)
        The index of each phase, phase 0 being the first value of `y`
        (position ``t`` has phase ``t % m``); their mean is 1. Divide by
        ``indices[np.arange(n) % m]`` to adjust `y` seasonally.

    Raises
    ------
    ValueError
        If `y` is not 1-D, has a value that is not positive and finite, or
        fewer than ``2 m`` values, or if `m` < 1.
    TypeError
        If `y` is not numeric or `m` not an integer.

    Notes
    -----
    The trend is the centred moving average of order `m` (``2 x m`` for even
    `m`: weights ``1/(2m), 1/m, ..., 1/m, 1/(2m)``), undefined at the first and
    last ``floor(m / 2)`` positions. Each index is the mean of ``y_t /
    trend_t`` over the positions of its phase, and the indices are divided by
    their mean. This is R's ``decompose(type = "multiplicative")``, which the
    M4 benchmarks use, and statsmodels' ``seasonal_decompose(y, model=
    "multiplicative", period=m)``.

    Examples
    --------
    >>> seasonal_indices([1.0, 3.0, 1.0, 3.0, 1.0, 3.0], 2).round(3).tolist()
    [0.5, 1.5]
    """
    values = _check_values(y, "y")
    m = check_int(m, "m")
    _check_length(values.size, 2 * m, "y", f"a decomposition with m={m}")
    if values.min() <= 0:
        raise ValueError(
            f"`y` has {int((values <= 0).sum())} values <= 0 (the smallest is "
            f"{values.min()}); a multiplicative decomposition needs positive "
            "values. Shift the series, or do not adjust it."
        )
    return _indices(values, m)


def _adjust(values: np.ndarray, m: int) -> tuple[bool, np.ndarray, np.ndarray]:
    """M4's seasonal adjustment: (seasonal?, indices by phase, adjusted values)."""
    if values.min() <= 0 or not _m4_test(values, m):
        return False, np.ones(m), values
    indices = _indices(values, m)
    return True, indices, values / indices[np.arange(values.size) % m]


class Naive2(Baseline):
    """The M4 competition's Naive2: the naive forecast, seasonally adjusted.

    Parameters
    ----------
    season_length : int or None, default=None
        Length ``m`` of the season, in steps. None reads it from the frequency
        of `y` with `seasonal_period` (24 for hourly, 7 for daily, 12 for
        monthly, 52 for weekly). M4 used 1 for its weekly, daily and yearly
        series and 4, 12 and 24 for quarterly, monthly and hourly ones: pass
        it to reproduce M4's scores.

    Notes
    -----
    If `seasonality_test` finds `y` seasonal at lag ``m`` (never when ``m =
    1`` or ``n < 3 m``), `y` is divided by the indices ``s`` of a classical
    multiplicative decomposition (`seasonal_indices`); otherwise ``s = 1``.
    With ``a_t = y_t / s_t`` the adjusted series, ``e_t = a_t - a_{t-1}`` and
    ``sigma^2 = mean(e_t^2)``, the h-step forecast is ``a_T s_{T+h}`` with
    standard error ``sigma sqrt(h) s_{T+h}``: `Naive` on the adjusted scale,
    reseasonalised. With ``m = 1`` it is exactly `Naive`. This is the
    ``Naive2`` of the M4 benchmark code (``Benchmarks and Evaluation.R`` in
    Mcompetitions/M4-methods), the reference of M4's OWA (see
    `forecastrnn.metrics.owa`); the intervals are ours. A multiplicative
    decomposition needs positive values: a `y` with a value <= 0 is treated
    as not seasonal (M4's series are all positive). With `last_window`, the
    test and the decomposition are redone on the window (seasonal indices are
    tied to the phase of the series they were estimated on); `sigma` is the
    one estimated by ``fit``.

    Attributes
    ----------
    season_length_ : int
        The season length used.
    seasonal_ : bool
        Whether the test found the training series seasonal.
    seasonal_indices_ : ndarray of shape (season_length_,)
        The seasonal index of each phase, phase 0 being the first training
        value; all 1 when not seasonal.
    last_value_ : float
        The last value of the seasonally adjusted training series.
    sigma_ : float
        Root mean square of the one-step errors of the adjusted series.
    y_name_, index_, n_obs_, exog_columns_
        Name, index and length of the training series; exog columns (None).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> values = np.tile([1.0, 2.0, 4.0, 1.0], 5) * np.linspace(10, 11, 20)
    >>> y = pd.Series(values, pd.date_range("2024-01-01", periods=20, freq="QS"))
    >>> model = Naive2(season_length=4).fit(y)
    >>> model.seasonal_, model.seasonal_indices_.round(2).tolist()
    (True, [0.5, 1.0, 2.0, 0.5])
    >>> model.predict(steps=4).round(1).tolist()
    [11.0, 21.9, 43.9, 11.0]
    """

    def __init__(self, season_length=None):
        self.season_length = season_length

    def _fit(self, y, exog):
        m = check_period(self.season_length, "season_length", y.index)
        values = y.to_numpy()
        _check_length(values.size, 2, "y", "Naive2 (to estimate its error spread)")
        self.season_length_ = m
        self.seasonal_, self.seasonal_indices_, adjusted = _adjust(values, m)
        self.last_value_ = float(adjusted[-1])
        self.sigma_ = _rms(np.diff(adjusted))

    def _forecast(self, steps, context, exog_past, exog_future):
        m = self.season_length_
        if context is None:
            last, indices, n = self.last_value_, self.seasonal_indices_, self.n_obs_
        else:
            _, indices, adjusted = _adjust(context.to_numpy(), m)
            last, n = adjusted[-1], len(context)
        h = np.arange(1, steps + 1)
        factor = indices[(n + h - 1) % m]
        return last * factor, self.sigma_ * np.sqrt(h) * factor
