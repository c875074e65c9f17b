"""Windows cut from flat per-series values, in NumPy and inside compiled code."""

from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecastrnn import RNNForecaster, RNNRegressor, training
from forecastrnn.checkpoints import data_digest
from forecastrnn.indexed_windows import IndexedWindows, WindowLayout, cut_windows
from forecastrnn.nn import init_network


def reference_windows(layout, values, starts, targets):
    """One window at a time, in plain Python loops: what cut_windows must give."""
    w, b, n_past = layout.window_size, layout.block, layout.n_past
    X, Y, R = [], [], []
    for s in starts:
        target = values[s : s + w, 0]
        if layout.window_norm is None:
            offset, ref = 0.0, np.zeros(b)
        elif layout.window_norm == "mean":
            offset = target.mean()
            ref = np.full(b, offset)
        else:
            offset = target[-1]
            m = layout.season_length if layout.window_norm == "season" else 1
            ref = np.array([target[w - m + j % m] for j in range(b)])
        rows = []
        for t in range(layout.steps):
            row = values[s + t]
            past = [row[0] - offset, *row[1:n_past]] if t < w else [0.0] * n_past
            future = []
            if layout.n_future:
                future = [float(t >= w), *row[n_past : n_past + layout.n_future]]
            rows.append([*past, *future, *row[n_past + layout.n_future :]])
        X.append(rows)
        Y.append(targets[s + w : s + w + b] - ref)
        R.append(ref)
    return np.array(X), np.array(Y), np.array(R)


@settings(max_examples=40, deadline=None)
@given(
    window=st.integers(2, 8),
    block=st.integers(1, 4),
    n_past=st.integers(1, 3),
    n_future=st.integers(0, 2),
    n_static=st.integers(0, 2),
    norm=st.sampled_from([None, "last", "mean", "season"]),
    season=st.integers(1, 8),
    seed=st.integers(0, 100),
)
def test_cut_windows_equals_one_window_at_a_time(
    window, block, n_past, n_future, n_static, norm, season, seed
):
    layout = WindowLayout(
        window, block, n_past, n_future, n_static, norm, min(season, window)
    )
    rng = np.random.default_rng(seed)
    n_steps = 3 * (window + block)
    values = rng.standard_normal((n_steps, layout.n_columns))
    targets = values[:, 0] + 0.5  # any series: targets are read as they are
    starts = rng.integers(0, n_steps - window - block + 1, 7)
    X, Y, R = cut_windows(layout, values, starts, targets)
    X_ref, Y_ref, R_ref = reference_windows(layout, values, starts, targets)
    assert X.shape == (7, layout.steps, layout.n_channels)
    np.testing.assert_allclose(X, X_ref, atol=1e-12)
    np.testing.assert_allclose(Y, Y_ref, atol=1e-12)
    np.testing.assert_allclose(R, R_ref, atol=1e-12)
    # the compiled JAX version (float32, as training reads it) agrees
    cut = jax.jit(cut_windows, static_argnames="layout")
    Xj, Yj, Rj = cut(
        layout,
        jnp.asarray(values, jnp.float32),
        jnp.asarray(starts),
        jnp.asarray(targets, jnp.float32),
    )
    np.testing.assert_allclose(Xj, X_ref, atol=1e-5)
    np.testing.assert_allclose(Yj, Y_ref, atol=1e-5)
    np.testing.assert_allclose(Rj, R_ref, atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(
    window=st.integers(2, 8),
    block=st.integers(1, 4),
    forks=st.integers(0, 3),
    seed=st.integers(0, 100),
)
def test_each_window_follows_its_own_period(window, block, forks, seed):
    # a window with period p is cut as by a layout whose season_length is p,
    # in both forms, in NumPy and compiled
    layout = WindowLayout(window, block, window_norm="season", forks=forks)
    rng = np.random.default_rng(seed)
    n_steps = 3 * layout.span
    values = rng.standard_normal((n_steps, 1))
    targets = values[:, 0] + 0.5
    starts = rng.integers(0, n_steps - layout.span + 1, 6)
    periods = rng.integers(1, window + 1, 6)
    X, Y, R = cut_windows(layout, values, starts, targets, periods)
    cut = jax.jit(cut_windows, static_argnames="layout")
    Xj, Yj, Rj = cut(
        layout,
        jnp.asarray(values, jnp.float32),
        jnp.asarray(starts),
        jnp.asarray(targets, jnp.float32),
        jnp.asarray(periods),
    )
    for i, p in enumerate(periods):
        one = layout._replace(season_length=int(p))
        X1, Y1, R1 = cut_windows(one, values, starts[i : i + 1], targets)
        np.testing.assert_allclose(X[i : i + 1], X1, atol=1e-12)
        np.testing.assert_allclose(Y[i : i + 1], Y1, atol=1e-12)
        np.testing.assert_allclose(R[i : i + 1], R1, atol=1e-12)
        np.testing.assert_allclose(Rj[i : i + 1], R1, atol=1e-5)
        np.testing.assert_allclose(Yj[i : i + 1], Y1, atol=1e-5)
    # the reference of the last origin is the last p values, repeated
    last = starts[0] + layout.steps
    p = periods[0]
    expected = [values[last - p + j % p, 0] for j in range(block)]
    np.testing.assert_allclose(R[0, -block:], expected, atol=1e-12)


def test_indexed_windows_check_their_periods():
    data = _indexed()
    with pytest.raises(ValueError, match="`periods` must hold one integer per row"):
        IndexedWindows(data.layout, data.values, data.targets, data.starts,
                       data.groups, np.ones(3, np.int32))
    with pytest.raises(ValueError, match="`periods` must lie from 1 to"):
        IndexedWindows(data.layout, data.values, data.targets, data.starts,
                       data.groups, np.full(len(data.values), 7, np.int32))
    assert (data.row_periods() == data.layout.season_length).all()


def _indexed(n_series=3, length=40, window=6, block=2, seed=0):
    rng = np.random.default_rng(seed)
    layout = WindowLayout(window, block, window_norm="last")
    values = rng.standard_normal((n_series * length, 1)).astype(np.float32)
    targets = values[:, 0].copy()
    targets[5] = np.nan  # a missing observation, masked out of the loss
    per = length - window - block + 1
    starts = np.concatenate([i * length + np.arange(per) for i in range(n_series)])
    groups = np.repeat(np.arange(n_series), per)
    return IndexedWindows(layout, values, targets, starts, groups)


@pytest.mark.parametrize("engine", ["threads", "scan"])
def test_training_on_indexed_windows_equals_training_on_the_materialised_ones(engine):
    """Cutting the batch's windows inside the step changes nothing but memory."""
    data = _indexed()
    X, Y, _ = cut_windows(data.layout, data.values, data.starts, data.targets)
    spec = training.TrainSpec(
        network=RNNRegressor(cell="gru", hidden_size=8, n_channels=1)._config(
            {"unroll": 1, "remat": False, "fused": False}, 2
        ),
        batch_size=16,
        missing_targets=True,
    )
    start = init_network(spec.network, 0)
    val_rows = np.arange(len(data))[-10:]
    train_rows = np.arange(len(data))[:-10]
    indexed, history = training.fit_network(
        spec,
        start,
        data.take(train_rows),
        key=3,
        max_epochs=3,
        validation=data.take(val_rows),
        patience=5,
        engine=engine,
        groups=data.groups[train_rows],
        samples_per_group=20,
    )
    dense, dense_history = training.fit_network(
        spec,
        start,
        X[train_rows],
        Y[train_rows],
        key=3,
        max_epochs=3,
        validation=(X[val_rows], Y[val_rows]),
        patience=5,
        engine=engine,
        groups=data.groups[train_rows],
        samples_per_group=20,
    )
    for a, b in zip(jax.tree.leaves(indexed), jax.tree.leaves(dense), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        history["val_loss"], dense_history["val_loss"], rtol=1e-5
    )
    assert np.isfinite(history["train_loss"]).all()  # the NaN target is masked


def test_regressor_takes_indexed_windows_and_checks_them():
    data = _indexed()
    model = RNNRegressor(hidden_size=4, max_epochs=2, n_channels=1).fit(data, None)
    assert model.n_outputs_ == 2 and model.window_size_ == 6
    assert model.n_features_in_ == 6
    X, _, _ = cut_windows(data.layout, data.values, data.starts[:3])
    assert model.predict(X).shape == (3, 2)
    with pytest.raises(ValueError, match="`y` must be None when `X` is Indexed"):
        RNNRegressor(n_channels=1).fit(data, np.zeros(len(data)))
    with pytest.raises(ValueError, match="`n_channels=3`. Set `n_channels=1`"):
        RNNRegressor(n_channels=3).fit(data, None)


def test_forecaster_never_materialises_the_training_windows(monkeypatch):
    """The network is fit on start rows into the series' values: memory grows
    with the length of the series, not with windows x window length."""
    seen = []
    real = training.fit_network

    def spy(spec, params, X, Y=None, **kwargs):
        seen.append((X, Y))
        return real(spec, params, X, Y, **kwargs)

    monkeypatch.setattr(training, "fit_network", spy)
    index = pd.date_range("2024-01-01", periods=120, freq="D")
    rng = np.random.default_rng(0)
    panel = pd.DataFrame(rng.standard_normal((120, 4)).cumsum(0), index=index)
    network = RNNRegressor(hidden_size=4, max_epochs=1)
    RNNForecaster(network, window_size=14, horizon=7).fit(panel)
    RNNForecaster(network, window_size=14, horizon=7, forking=None).fit(panel)
    (X, Y), (X_old, _) = seen
    assert isinstance(X, IndexedWindows) and Y is None
    # one row per observation (the validation windows share them), not per
    # window
    assert X.values.shape[0] == X_old.values.shape[0] == 4 * 120
    assert X.values.dtype == np.float32
    assert X.layout.steps == 14  # the calendar follows from each step's
    # the window form: calendar features over window and forecast period
    assert X_old.layout.steps == 14 + 7


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"starts": np.array([0, 113])}, r"inside the 120 rows of `values`: 0 to 112"),
        ({"starts": np.array([-1, 3])}, r"got -1 to 3"),
        ({"starts": np.array([0.0, 1.0])}, r"`starts` must be a 1-D integer array"),
        ({"values": np.zeros((120, 2), np.float32)}, r"layout's 1 columns"),
        ({"targets": np.zeros(119, np.float32)}, r"one value per row of `values`"),
        ({"groups": np.zeros(3)}, r"one label per window"),
        (
            {"layout": WindowLayout(6, 2, window_norm="season", season_length=7)},
            r"season_length=7` exceeds `window_size=6`",
        ),
        (
            {"layout": WindowLayout(0, 2)},
            r"`layout.window_size` must be an integer >= 1",
        ),
        ({"layout": WindowLayout(6, 2, window_norm="median")}, r"'season', 'last'"),
    ],
)
def test_indexed_windows_refuse_windows_outside_their_values(change, match):
    """Compiled code would clamp an index out of range in silence: a window
    that does not lie inside the values is refused where it is built."""
    parts = {
        "layout": WindowLayout(6, 2, window_norm="last"),
        "values": np.zeros((120, 1), np.float32),
        "targets": np.zeros(120, np.float32),
        "starts": np.array([0, 112]),
        "groups": np.zeros(2),
    }
    IndexedWindows(**parts)  # valid: the last window ends at the last row
    with pytest.raises(ValueError, match=match):
        IndexedWindows(**{**parts, **change})


def test_the_data_digest_tells_periods_apart_only_where_series_differ():
    data = _indexed()
    rows = len(data.values)
    same = replace(data, periods=np.full(rows, data.layout.season_length, np.int32))
    other = np.ones(rows, np.int32)
    other[: rows // 2] = 2
    digest = data_digest(data, None, None, None)
    assert data_digest(same, None, None, None) == digest
    assert data_digest(replace(data, periods=other), None, None, None) != digest
