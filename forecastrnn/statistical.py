"""Statistical baselines: thin wrappers over statsmodels' models.

`ARIMA`, `ETS` and `Theta` wrap statsmodels' ``ARIMA``, ``ETSModel`` and
``ThetaModel`` in the `forecastrnn.naive.Baseline` shell, so they share the
forecaster interface of the naive baselines (import them all from
`forecastrnn.baselines`). statsmodels is called on positions (its own date
handling is bypassed) and its warnings are collected into a single
`FitWarning` per call.

A series constant up to rounding (its range at most 1e-10 times its largest
magnitude) is never passed to statsmodels, whose optimisers fail on it (a
spurious trend, intervals 1e-5 wide, warnings): the models forecast it
silently as `Naive` does, by its last value (see their ``naive_``).
"""

from __future__ import annotations

import inspect
import numbers
import warnings
from collections import Counter

import numpy as np
import pandas as pd
from scipy.special import ndtri
from statsmodels.tsa.arima.model import ARIMA as _StatsmodelsARIMA
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.forecasting.theta import ThetaModel, ThetaModelResults
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from forecastrnn.naive import Baseline, Naive, check_period, positional

__all__ = ["ARIMA", "ETS", "FitWarning", "Theta"]

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
# Calling statsmodels
# --------------------------------------------------------------------------


def _series_label(name, n: int) -> str:
    """Describe a series for messages: its name and length."""
    label = "unnamed series" if name is None else f"series {name!r}"
    return f"{label}, {n} observations"


def _model_label(model) -> str:
    """The model with all its parameters, for messages."""
    names = inspect.signature(type(model).__init__).parameters
    params = ", ".join(f"{k}={getattr(model, k)!r}" for k in names if k != "self")
    return f"{type(model).__name__}({params})"


def _statsmodels(model, call, action: str, series: pd.Series | None = None):
    """Run `call()`: one FitWarning for its warnings; a clear error if it fails.

    `model` is the baseline making the call; `series` the series the call works
    on, None meaning the training one.
    """
    if series is None:
        label = _series_label(model.y_name_, model.n_obs_)
    else:
        label = _series_label(series.name, len(series))
    where = f"{_model_label(model)} {action} ({label})"
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
# statsmodels models
# --------------------------------------------------------------------------


class ARIMA(Baseline):
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
            positional(y),
            exog=exog,
            order=self.order,
            seasonal_order=self.seasonal_order,
            trend=self.trend,
        )

    def _fit(self, y, exog):
        self.naive_ = _naive_if_constant(y)
        if self.naive_ is not None:  # the parameters are still checked
            _statsmodels(self, lambda: self._model(y, exog), "checking `y`", y)
            self.results_ = None
            return
        self.results_ = _statsmodels(
            self, lambda: self._model(y, exog).fit(), "fitting `y`", y
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
            forecast = _statsmodels(self, forecast, "forecasting")
        else:
            forecast = _statsmodels(
                self, forecast, "forecasting from `last_window`", context
            )
        return forecast.predicted_mean.to_numpy(), forecast.se_mean.to_numpy()


class ETS(Baseline):
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
            self.seasonal_periods_ = check_period(
                self.seasonal_periods, "seasonal_periods", y.index
            )
            self._check_two_seasons(y.index)
        self.naive_ = _naive_if_constant(y)
        if self.naive_ is not None:  # the parameters are still checked
            _statsmodels(self, lambda: self._model(positional(y)), "checking `y`", y)
            self.results_ = None
            return
        self.results_ = _statsmodels(
            self, lambda: self._model(positional(y)).fit(disp=False), "fitting `y`", y
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
            prediction = _statsmodels(self, forecast, "forecasting")
        else:
            prediction = _statsmodels(
                self, forecast, "forecasting from `last_window`", context
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


class Theta(Baseline):
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
        self.period_ = check_period(self.period, "period", y.index)
        theta = self.theta
        if isinstance(theta, bool) or not isinstance(theta, numbers.Real) or theta < 1:
            raise ValueError(
                f"`theta` must be a number >= 1; got {theta!r}. Pass theta=2.0 for "
                "the classic Theta method."
            )

        def fit():
            results = self._model(positional(y)).fit()
            results.sigma2  # noqa: B018 - computed lazily by statsmodels: fit it now
            return results

        self.naive_ = _naive_if_constant(y)
        if self.naive_ is not None:  # the parameters are still checked
            _statsmodels(self, lambda: self._model(positional(y)), "checking `y`", y)
            self.results_ = None
            return
        self.results_ = _statsmodels(self, fit, "fitting `y`", y)

    def _forecast(self, steps, context, exog_past, exog_future):
        if self.naive_ is not None:
            return self.naive_._forecast(steps, context, None, None)

        def forecast():
            results = self.results_ if context is None else self._reuse(context)
            mean = results.forecast(steps, theta=self.theta)
            bounds = results.prediction_intervals(steps, theta=self.theta, alpha=0.05)
            return mean.to_numpy(), (bounds["upper"] - bounds["lower"]).to_numpy()

        if context is None:
            mean, width = _statsmodels(self, forecast, "forecasting")
        else:
            mean, width = _statsmodels(
                self, forecast, "forecasting from `last_window`", context
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
