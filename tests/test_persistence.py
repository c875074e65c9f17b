"""save / load: safe round trips and clear errors for bad files."""

import json
import pickle

import numpy as np
import optax
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

import forecastrnn
from forecastrnn import RNNForecaster, RNNRegressor, load
from forecastrnn.augment import chain_augmentations, make_jitter, make_time_warp
from forecastrnn.datasets import NYSE_TRADING_DAY
from forecastrnn.persistence import save

TINY = {"hidden_size": 4, "max_epochs": 2, "random_state": 0}


def _hourly(n=120, name="load"):
    idx = pd.date_range("2024-01-01", periods=n, freq="h", name="ts")
    return pd.Series(np.sin(np.arange(n) / 4) + 5, idx, name=name)


def _rewrite_meta(path, change):
    with np.load(path) as archive:
        entries = dict(archive)
    meta = json.loads(bytes(entries["__meta__"]).decode())
    change(meta)
    entries["__meta__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    np.savez(path, **entries)


def test_regressor_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 12)), rng.standard_normal((40, 3))
    model = RNNRegressor("lstm", num_layers=2, attention=True, **TINY).fit(X, y)
    path = model.save(tmp_path / "model")
    assert path.name == "model.npz"
    restored = load(path)
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    assert restored.get_params() == model.get_params()
    pd.testing.assert_frame_equal(restored.history_, model.history_)
    pickled = pickle.loads(pickle.dumps(restored))
    np.testing.assert_array_equal(pickled.predict(X), model.predict(X))


def test_forecaster_round_trip_keeps_trading_calendar_and_exog(tmp_path):
    idx = pd.date_range("2012-10-01", "2013-03-28", freq=NYSE_TRADING_DAY)
    y = pd.Series(np.sin(np.arange(len(idx)) / 3.0), idx, name="adj_close")
    exog = pd.DataFrame(
        {"x": np.cos(np.arange(len(idx) + 5) / 3.0)},
        pd.date_range(idx[0], periods=len(idx) + 5, freq=NYSE_TRADING_DAY),
    )
    network = RNNRegressor("gru", loss="quantile", **TINY)
    model = RNNForecaster(network, window_size=10, horizon=5).fit(
        y, exog=exog.iloc[: len(idx)]
    )
    restored = save(model, tmp_path / "f.npz")
    restored = load(restored)
    assert restored.get_params()["network__hidden_size"] == 4
    pd.testing.assert_frame_equal(
        restored.predict_quantiles(exog=exog), model.predict_quantiles(exog=exog)
    )
    assert restored.predict(exog=exog).index[0] == pd.Timestamp(
        "2013-04-01"
    )  # Good Friday skipped


def test_names_survive_the_round_trip(tmp_path):
    # 0.5.0 dropped the index name and turned a tuple series name into a string
    y = _hourly(name=("site", 3))
    model = RNNForecaster(RNNRegressor(**TINY), window_size=12, horizon=3).fit(y)
    loaded = load(model.save(tmp_path / "names.npz"))
    before, after = model.predict(), loaded.predict()
    assert after.name == ("site", 3) and after.index.name == "ts"
    pd.testing.assert_series_equal(after, before)


def test_loading_never_unpickles(tmp_path, monkeypatch):
    model = RNNRegressor(**TINY).fit(np.ones((10, 4)), np.ones(10))
    path = model.save(tmp_path / "m.npz")
    calls = []
    real_load = np.load
    monkeypatch.setattr(
        np, "load", lambda *a, **k: calls.append(k) or real_load(*a, **k)
    )
    load(path)
    assert calls and all(k.get("allow_pickle") is False for k in calls)


def test_load_takes_the_path_save_was_given(tmp_path):
    # `save` appends .npz; 0.14.0's `load` of the same path said it was missing
    model = RNNRegressor(**TINY).fit(np.ones((10, 4)), np.ones(10))
    written = save(model, tmp_path / "model.frnn")
    assert written.name == "model.frnn.npz"
    X = np.linspace(0, 1, 8).reshape(2, 4)
    np.testing.assert_array_equal(
        load(tmp_path / "model.frnn").predict(X), model.predict(X)
    )
    with pytest.raises(FileNotFoundError, match="other.frnn' does not exist"):
        load(tmp_path / "other.frnn")


def test_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load(tmp_path / "missing.npz")
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file at all")
    with pytest.raises(ValueError, match="not a readable forecastrnn model file"):
        load(garbage)
    model = RNNRegressor(**TINY).fit(np.ones((10, 4)), np.ones(10))
    good = model.save(tmp_path / "good.npz").read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match="truncated or corrupted"):
        load(truncated)
    other = tmp_path / "other.npz"
    np.savez(other, a=np.ones(3))
    with pytest.raises(ValueError, match="not a readable forecastrnn model file"):
        load(other)


def test_npy_file_is_a_clear_value_error(tmp_path):
    # 0.5.0: TypeError "'numpy.ndarray' object does not support the context
    # manager protocol"
    path = tmp_path / "array.npy"
    np.save(path, np.arange(5.0))
    with pytest.raises(ValueError, match=r"not a readable forecastrnn model.*\.npy"):
        load(path)


def test_mismatched_file(tmp_path):
    model = RNNRegressor(**TINY).fit(np.ones((10, 4)), np.ones(10))
    path = model.save(tmp_path / "m.npz")

    def bigger(meta):
        meta["model"]["params"]["hidden_size"] = 8  # no longer matches the arrays

    _rewrite_meta(path, bigger)
    with pytest.raises(ValueError, match="do not match the saved configuration"):
        load(path)

    def newer(meta):
        meta["model"]["params"]["hidden_size"] = 4
        meta["format_version"] = 99

    _rewrite_meta(path, newer)
    with pytest.raises(ValueError, match="newer than this forecastrnn"):
        load(path)

    def other_version(meta):
        meta["format_version"] = forecastrnn.archive.FORMAT_VERSION
        meta["library_version"] = "0.0.1"

    _rewrite_meta(path, other_version)
    with pytest.warns(UserWarning, match="saved by forecastrnn 0.0.1"):
        load(path)

    def foreign_class(meta):
        meta["model"]["$estimator"] = "Pipeline"

    _rewrite_meta(path, foreign_class)
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="'Pipeline'"):
        load(path)


def test_files_of_0_5_get_a_clear_error(tmp_path):
    model = RNNRegressor(**TINY).fit(np.ones((10, 4)), np.ones(10))
    path = model.save(tmp_path / "old.npz")

    def as_0_5(meta):
        meta["format_version"], meta["library_version"] = 2, "0.5.0"

    _rewrite_meta(path, as_0_5)
    with pytest.raises(ValueError, match=r"forecastrnn 0\.5\.0 \(model format 2\)"):
        load(path)


def test_unsavable_models(tmp_path):
    with pytest.raises(NotFittedError):
        RNNRegressor().save(tmp_path / "x")
    model = RNNRegressor(optimizer=optax.sgd, **TINY).fit(np.ones((10, 4)), np.ones(10))
    with pytest.raises(TypeError, match="callable `optimizer` cannot be saved"):
        model.save(tmp_path / "x")
    with pytest.raises(TypeError, match="must be an RNNRegressor or RNNForecaster"):
        save(forecastrnn.baselines.Naive(), tmp_path / "x")


@pytest.mark.slow
def test_augmented_forecaster_round_trip_and_custom_augment_refused(tmp_path):
    y = _hourly()
    augment = chain_augmentations(make_jitter(0.05), make_time_warp(0.1, 3))
    network = RNNRegressor(augment=augment, **TINY)
    model = RNNForecaster(network, window_size=12, horizon=3).fit(y)
    loaded = load(model.save(tmp_path / "aug.npz"))
    assert loaded.network.augment == augment
    pd.testing.assert_series_equal(loaded.predict(), model.predict())

    def custom(key, X, Y):
        return X, Y

    model.set_params(network__augment=custom).fit(y)
    with pytest.raises(TypeError, match="Only the augmentations of forecastrnn"):
        model.save(tmp_path / "custom.npz")
    model.set_params(network__augment=None)  # as the message says: it still forecasts
    loaded = load(model.save(tmp_path / "custom.npz"))
    assert loaded.network.augment is None
    pd.testing.assert_series_equal(loaded.predict(), model.predict())
