"""Tests for forecastrnn.augment: augmentations that never touch the forecast block."""

import pickle

import jax
import numpy as np
import pandas as pd
import pytest

from forecastrnn.augment import (
    Augmentation,
    augmentation_config,
    augmentation_from_config,
    chain_augmentations,
    make_jitter,
    make_magnitude_scaling,
    make_time_warp,
    make_window_slicing,
    past_only,
)

# ---------------------------------------------------------------- augmentation


def test_augmentations_shapes_determinism_and_targets(key):
    X = jax.numpy.asarray(np.random.default_rng(0).normal(size=(5, 8, 2)), "float32")
    Y = jax.numpy.ones((5, 3))
    other = jax.random.key(1)
    for make in (
        make_jitter,
        make_magnitude_scaling,
        make_window_slicing,
        make_time_warp,
    ):
        aug = jax.jit(make())
        Xa, Ya = aug(key, X, Y)
        assert Xa.shape == X.shape and Ya.shape == Y.shape
        np.testing.assert_array_equal(Xa, aug(key, X, Y)[0])  # same key, same draw
        assert not np.allclose(Xa, X) and not np.allclose(Xa, aug(other, X, Y)[0])
    np.testing.assert_array_equal(jax.jit(make_jitter())(key, X, Y)[1], Y)


def test_magnitude_scaling_scales_target_like_its_channel(key):
    X, Y = jax.numpy.ones((4, 3, 2)), jax.numpy.ones((4, 2))
    Xs, Ys = jax.jit(make_magnitude_scaling(0.5))(key, X, Y)
    np.testing.assert_allclose(Xs[:, 0, 0], Ys[:, 0])
    np.testing.assert_allclose(Xs[:, 0, :], Xs[:, -1, :])


def test_slicing_and_warping_keep_the_origin(key):
    X = jax.numpy.asarray(np.arange(10.0).reshape(1, 10, 1) ** 2, dtype="float32")
    Y = jax.numpy.zeros((1, 1))
    for ratio, sigma in ((0.5, 0.5), (1.0, 1e-9)):
        sliced, _ = jax.jit(make_window_slicing(ratio))(key, X, Y)
        warped, _ = jax.jit(make_time_warp(sigma))(key, X, Y)
        for Xa in (sliced, warped):
            assert float(Xa[0, -1, 0]) == pytest.approx(81.0)  # origin kept
            assert np.all(np.diff(np.asarray(Xa[0, :, 0])) >= -1e-4)  # monotone
        assert float(warped[0, 0, 0]) == pytest.approx(0.0, abs=1e-5)
    # With no room to move (ratio 1, tiny sigma) the windows are unchanged.
    np.testing.assert_allclose(sliced, X, rtol=1e-5)
    np.testing.assert_allclose(warped, X, rtol=1e-5, atol=1e-4)


def test_chain_augmentations_and_errors(key):
    X, Y = jax.numpy.ones((2, 4, 1)), jax.numpy.ones((2, 1))
    chained = chain_augmentations(make_jitter(0.1), make_magnitude_scaling(0.1))
    k1, k2 = jax.random.split(key)
    expected = make_magnitude_scaling(0.1)(k2, *make_jitter(0.1)(k1, X, Y))
    np.testing.assert_allclose(chained(key, X, Y)[0], expected[0], rtol=1e-6)
    with pytest.raises(ValueError, match="`sigma` must be a number > 0; got 0.0"):
        make_jitter(0)
    with pytest.raises(TypeError, match="`sigma` must be a number > 0; got str"):
        make_magnitude_scaling("0.1")
    with pytest.raises(
        ValueError, match=r"`min_ratio` must be a number in \(0, 1\]; got 1.5"
    ):
        make_window_slicing(1.5)
    with pytest.raises(ValueError, match="`n_knots` must be a positive integer; got 0"):
        make_time_warp(n_knots=0)


# ---------------------------------------------------------------- forecast block

WINDOW, BLOCK = 8, 4
MAKERS = [
    lambda: make_jitter(0.5),
    lambda: make_magnitude_scaling(0.5),
    lambda: make_window_slicing(0.5),
    lambda: make_time_warp(0.5),
    lambda: chain_augmentations(make_time_warp(0.5), make_jitter(0.1)),
]


def forecaster_windows(n=6, n_past=2, seed=0):
    """Windows laid out as RNNForecaster feeds them with future-known covariates.

    ``WINDOW`` steps of target and past covariates, then ``BLOCK`` forecast
    steps where they are zero; a 0/1 flag channel; two calendar channels.
    """
    rng = np.random.default_rng(seed)
    steps = WINDOW + BLOCK
    past = np.concatenate(
        [rng.normal(size=(n, WINDOW, n_past)), np.zeros((n, BLOCK, n_past))], axis=1
    )
    flag = np.broadcast_to(
        np.r_[np.zeros(WINDOW), np.ones(BLOCK)][None, :, None], (n, steps, 1)
    )
    hour = 2 * np.pi * (np.arange(steps) % 24) / 24
    calendar = np.broadcast_to(
        np.stack([np.sin(hour), np.cos(hour)], axis=1)[None], (n, steps, 2)
    )
    X = np.concatenate([past, flag, calendar], axis=2).astype("float32")
    return jax.numpy.asarray(X), jax.numpy.ones((n, BLOCK), "float32")


@pytest.mark.parametrize("make", MAKERS)
def test_past_only_never_touches_flag_or_future_covariates(make, key):
    # 0.5.0 resampled the whole input: window slicing turned the flag
    # [0, 0, 0, 0, 1, ...] into ones, time warp smeared it to 0.08 / 0.91.
    X, Y = forecaster_windows()
    Xa, Ya = jax.jit(past_only(make(), WINDOW, n_past_channels=2))(key, X, Y)
    assert Xa.shape == X.shape and Xa.dtype == X.dtype and Ya.shape == Y.shape
    np.testing.assert_array_equal(Xa[:, :, 2:], X[:, :, 2:])  # flag, calendar
    np.testing.assert_array_equal(Xa[:, WINDOW:], X[:, WINDOW:])  # forecast block
    assert not np.allclose(Xa[:, :WINDOW, :2], X[:, :WINDOW, :2])  # augmented


def test_past_only_is_the_augmentation_on_the_past_part(key):
    X, Y = forecaster_windows()
    aug = make_magnitude_scaling(0.3)
    Xa, Ya = past_only(aug, WINDOW, 2)(key, X, Y)
    Xp, Yp = aug(key, X[:, :WINDOW, :2], Y)
    np.testing.assert_allclose(Xa[:, :WINDOW, :2], Xp, rtol=1e-6)
    np.testing.assert_allclose(Ya, Yp, rtol=1e-6)  # Y scaled like the target
    # without future covariates the window is all of X: the same as `aug`
    np.testing.assert_allclose(
        past_only(aug, WINDOW, 2)(key, Xp, Y)[0], aug(key, Xp, Y)[0], rtol=1e-6
    )


@pytest.mark.slow
def test_forecaster_windows_keep_their_flag(key):
    # the real layout, as RNNForecaster.input_windows returns it (hourly data:
    # the automatic calendar features are future-known)
    from forecastrnn import RNNForecaster, RNNRegressor

    idx = pd.date_range("2024-01-01", periods=120, freq="h")
    y = pd.Series(np.sin(np.arange(120) * 2 * np.pi / 24), idx)
    network = RNNRegressor(hidden_size=4, max_epochs=1, random_state=0)
    model = RNNForecaster(
        window_size=24, horizon=6, network=network, forking=None
    ).fit(y)  # the window form, which has a forecast period and its flag
    X = jax.numpy.asarray(model.input_windows(y), "float32")
    Y = jax.numpy.zeros((len(X), 6), "float32")
    assert X.shape[1:] == (30, 6)  # target, flag, hour and day-of-week pairs
    for make in MAKERS:
        Xa, _ = past_only(make(), 24, 1)(key, X, Y)
        np.testing.assert_array_equal(Xa[:, :, 1], X[:, :, 1])  # the flag
        np.testing.assert_array_equal(Xa[:, :, 2:], X[:, :, 2:])


def test_past_only_checks_its_arguments(key):
    Y = jax.numpy.ones((2, 1))
    with pytest.raises(TypeError, match="`augment` must be a callable"):
        past_only("jitter", 8, 1)
    with pytest.raises(ValueError, match="`window_size` must be a positive integer"):
        past_only(make_jitter(), 0, 1)
    with pytest.raises(
        ValueError, match=r"`past_only` needs X of shape \(batch, >= 8 steps"
    ):
        past_only(make_jitter(), 8, 1)(key, jax.numpy.ones((2, 4, 1)), Y)


# ---------------------------------------------------------------- values, files


def test_augmentations_compare_by_value_pickle_and_describe_themselves():
    nested = chain_augmentations(past_only(make_time_warp(), 4, 1), make_jitter(0.2))
    for aug in [make() for make in MAKERS] + [past_only(make_jitter(), 8, 2), nested]:
        copy = pickle.loads(pickle.dumps(aug))
        assert isinstance(aug, Augmentation) and copy == aug
        assert hash(copy) == hash(aug)
        config = augmentation_config(aug)
        assert json_round_trip(config) == config
        assert augmentation_from_config(json_round_trip(config)) == aug
    assert past_only(make_jitter(0.1), 8, 1) != past_only(make_jitter(0.1), 8, 2)


def json_round_trip(config):
    import json

    return json.loads(json.dumps(config))


def test_augmentation_config_refuses_custom_functions_and_unknown_names():
    def custom(key, X, Y):
        return X, Y

    for aug in (custom, past_only(custom, 4, 1)):
        with pytest.raises(TypeError, match="Only the augmentations of forecastrnn"):
            augmentation_config(aug)
    with pytest.raises(ValueError, match="unknown augmentation 'eval'"):
        augmentation_from_config({"augmentation": "eval", "params": {}})
    with pytest.raises(ValueError, match="malformed augmentation"):
        augmentation_from_config({"name": "jitter"})
