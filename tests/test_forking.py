"""Forking sequences: one pass of the encoder trains on several windows."""

import warnings

import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

from forecastrnn import RNNForecaster, RNNRegressor, load
from forecastrnn.indexed_windows import IndexedWindows, WindowLayout, cut_windows
from forecastrnn.nn import NetworkConfig, apply_network, check_forks, init_network


def forking_reference(layout, values, starts, targets):
    """Plain loops: each origin's inputs, targets and reference, one at a time."""
    w, b, m = layout.window_size, layout.block, layout.season_length
    n_past, n_future = layout.n_past, layout.n_future
    X, Y, R = [], [], []
    for s in starts:
        rows = []
        for t in range(layout.steps):
            row = values[s + t]
            change = 0.0 if t == 0 else row[0] - values[s + t - 1, 0]
            if layout.window_norm is None:
                change = row[0]
            ahead = [
                values[s + t + 1 + j, n_past + c]
                for j in range(b)
                for c in range(n_future - layout.n_calendar)
            ]
            rows.append([change, *row[1:], *ahead])
        y, ref = [], []
        for f in range(layout.forks):
            origin = s + w - 1 + f
            if layout.window_norm is None:
                level = np.zeros(b)
            elif layout.window_norm == "mean":
                level = np.full(b, values[origin - w + 1 : origin + 1, 0].mean())
            else:
                period = m if layout.window_norm == "season" else 1
                level = np.array(
                    [values[origin - period + 1 + j % period, 0] for j in range(b)]
                )
            ref.extend(level)
            y.extend(targets[origin + 1 : origin + 1 + b] - level)
        X.append(rows)
        Y.append(y)
        R.append(ref)
    return np.array(X), np.array(Y), np.array(R)


@pytest.mark.parametrize("n_calendar", [0, 1])
@pytest.mark.parametrize("norm", ["season", "last", "mean", None])
def test_cut_forking_matches_loops_in_numpy_and_jax(norm, n_calendar):
    rng = np.random.default_rng(0)
    values = rng.normal(size=(80, 5))  # target, past, 2 future, static
    targets = values[:, 0].copy()
    targets[30] = np.nan
    layout = WindowLayout(12, 3, n_past=2, n_future=2, n_static=1,
                          window_norm=norm, season_length=4, forks=5,
                          n_calendar=n_calendar)  # fmt: skip
    # the calendar's future values follow from the step's: not read ahead
    n_head = 3 * (2 - n_calendar)
    assert layout.n_head == n_head and layout.n_channels == 2 + 2 + 1 + n_head
    starts = np.array([0, 9, 80 - layout.span])
    X, Y, R = cut_windows(layout, values, starts, targets)
    X0, Y0, R0 = forking_reference(layout, values, starts, targets)
    np.testing.assert_allclose(X, X0, atol=1e-12)
    np.testing.assert_allclose(Y, Y0, atol=1e-12)  # NaN where NaN
    np.testing.assert_allclose(R, R0, atol=1e-12)
    Xj, Yj, _ = cut_windows(
        layout, jnp.asarray(values, jnp.float32), jnp.asarray(starts),
        jnp.asarray(targets, jnp.float32),
    )  # fmt: skip
    np.testing.assert_allclose(Xj, X, atol=1e-5)
    np.testing.assert_allclose(Yj, Y, atol=1e-5)


def test_each_origin_reads_what_a_forecast_from_it_reads():
    # targets and reference of origin f are those of a one-origin window
    # starting f steps later, and its inputs after the first step agree
    rng = np.random.default_rng(1)
    values = rng.normal(size=(60, 3))
    layout = WindowLayout(10, 4, n_future=2, window_norm="season",
                          season_length=3, forks=6)  # fmt: skip
    single = layout.for_prediction()
    assert single.forks == 1 and single.steps == 10
    X, Y, R = cut_windows(layout, values, np.array([5]), values[:, 0])
    for f in range(6):
        X1, Y1, R1 = cut_windows(single, values, np.array([5 + f]), values[:, 0])
        np.testing.assert_allclose(Y[:, 4 * f : 4 * f + 4], Y1)
        np.testing.assert_allclose(R[:, 4 * f : 4 * f + 4], R1)
        np.testing.assert_allclose(X[:, f + 1 : f + 10], X1[:, 1:])


def test_indexed_windows_check_the_whole_sequence_fits():
    layout = WindowLayout(5, 2, forks=4)
    values, targets = np.zeros((20, 1), np.float32), np.zeros(20, np.float32)
    IndexedWindows(layout, values, targets, np.array([20 - 10], np.int32),
                   np.zeros(1))  # fmt: skip
    with pytest.raises(ValueError, match="10 rows"):
        IndexedWindows(layout, values, targets, np.array([11], np.int32), np.zeros(1))


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("members", [1, 2])
def test_forked_outputs_equal_one_window_at_a_time(cell, members):
    config = NetworkConfig(cell, n_inputs=7, hidden_size=5, n_outputs=3,
                           num_layers=2, n_head_inputs=4, forks=4,
                           members=members, n_series=3,
                           embedding_size=2)  # fmt: skip
    params = init_network(config, 0)
    rng = np.random.default_rng(2)
    xs = rng.normal(size=(6, 9, 7)).astype(np.float32)
    xs[:, :, 2] = rng.integers(0, 3, size=(6, 1))  # the series code, last
    forked = np.asarray(apply_network(config, params, jnp.asarray(xs)))
    assert forked.shape[-2:] == (6, 12)
    one = config._replace(forks=1)
    for f in range(4):
        alone = apply_network(one, params, jnp.asarray(xs[:, : 6 + f]))
        np.testing.assert_allclose(forked[..., 3 * f : 3 * f + 3], alone, atol=2e-6)


def test_head_inputs_reach_the_head_only():
    config = NetworkConfig("gru", n_inputs=3, hidden_size=4, n_outputs=2,
                           n_head_inputs=2)  # fmt: skip
    params = init_network(config, 0)
    assert params["layers"][0]["fwd"]["W_x"].shape[0] == 1
    assert params["head"]["W_hy"].shape == (4 + 2, 2)
    xs = jnp.ones((2, 5, 3))
    moved = xs.at[:, :-1, 1:].set(7.0)  # head channels before the last step
    np.testing.assert_allclose(
        apply_network(config, params, xs), apply_network(config, params, moved)
    )
    assert not np.allclose(
        apply_network(config, params, xs),
        apply_network(config, params, xs.at[:, -1, 1:].set(7.0)),
    )


@pytest.mark.parametrize("setting", [{"bidirectional": True}, {"attention": True}])
def test_forking_needs_a_forward_network(setting):
    with pytest.raises(ValueError, match="bidirectional=True. or .attention=True"):
        check_forks(NetworkConfig("lstm", 2, 4, 1, forks=3, **setting))
    check_forks(NetworkConfig("lstm", 2, 4, 1, forks=1, **setting))
    network = RNNRegressor("lstm", max_epochs=1, **setting)
    y = pd.Series(np.arange(60.0), pd.date_range("2024-01-01", periods=60, freq="D"))
    with pytest.raises(ValueError, match="`forking=4` needs a forward-only"):
        RNNForecaster(network, window_size=7, horizon=3, forking=4).fit(y)
    # one window per pass: the whole window may be read
    model = RNNForecaster(network, window_size=7, horizon=3, forking=1).fit(y)
    assert np.isfinite(model.predict()).all()


@pytest.mark.parametrize("bad", [0, -2, 2.5, "24"])
def test_forking_must_be_a_positive_integer(bad):
    y = pd.Series(np.arange(60.0))
    with pytest.raises((ValueError, TypeError), match="forking"):
        RNNForecaster("gru", window_size=7, horizon=3, forking=bad).fit(y)


def small_network(**params):
    settings = dict(hidden_size=8, max_epochs=4, random_state=0, batch_size=16)
    return RNNRegressor("gru", **{**settings, **params})


def hourly_panel():
    rng = np.random.default_rng(3)
    index = pd.date_range("2024-03-01", periods=240, freq="h")
    wave = np.sin(2 * np.pi * np.arange(240) / 24)
    return {
        "a": pd.Series(10 + wave + 0.1 * rng.normal(size=240), index),
        "b": pd.Series(5 - wave[:120] + 0.1 * rng.normal(size=120), index[:120]),
    }


def test_forking_forecaster_fits_a_panel_and_forecasts_as_without(tmp_path):
    panel = hourly_panel()
    model = RNNForecaster(small_network(), window_size=24, horizon=6, forking=100)
    model.fit(panel)
    # longer than the shortest series' 120 - 24 - 6 + 1 = 91 windows
    assert model.forking_ == 100
    assert model.regressor_.n_head_inputs_ == 0  # the calendar reaches the state
    assert model.regressor_.window_size_ == 24
    forecast = model.predict()
    assert set(forecast) == {"a", "b"} and len(forecast["a"]) == 6
    assert forecast["b"].index[0] == panel["b"].index[-1] + pd.Timedelta("1h")
    assert np.isfinite(forecast["a"]).all() and np.isfinite(forecast["b"]).all()
    # the windows a forecast reads are those input_windows gives
    X = model.input_windows(panel["a"].iloc[-30:].rename(None))
    assert X.shape == (1, 24, model.regressor_.n_channels)
    # saved and loaded: the same forecasts
    loaded = load(model.save(tmp_path / "forked"))
    assert loaded.forking_ == 100
    for key in panel:
        pd.testing.assert_series_equal(loaded.predict()[key], forecast[key])
    # a new series forecast from its last window
    new = pd.Series(panel["a"].to_numpy()[-24:], panel["a"].index[-24:])
    assert len(model.predict(last_window={"c": new})["c"]) == 6


def test_forking_samples_about_as_many_windows_per_epoch():
    panel = hourly_panel()
    model = RNNForecaster(small_network(max_epochs=1), window_size=24, horizon=6,
                          windows_per_series=40, forking=8)  # fmt: skip
    model.fit(panel)
    assert model.windows_per_series_ == 5  # 40 windows: 5 sequences of 8
    model.set_params(windows_per_series=None, forking=4).fit(panel)
    # every window of the longest series, 240 - 24 - 6 + 1 = 211, in 4s
    assert model.forking_ == 4 and model.windows_per_series_ == 53
    model.set_params(forking=1).fit(panel)  # every window
    assert model.forking_ == 1 and model.windows_per_series_ is None


def test_forking_learns_a_daily_cycle():
    # the forecast of a noiseless cycle beats the naive forecast by far (the
    # network reads scaled values, window_norm=None: standardised, since in
    # MASE's units a cycle that repeats exactly reaches 1 / MASE_FLOOR)
    index = pd.date_range("2024-03-01", periods=24 * 30, freq="h")
    y = pd.Series(np.sin(2 * np.pi * np.arange(len(index)) / 24), index)
    train, test = y.iloc[:-24], y.iloc[-24:]
    network = small_network(max_epochs=30, hidden_size=16, learning_rate=1e-2)
    model = RNNForecaster(network, window_size=24, horizon=24, forking=24,
                          window_norm=None, scaler="standard",
                          calendar_features=False)  # fmt: skip
    model.fit(train)
    error = np.abs(model.predict().to_numpy() - test.to_numpy()).mean()
    naive = np.abs(train.iloc[-1] - test.to_numpy()).mean()
    assert error < 0.2 * naive
    history = model.history_
    assert history["train_loss"].iloc[-1] < 0.2 * history["train_loss"].iloc[0]


def test_validation_windows_do_not_overlap_training_targets(monkeypatch):
    # held-out sequences start after every training sequence's targets end
    from forecastrnn import training

    seen = {}
    real = training.fit_network

    def spy(spec, start, X, Y, *args, validation=None, **kwargs):
        seen.update(train=X, validation=validation, spec=spec)
        return real(spec, start, X, Y, *args, validation=validation, **kwargs)

    monkeypatch.setattr(training, "fit_network", spy)
    index = pd.date_range("2024-01-01", periods=200, freq="D")
    y = pd.Series(np.sin(np.arange(200) / 3.0), index)
    network = small_network(max_epochs=1, batch_size=20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RNNForecaster(network, window_size=14, horizon=7, forking=5).fit(y)
    train, validation = seen["train"], seen["validation"]
    last_target = train.starts.max() + train.layout.span - 1
    assert validation.starts.min() + 14 > last_target
    assert seen["spec"].network.forks == 5
    assert seen["spec"].batch_size == 4  # 20 windows: 4 sequences of 5


def test_models_saved_before_forking_load_without_it():
    model = RNNForecaster(small_network(max_epochs=1), window_size=7, horizon=2)
    model.fit(pd.Series(np.arange(40.0)))
    state = model.__getstate__()
    for name in ("forking", "forking_"):
        state.pop(name)
    regressor_state = model.regressor_.__getstate__()
    regressor_state.pop("n_head_inputs_")
    old = RNNForecaster.__new__(RNNForecaster)
    old.__setstate__(state)
    old.regressor_ = RNNRegressor.__new__(RNNRegressor)
    old.regressor_.__setstate__(regressor_state)
    assert old.forking is None and old.forking_ is None
    np.testing.assert_allclose(old.predict(), model.predict())


def test_sequences_never_read_another_series_targets(monkeypatch):
    from forecastrnn import training

    seen = {}
    real = training.fit_network

    def spy(spec, start, X, *args, **kwargs):
        seen["train"] = X
        return real(spec, start, X, *args, **kwargs)

    monkeypatch.setattr(training, "fit_network", spy)
    panel = hourly_panel()
    network = small_network(max_epochs=1, early_stopping=False)
    RNNForecaster(network, window_size=24, horizon=6, forking=30).fit(panel)
    X = seen["train"]
    # every window starts a sequence: 211 and 91 of them
    assert np.bincount(X.groups).tolist() == [211, 91]
    _, Y, _ = cut_windows(X.layout, X.values, X.starts, X.targets)
    last_row = {g: X.starts[X.groups == g].max() + 24 + 6 - 1 for g in (0, 1)}
    rows = X.starts[:, None] + 24 + (np.arange(30)[:, None] + np.arange(6)).reshape(-1)
    beyond = rows > np.array([last_row[g] for g in X.groups])[:, None]
    assert beyond.any() and np.isnan(Y[beyond]).all()
    assert not np.isnan(Y[~beyond]).any()


def test_future_known_covariates_reach_the_head():
    panel = hourly_panel()
    promo = {
        key: pd.DataFrame({"promo": (np.arange(len(y)) % 50 < 5).astype(float)},
                          index=y.index)  # fmt: skip
        for key, y in panel.items()
    }
    model = RNNForecaster(small_network(max_epochs=2), window_size=24, horizon=6,
                          forking=8)  # fmt: skip
    model.fit(panel, exog=promo)
    assert model.regressor_.n_head_inputs_ == 6  # one column over 6 steps
    future = {
        key: pd.DataFrame(
            {"promo": [1.0] * 6},
            index=pd.date_range(y.index[-1], periods=7, freq="h")[1:],
        )
        for key, y in panel.items()
    }
    on = model.predict(exog=future)
    off = model.predict(exog={k: f * 0.0 for k, f in future.items()})
    assert not np.allclose(on["a"], off["a"])
    with pytest.raises(ValueError, match="exog"):
        model.predict()
