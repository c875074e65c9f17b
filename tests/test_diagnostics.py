"""Tests for forecastrnn.diagnostics: gradient norms through time, attention, plots."""

import io

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from sklearn.exceptions import NotFittedError

from forecastrnn import RNNForecaster, RNNRegressor
from forecastrnn.baselines import Naive
from forecastrnn.diagnostics import (
    attention_weights,
    compare_gradient_flow,
    gradient_norms_through_time,
    plot_attention,
    plot_gradient_flow,
    plot_training_history,
)
from forecastrnn.nn import scan_cell

WINDOW = 60


def _fit(cell, X, y, **params):
    model = RNNRegressor(
        cell,
        **{
            "hidden_size": 8,
            "max_epochs": 1,
            "early_stopping": False,
            "random_state": 0,
            **params,
        },
    )
    return model.fit(X, y)


@pytest.fixture(scope="module")
def data():
    X = np.random.default_rng(0).normal(size=(32, WINDOW))  # unit-variance windows
    return X, X[:, -1]


@pytest.fixture(scope="module")
def rnn(data):
    return _fit("rnn", *data)


@pytest.fixture(scope="module")
def lstm(data):
    return _fit("lstm", *data)


@pytest.fixture(scope="module")
def attentive():
    """Two bidirectional Elman layers with attention and a quantile head."""
    X = np.random.default_rng(1).normal(size=(24, 12))
    model = RNNRegressor(
        "rnn",
        hidden_size=4,
        num_layers=2,
        bidirectional=True,
        attention=True,
        loss="quantile",
        max_epochs=1,
        early_stopping=False,
        random_state=0,
    )
    return model.fit(X, X[:, -3:]), X


@pytest.fixture(scope="module")
def forecaster():
    """An LSTM forecaster whose training shapes match the `lstm` fixture's, so
    that it reuses the compiled epoch: 32 windows of 60 steps, one output."""
    index = pd.date_range("2024-01-01", periods=WINDOW + 32, freq="h")
    y = pd.Series(np.sin(np.arange(WINDOW + 32) * 2 * np.pi / 24), index, name="load")
    network = RNNRegressor(
        "lstm",
        hidden_size=8,
        max_epochs=1,
        learning_rate=1e-3,
        batch_size=32,
        early_stopping=False,
        random_state=0,
    )
    model = RNNForecaster(network, window_size=WINDOW, horizon=1)
    return model.fit(y), y


def _png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


# ------------------------------------------------------------ gradient norms


def test_norms_shape_positive_finite(rnn, data):
    norms = gradient_norms_through_time(rnn, data[0])
    assert norms.shape == (WINDOW, 1)
    assert norms.index.name == "lag"
    assert list(norms.index) == list(range(WINDOW))
    assert norms.columns.name == "layer"
    assert list(norms.columns) == [0]
    assert np.isfinite(norms.to_numpy()).all()
    assert (norms.to_numpy() > 0).all()


def test_elman_norms_match_hand_derived_gradients(rnn, data):
    """With L = sum of the forecast, dL/dh_T = W_hy summed over outputs, and one
    step back it is multiplied by tanh' and W_hh^T (the seed's BPTT step)."""
    X = data[0]
    params = rnn.params_
    g = params["head"]["W_hy"].sum(axis=1).astype(np.float64)
    hs, _ = scan_cell("rnn", params["layers"][0]["fwd"], X[:, :, None].astype("f4"))
    h_last = np.asarray(hs[:, -1], np.float64)
    w_hh = params["layers"][0]["fwd"]["W_hh"].astype(np.float64)
    lag1 = np.linalg.norm((g[None, :] * (1 - h_last**2)) @ w_hh.T, axis=1).mean()
    norms = gradient_norms_through_time(rnn, X)[0]
    np.testing.assert_allclose(norms[0], np.linalg.norm(g), rtol=1e-5)
    np.testing.assert_allclose(norms[1], lag1, rtol=1e-4)


def test_quantile_norms_follow_the_median_level_of_the_sorted_quantiles():
    """The head's outputs follow ``quantiles_`` (sorted), so with levels given
    as (0.5, 0.1, 0.9) the median is the second output, not the first: with
    L = sum of the median forecast, dL/dh_T is that output's column of W_hy."""
    X = np.random.default_rng(2).normal(size=(16, 8))
    model = _fit(
        "rnn", X, X[:, -1], hidden_size=4, loss="quantile", quantiles=(0.5, 0.1, 0.9)
    )
    assert model.quantiles_ == (0.1, 0.5, 0.9)
    w_hy = np.asarray(model.params_["head"]["W_hy"], np.float64)
    norms = gradient_norms_through_time(model, X)[0]
    np.testing.assert_allclose(norms[0], np.linalg.norm(w_hy[:, 1]), rtol=1e-5)


def test_norms_with_targets_use_the_squared_error(rnn, data):
    X, y = data
    # L_i = (yhat_i - y_i)^2, so dL/dh_T = 2 (yhat_i - y_i) W_hy for each window
    w_hy = np.linalg.norm(rnn.params_["head"]["W_hy"][:, 0].astype(np.float64))
    expected = np.mean(2 * np.abs(rnn.predict(X) - y)) * w_hy
    norms = gradient_norms_through_time(rnn, X, y)
    np.testing.assert_allclose(norms[0][0], expected, rtol=1e-4)
    # 2-D rows and 3-D windows are the same input
    pd.testing.assert_frame_equal(
        gradient_norms_through_time(rnn, X[:, :, None], y), norms
    )


def test_elman_gradient_vanishes_faster_than_lstm(data):
    """The seed's claim on a 60-step window (hidden 8, one epoch, noise input).

    Measured decay (lag 59 / lag 0), seeds 0-5: Elman 3e-7..4e-4, LSTM
    1e-4..1.4e-2; the LSTM keeps 92x to 18,000x more gradient in five seeds
    and 0.26x in one (seed 2): with 8 hidden units one draw can go either
    way, so the claim is checked over the six seeds. (On a smooth sine input
    both cells decay about 1e-3: saturation of tanh drives the Elman decay.)
    """
    ratios, elman = [], []
    for seed in range(6):
        models = {c: _fit(c, *data, random_state=seed) for c in ("rnn", "lstm")}
        norms = compare_gradient_flow(models, data[0])
        decay = norms.iloc[-1] / norms.iloc[0]
        ratios.append(decay["lstm"] / decay["rnn"])
        elman.append(decay["rnn"])
    assert np.exp(np.mean(np.log(elman))) < 1e-4  # geometric mean
    assert np.median(ratios) > 100
    assert sum(r > 10 for r in ratios) >= 5


def test_compare_gradient_flow_has_a_column_per_model(rnn, lstm, data):
    norms = compare_gradient_flow({"lstm": lstm, "rnn": rnn}, data[0])
    assert list(norms.columns) == ["lstm", "rnn"]
    assert norms.index.name == "lag"
    pd.testing.assert_series_equal(
        norms["rnn"],
        gradient_norms_through_time(rnn, data[0])[0],
        check_names=False,
    )


def test_stacked_bidirectional_attention_network(attentive):
    model, X = attentive
    norms = gradient_norms_through_time(model, X)
    assert norms.shape == (12, 2)  # one column per layer
    assert np.isfinite(norms.to_numpy()).all() and (norms.to_numpy() > 0).all()
    last_layer = compare_gradient_flow({"rnn": model}, X, layer=-1)["rnn"]
    np.testing.assert_array_equal(last_layer, norms[1])


def test_forecaster_series_and_windows(forecaster):
    model, y = forecaster
    norms = gradient_norms_through_time(model, y)
    assert norms.shape == (model.regressor_.window_size_, 1)
    assert (norms.to_numpy() > 0).all()
    pd.testing.assert_frame_equal(
        norms, gradient_norms_through_time(model, model.input_windows(y))
    )


# --------------------------------------------------------------- attention


def test_attention_weights_sum_to_one(attentive):
    model, X = attentive
    weights = attention_weights(model, X)
    assert weights.index.name == "lag" and len(weights) == 12
    assert (weights >= 0).all()
    np.testing.assert_allclose(weights.sum(), 1.0, rtol=1e-6)
    # lag 0 is the last step of the window
    np.testing.assert_allclose(
        weights.to_numpy(), model.attention_weights(X).mean(axis=0)[::-1]
    )


# ------------------------------------------------------------------- errors


def test_unfitted_models_raise_not_fitted(data):
    with pytest.raises(NotFittedError, match="not fitted"):
        gradient_norms_through_time(RNNRegressor("rnn"), data[0])
    with pytest.raises(NotFittedError, match="not fitted"):
        attention_weights(RNNForecaster(RNNRegressor("lstm", attention=True)), data[0])


def test_baseline_is_rejected():
    with pytest.raises(TypeError, match="Baselines have no hidden state"):
        gradient_norms_through_time(Naive(), np.zeros((2, 3)))


def test_model_without_attention(rnn, data):
    with pytest.raises(ValueError, match="fit with `attention=False`"):
        attention_weights(rnn, data[0])


@pytest.mark.parametrize(
    "shape", [(4, 10), (4, 60, 2), (4, 1, 60), (60,), (0, 60), (2, 3, 60, 1)]
)
def test_wrong_window_shape(rnn, shape):
    with pytest.raises(
        ValueError, match=r"`X` must hold windows of shape \(n_windows, 60, 1\)"
    ):
        gradient_norms_through_time(rnn, np.zeros(shape))


def test_bad_targets_and_inputs(rnn, data, forecaster):
    X, y = data
    with pytest.raises(ValueError, match=r"`y` must have shape \(32, 1\)"):
        gradient_norms_through_time(rnn, X, y[:5])
    with pytest.raises(ValueError, match="NaN or infinite"):
        gradient_norms_through_time(rnn, np.full_like(X, np.nan))
    model, series = forecaster
    with pytest.raises(ValueError, match="`y` cannot be given with a series"):
        gradient_norms_through_time(model, series, np.zeros(3))


def test_compare_gradient_flow_bad_input(rnn, data):
    with pytest.raises(TypeError, match="non-empty dict"):
        compare_gradient_flow({}, data[0])
    with pytest.raises(ValueError, match="`layer`=1 is out of range for model 'rnn'"):
        compare_gradient_flow({"rnn": rnn}, data[0], layer=1)


# -------------------------------------------------------------------- plots


def test_plot_gradient_flow(rnn, lstm, data):
    norms = compare_gradient_flow({"rnn": rnn, "lstm": lstm}, data[0])
    fig = plot_gradient_flow(norms)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert ax.get_yscale() == "log"
    assert [line.get_label() for line in ax.get_lines()] == ["rnn", "lstm"]
    assert _png(fig).startswith(b"\x89PNG")
    relative = plot_gradient_flow(norms, relative=True).axes[0]
    assert [line.get_ydata()[0] for line in relative.get_lines()] == [1.0, 1.0]
    layers = plot_gradient_flow(gradient_norms_through_time(rnn, data[0]))
    assert layers.axes[0].get_lines()[0].get_label() == "layer 0"
    with pytest.raises(TypeError, match="`norms` must be a non-empty DataFrame"):
        plot_gradient_flow([1.0, 0.5])


def test_plot_gradient_flow_draws_on_given_axes(rnn, data):
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_gradient_flow(gradient_norms_through_time(rnn, data[0]), ax) is fig
    assert len(ax.get_lines()) == 1


def test_plot_attention(attentive):
    model, X = attentive
    weights = attention_weights(model, X)
    fig = plot_attention(weights)
    assert len(fig.axes[0].patches) == 12
    frame = plot_attention(pd.DataFrame({"a": weights, "b": weights}))
    assert len(frame.axes[0].get_lines()) == 2
    assert _png(fig).startswith(b"\x89PNG")
    with pytest.raises(TypeError, match="`weights` must be a non-empty Series"):
        plot_attention(np.ones(3))


def test_plot_training_history(rnn, lstm):
    fig = plot_training_history(rnn.history_)
    loss_ax, grad_ax = fig.axes
    assert loss_ax.get_yscale() == grad_ax.get_yscale() == "log"
    # no validation set: the validation loss (all NaN) is not drawn
    assert [line.get_label() for line in loss_ax.get_lines()] == ["train"]
    assert [line.get_label() for line in grad_ax.get_lines()] == ["mean", "max"]
    several = plot_training_history(
        {"fold 0": rnn.history_, "fold 1": lstm.history_}, title="<rnn>"
    )
    assert len(several.axes[0].get_lines()) == 2
    assert several.get_suptitle() == "<rnn>"
    assert _png(several).startswith(b"\x89PNG")
    with pytest.raises(ValueError, match=r"lacks the columns \['grad_norm'\]"):
        plot_training_history(rnn.history_.drop(columns="grad_norm"))
