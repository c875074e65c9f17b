"""Tests for forecastrnn.baselines: statsmodels parity, the forecaster interface."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtri
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from statsmodels.tsa.arima.model import ARIMA as SMARIMA
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.forecasting.theta import ThetaModel
from statsmodels.tsa.seasonal import seasonal_decompose
from statsmodels.tsa.stattools import acf

from forecastrnn.baselines import (
    ARIMA,
    ETS,
    Drift,
    FitWarning,
    Naive,
    Naive2,
    SeasonalNaive,
    Theta,
    seasonal_indices,
    seasonality_test,
)

M = 6  # the season of the synthetic series


@pytest.fixture(scope="module")
def y():
    """48 hourly points: a season of 6 steps, a slight trend and noise."""
    rng = np.random.default_rng(0)
    t = np.arange(48)
    values = 10 + 2 * np.sin(2 * np.pi * t / M) + 0.05 * t + rng.normal(0, 0.3, 48)
    index = pd.date_range("2024-03-01", periods=48, freq="h")
    return pd.Series(values, index=index, name="load")


@pytest.fixture(scope="module")
def exog(y):
    """Two regressors covering `y` and 6 hours after it."""
    rng = np.random.default_rng(1)
    index = pd.date_range(y.index[0], periods=len(y) + 6, freq="h")
    return pd.DataFrame(
        rng.normal(size=(len(index), 2)), index=index, columns=["a", "b"]
    )


def _values(y):
    return pd.Series(y.to_numpy())  # statsmodels' ETS needs pandas for intervals


def _close(a, b, rtol=1e-7):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol)


# --------------------------------------------------------------------------
# Parity with direct statsmodels calls
# --------------------------------------------------------------------------


def test_naive_methods_equal_statsmodels_arima(y):
    """Naive, SeasonalNaive and Drift are ARIMA(0,1,0) special cases."""
    steps, v = 8, y.to_numpy()
    cases = [
        (Naive(), dict(order=(0, 1, 0)), True),
        (SeasonalNaive(M), dict(seasonal_order=(0, 1, 0, M), trend="n"), True),
        # statsmodels' drift intervals ignore the slope's own uncertainty
        (Drift(), dict(order=(0, 1, 0), trend="t"), False),
    ]
    for model, spec, same_intervals in cases:
        direct = SMARIMA(v, **spec).fit().get_forecast(steps)
        got = model.fit(y).predict_interval(steps, coverage=0.8)
        _close(got["mean"], direct.predicted_mean, rtol=1e-4)
        if same_intervals:
            _close(got[["lower", "upper"]], direct.conf_int(alpha=0.2), rtol=1e-4)


def test_naive_methods_closed_forms(y):
    v, h, T = y.to_numpy(), np.arange(1, 9), len(y)
    z = ndtri(0.95)
    naive = Naive().fit(y).predict_interval(8)
    sigma = np.sqrt(np.mean(np.diff(v) ** 2))
    _close(naive["mean"], np.full(8, v[-1]))
    _close(naive["upper"] - naive["mean"], z * sigma * np.sqrt(h))
    seasonal = SeasonalNaive(M).fit(y).predict_interval(8)
    sigma = np.sqrt(np.mean((v[M:] - v[:-M]) ** 2))
    _close(seasonal["mean"], np.r_[v[-M:], v[-M:]][:8])
    _close(seasonal["upper"] - seasonal["mean"], z * sigma * np.sqrt([1] * 6 + [2] * 2))
    drift = Drift().fit(y).predict_interval(8)
    slope = (v[-1] - v[0]) / (T - 1)
    sigma = np.std(np.diff(v), ddof=1)
    _close(drift["mean"], v[-1] + h * slope)
    _close(drift["upper"] - drift["mean"], z * sigma * np.sqrt(h * (1 + h / T)))


def test_arima_equals_statsmodels(y):
    spec = dict(order=(1, 0, 0), seasonal_order=(0, 1, 0, M))
    direct = SMARIMA(y.to_numpy(), **spec).fit().get_forecast(5)
    model = ARIMA(**spec).fit(y)
    _close(model.predict(5), direct.predicted_mean)
    _close(model.predict_interval(5)[["lower", "upper"]], direct.conf_int(alpha=0.1))


def test_arima_with_exog_equals_statsmodels(y, exog):
    past, future = exog.iloc[:48].to_numpy(), exog.iloc[48:].to_numpy()
    direct = SMARIMA(y.to_numpy(), exog=past, order=(1, 0, 0)).fit()
    model = ARIMA(order=(1, 0, 0)).fit(y, exog=exog)  # extra rows are ignored
    _close(model.predict(6, exog=exog), direct.forecast(6, exog=future))
    _close(model.predict(3, exog=exog.iloc[48:51]), direct.forecast(3, exog=future[:3]))
    assert model.exog_columns_ == ["a", "b"]


def test_ets_equals_statsmodels(y):
    spec = dict(trend="add", seasonal="add", seasonal_periods=M)
    direct = ETSModel(_values(y), error="add", **spec).fit(disp=False)
    prediction = direct.get_prediction(start=48, end=52)
    got = ETS(**spec).fit(y).predict_interval(5, coverage=0.8)
    _close(got["mean"], prediction.predicted_mean)
    _close(got[["lower", "upper"]], prediction.pred_int(alpha=0.2))


def test_theta_equals_statsmodels(y):
    direct = ThetaModel(y.to_numpy(), period=M).fit()
    got = Theta(period=M, theta=3.0).fit(y).predict_interval(5, coverage=0.8)
    _close(got["mean"], direct.forecast(5, theta=3.0))
    bounds = direct.prediction_intervals(5, theta=3.0, alpha=0.2)
    _close(got[["lower", "upper"]], bounds, rtol=1e-9)


# --------------------------------------------------------------------------
# Output type and future index
# --------------------------------------------------------------------------


def test_future_index_hourly_business_day_and_integer(y):
    forecast = Naive().fit(y).predict(steps=3)
    assert forecast.dtype == np.float64 and forecast.name == "load"
    expected = pd.date_range("2024-03-03 00:00", periods=3, freq="h")
    pd.testing.assert_index_equal(forecast.index, expected)
    assert forecast.index.freq == "h"
    days = pd.bdate_range("2024-03-04", "2024-03-15")  # ends on a Friday
    trading = pd.Series(np.arange(len(days), dtype=float), index=days, name="close")
    forecast = Drift().fit(trading).predict(steps=2)
    assert forecast.index.strftime("%a %d").tolist() == ["Mon 18", "Tue 19"]
    _close(forecast, [10.0, 11.0])
    positions = pd.Series([1.0, 2.0, 4.0], index=[5, 6, 7])
    forecast = Naive().fit(positions).predict(steps=2)
    pd.testing.assert_index_equal(forecast.index, pd.RangeIndex(8, 10))


def test_steps_defaults_to_one(y):
    assert len(SeasonalNaive(M).fit(y).predict()) == 1
    assert SeasonalNaive(M).fit(y).predict_quantiles().shape == (1, 3)


def test_season_length_read_from_frequency(y):
    assert SeasonalNaive().fit(y).season_length_ == 24  # hourly
    days = pd.Series(np.arange(20.0), pd.date_range("2024-01-01", periods=20))
    assert SeasonalNaive().fit(days).season_length_ == 7


# --------------------------------------------------------------------------
# last_window: forecast from new data without refitting
# --------------------------------------------------------------------------


def test_last_window_naive_methods(y):
    window = pd.Series(
        [5.0, 7.0, 6.0, 9.0, 8.0, 4.0, 3.0],
        index=pd.date_range("2025-01-01", periods=7, freq="h"),
    )
    naive = Naive().fit(y).predict(2, last_window=window)
    _close(naive, [3.0, 3.0])
    assert naive.index[0] == pd.Timestamp("2025-01-01 07:00")
    seasonal = SeasonalNaive(M).fit(y).predict(7, last_window=window)
    _close(seasonal, [7.0, 6.0, 9.0, 8.0, 4.0, 3.0, 7.0])
    drift = Drift().fit(y)
    _close(drift.predict(2, last_window=window), 3.0 + drift.slope_ * np.array([1, 2]))


def test_last_window_arima_keeps_parameters(y):
    spec = dict(order=(1, 0, 0), seasonal_order=(0, 1, 0, M))
    direct = SMARIMA(y.to_numpy(), **spec).fit()
    model = ARIMA(**spec).fit(y)
    window = y.iloc[-20:] + 1.0
    expected = direct.apply(window.to_numpy()).forecast(4)
    got = model.predict(4, last_window=window)
    _close(got, expected)
    pd.testing.assert_index_equal(got.index, model.predict(4).index)
    _close(model.results_.params, direct.params)


def test_last_window_arima_with_exog(y, exog):
    past = exog.iloc[:48].to_numpy()
    direct = SMARIMA(y.to_numpy(), exog=past, order=(1, 0, 0)).fit()
    window = y.iloc[30:]
    expected = direct.apply(window.to_numpy(), exog=past[30:])
    got = (
        ARIMA(order=(1, 0, 0))
        .fit(y, exog=exog)
        .predict(3, exog=exog, last_window=window)
    )
    _close(got, expected.forecast(3, exog=exog.iloc[48:51].to_numpy()))
    with pytest.raises(
        ValueError,
        match=r"`exog` has no rows for 18 of the 18 timestamps of "
        r"`last_window`",
    ):
        ARIMA(order=(1, 0, 0)).fit(y, exog=exog).predict(
            3, exog=exog.iloc[48:], last_window=window
        )


def test_last_window_ets_fixes_smoothing_parameters(y):
    spec = dict(trend="add", seasonal="add", seasonal_periods=M)
    model = ETS(**spec).fit(y)
    window = y.iloc[-24:]
    fitted = dict(zip(model.results_.param_names, model.results_.params, strict=True))
    smoothing = {
        k: v for k, v in fitted.items() if k.startswith(("smoothing", "damping"))
    }
    direct_model = ETSModel(_values(window), error="add", **spec)
    with direct_model.fix_params(smoothing):
        direct = direct_model.fit(disp=False)
    got = model.predict_interval(4, last_window=window)
    _close(got["mean"], direct.forecast(4))
    _close(got[["lower", "upper"]], direct.get_prediction(24, 27).pred_int(alpha=0.1))
    refit = dict(zip(direct.model.param_names, direct.params, strict=True))
    assert all(refit[k] == v for k, v in smoothing.items())


def test_last_window_theta_reuses_slope_and_alpha(y):
    model = Theta(period=M).fit(y)
    # the training series as window reproduces the fitted forecast exactly
    _close(model.predict_interval(5, last_window=y), model.predict_interval(5))
    # a window starting at another phase of the season gets the seasonal
    # factors of that phase: its forecast stays close to the fitted one
    shifted = model.predict(6, last_window=y.iloc[-37:])
    assert np.abs(shifted - model.predict(6)).max() < 0.3  # the season's amplitude is 2
    # without seasonality, the forecast is the theta line from the window's level
    plain = Theta(period=1).fit(y)
    window = y.iloc[-15:]
    b0, alpha = plain.results_.params["b0"], plain.results_.params["alpha"]
    level = window.iloc[0]
    for value in window:
        level = alpha * value + (1 - alpha) * level
    h = np.arange(5)
    trend = b0 * (h + 1 / alpha - (1 - alpha) ** 15 / alpha)
    _close(plain.predict(5, last_window=window), level + trend / 2)


def test_last_window_errors(y):
    short = pd.Series([1.0, 2.0, 3.0], pd.date_range("2025-01-01", periods=3, freq="h"))
    with pytest.raises(
        ValueError,
        match=r"`last_window` has 3 observations; SeasonalNaive "
        r"with season_length=6 \(one full season\) needs at least 6",
    ):
        SeasonalNaive(M).fit(y).predict(last_window=short)
    daily = pd.Series([1.0, 2.0, 3.0], pd.date_range("2025-01-01", periods=3))
    with pytest.raises(
        ValueError,
        match=r"`last_window` has a DatetimeIndex with frequency "
        r"'D'; expected a DatetimeIndex with frequency 'h', like the series "
        r"the model was fit on\. Pass the tail of a series sampled like `y`",
    ):
        Naive().fit(y).predict(last_window=daily)
    with pytest.raises(
        ValueError,
        match=r"`last_window` has an integer index; expected a "
        r"DatetimeIndex",
    ):
        Naive().fit(y).predict(last_window=pd.Series([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"`last_window` has 1 missing values \(NaN\)"):
        Naive().fit(y).predict(last_window=short.where(short != 2.0))


# --------------------------------------------------------------------------
# Intervals and quantiles
# --------------------------------------------------------------------------

ALL_MODELS = [
    Naive(),
    SeasonalNaive(M),
    Drift(),
    ARIMA(order=(1, 1, 0)),
    ETS(trend="add", damped_trend=True),
    Theta(period=M),
]


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: type(m).__name__)
def test_intervals_ordered_nested_and_widening(model, y):
    model = clone(model).fit(y)
    wide = model.predict_interval(8, coverage=0.9)
    narrow = model.predict_interval(8, coverage=0.5)
    assert list(wide.columns) == ["mean", "lower", "upper"]
    assert (wide["lower"] < wide["mean"]).all() and (wide["mean"] < wide["upper"]).all()
    assert (wide["lower"] < narrow["lower"]).all() and (
        narrow["upper"] < wide["upper"]
    ).all()
    width = (wide["upper"] - wide["lower"]).to_numpy()
    assert np.all(np.diff(width) >= -1e-9) and width[-1] > width[0]
    _close(wide["mean"], model.predict(8))
    quantiles = model.predict_quantiles(8, quantiles=(0.05, 0.5, 0.95))
    assert list(quantiles.columns) == [0.05, 0.5, 0.95]
    _close(quantiles[0.5], wide["mean"])
    _close(quantiles[[0.05, 0.95]], wide[["lower", "upper"]])
    pd.testing.assert_index_equal(quantiles.index, wide.index)


# --------------------------------------------------------------------------
# scikit-learn estimator protocol
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model", [*ALL_MODELS, Naive2(M)], ids=lambda m: type(m).__name__
)
def test_get_params_and_clone(model, y):
    params = model.get_params()
    fitted = clone(model).fit(y)
    assert fitted.get_params() == params
    assert fitted.n_obs_ == 48 and fitted.y_name_ == "load"
    copy = clone(fitted)
    assert copy.get_params() == params and not hasattr(copy, "n_obs_")
    with pytest.raises(
        NotFittedError, match=f"This {type(model).__name__} instance is not fitted yet"
    ):
        copy.predict(3)


def test_set_params_changes_the_model(y):
    model = SeasonalNaive(M).set_params(season_length=3)
    assert model.fit(y).season_length_ == 3
    model = ARIMA().set_params(order=(0, 1, 0), trend="n")
    _close(model.fit(y).predict(2), [y.iloc[-1]] * 2, rtol=1e-6)


# --------------------------------------------------------------------------
# statsmodels warnings and failures
# --------------------------------------------------------------------------


def test_statsmodels_warnings_surface_once():
    square = pd.Series(
        np.arange(24.0) ** 2, pd.date_range("2024-01-01", periods=24), name="sq"
    )
    with warnings.catch_warnings(record=True) as direct:
        warnings.simplefilter("always")
        SMARIMA(square.to_numpy(), order=(1, 0, 1)).fit()
    assert len(direct) >= 2  # statsmodels warns several times ...
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ARIMA(order=(1, 0, 1)).fit(square)
    assert [w.category for w in caught] == [FitWarning]  # ... the baseline once
    message = str(caught[0].message)
    assert message.startswith(
        "ARIMA(order=(1, 0, 1), seasonal_order=(0, 0, 0, 0), trend=None) fitting `y` "
        f"(series 'sq', 24 observations): statsmodels issued {len(direct)} warnings"
    )
    assert "EstimationWarning: Non-stationary starting autoregressive" in message


def test_statsmodels_failure_names_model_and_series(y):
    with pytest.raises(
        ValueError,
        match=r"^ETS\(trend=None, seasonal='add', "
        r"seasonal_periods=None, damped_trend=False\) fitting `y` \(series "
        r"'load', 20 observations\) failed: ValueError: Cannot compute "
        r"initial seasonals.*Check the model's parameters",
    ) as info:
        ETS(seasonal="add").fit(y.iloc[:20])
    assert info.value.__cause__ is not None
    with pytest.raises(
        ValueError,
        match=r"ARIMA\(order=\(1, 0\), .* failed: ValueError: "
        r"`order` argument must be an iterable with three elements",
    ):
        ARIMA(order=(1, 0)).fit(y)


def test_statsmodels_failure_other_than_value_error(y, monkeypatch):
    def broken_fit(self, *args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(SMARIMA, "fit", broken_fit)
    with pytest.raises(
        RuntimeError,
        match=r"^ARIMA\(order=\(1, 0, 0\), .*\(series 'load', "
        r"48 observations\) failed: ZeroDivisionError: division by zero",
    ):
        ARIMA().fit(y)


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------


def test_bad_steps(y):
    model = Naive().fit(y)
    with pytest.raises(
        ValueError, match=r"`steps` must be a positive integer; got 0\. Pass steps >= 1"
    ):
        model.predict(steps=0)
    with pytest.raises(TypeError, match=r"`steps` must be a positive integer; got 2"):
        model.predict_interval(steps=2.0)


def test_bad_series(y):
    with pytest.raises(
        TypeError, match=r"`y` must be a pandas Series.*got a numpy array"
    ):
        Naive().fit(y.to_numpy())
    with pytest.raises(
        ValueError,
        match=r"`y` has 1 missing values \(NaN\), the first at "
        r"2024-03-01 02:00:00",
    ):
        Naive().fit(y.where(y.index != y.index[2]))
    with pytest.raises(ValueError, match=r"`y` has an irregular DatetimeIndex"):
        Naive().fit(y.drop(y.index[[3, 10, 11]]))
    with pytest.raises(TypeError, match=r"`y` must have a real numeric dtype"):
        Naive().fit(y.astype(str))


def test_series_too_short(y):
    with pytest.raises(
        ValueError,
        match=r"`y` has 1 observations; Naive \(to estimate its "
        r"error spread\) needs at least 2\. Pass a longer `y`",
    ):
        Naive().fit(y.iloc[:1])
    with pytest.raises(
        ValueError,
        match=r"`y` has 6 observations; SeasonalNaive with "
        r"season_length=6 needs at least 7",
    ):
        SeasonalNaive(M).fit(y.iloc[:6])
    with pytest.raises(ValueError, match=r"`y` has 2 observations; Drift"):
        Drift().fit(y.iloc[:2])


def test_bad_hyperparameters(y):
    positions = y.reset_index(drop=True)
    with pytest.raises(
        ValueError,
        match=r"`season_length` is None and `y` has an integer "
        r"index.*Pass `season_length`",
    ):
        SeasonalNaive().fit(positions)
    with pytest.raises(
        ValueError,
        match=r"`period` is None and the frequency of `y`, "
        r"'C', has no standard seasonal period\. Pass `period` explicitly",
    ):
        days = pd.date_range(
            "2024-01-01", periods=10, freq=pd.offsets.CustomBusinessDay()
        )
        Theta().fit(pd.Series(np.arange(10.0), days))
    with pytest.raises(
        ValueError,
        match=r"`season_length` must be a positive int or None; "
        r"got 0",
    ):
        SeasonalNaive(0).fit(y)
    with pytest.raises(ValueError, match=r"`trend` must be None or 'add'; got 'mul'"):
        ETS(trend="mul").fit(y)
    with pytest.raises(ValueError, match=r"`theta` must be a number >= 1; got 0\.5"):
        Theta(period=1, theta=0.5).fit(y)


def test_bad_coverage_and_quantiles(y):
    model = Naive().fit(y)
    with pytest.raises(
        ValueError,
        match=r"`coverage` must be strictly between 0 and 1; "
        r"got 90",
    ):
        model.predict_interval(coverage=90)
    with pytest.raises(
        TypeError, match=r"`coverage` must be a float in \(0, 1\); got str"
    ):
        model.predict_interval(coverage="0.9")
    for bad in [(0.1, 1.0), (), (0.5, 0.5), "median"]:
        with pytest.raises(
            ValueError,
            match=r"`quantiles` must be a non-empty sequence of "
            r"distinct levels strictly between 0 and 1",
        ):
            model.predict_quantiles(quantiles=bad)


def test_exog_on_models_without_exog(y, exog):
    with pytest.raises(
        ValueError,
        match=r"`exog` was given, but Theta cannot use exogenous "
        r"variables\. Drop `exog`, or use ARIMA",
    ):
        Theta(period=1).fit(y, exog=exog)
    with pytest.raises(ValueError, match=r"`exog` was given, but Naive cannot use"):
        Naive().fit(y).predict(exog=exog)
    with pytest.raises(
        ValueError,
        match=r"`exog` was given, but this ARIMA was fit without "
        r"it\. Drop `exog`, or refit",
    ):
        ARIMA(order=(0, 1, 0)).fit(y).predict(exog=exog)


def test_bad_exog(y, exog):
    model = ARIMA(order=(1, 0, 0))
    with pytest.raises(
        ValueError,
        match=r"`exog` has no rows for 2 of the 48 timestamps "
        r"of `y` \(first missing: 2024-03-01 00:00:00\)",
    ):
        model.fit(y, exog=exog.iloc[2:])
    with pytest.raises(
        ValueError, match=r"`exog` has no rows for 48 of the 48 timestamps"
    ):
        model.fit(y, exog=exog.reset_index(drop=True))
    with pytest.raises(
        TypeError,
        match=r"`exog` must be a pandas DataFrame \(or Series\) "
        r"indexed like `y`; got ndarray",
    ):
        model.fit(y, exog=exog.to_numpy())
    with pytest.raises(
        ValueError,
        match=r"`exog` has 1 missing or infinite values for `y` "
        r"\(first at 2024-03-01 05:00:00\)",
    ):
        model.fit(y, exog=exog.where(exog != exog.iloc[5, 0]))
    with pytest.raises(TypeError, match=r"`exog` column 'c' has dtype"):
        model.fit(y, exog=exog.assign(c="x"))
    fitted = model.fit(y, exog=exog)
    with pytest.raises(
        ValueError,
        match=r"`exog` is required: this ARIMA was fit with "
        r"exogenous variables \['a', 'b'\].*rows for 2024-03-03 00:00:00 to "
        r"2024-03-03 04:00:00",
    ):
        fitted.predict(5)
    with pytest.raises(
        ValueError,
        match=r"`exog` has no rows for 2 of the 5 timestamps of "
        r"the forecast period \(first missing: 2024-03-03 03:00:00\)",
    ):
        fitted.predict(5, exog=exog.iloc[:-3])
    with pytest.raises(
        ValueError,
        match=r"`exog` lacks the columns \['b'\]; expected "
        r"\['a', 'b'\], the columns seen in fit",
    ):
        fitted.predict(2, exog=exog[["a"]])
    _close(fitted.predict(2, exog=exog[["b", "a"]]), fitted.predict(2, exog=exog))


def _two_hourly():
    """200 two-hourly points of a daily cycle (12 steps) and noise."""
    t = np.arange(200)
    noise = np.random.default_rng(0).normal(0, 0.1, 200)
    index = pd.date_range("2024-01-01", periods=200, freq="2h")
    return pd.Series(10 + np.sin(2 * np.pi * t / 12) + noise, index)


def test_inferred_periods_use_the_frequency_multiplier():
    y2 = _two_hourly()
    assert SeasonalNaive().fit(y2).season_length_ == 12  # was 24, two days
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)  # only the period matters here
        assert Theta().fit(y2).period_ == 12
        assert ETS(seasonal="add").fit(y2).seasonal_periods_ == 12
    _close(SeasonalNaive().fit(y2).predict(12), y2.iloc[-12:])


def test_seasonal_ets_needs_a_period_of_two():
    years = pd.Series(np.arange(30.0), pd.date_range("1990", periods=30, freq="YS"))
    with pytest.raises(
        ValueError,
        match=r"`seasonal_periods` is None and the frequency of `y`, 'YS-JAN', has "
        r"a seasonal period of 1.*Pass `seasonal_periods`, or seasonal=None",
    ):
        ETS(seasonal="add").fit(years)
    with pytest.raises(
        ValueError, match=r"`seasonal_periods` must be at least 2.*got 1"
    ):
        ETS(seasonal="add", seasonal_periods=1).fit(years)


# --------------------------------------------------------------------------
# Constant series (issue 16, item 4)
# --------------------------------------------------------------------------

CONSTANT_MODELS = [
    Naive(),
    SeasonalNaive(),
    Naive2(),
    Drift(),
    ARIMA(),
    ARIMA(order=(1, 1, 1)),
    ARIMA(order=(2, 0, 0), seasonal_order=(1, 1, 0, 24)),
    ETS(),
    ETS(trend="add", damped_trend=True),
    ETS(seasonal="add"),
    Theta(),
    Theta(period=1),
]


@pytest.mark.parametrize("level", [5.0, 1e-8, 0.0, -3e6])
@pytest.mark.parametrize("noise", [0.0, 1e-12])
@pytest.mark.parametrize("model", CONSTANT_MODELS, ids=repr)
def test_constant_series_forecast_the_constant(model, level, noise):
    # no warning either: the test session turns warnings into errors
    rng = np.random.default_rng(0)
    values = level + noise * abs(level) * rng.normal(size=200)
    index = pd.date_range("2024-01-01", periods=200, freq="h")
    y = pd.Series(values, index, name="flat")
    frame = clone(model).fit(y).predict_interval(5, coverage=0.9)
    assert np.isfinite(frame.to_numpy()).all()
    np.testing.assert_allclose(frame["mean"], level, rtol=1e-10, atol=1e-20)
    width = (frame["upper"] - frame["lower"]).to_numpy()
    assert (width >= 0).all() and (width <= 1e-9 * max(abs(level), 1e-8)).all()
    if noise == 0.0:
        assert (width == 0).all()


def test_constant_series_skip_statsmodels_only_when_constant(y):
    flat = pd.Series(5.0, y.index)
    for model in (ARIMA(), ETS(), Theta(period=1)):
        fitted = clone(model).fit(flat)
        assert fitted.results_ is None and isinstance(fitted.naive_, Naive)
        hours = pd.date_range("2024-05-01", periods=3, freq="h")
        window = pd.Series([1.0, 2.0, 4.0], hours)
        _close(fitted.predict(2, last_window=window), [4.0, 4.0])
    assert ARIMA().fit(y).naive_ is None and ETS().fit(y).naive_ is None
    # the parameters are still checked on a constant series
    with pytest.raises(ValueError, match=r"`theta` must be a number >= 1"):
        Theta(theta=0.5).fit(flat)


def test_constant_last_window_after_a_normal_fit(y):
    flat = pd.Series(5.0, pd.date_range("2024-05-01", periods=30, freq="h"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)  # the fits are not the point
        models = [ARIMA(), ETS(), ETS(seasonal="add", seasonal_periods=M), Theta()]
        models = [model.fit(y) for model in models]
    for model in models:  # no FitWarning from the window: warnings are errors
        frame = model.predict_interval(4, last_window=flat)
        assert np.isfinite(frame.to_numpy()).all()
        if isinstance(model, ETS):
            _close(frame["mean"], [5.0] * 4)
            assert (frame["upper"] == frame["lower"]).all()


# --------------------------------------------------------------------------
# Naive2, the M4 competition's reference (issue 14)
# --------------------------------------------------------------------------

PATTERN = np.array([0.6, 1.0, 1.6, 0.8])  # a multiplicative quarterly season


def _quarterly(n=40, noise=0.02, seed=0):
    """A positive series: a rising level times `PATTERN`, times noise."""
    rng = np.random.default_rng(seed)
    level = 100 + np.arange(n)
    values = level * PATTERN[np.arange(n) % 4] * (1 + rng.normal(0, noise, n))
    return pd.Series(values, pd.date_range("2010-01-01", periods=n, freq="QS"))


def test_naive2_with_a_period_of_one_is_naive(y):
    expected = Naive().fit(y).predict_interval(8, coverage=0.8)
    model = Naive2(season_length=1).fit(y)
    assert not model.seasonal_ and model.seasonal_indices_.tolist() == [1.0]
    pd.testing.assert_frame_equal(model.predict_interval(8, coverage=0.8), expected)


def test_naive2_recovers_a_multiplicative_season():
    quarterly = _quarterly()
    model = Naive2().fit(quarterly)  # QS: the period 4 comes from the frequency
    assert model.season_length_ == 4 and model.seasonal_
    _close(model.seasonal_indices_, PATTERN / PATTERN.mean(), rtol=0.02)
    # the naive forecast of the adjusted series, level ~139, reseasonalised
    forecast = model.predict(8)
    _close(forecast, 139 * np.tile(PATTERN, 2) / PATTERN.mean(), rtol=0.05)
    adjusted = quarterly.iloc[-1] / model.seasonal_indices_[39 % 4]
    _close(forecast, adjusted * model.seasonal_indices_[np.arange(40, 48) % 4])


def test_naive2_intervals_scale_with_the_season():
    model = Naive2(season_length=4).fit(_quarterly())
    frame = model.predict_interval(8, coverage=0.9)
    factor = model.seasonal_indices_[np.arange(40, 48) % 4]
    adjusted = _quarterly().to_numpy() / model.seasonal_indices_[np.arange(40) % 4]
    sigma = np.sqrt(np.mean(np.diff(adjusted) ** 2))
    _close(model.sigma_, sigma)
    half = ndtri(0.95) * sigma * np.sqrt(np.arange(1, 9)) * factor
    _close(frame["upper"] - frame["mean"], half)
    _close(frame["mean"] - frame["lower"], half)


def test_naive2_last_window_redoes_the_adjustment():
    model = Naive2(season_length=4).fit(_quarterly())
    # 24 quarters starting one phase later than the training series
    later = _quarterly(n=25, seed=1).iloc[1:] * 2.0
    forecast = model.predict(4, last_window=later)
    window = Naive2(season_length=4).fit(later)
    _close(forecast, window.predict(4))
    assert window.seasonal_
    _close(window.seasonal_indices_, np.roll(PATTERN, -1) / PATTERN.mean(), rtol=0.1)
    # shorter than three seasons: not tested, so the plain naive forecast
    _close(model.predict(3, last_window=later.iloc[-11:]), [later.iloc[-1]] * 3)


def test_naive2_treats_non_positive_series_as_not_seasonal():
    shifted = _quarterly() - 150.0  # crosses zero: no multiplicative season
    model = Naive2(season_length=4).fit(shifted)
    assert not model.seasonal_
    _close(model.predict(3), [shifted.iloc[-1]] * 3)
    with pytest.raises(
        ValueError,
        match=r"`y` has \d+ values <= 0 \(the smallest is -\d+\.\d+\); a "
        r"multiplicative decomposition needs positive values",
    ):
        seasonal_indices(shifted, 4)


def test_seasonality_test_on_noise_and_on_a_season():
    noise = [np.random.default_rng(seed).normal(10, 1, 200) for seed in range(200)]
    assert not seasonality_test(noise[0], 12)
    # a 90 % bound on |r_12|: about one white-noise series in ten is "seasonal"
    rate = np.mean([seasonality_test(x, 12) for x in noise])
    assert 0.03 < rate < 0.2
    t = np.arange(200)
    assert seasonality_test(10 + np.sin(2 * np.pi * t / 12) + noise[0] / 5, 12)
    assert not seasonality_test(noise[0], 1)  # m = 1: never seasonal
    assert not seasonality_test(10 + np.sin(2 * np.pi * t[:35] / 12), 12)  # n < 3m
    assert not seasonality_test(np.full(50, 3.0), 4)  # constant


@pytest.mark.parametrize("m", [4, 7, 12])
def test_seasonality_test_matches_the_statsmodels_acf(m):
    decisions = []
    for seed in range(40):  # noise with seasons from none to clear: both answers
        rng = np.random.default_rng(seed)
        t = np.arange(8 * m)
        x = rng.normal(size=t.size) + seed / 20 * np.sin(2 * np.pi * t / m)
        r = acf(x, nlags=m, fft=False)[1:]
        limit = 1.645 * np.sqrt((1 + 2 * np.sum(r[: m - 1] ** 2)) / x.size)
        decisions.append(abs(r[m - 1]) > limit)
        assert seasonality_test(x, m) == decisions[-1], seed
    assert 5 <= sum(decisions) <= 35


@pytest.mark.parametrize("m", [3, 4, 7, 12])
def test_seasonal_indices_match_statsmodels_decomposition(m):
    rng = np.random.default_rng(m)
    n = 5 * m + 2
    x = (50 + np.arange(n)) * rng.uniform(0.5, 1.5, m)[np.arange(n) % m]
    x *= 1 + rng.normal(0, 0.05, n)
    expected = seasonal_decompose(x, model="multiplicative", period=m).seasonal
    _close(seasonal_indices(x, m), expected[:m], rtol=1e-12)
    _close(seasonal_indices(pd.Series(x), m).mean(), 1.0)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.floats(1e-3, 1e6))
def test_naive2_is_scale_equivariant(seed, scale):
    y = _quarterly(n=24, noise=0.3, seed=seed)
    model = Naive2(season_length=4).fit(y)
    scaled = Naive2(season_length=4).fit(y * scale)
    assert scaled.seasonal_ == model.seasonal_
    _close(scaled.predict_interval(5), model.predict_interval(5) * scale, rtol=1e-9)
    adjusted = model.predict(5) / model.seasonal_indices_[np.arange(24, 29) % 4]
    _close(adjusted, [adjusted.iloc[0]] * 5, rtol=1e-12)


def test_naive2_bad_input():
    quarterly = _quarterly()
    with pytest.raises(ValueError, match=r"`season_length` must be a positive int"):
        Naive2(season_length=0).fit(quarterly)
    with pytest.raises(ValueError, match=r"`y` has 1 observations; Naive2 \(to "):
        Naive2(season_length=1).fit(quarterly.iloc[:1])
    with pytest.raises(ValueError, match=r"`y` must be 1-D, one series oldest first"):
        seasonality_test(np.ones((3, 4)), 2)
    with pytest.raises(ValueError, match=r"`y` has 1 non-finite values \(NaN or inf"):
        seasonality_test([1.0, np.nan, 2.0], 2)
    with pytest.raises(TypeError, match=r"`y` must be array-like of real numbers"):
        seasonality_test(["a", "b"], 2)
    with pytest.raises(ValueError, match=r"`m` must be a positive integer; got 0"):
        seasonality_test([1.0, 2.0], 0)
    with pytest.raises(TypeError, match=r"`m` must be a positive integer; got 2\.0"):
        seasonal_indices(quarterly, 2.0)
    with pytest.raises(
        ValueError, match=r"`y` has 7 observations; a decomposition with m=4 needs"
    ):
        seasonal_indices(quarterly.iloc[:7], 4)
