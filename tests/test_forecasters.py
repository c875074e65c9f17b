"""RNNForecaster: series in, future out."""

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import ParameterGrid
from sklearn.utils.validation import check_is_fitted

from forecastrnn import RNNForecaster, RNNRegressor
from forecastrnn.datasets import NYSE_TRADING_DAY
from forecastrnn.forecasters import default_network
from forecastrnn.scaling import MASE_FLOOR

TINY = {"hidden_size": 8, "max_epochs": 2, "batch_size": 32, "random_state": 0}


def net(cell="lstm", **kw):
    """A tiny network: TINY's settings, overridden by ``kw``."""
    return RNNRegressor(cell, **{**TINY, **kw})


def hourly(n=400, seed=0, name="load"):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = 10 + np.sin(2 * np.pi * t / 24) + 0.1 * rng.standard_normal(n)
    return pd.Series(
        values, pd.date_range("2024-01-01", periods=n, freq="h"), name=name
    )


def test_direct_forecast_index_name_and_learns_the_season():
    y = hourly(1200)
    network = RNNRegressor("gru", hidden_size=16, max_epochs=15, random_state=0)
    model = RNNForecaster(network, window_size=24, horizon=12).fit(y.iloc[:-12])
    pred = model.predict()
    assert pred.name == "load"
    assert pred.index.equals(y.index[-12:]) and pred.index.freq == y.index.freq
    mae = np.mean(np.abs(pred - y.iloc[-12:]))
    naive = np.mean(np.abs(y.iloc[-13] - y.iloc[-12:]))
    assert mae < 0.5 * naive
    assert model.history_ is model.regressor_.history_


def test_get_params_set_params_clone_reach_the_nested_network():
    model = RNNForecaster(net("rnn"), window_size=12, horizon=3)
    params = model.get_params()
    assert params["network"] is model.network and params["window_size"] == 12
    assert params["network__cell"] == "rnn" and params["network__hidden_size"] == 8
    assert "hidden_size" not in params  # one definition: the network's
    twin = clone(model).set_params(
        network__cell="lstm", network__hidden_size=4, window_size=24
    )
    assert twin.network is not model.network
    assert (twin.network.cell, twin.network.hidden_size, twin.window_size) == (
        "lstm",
        4,
        24,
    )
    assert (model.network.cell, model.network.hidden_size) == ("rnn", 8)
    y = hourly(200)
    a = clone(model).fit(y).predict()
    b = clone(model).fit(y).predict()
    pd.testing.assert_series_equal(a, b)


def test_a_cell_name_is_the_default_network_of_that_cell():
    model = RNNForecaster("gru", window_size=12, horizon=3)
    assert model.get_params()["network"] == "gru"
    assert "network__hidden_size" not in model.get_params()
    swapped = clone(model).set_params(network=net("rnn"))
    assert swapped.get_params()["network__cell"] == "rnn" and model.network == "gru"


@pytest.mark.slow
def test_parameter_grid_over_network_and_forecaster_settings():
    y = hourly(200)
    base = RNNForecaster(
        net("gru", max_epochs=1), window_size=12, horizon=3, calendar_features=False
    )
    grid = ParameterGrid({"network__hidden_size": [4, 8], "window_size": [12, 24]})
    seen = set()
    for params in grid:
        model = clone(base).set_params(**params).fit(y)
        hidden, window = params["network__hidden_size"], params["window_size"]
        assert model.regressor_.hidden_size == hidden and model.window_size == window
        assert model.input_windows(y).shape[1] == window
        seen.add((hidden, window))
    assert len(seen) == 4
    assert base.network.hidden_size == 8 and base.window_size == 12


def test_pickle_round_trips_the_forecast():
    y = hourly(300)
    network = net("gru", loss="quantile")
    model = RNNForecaster(network, window_size=24, horizon=6).fit(y)
    restored = pickle.loads(pickle.dumps(model))
    pd.testing.assert_series_equal(restored.predict(), model.predict())
    pd.testing.assert_frame_equal(
        restored.predict_quantiles(steps=9), model.predict_quantiles(steps=9)
    )


def test_flat_network_settings_are_deprecated_and_build_the_same_network():
    y = hourly(300)
    with pytest.warns(DeprecationWarning, match="network=RNNRegressor") as record:
        old = RNNForecaster("gru", window_size=24, horizon=6, **TINY)
    assert record[0].filename == __file__  # points at the caller's line
    assert isinstance(old.network, RNNRegressor)
    # unspecified settings take the forecaster's defaults, as in 0.5.0
    same = default_network("gru").set_params(**TINY)
    assert old.network.get_params() == same.get_params()
    new = RNNForecaster(same, window_size=24, horizon=6)
    pd.testing.assert_series_equal(old.fit(y).predict(), new.fit(y).predict())
    clone(old)  # the clone is given the network: no second warning


def test_unknown_keywords_and_bad_networks_raise_type_errors():
    with pytest.raises(
        TypeError, match=r"unexpected keyword arguments \['hiden_size'\]"
    ):
        RNNForecaster("gru", hiden_size=8)
    with pytest.raises(TypeError, match=r"network settings \['hidden_size'\]"):
        RNNForecaster(net("gru"), hidden_size=8)
    for bad in (42, RNNForecaster()):
        with pytest.raises(TypeError, match="`network` must be a cell name"):
            RNNForecaster(bad, window_size=12, horizon=3).fit(hourly(100))


def test_fit_clones_the_network_and_leaves_it_unfitted():
    network = net("gru")
    before = network.get_params()
    model = RNNForecaster(
        network, window_size=24, horizon=6, calendar_features=True
    ).fit(hourly(200))
    assert model.network is network and model.regressor_ is not network
    assert model.regressor_.n_channels == 1 + 6  # target change, calendar
    assert network.get_params() == before and network.n_channels == 1
    with pytest.raises(NotFittedError):
        check_is_fitted(network)


def test_scaler_is_fitted_on_training_series_only():
    y = hourly(300)
    exog = pd.DataFrame({"temp": 20 + np.cos(np.arange(300.0) / 7)}, y.index)
    model = RNNForecaster(
        net("gru"), window_size=24, horizon=3, calendar_features=False
    ).fit(y, exog=exog)
    # the default: MASE's scale, the seasonal naive forecast's in-sample error
    (state,) = model.series_
    m = model.season_length_
    assert model.scaler == "mase" and m == 24
    assert float(state.scale.center) == pytest.approx(y.mean())
    seasonal_error = np.abs(y.to_numpy()[m:] - y.to_numpy()[:-m]).mean()
    assert float(state.scale.scale) == pytest.approx(seasonal_error)
    # covariates are standardised
    assert state.future_scale.method == "standard"
    assert float(state.future_scale.center[0]) == pytest.approx(exog["temp"].mean())
    assert float(state.future_scale.scale[0]) == pytest.approx(exog["temp"].std(ddof=0))
    # an hourly walk follows no day (season 1), but its scale is the day's
    walk = pd.Series(np.cumsum(np.random.default_rng(0).standard_normal(300)), y.index)
    model = RNNForecaster(net("gru"), window_size=24, horizon=3).fit(walk)
    assert model.season_length_ == 1
    day_error = np.abs(walk.to_numpy()[24:] - walk.to_numpy()[:-24]).mean()
    assert float(model.series_[0].scale.scale) == pytest.approx(day_error)
    standard = RNNForecaster(net("gru"), window_size=12, horizon=3, scaler="standard")
    (state,) = standard.fit(y).series_
    assert float(state.scale.center) == pytest.approx(y.mean())
    assert float(state.scale.scale) == pytest.approx(y.std(ddof=0))


def test_last_window_forecasts_from_new_context_without_refitting():
    y = hourly(500)
    model = RNNForecaster(net("lstm"), window_size=24, horizon=6).fit(y.iloc[:300])
    params = model.regressor_.params_
    pred = model.predict(last_window=y.iloc[:400])
    assert pred.index[0] == y.index[400] and len(pred) == 6
    assert model.regressor_.params_ is params
    # only the last window_size points matter
    pd.testing.assert_series_equal(pred, model.predict(last_window=y.iloc[376:400]))
    with pytest.raises(
        ValueError,
        match=r"`last_window` has 10 observations; the model reads `window_size` = 24",
    ):
        model.predict(last_window=y.iloc[:10])
    daily = pd.Series(
        np.arange(40.0), pd.date_range("2024-01-01", periods=40, freq="D")
    )
    with pytest.raises(
        ValueError, match=r"`last_window` has frequency 'D'; the model was fit on 'h'"
    ):
        model.predict(last_window=daily)


@pytest.mark.slow
def test_recursive_strategy_and_direct_extension_beyond_horizon():
    y = hourly(300)
    rec = RNNForecaster(net("gru"), window_size=24, horizon=6, strategy="recursive")
    rec.fit(y)
    assert rec.regressor_.n_outputs_ == 1
    pred = rec.predict(steps=10)
    assert len(pred) == 10 and pred.index[0] == y.index[-1] + pd.Timedelta("1h")
    direct = RNNForecaster(net("gru"), window_size=24, horizon=6).fit(y)
    long = direct.predict(steps=14)
    pd.testing.assert_series_equal(long.iloc[:6], direct.predict())
    # the second block is the model applied to the first block fed back
    context = pd.concat([y, direct.predict()]).iloc[-24:]
    context.index = pd.DatetimeIndex(context.index, freq="h")
    np.testing.assert_allclose(long.iloc[6:12], direct.predict(last_window=context))


def test_trading_day_series_continues_on_trading_days():
    idx = pd.date_range("2013-01-02", "2013-03-28", freq=NYSE_TRADING_DAY)
    y = pd.Series(np.linspace(1, 2, len(idx)), idx, name="adj_close")
    pred = RNNForecaster(net("rnn"), window_size=10, horizon=3).fit(y).predict()
    assert list(pred.index.strftime("%Y-%m-%d")) == [
        "2013-04-01",
        "2013-04-02",
        "2013-04-03",
    ]


@pytest.mark.slow
def test_future_known_and_past_covariates():
    y = hourly(400)
    idx = pd.date_range(y.index[0], periods=420, freq="h")
    rng = np.random.default_rng(1)
    exog = pd.DataFrame(
        {"temp": rng.standard_normal(420), "price": rng.standard_normal(420)}, idx
    )
    model = RNNForecaster(
        net("gru"),
        window_size=24,
        horizon=6,
        calendar_features=True,
        past_covariates=("price",),
    )
    model.fit(y, exog=exog.iloc[:400])
    # channels: target change, price (past), temp (future), 3 calendar sin/cos
    # pairs, then temp over the 6 steps after each step (the head's)
    assert model.regressor_.n_channels == 1 + 1 + 1 + 6 + 6
    assert model.regressor_.n_head_inputs_ == 6
    pred = model.predict(exog=exog)
    assert pred.index.equals(idx[400:406])
    changed = exog.copy()
    changed.loc[idx[400:406], "temp"] += 5.0  # future-known covariate matters
    assert not np.allclose(model.predict(exog=changed), pred)
    with pytest.raises(
        ValueError, match=r"`exog` has no rows for 6 of the 30 timestamps"
    ):
        model.predict(exog=exog.iloc[:400])
    with pytest.raises(
        ValueError, match=r"`steps=8` exceeds the 6 step\(s\).*past covariates"
    ):
        model.predict(steps=8, exog=exog)
    with pytest.raises(ValueError, match=r"`exog` lacks the columns \['price'\]"):
        model.predict(exog=exog[["temp"]])
    past_only = RNNForecaster(
        net("gru"), window_size=24, horizon=6, past_covariates=("price",)
    ).fit(y, exog=exog[["price"]].iloc[:400])
    assert len(past_only.predict()) == 6  # no future rows needed
    np.testing.assert_array_equal(
        past_only.predict(exog=exog[["price"]].iloc[:400]), past_only.predict()
    )
    no_exog = RNNForecaster(net("gru"), window_size=24, horizon=6).fit(y)
    with pytest.raises(ValueError, match="fit without covariates"):
        no_exog.predict(exog=exog)


def test_quantile_forecaster_intervals():
    y = hourly(400)
    # the columns are the fitted, sorted levels whatever order they came in
    network = net("gru", loss="quantile", quantiles=(0.9, 0.1, 0.5))
    model = RNNForecaster(network, window_size=24, horizon=6).fit(y)
    q = model.predict_quantiles()
    assert list(q.columns) == [0.1, 0.5, 0.9] and q.index.equals(model.predict().index)
    assert network.quantiles == (0.9, 0.1, 0.5)
    interval = model.predict_interval(coverage=0.8)
    assert list(interval.columns) == ["mean", "lower", "upper"]
    assert np.all(interval["lower"] <= interval["upper"])
    with pytest.raises(
        ValueError, match=r"`coverage=0.95` needs the quantiles 0.025 and 0.975"
    ):
        model.predict_interval(coverage=0.95)
    point = RNNForecaster(net("gru"), window_size=24, horizon=6).fit(y)
    assert not hasattr(point, "predict_interval")  # so backtests skip intervals
    with pytest.raises(AttributeError, match="no attribute 'predict_interval'") as err:
        point.predict_interval()
    assert "loss='quantile'" in str(err.value.__cause__)


@pytest.mark.parametrize("forking", [1, None])
@pytest.mark.parametrize("window_norm", [None, "last", "mean", "season"])
def test_input_windows_matches_network_layout(window_norm, forking):
    y = hourly(200)
    model = RNNForecaster(
        net("gru"),
        window_size=24,
        horizon=6,
        window_norm=window_norm,
        calendar_features=False,
        forking=forking,
    ).fit(y)
    X = model.input_windows(y)
    assert X.shape == (200 - 24 - 6 + 1, 24, 1)
    state = model.series_[0].scale  # MASE's (the default)
    scaled = ((y.iloc[:24] - float(state.center)) / float(state.scale)).to_numpy()
    if forking is None:  # relative to the window's offset
        offsets = {None: 0.0, "last": scaled[-1], "mean": scaled.mean()}
        expected = scaled - offsets.get(window_norm, scaled[-1])
    elif window_norm is None:  # the scaled values
        expected = scaled
    else:  # each step's change
        expected = np.diff(scaled, prepend=scaled[0])
    np.testing.assert_allclose(X[0, :, 0], expected, atol=1e-12)


@pytest.mark.parametrize("window_norm", ["season", "last", "mean"])
def test_window_norm_forecast_follows_the_level(window_norm):
    # With a per-window level the network sees the same input for a shifted
    # context, so the forecast moves by exactly the shift, even far outside
    # the training range; without it, it does not.
    y = hourly(200)
    tail = y.iloc[-24:]
    shifted = tail + 1000.0
    for norm, follows in ((window_norm, True), (None, False)):
        model = RNNForecaster(
            net("gru"), window_size=24, horizon=6, window_norm=norm
        ).fit(y)
        moved = model.predict(last_window=shifted) - model.predict(last_window=tail)
        assert np.allclose(moved, 1000.0, atol=1e-6) is follows


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"window_size": 0}, r"`window_size` must be a positive integer; got 0"),
        ({"horizon": -2}, r"`horizon` must be a positive integer; got -2"),
        ({"strategy": "mimo"}, r"`strategy` must be 'direct' or 'recursive'"),
        ({"scaler": "zscore"}, r"`scaler` must be one of"),
        ({"window_norm": "first"}, r"`window_norm` must be 'season', 'last', 'mean'"),
        ({"season_length": 0}, r"`season_length` must be a positive integer or None"),
        ({"calendar_features": "hourly"}, r"`calendar_features` must be 'auto', True"),
        ({"season_length": 60}, r"`season_length=60` exceeds `window_size=48`"),
        ({"network": "tcn"}, r"`cell` must be one of"),
        ({"network": net("tcn")}, r"`cell` must be one of"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        RNNForecaster(**{"network": net(), **params}).fit(hourly(200))


@pytest.mark.parametrize(
    ("window_norm", "season_length", "steps", "expected"),
    [
        ("season", None, 30, lambda y: np.tile(y[-24:], 2)[:30]),
        ("season", 6, 30, lambda y: np.tile(y[-6:], 5)),
        ("last", None, 30, lambda y: np.full(30, y[-1])),
        ("mean", None, 6, lambda y: np.full(6, y[-24:].mean())),
        (None, None, 30, lambda y: np.full(30, y.mean())),
    ],
)
def test_window_norm_reference_is_the_zero_output_forecast(
    window_norm, season_length, steps, expected, monkeypatch
):
    # A network that outputs zeros forecasts the reference: the seasonal
    # naive forecast, the naive one, the window mean, or (no norm, standard
    # scaler) the training mean; fed back beyond the 6-step horizon.
    y = hourly(200)
    model = RNNForecaster(
        net("gru"),
        window_size=24,
        horizon=6,
        window_norm=window_norm,
        season_length=season_length,
    ).fit(y)
    monkeypatch.setattr(model.regressor_, "predict", lambda X: np.zeros((len(X), 6)))
    forecast = model.predict(steps)
    np.testing.assert_allclose(forecast, expected(y.to_numpy()), rtol=1e-12)


def test_each_series_of_a_panel_follows_its_own_season(monkeypatch):
    # a daily cycle and a random walk on hourly dates: the panel's period is
    # the day, which only the cycle follows; a zero output forecasts each
    # series' reference, the seasonal naive and the naive forecast
    cycle = hourly(200)
    rng = np.random.default_rng(1)
    walk = pd.Series(np.cumsum(rng.standard_normal(200)) + 50, cycle.index)
    panel = {"cycle": cycle, "walk": walk}
    before = {k: v.copy() for k, v in panel.items()}
    model = RNNForecaster(net("gru"), window_size=24, horizon=6).fit(panel)
    assert model.season_length_ == 24
    assert [s.season_length for s in model.series_] == [24, 1]
    zeros = lambda X: np.zeros((len(X), 6))  # noqa: E731
    monkeypatch.setattr(model.regressor_, "predict", zeros)
    forecast = model.predict()
    np.testing.assert_allclose(forecast["cycle"], cycle.to_numpy()[-24:-18])
    np.testing.assert_allclose(forecast["walk"], np.full(6, walk.iloc[-1]))
    for k, v in panel.items():
        pd.testing.assert_series_equal(v, before[k])
    # a series first seen in `last_window` is tested on the history it brings
    later = pd.date_range(cycle.index[-1], periods=100, freq="h")[1:]
    new = {"new_walk": pd.Series(np.cumsum(rng.standard_normal(99)) + 5, later)}
    out = model.predict(last_window=new)
    np.testing.assert_allclose(out["new_walk"], np.full(6, new["new_walk"].iloc[-1]))
    # a season given is every series' season
    given = RNNForecaster(net("gru"), window_size=24, horizon=6, season_length=24)
    assert [s.season_length for s in given.fit(panel).series_] == [24, 24]
    # a model saved before per-series periods follows the panel's
    old = model.series_[1]._replace(season_length=None)
    model.__setstate__({**model.__getstate__(), "series_": [model.series_[0], old]})
    assert model.series_[1].season_length == 24
    np.testing.assert_allclose(model.predict()["walk"], walk.to_numpy()[-24:-18])


@pytest.mark.slow
def test_auto_calendar_features_follow_the_frequency():
    y = hourly(200)
    fit = RNNForecaster(net(), window_size=24, horizon=6).fit
    assert fit(y).calendar_ == ("hour", "day_of_week")
    values = y.to_numpy()
    for freq, expected in (
        ("D", ("day_of_week",)),
        ("B", ()),
        (NYSE_TRADING_DAY, ()),
        ("W", ()),
        ("MS", ()),
    ):
        series = pd.Series(values, pd.date_range("2000-01-03", periods=200, freq=freq))
        assert fit(series).calendar_ == expected, freq
    assert fit(pd.Series(values)).calendar_ == ()
    # the network reads them at each step of the window
    assert fit(y).input_windows(y).shape[1:] == (24, 1 + 4)
    # the window form reads the forecast period with them: window + horizon
    # steps, and a flag
    old = RNNForecaster(net(), window_size=24, horizon=6, forking=None).fit(y)
    assert old.input_windows(y).shape[1:] == (30, 1 + 1 + 4)


@pytest.mark.slow
def test_season_length_is_inferred_from_the_index():
    y = hourly(200)
    assert RNNForecaster(net(), window_size=48).fit(y).season_length_ == 24
    assert RNNForecaster(net(), window_size=12).fit(y).season_length_ == 1
    # on an integer index the cycle is found in the data
    numbered = y.reset_index(drop=True)
    assert RNNForecaster(net(), window_size=48).fit(numbered).season_length_ == 24
    # an hourly random walk has no daily cycle to follow: the naive reference
    walk = pd.Series(np.cumsum(np.random.default_rng(0).standard_normal(200)), y.index)
    assert RNNForecaster(net(), window_size=48).fit(walk).season_length_ == 1
    daily = pd.Series(y.to_numpy(), pd.date_range("2020-01-01", periods=200))
    assert RNNForecaster(net(), window_size=48).fit(daily).season_length_ == 1
    assert (
        RNNForecaster(net(), window_size=48, season_length=7).fit(daily).season_length_
        == 7
    )


def test_bad_series_and_steps():
    model = RNNForecaster(net("gru"), window_size=24, horizon=6)
    with pytest.raises(NotFittedError):
        model.predict()
    with pytest.raises(
        ValueError, match=r"`y` has 20 observations; `window_size \+ horizon` = 30"
    ):
        model.fit(hourly(20))
    with pytest.raises(ValueError, match="no observed value"):
        model.fit(hourly(200) * np.nan)
    with pytest.raises(TypeError, match="`y` must be a pandas Series"):
        model.fit(np.arange(100.0))
    fitted = model.fit(hourly(200))
    for steps, error in ((0, ValueError), (-1, ValueError), (2.5, TypeError)):
        with pytest.raises(error, match=r"`steps` must be a positive integer"):
            fitted.predict(steps=steps)


def test_caller_series_is_not_modified():
    y = hourly(200)
    before = y.copy()
    RNNForecaster(net("gru"), window_size=24, horizon=6).fit(y).predict()
    pd.testing.assert_series_equal(y, before)


@settings(max_examples=12, deadline=None)
@given(
    kind=st.sampled_from(["ramp", "step", "spikes", "repeat", "flat_then_noise"]),
    magnitude=st.sampled_from([1e-6, 1.0, 1e6]),
    offset=st.sampled_from([0.0, -50.0, 1e9]),
    seed=st.integers(0, 3),
)
@example(kind="repeat", magnitude=1.0, offset=0.0, seed=0)  # floored, always
def test_the_mase_scale_keeps_awkward_series_finite(kind, magnitude, offset, seed):
    # series whose seasonal error is tiny next to their spread: a noiseless
    # ramp, one step, rare spikes, an exact repetition, a flat start
    n, rng = 120, np.random.default_rng(seed)
    t = np.arange(n, dtype=float)
    values = {
        "ramp": t,
        "step": (t >= n // 2).astype(float),
        "spikes": (rng.random(n) < 0.05).astype(float),
        "repeat": np.sin(2 * np.pi * t / 24),
        "flat_then_noise": np.r_[np.zeros(n - 30), rng.standard_normal(30)],
    }[kind]
    y = pd.Series(
        offset + magnitude * values, pd.date_range("2024-01-01", periods=n, freq="h")
    )
    before = y.copy()
    network = net("gru", hidden_size=4, max_epochs=1)
    model = RNNForecaster(network, window_size=24, horizon=6)
    pred = model.fit(y).predict()
    pd.testing.assert_series_equal(y, before)
    assert np.isfinite(pred.to_numpy()).all()
    (state,) = model.series_
    assert float(state.scale.scale) > 0
    # a change in the inputs is at most the range over the floored scale
    bound = np.ptp(y.to_numpy()) / (MASE_FLOOR * y.std(ddof=0))
    assert np.abs(model.input_windows(y)[..., 0]).max() <= bound * (1 + 1e-5)
