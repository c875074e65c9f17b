"""save / load: safe round trips and clear errors for bad files."""

import json
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

import forecastrnn
from forecastrnn import RNNForecaster, RNNRegressor, load
from forecastrnn.datasets import NYSE_TRADING_DAY

TINY = {"hidden_size": 4, "max_epochs": 2, "random_state": 0}


def test_regressor_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 12)), rng.standard_normal((40, 3))
    model = RNNRegressor("lstm", num_layers=2, attention=True, **TINY).fit(X, y)
    path = model.save(tmp_path / "model")
    assert path.name == "model.npz"
    restored = load(path)
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    assert restored.get_params() == model.get_params()
    pd.testing.assert_frame_equal(
        restored.history_, model.history_, check_index_type=False
    )
    pickled = pickle.loads(pickle.dumps(restored))
    np.testing.assert_array_equal(pickled.predict(X), model.predict(X))


def test_forecaster_round_trip_keeps_trading_calendar_and_exog(tmp_path):
    idx = pd.date_range("2012-10-01", "2013-03-28", freq=NYSE_TRADING_DAY)
    y = pd.Series(np.sin(np.arange(len(idx)) / 3.0), idx, name="adj_close")
    exog = pd.DataFrame(
        {"x": np.cos(np.arange(len(idx) + 5) / 3.0)},
        pd.date_range(idx[0], periods=len(idx) + 5, freq=NYSE_TRADING_DAY),
    )
    model = RNNForecaster(
        "gru", window_size=10, horizon=5, loss="quantile", **TINY
    ).fit(y, exog=exog.iloc[: len(idx)])
    restored = load(model.save(tmp_path / "f.npz"))
    pd.testing.assert_frame_equal(
        restored.predict_quantiles(exog=exog), model.predict_quantiles(exog=exog)
    )
    assert restored.predict(exog=exog).index[0] == pd.Timestamp(
        "2013-04-01"
    )  # Good Friday skipped


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


def test_mismatched_file(tmp_path):
    model = RNNRegressor(**TINY).fit(np.ones((10, 4)), np.ones(10))
    path = model.save(tmp_path / "m.npz")
    with np.load(path) as archive:
        entries = dict(archive)
    meta = json.loads(bytes(entries["__meta__"]).decode())
    meta["params"]["hidden_size"] = 8  # config no longer matches the arrays
    entries["__meta__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    np.savez(path, **entries)
    with pytest.raises(ValueError, match="do not match the saved configuration"):
        load(path)
    meta["params"]["hidden_size"] = 4
    meta["format_version"] = 99
    entries["__meta__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    np.savez(path, **entries)
    with pytest.raises(ValueError, match="newer than this forecastrnn"):
        load(path)
    meta["format_version"] = 1
    meta["library_version"] = "0.0.1"
    entries["__meta__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    np.savez(path, **entries)
    with pytest.warns(UserWarning, match="saved by forecastrnn 0.0.1"):
        load(path)


def test_unsavable_models(tmp_path):
    with pytest.raises(NotFittedError):
        RNNRegressor().save(tmp_path / "x")
    import optax

    model = RNNRegressor(optimizer=optax.sgd, **TINY).fit(np.ones((10, 4)), np.ones(10))
    with pytest.raises(TypeError, match="callable `optimizer` cannot be saved"):
        model.save(tmp_path / "x")
    with pytest.raises(TypeError, match="must be an RNNRegressor or RNNForecaster"):
        forecastrnn.persistence.save(forecastrnn.baselines.Naive(), tmp_path / "x")


def test_format_1_forecaster_loads_as_it_was_fit(tmp_path):
    # Format 1 forecasters had no window normalisation and named their
    # calendar features in `calendar_features`: they load and forecast as fit.
    idx = pd.date_range("2024-01-01", periods=120, freq="h")
    y = pd.Series(np.sin(np.arange(120) / 4) + 5, idx, name="load")
    model = RNNForecaster(
        window_size=12, horizon=3, window_norm=None, calendar_features=True, **TINY
    ).fit(y)
    path = model.save(tmp_path / "old.npz")
    with np.load(path) as archive:
        entries = dict(archive)
    meta = json.loads(bytes(entries["__meta__"]).decode())
    meta["format_version"] = 1
    del meta["params"]["window_norm"], meta["params"]["season_length"]
    del meta["state"]["calendar_"], meta["state"]["season_length_"]
    entries["__meta__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    np.savez(path, **entries)
    old = load(path)
    assert old.window_norm is None
    assert old.calendar_ == ("hour", "day_of_week", "day_of_year")
    pd.testing.assert_series_equal(old.predict(), model.predict())


def test_augmented_forecaster_round_trip_and_custom_augment_refused(tmp_path):
    from forecastrnn.windows import chain_augmentations, make_jitter, make_time_warp

    idx = pd.date_range("2024-01-01", periods=120, freq="h")
    y = pd.Series(np.sin(np.arange(120) / 4) + 5, idx, name="load")
    augment = chain_augmentations(make_jitter(0.05), make_time_warp(0.1, 3))
    model = RNNForecaster(window_size=12, horizon=3, augment=augment, **TINY).fit(y)
    loaded = load(model.save(tmp_path / "aug.npz"))
    assert loaded.augment == augment and loaded.regressor_.augment == augment
    pd.testing.assert_series_equal(loaded.predict(), model.predict())

    def custom(key, X, Y):
        return X, Y

    model.set_params(augment=custom).fit(y)
    with pytest.raises(TypeError, match="Only the augmentations of forecastrnn"):
        model.save(tmp_path / "custom.npz")
    model.set_params(augment=None)  # as the message says: it still forecasts
    loaded = load(model.save(tmp_path / "custom.npz"))
    assert loaded.augment is None
    pd.testing.assert_series_equal(loaded.predict(), model.predict())
