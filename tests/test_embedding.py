"""The learned series embedding: one vector per series, read at every step."""

import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

import forecastrnn
from forecastrnn import RNNForecaster, RNNRegressor
from forecastrnn.nn import NetworkConfig, apply_network, init_network
from forecastrnn.nn.network import embed_series


def test_embed_series_reads_each_row_and_the_mean_for_unseen_series():
    table = jnp.array([[1.0, 2.0], [3.0, 6.0]])
    xs = jnp.stack(
        [jnp.stack([jnp.full(3, 7.0), jnp.full(3, c)], axis=1) for c in (1, 0, -1)]
    )  # (3 windows, 3 steps, [value, code])
    out = embed_series(table, xs)
    assert out.shape == (3, 3, 3)
    np.testing.assert_array_equal(out[:, :, 0], 7.0)
    np.testing.assert_array_equal(out[0, :, 1:], [[3.0, 6.0]] * 3)
    np.testing.assert_array_equal(out[1, :, 1:], [[1.0, 2.0]] * 3)
    np.testing.assert_array_equal(out[2, :, 1:], [[2.0, 4.0]] * 3)  # the mean


def test_network_with_an_embedding_has_a_table_and_reads_the_code():
    config = NetworkConfig("gru", 2, 8, 3, n_series=5, embedding_size=4)
    params = init_network(config, 0)
    assert params["embedding"].shape == (5, 4)
    assert params["layers"][0]["fwd"]["W_x"].shape[0] == 1 + 4  # value + vector
    xs = np.zeros((2, 6, 2), np.float32)
    xs[1, :, 1] = 3.0  # series 3 against series 0: other vectors, other outputs
    out = apply_network(config, params, jnp.asarray(xs))
    assert not np.allclose(out[0], out[1])


def _grouped(seed=0, n=400):
    """Two groups with the same input windows and opposite targets: only the
    series' identity tells them apart."""
    rng = np.random.default_rng(seed)
    windows = rng.standard_normal((n, 8, 1)).astype(np.float32)
    code = np.repeat([0.0, 1.0], n // 2).astype(np.float32)
    X = np.concatenate([windows, np.broadcast_to(code[:, None, None], (n, 8, 1))], 2)
    y = np.where(code == 0, 1.0, -1.0) + 0.05 * rng.standard_normal(n)
    return X, y


def test_the_embedding_learns_what_only_the_series_identity_explains():
    X, y = _grouped()
    settings = dict(
        cell="gru",
        hidden_size=8,
        max_epochs=30,
        n_channels=2,
        random_state=0,
        learning_rate=0.01,
        early_stopping=False,
    )
    with_table = RNNRegressor(embedding_size=2, **settings).fit(X, y)
    assert with_table.n_series_ == 2
    assert np.mean((with_table.predict(X) - y) ** 2) < 0.05
    # a series not seen in training reads the mean vector: between the groups
    unseen = X.copy()
    unseen[:, :, 1] = -1.0
    middle = with_table.predict(unseen)
    assert np.abs(middle).mean() < 0.5


def test_regressor_rejects_bad_codes():
    X, y = _grouped(n=40)
    bad = X.copy()
    bad[0, :, 1] = 0.5
    model = RNNRegressor(embedding_size=2, n_channels=2, max_epochs=1)
    with pytest.raises(ValueError, match="series code, a whole number from 0"):
        model.fit(bad, y)
    model.fit(X, y)
    too_big = X[:2].copy()
    too_big[:, :, 1] = 2.0
    with pytest.raises(ValueError, match="0 to 1 for the series learnt"):
        model.predict(too_big)
    with pytest.raises(ValueError, match="embedding_size"):
        RNNRegressor(embedding_size=-1).fit(X, y)


def _panel(n_series=4, length=150, seed=0):
    rng = np.random.default_rng(seed)
    index = pd.date_range("2024-01-01", periods=length, freq="D")
    t = np.arange(length)[:, None]
    amplitude = rng.uniform(0.5, 3.0, n_series)
    values = (
        10
        + amplitude * np.sin(2 * np.pi * t / 7)
        + rng.normal(0, 0.2, (length, n_series))
    )
    return pd.DataFrame(values, index=index, columns=[f"m{i}" for i in range(n_series)])


def test_forecaster_with_an_embedding_fits_predicts_saves_and_forecasts_new_series(
    tmp_path,
):
    panel = _panel()
    network = RNNRegressor(
        "gru", hidden_size=8, max_epochs=2, embedding_size=3, random_state=0
    )
    model = RNNForecaster(network, window_size=14, horizon=7).fit(panel)
    assert model.regressor_.n_series_ == 4
    assert model.regressor_.params_["embedding"].shape == (4, 3)
    forecast = model.predict()
    assert forecast.shape == (7, 4) and np.isfinite(forecast.to_numpy()).all()
    # the code channel is the last input channel: series i reads code i
    X = model.input_windows(panel)
    per_series = len(X) // 4
    np.testing.assert_array_equal(X[::per_series, 0, -1], [0, 1, 2, 3])
    # saved and loaded: the same forecasts
    path = tmp_path / "model.npz"
    model.save(path)
    pd.testing.assert_frame_equal(forecastrnn.load(path).predict(), forecast)
    # an unseen series reads the mean vector
    new = {"new": panel["m0"].iloc[-30:] * 2}
    assert np.isfinite(model.predict(last_window=new)["new"]).all()


def test_fine_tuning_an_embedding_needs_the_same_series():
    panel = _panel()
    network = RNNRegressor(
        "gru", hidden_size=8, max_epochs=1, embedding_size=3, warm_start=True
    )
    model = RNNForecaster(network, window_size=14, horizon=7).fit(panel)
    model.fit(panel)  # the same series: trains on
    assert model.regressor_.n_epochs_ == 2
    with pytest.raises(ValueError, match="needs the series it was fit on"):
        model.fit(panel[["m1", "m0", "m2", "m3"]])
