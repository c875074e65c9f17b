"""Tests for forecastrnn.scaling: fitted state, round trips, train-only fitting."""

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from forecastrnn.scaling import (
    MASE_FLOOR,
    METHODS,
    ScaleState,
    SeriesScaler,
    fit_scaler,
    inverse_transform,
    transform,
)
from forecastrnn.windows import make_windows, time_split

REFERENCE = {
    "standard": StandardScaler,
    "minmax": MinMaxScaler,
    "robust": RobustScaler,
}


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(50, 3)) * [1.0, 10.0, 0.1] + [0.0, 5.0, -3.0]


@pytest.mark.parametrize("method", REFERENCE)
def test_matches_sklearn_per_channel(data, method):
    state = fit_scaler(data, method)
    assert isinstance(state, ScaleState) and state.method == method
    assert state.center.shape == (3,) and state.scale.shape == (3,)
    expected = REFERENCE[method]().fit_transform(data)
    np.testing.assert_allclose(transform(state, data), expected, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_round_trip_on_window_batches(data, method):
    state = fit_scaler(data, method)
    batch = data[:48].reshape(4, 12, 3)
    scaled = transform(state, batch)
    assert scaled.shape == batch.shape
    np.testing.assert_allclose(inverse_transform(state, scaled), batch, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(
    x=arrays(
        np.float64,
        st.tuples(st.integers(1, 20), st.integers(1, 4)),
        elements=st.floats(-1e6, 1e6, allow_nan=False),
    ),
    method=st.sampled_from(METHODS),
)
def test_inverse_round_trip_property(x, method):
    state = fit_scaler(x, method)
    assert np.all(state.scale > 0)
    back = inverse_transform(state, transform(state, x))
    np.testing.assert_allclose(back, x, rtol=1e-9, atol=1e-6)


def test_fitted_on_training_part_only():
    y = pd.Series(np.r_[np.zeros(80), np.full(20, 100.0)])
    parts = time_split(y, test_size=20)
    state = fit_scaler(parts.train, "minmax")
    assert float(state.center) == 0.0 and float(state.scale) == 1.0  # constant train
    assert float(fit_scaler(y, "minmax").scale) == 100.0  # leakage would show here
    scaled_test = transform(state, parts.test)
    assert isinstance(scaled_test, pd.Series) and (scaled_test == 100.0).all()
    assert scaled_test.index.equals(parts.test.index)


def test_one_dimensional_series_gives_scalar_state():
    state = fit_scaler(np.array([1.0, 2.0, 3.0, 4.0]), "standard")
    assert state.center.shape == () and state.scale.shape == ()
    windows = make_windows(np.arange(10.0), 3, 2)
    scaled = transform(state, windows.X)
    np.testing.assert_allclose(inverse_transform(state, scaled), windows.X, atol=1e-12)


def test_constant_channel_is_not_divided_by_zero():
    x = np.column_stack([np.full(5, 7.0), np.arange(5.0)])
    for method in METHODS:
        state = fit_scaler(x, method)
        assert state.scale[0] == 1.0
        out = transform(state, x)
        assert np.isfinite(out).all() and (out[:, 0] == 0.0).all()


def test_inputs_are_not_modified_and_dtypes_kept(data):
    original = data.copy()
    state = fit_scaler(data)
    transform(state, data)
    inverse_transform(state, data)
    np.testing.assert_array_equal(data, original)
    assert transform(state, data.astype(np.float32)).dtype == np.float32
    assert transform(fit_scaler([1, 2, 3]), np.array([1, 2])).dtype == np.float64


def test_nan_is_ignored_when_fitting_and_kept_when_transforming():
    x = np.array([1.0, np.nan, 3.0])
    state = fit_scaler(x)
    assert float(state.center) == 2.0
    assert np.isnan(transform(state, x)[1])


def test_works_on_jax_arrays_under_jit(data):
    state = fit_scaler(data)
    x = jnp.asarray(data.reshape(5, 10, 3), dtype=jnp.float32)
    out = jax.jit(lambda v: transform(state, v))(x)
    assert out.dtype == jnp.float32 and out.shape == (5, 10, 3)
    np.testing.assert_allclose(
        out, transform(state, data).reshape(5, 10, 3), rtol=1e-5, atol=1e-5
    )


def test_dataframe_keeps_labels(data):
    frame = pd.DataFrame(data, columns=["a", "b", "c"])
    state = fit_scaler(frame, "robust")
    out = inverse_transform(state, transform(state, frame))
    assert list(out.columns) == ["a", "b", "c"]
    np.testing.assert_allclose(out, frame)


def test_series_scaler_wrapper(data):
    scaler = SeriesScaler("robust").fit(data)
    assert scaler.n_features_in_ == 3 and scaler.scale_state_.method == "robust"
    np.testing.assert_allclose(
        scaler.transform(data), RobustScaler().fit_transform(data), atol=1e-12
    )
    np.testing.assert_allclose(
        scaler.inverse_transform(scaler.transform(data)), data, atol=1e-12
    )
    names = scaler.get_feature_names_out(["a", "b", "c"])
    assert list(names) == ["a", "b", "c"]


def test_mase_scale_is_the_seasonal_naive_error(data):
    walk = data.cumsum(axis=0)
    for m in (1, 7):
        state = fit_scaler(walk, "mase", season_length=m)
        assert state.method == "mase"
        np.testing.assert_allclose(state.center, walk.mean(axis=0))
        expected = np.abs(walk[m:] - walk[:-m]).mean(axis=0)
        np.testing.assert_allclose(state.scale, expected)
        # in these units the seasonal naive forecast's in-sample error is 1
        scaled = transform(state, walk)
        np.testing.assert_allclose(np.abs(scaled[m:] - scaled[:-m]).mean(axis=0), 1.0)
    # pairs with a missing value are left out: |6 - 4| and |5 - 6|
    assert float(fit_scaler([1.0, np.nan, 4.0, 6.0, 5.0], "mase").scale) == 1.5
    # a series shorter than a season has no seasonal error: its spread
    assert float(fit_scaler([1.0, 3.0], "mase", season_length=2).scale) == 1.0


def test_mase_scale_of_an_exact_repetition_is_floored():
    t = np.arange(240)
    cycle = 5.0 + np.sin(2 * np.pi * t / 24)
    state = fit_scaler(cycle, "mase", season_length=24)
    assert float(state.scale) == pytest.approx(MASE_FLOOR * cycle.std())
    assert np.abs(transform(state, cycle)).max() < 1.01 / (MASE_FLOOR * cycle.std())
    # the constant channel rule holds as for the other methods
    assert float(fit_scaler(np.full(30, 2.0), "mase", season_length=3).scale) == 1.0


def test_series_scaler_takes_the_season(data):
    scaler = SeriesScaler("mase", season_length=5).fit(data)
    np.testing.assert_allclose(
        scaler.scale_state_.scale, np.abs(data[5:] - data[:-5]).mean(axis=0)
    )
    np.testing.assert_allclose(
        scaler.inverse_transform(scaler.transform(data)), data, atol=1e-12
    )


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: fit_scaler([1.0, 2.0], "zscore"), ValueError, "`method` must be one"),
        (
            lambda: fit_scaler(np.ones((2, 3, 4)), "mase"),
            ValueError,
            r"shape \(2, 3, 4\); the 'mase' method reads a series",
        ),
        (
            lambda: fit_scaler([1.0, 2.0], "mase", season_length=0),
            ValueError,
            "`season_length` must be a positive integer; got 0",
        ),
        (
            lambda: fit_scaler([1.0, 2.0], "mase", season_length=2.5),
            TypeError,
            "`season_length` must be a positive integer; got 2.5",
        ),
        (lambda: fit_scaler(np.array(["a", "b"])), TypeError, "dtype <U1"),
        (lambda: fit_scaler(np.empty((0, 2))), ValueError, r"`x` is empty \(shape"),
        (lambda: fit_scaler([1.0, np.inf]), ValueError, "infinite values"),
        (
            lambda: fit_scaler(np.array([[1.0, np.nan], [2.0, np.nan]])),
            ValueError,
            r"channels with no value \(all NaN\): \[1\]",
        ),
        (
            lambda: transform(fit_scaler(np.ones((3, 2))), np.ones((3, 3))),
            ValueError,
            r"`x` has shape \(3, 3\); expected 2 channels on its last axis",
        ),
        (
            lambda: transform({"center": 0.0}, np.ones(3)),
            TypeError,
            "`state` must be a ScaleState from `fit_scaler`; got dict",
        ),
        (lambda: fit_scaler(3.0), ValueError, "got a scalar"),
    ],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


@parametrize_with_checks([SeriesScaler(), SeriesScaler("mase", season_length=2)])
def test_series_scaler_sklearn_checks(estimator, check):
    check(estimator)
