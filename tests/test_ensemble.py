"""Ensembles (``ensemble_size``): K networks trained at once in one compiled
program, each as if alone, forecast by their median."""

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

import forecastrnn
from forecastrnn import RNNForecaster, RNNRegressor, diagnostics, training
from forecastrnn.nn import NetworkConfig, apply_network, init_network


def _data(n=48, window=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, window, 1)).astype(np.float32)
    Y = np.stack([X[:, -1, 0] * 0.5, X[:, -2, 0] - X[:, -3, 0]], axis=1)
    return X, Y.astype(np.float32)


def _stack(trees):
    return jax.tree.map(lambda *a: jnp.stack(a), *trees)


def test_init_and_apply_run_each_member_as_its_own_network():
    single = NetworkConfig("lstm", 2, 5, 3, attention=True)
    config = single._replace(members=3)
    params = init_network(config, 4)
    rng = np.random.default_rng(4)  # the members are drawn in turn
    members = [init_network(single, rng) for _ in range(3)]
    stacked = jax.tree.leaves(_stack(members))
    for got, want in zip(jax.tree.leaves(params), stacked, strict=True):
        np.testing.assert_array_equal(got, want)
    x = jnp.asarray(np.random.default_rng(1).standard_normal((4, 7, 2)), jnp.float32)
    out, weights = apply_network(config, params, x, return_attention=True)
    assert out.shape == (3, 4, 3) and weights.shape == (3, 4, 7)
    for k, p in enumerate(members):
        np.testing.assert_allclose(out[k], apply_network(single, p, x), atol=1e-6)
    # one batch per member
    xs = jnp.stack([x, x[::-1], 2 * x])
    out = apply_network(config, params, xs)
    np.testing.assert_allclose(out[2], apply_network(single, members[2], 2 * x),
                               atol=1e-6)


@pytest.mark.parametrize("which", ["threads", "scan"])
def test_each_member_trains_as_the_same_network_alone(which):
    """Members share nothing: one batch of every row (so the order cannot
    matter), clipping that bites, per-member early stopping: each member ends
    where its own network, trained alone, ends."""
    X, Y = _data()
    X_val = _data(n=12, seed=1)[0]
    # targets the inputs do not explain: the best epochs differ by member
    Y_val = np.random.default_rng(5).standard_normal((12, 2)).astype(np.float32)
    single = NetworkConfig("gru", 1, 6, 2)
    spec = training.TrainSpec(single, batch_size=64, clip_norm=0.05,
                              learning_rate=0.05)
    inits = [init_network(single, k) for k in range(3)]
    kw = dict(key=0, max_epochs=6, validation=(X_val, Y_val), patience=6,
              engine=which)
    ensemble_spec = spec._replace(network=single._replace(members=3))
    params, history = training.fit_network(ensemble_spec, _stack(inits), X, Y, **kw)
    alone = [training.fit_network(spec, p, X, Y, **kw) for p in inits]
    best_epochs = []
    for k, (p, h) in enumerate(alone):
        for got, want in zip(jax.tree.leaves(params), jax.tree.leaves(p), strict=True):
            np.testing.assert_allclose(got[k], want, rtol=2e-4, atol=2e-6)
        best_epochs.append(int(np.argmin(h["val_loss"])))
    np.testing.assert_allclose(
        history["val_loss"], np.mean([h["val_loss"] for _, h in alone], axis=0),
        rtol=1e-4,
    )
    np.testing.assert_allclose(
        history["train_loss"], np.mean([h["train_loss"] for _, h in alone], axis=0),
        rtol=1e-4,
    )
    assert len(set(best_epochs)) > 1  # the members did stop at different epochs


@pytest.mark.parametrize("which", ["threads", "scan"])
def test_members_read_their_own_batches_and_dropout_masks(which, epoch_orders):
    orders = epoch_orders
    X, Y = _data()
    config = NetworkConfig("lstm", 1, 6, 2, dropout=0.3, members=2)
    spec = training.TrainSpec(config, batch_size=8)
    start = init_network(config, 0)
    # both members start from the same weights: only batches and masks differ
    start = jax.tree.map(lambda a: jnp.stack([a[0], a[0]]), start)
    params, _ = training.fit_network(spec, start, X, Y, key=1, max_epochs=2,
                                     engine=which)
    W = params["head"]["W_hy"]
    assert not np.allclose(W[0], W[1])
    if which == "threads":
        assert orders[0].shape == (2, len(X))
        assert sorted(orders[0][0]) == sorted(orders[0][1]) == list(range(len(X)))
        assert not np.array_equal(orders[0][0], orders[0][1])


def test_regressor_ensemble_predicts_the_median_of_its_members(tmp_path):
    X, Y = _data(n=80)
    model = RNNRegressor("gru", hidden_size=6, max_epochs=3, random_state=0,
                         ensemble_size=3).fit(X, Y)
    assert model.params_["head"]["W_hy"].shape == (3, 6, 2)
    members = model.predict_members(X[:5])
    assert members.shape == (3, 5, 2)
    np.testing.assert_array_equal(model.predict(X[:5]), np.median(members, axis=0))
    model.set_params(ensemble_combine="mean")  # acts at prediction only
    np.testing.assert_allclose(model.predict(X[:5]), members.mean(axis=0))
    model.set_params(ensemble_combine="mode")
    with pytest.raises(ValueError, match="`ensemble_combine` must be 'median' or"):
        model.predict(X[:5])
    model.set_params(ensemble_combine="median")
    assert np.ptp(members, axis=0).max() > 1e-4  # the members differ
    # each member is the network its parameters give
    config = model.network_config()
    for k in range(3):
        p = jax.tree.map(lambda a, k=k: a[k], model.params_)
        np.testing.assert_allclose(
            members[k], apply_network(config._replace(members=1), p, X[:5]),
            rtol=1e-5, atol=1e-6,
        )
    path = model.save(tmp_path / "ensemble")
    loaded = forecastrnn.load(path)
    assert loaded.ensemble_size == 3
    np.testing.assert_array_equal(loaded.predict(X[:5]), model.predict(X[:5]))
    # warm start keeps the members; another size is refused
    model.set_params(warm_start=True, max_epochs=1).fit(X, Y)
    assert model.n_epochs_ == 4
    with pytest.raises(ValueError, match="ensemble_size"):
        model.set_params(ensemble_size=2).fit(X, Y)


def test_ensemble_of_one_is_the_single_network():
    X, Y = _data(n=60)
    kw = dict(hidden_size=5, max_epochs=2, random_state=3)
    one = RNNRegressor("rnn", **kw).fit(X, Y)
    also = RNNRegressor("rnn", ensemble_size=1, **kw).fit(X, Y)
    np.testing.assert_array_equal(one.predict(X), also.predict(X))
    np.testing.assert_array_equal(one.predict_members(X), one.predict(X)[None])


@pytest.mark.parametrize("bad", [0, -2, 1.5, "3"])
def test_bad_ensemble_size_is_refused_before_training(bad):
    X, Y = _data(n=30)
    with pytest.raises((ValueError, TypeError), match="ensemble_size"):
        RNNRegressor(ensemble_size=bad).fit(X, Y)


def test_quantiles_attention_and_gradient_norms_of_an_ensemble():
    X, Y = _data(n=60)
    model = RNNRegressor(
        "lstm", hidden_size=4, max_epochs=2, random_state=0, loss="quantile",
        attention=True, ensemble_size=2,
    ).fit(X, Y)
    q = model.predict_quantiles(X[:4])
    assert q.shape == (4, 2, 3) and np.all(np.diff(q, axis=-1) >= 0)
    np.testing.assert_array_equal(model.predict(X[:4]), q[..., 1])
    assert model.predict_members(X[:4]).shape == (2, 4, 2)
    weights = model.attention_weights(X[:4])
    assert weights.shape == (4, 6)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-5)
    norms = diagnostics.gradient_norms_through_time(model, X[:4], Y[:4])
    assert norms.shape[0] == 6 and np.isfinite(norms.to_numpy()).all()


def test_checkpointed_ensemble_resumes_to_the_uninterrupted_fit(tmp_path):
    X, Y = _data(n=80)
    kw = dict(hidden_size=5, random_state=0, ensemble_size=2, patience=2)
    full = RNNRegressor("gru", max_epochs=6, **kw).fit(X, Y)
    path = tmp_path / "run.npz"
    RNNRegressor("gru", max_epochs=3, checkpoint=path, **kw).fit(X, Y)
    resumed = RNNRegressor("gru", max_epochs=6, checkpoint=path, **kw).fit(X, Y)
    np.testing.assert_array_equal(resumed.predict(X), full.predict(X))
    pd.testing.assert_frame_equal(resumed.history_, full.history_)


def test_forecaster_with_an_ensemble_network_forecasts_a_panel():
    idx = pd.date_range("2024-01-01", periods=120, freq="h")
    t = np.arange(120)
    panel = pd.DataFrame(
        {"a": np.sin(2 * np.pi * t / 24), "b": np.cos(2 * np.pi * t / 24) + 3},
        index=idx,
    )
    network = RNNRegressor("gru", hidden_size=6, max_epochs=2, random_state=0,
                           ensemble_size=3)
    model = RNNForecaster(network, window_size=24, horizon=6).fit(panel)
    out = model.predict()
    assert out.shape == (6, 2) and np.isfinite(out.to_numpy()).all()
    assert model.regressor_.predict_members(
        model.input_windows(panel["a"])[-1:]
    ).shape == (3, 1, 6)
