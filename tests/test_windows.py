"""Tests for forecastrnn.windows: windows, last windows, splits, gap filling."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from forecastrnn import augment, calendar, checks, windows
from forecastrnn.calendar import calendar_features, future_index
from forecastrnn.windows import (
    LagWindowTransformer,
    Windows,
    fill_missing,
    last_window,
    make_windows,
    time_split,
    time_split_indices,
)


def hourly(values, start="2024-01-01"):
    values = np.asarray(values, dtype=float)
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="h"))


def no_freq(series):
    """The same series with its index frequency dropped."""
    return pd.Series(series.to_numpy(), index=pd.DatetimeIndex(list(series.index)))


# ---------------------------------------------------------------- fill_missing


def test_fill_missing_interpolate_and_ffill_with_limit():
    y = hourly([np.nan, 1.0, np.nan, np.nan, np.nan, 5.0])
    assert fill_missing(y).tolist()[1:] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert np.isnan(fill_missing(y).iloc[0])  # leading NaN stays
    limited = fill_missing(y, "ffill", limit=2)
    np.testing.assert_array_equal(limited, [np.nan, 1.0, 1.0, 1.0, np.nan, 5.0])
    assert np.isnan(y.iloc[2])  # input untouched


def test_fill_missing_frame_and_errors():
    frame = pd.DataFrame(
        {"a": [1.0, np.nan, 3.0], "b": [np.nan, 2.0, np.nan]},
        index=hourly([0, 0, 0]).index,
    )
    out = fill_missing(frame, "ffill")
    assert out["a"].tolist() == [1.0, 1.0, 3.0] and out["b"].tolist()[1:] == [2.0, 2.0]
    with pytest.raises(
        ValueError, match="`method` must be one of 'interpolate', 'ffill'; got 'mean'"
    ):
        fill_missing(frame, "mean")
    with pytest.raises(
        ValueError, match="`limit` must be a positive integer or None; got 0"
    ):
        fill_missing(frame, limit=0)


# ---------------------------------------------------------------- make_windows


def test_make_windows_exact_slices_stride_one():
    y = hourly(np.arange(20.0) ** 2)
    w = make_windows(y, 5, 3)
    assert isinstance(w, Windows) and w.X.shape == (13, 5, 1) and w.Y.shape == (13, 3)
    values = y.to_numpy()
    for i in range(13):
        np.testing.assert_array_equal(w.X[i, :, 0], values[i : i + 5])
        np.testing.assert_array_equal(w.Y[i], values[i + 5 : i + 8])
    assert (
        list(w.origins) == list(y.index[4:17]) and w.future is None and w.n_dropped == 0
    )
    assert w.X.flags.writeable and w.X.flags.c_contiguous and w.X.dtype == np.float64


def test_make_windows_stride_exog_and_future():
    y = hourly(np.arange(30.0))
    exog = pd.DataFrame(
        {"a": 100.0 + np.arange(30), "b": 200.0 + np.arange(30)}, index=y.index
    )
    cal = calendar_features(y.index.append(future_index(y.index, 5)), ("hour",))
    w = make_windows(y, 4, 2, exog=exog, future_exog=cal, stride=3)
    assert w.X.shape == (9, 4, 3) and w.future.shape == (9, 6, 2)
    for i in range(9):
        s = 3 * i
        np.testing.assert_array_equal(w.X[i, :, 0], y.to_numpy()[s : s + 4])
        np.testing.assert_array_equal(w.X[i, :, 1:], exog.to_numpy()[s : s + 4])
        np.testing.assert_array_equal(w.Y[i], y.to_numpy()[s + 4 : s + 6])
        np.testing.assert_array_equal(w.future[i], cal.to_numpy()[s : s + 6])
        assert w.origins[i] == y.index[s + 3]


def test_make_windows_arrays_and_energy_series():
    w = make_windows(
        np.arange(10), 3, 1, exog=np.arange(10.0) * -1, future_exog=np.ones((12, 1))
    )
    np.testing.assert_array_equal(w.X[2], [[2, -2], [3, -3], [4, -4]])
    assert list(w.origins[:2]) == [2, 3] and w.future.shape == (7, 4, 1)
    from forecastrnn.datasets import load_energy

    load = load_energy()["load_kw"]
    big = make_windows(load, 168, 24)
    assert big.X.shape == (len(load) - 191, 168, 1)
    np.testing.assert_array_equal(big.X[-1, :, 0], load.to_numpy()[-192:-24])
    np.testing.assert_array_equal(big.Y[1000], load.to_numpy()[1168:1192])


def test_make_windows_does_not_modify_inputs():
    y = hourly(np.arange(10.0))
    exog = y.to_frame("x") * 2
    w = make_windows(y, 3, 2, exog=exog)
    w.X[...] = -1.0
    assert y.iloc[0] == 0.0 and exog.iloc[0, 0] == 0.0


def test_make_windows_dropna_counts_windows():
    values = np.arange(12.0)
    values[5] = np.nan
    y = hourly(values)
    w = make_windows(y, 3, 2, dropna=True)
    # windows start 0..7; those covering position 5 over 5 steps start 1..5.
    assert w.n_dropped == 5 and len(w.X) == 3
    assert not np.isnan(w.X).any() and not np.isnan(w.Y).any()
    exog = pd.Series(np.where(np.arange(12) == 9, np.nan, 1.0), index=y.index)
    w = make_windows(hourly(np.arange(12.0)), 3, 2, exog=exog, dropna=True)
    # past covariates only matter in the input window: only start 7 covers 9.
    assert w.n_dropped == 1 and list(w.origins) == list(y.index[2:9])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"window_size": 0, "horizon": 1},
            ValueError,
            "`window_size` must be a positive integer; got 0",
        ),
        (
            {"window_size": 2.0, "horizon": 1},
            TypeError,
            r"`window_size` must be a positive integer; got 2.0 \(float\)",
        ),
        (
            {"window_size": 2, "horizon": 0},
            ValueError,
            "`horizon` must be a positive integer; got 0",
        ),
        (
            {"window_size": 2, "horizon": 1, "stride": 0},
            ValueError,
            "`stride` must be a positive integer",
        ),
        (
            {"window_size": 8, "horizon": 4},
            ValueError,
            r"`y` has 10 observations; `window_size \+ horizon` = 8 \+ 4 needs "
            "at least 12",
        ),
        (
            {"window_size": 2, "horizon": 1, "exog": np.ones(9)},
            ValueError,
            "`exog` has 9 rows; expected 10",
        ),
        (
            {"window_size": 2, "horizon": 1, "exog": pd.Series(np.ones(10))},
            ValueError,
            r"`exog` has no rows for 10 of the 10 timestamps of `y` \(first "
            "missing: 2024-01-01 00:00:00\\)",
        ),
        (
            {"window_size": 2, "horizon": 1, "exog": pd.DataFrame({"c": ["x"] * 10})},
            TypeError,
            r"`exog` column 'c' has dtype str; expected numbers",
        ),
        (
            {"window_size": 2, "horizon": 1, "future_exog": np.ones((9, 1))},
            ValueError,
            "`future_exog` has 9 rows; expected at least 10",
        ),
        (
            {"window_size": 2, "horizon": 1, "exog": np.r_[np.nan, np.ones(9)]},
            ValueError,
            r"`exog` has 1 missing or infinite values for `y` \(first at "
            r"2024-01-01 00:00:00\) in columns \[0\]",
        ),
    ],
)
def test_make_windows_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_windows(hourly(np.arange(10.0)), **kwargs)


def test_make_windows_nan_errors():
    with pytest.raises(
        ValueError,
        match=r"`y` has 1 missing values \(NaN\), the first at 2024-01-01 02:00",
    ):
        make_windows(hourly([0, 1, np.nan, 3, 4]), 2, 1)
    with pytest.raises(ValueError, match="All 2 windows of `y` contain NaN"):
        make_windows(hourly([0, 1, np.nan, 3]), 2, 1, dropna=True)
    with pytest.raises(
        ValueError, match=r"`y` must be 1-D; got an array of shape \(2, 2\)"
    ):
        make_windows(np.ones((2, 2)), 1, 1)


@settings(max_examples=60, deadline=None)
@given(
    order=st.permutations(list(range(24))),
    window_size=st.integers(1, 10),
    horizon=st.integers(1, 6),
    stride=st.integers(1, 5),
)
def test_no_target_in_its_own_input_window(order, window_size, horizon, stride):
    y = hourly(np.asarray(order, dtype=float) * 1.5)
    w = make_windows(y, window_size, horizon, stride=stride)
    position = {v: i for i, v in enumerate(y.to_numpy())}
    for x, target, origin in zip(w.X[:, :, 0], w.Y, w.origins, strict=True):
        assert not set(target.tolist()) & set(x.tolist())
        origin_pos = y.index.get_loc(origin)
        assert max(position[v] for v in x) == origin_pos
        assert min(position[v] for v in target) == origin_pos + 1


# ---------------------------------------------------------------- last_window


def test_last_window_with_exog_and_future():
    y = hourly(np.arange(10.0))
    exog = y.to_frame("x") + 100
    cal = calendar_features(y.index.append(future_index(y.index, 3)), ("hour",))
    lw = last_window(y, 4, exog=exog, future_exog=cal, horizon=3)
    np.testing.assert_array_equal(lw.X[0, :, 0], [6, 7, 8, 9])
    np.testing.assert_array_equal(lw.X[0, :, 1], [106, 107, 108, 109])
    assert lw.origin == y.index[-1] and lw.future.shape == (1, 7, 2)
    np.testing.assert_array_equal(lw.future[0], cal.to_numpy()[-7:])
    arr = last_window(np.arange(5.0), 2, future_exog=np.arange(7.0), horizon=2)
    np.testing.assert_array_equal(arr.future[0, :, 0], [3, 4, 5, 6])
    assert arr.origin == 4


def test_last_window_errors():
    y = hourly(np.arange(10.0))
    with pytest.raises(ValueError, match="`y` has 10 observations; `window_size` = 11"):
        last_window(y, 11)
    with pytest.raises(ValueError, match="`horizon` is required with `future_exog`"):
        last_window(y, 3, future_exog=np.ones(13))
    with pytest.raises(
        ValueError, match=r"`future_exog` has 10 rows; expected 13 \(the 10 steps"
    ):
        last_window(y, 3, future_exog=np.ones(10), horizon=3)
    cal = calendar_features(y.index, ("hour",))
    with pytest.raises(
        ValueError,
        match=r"`future_exog` has no rows for 2 of the 5 timestamps of the last "
        r"window and the forecast period \(first missing: 2024-01-01 10:00:00\)",
    ):
        last_window(y, 3, future_exog=cal, horizon=2)


# ---------------------------------------------------------------- transformer


def test_lag_window_transformer_layout_and_pipeline():
    X = np.column_stack([np.arange(6.0), 10 + np.arange(6.0)])
    lags = LagWindowTransformer(window_size=3).fit_transform(X)
    assert lags.shape == (6, 6)
    np.testing.assert_array_equal(lags[4], [2, 12, 3, 13, 4, 14])  # oldest step first
    np.testing.assert_array_equal(lags[0], [0, 10, 0, 10, 0, 10])  # edge padding
    nan = LagWindowTransformer(window_size=3, padding="nan").fit_transform(X)
    assert np.isnan(nan[1, :2]).all() and not np.isnan(nan[2]).any()
    names = (
        LagWindowTransformer(2)
        .fit(pd.DataFrame({"a": [1.0], "b": [2.0]}))
        .get_feature_names_out()
    )
    assert list(names) == ["a_lag1", "b_lag1", "a_lag0", "b_lag0"]
    series = np.sin(np.arange(60.0) / 3)
    model = make_pipeline(LagWindowTransformer(4), LinearRegression())
    model.fit(series[:-1, None], series[1:])
    assert model.score(series[10:-1, None], series[11:]) > 0.99


def test_lag_window_transformer_errors():
    with pytest.raises(
        ValueError, match="`padding` must be one of 'edge', 'nan'; got 'zero'"
    ):
        LagWindowTransformer(padding="zero").fit(np.ones((3, 1)))
    with pytest.raises(ValueError, match="`window_size` must be a positive integer"):
        LagWindowTransformer(window_size=0).fit(np.ones((3, 1)))


# ---------------------------------------------------------------- splits


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(3, 60),
    test=st.integers(1, 10),
    validation=st.integers(0, 10),
    gap=st.integers(0, 5),
)
def test_time_splits_keep_time_order(n, test, validation, gap):
    try:
        split = time_split_indices(
            n, test_size=test, validation_size=validation, gap=gap
        )
    except ValueError as err:
        assert "for training" in str(err)
        assert n - test - validation - (2 if validation else 1) * gap < 1
        return
    parts = [p for p in split if p is not None]
    assert (split.validation is None) == (validation == 0)
    for before, after in zip(parts, parts[1:], strict=False):
        assert before[-1] + gap + 1 == after[0]  # ordered, exactly `gap` apart
    for part in parts:
        np.testing.assert_array_equal(np.diff(part), 1)
    assert split.train[0] == 0 and split.test[-1] == n - 1 and len(split.test) == test


def test_time_split_pieces_keep_type():
    y = hourly(np.arange(10.0))
    parts = time_split(y, test_size=0.2, validation_size=2, gap=1)
    assert parts.train.index[-1] < parts.validation.index[0] < parts.test.index[0]
    assert list(parts.test) == [8.0, 9.0] and list(parts.validation) == [5.0, 6.0]
    w = make_windows(y, 2, 1)
    wp = time_split(w, test_size=2)
    assert isinstance(wp.test, Windows) and wp.validation is None
    np.testing.assert_array_equal(wp.test.Y[:, 0], [8.0, 9.0])
    assert list(wp.test.origins) == list(y.index[7:9])
    assert len(time_split(np.arange(5), test_size=1).train) == 4


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"test_size": -1},
            r"`test_size` must be an int >= 0 \(a count\) or a float in \(0, 1\)",
        ),
        ({"test_size": 1.5}, "`test_size` must be an int >= 0"),
        ({"test_size": 0}, "`test_size` must give at least 1 sample"),
        (
            {"test_size": 4, "validation_size": 4, "gap": 1},
            "10 samples leave 0 for training",
        ),
    ],
)
def test_time_split_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        time_split_indices(10, **kwargs)


def test_make_windows_mixed_dtype_covariates():
    # issue 16: bool, integer and nullable integer columns are numbers
    y = hourly(np.arange(10.0))
    exog = pd.DataFrame(
        {
            "temp": np.linspace(0.0, 1.0, 10),
            "holiday": np.arange(10) % 3 == 0,
            "count": pd.array(np.arange(10), dtype="Int64"),
        },
        index=y.index,
    )
    w = make_windows(y, 3, 2, exog=exog, future_exog=exog[["holiday"]])
    np.testing.assert_array_equal(w.X[0, :, 2], [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(w.X[0, :, 3], [0.0, 1.0, 2.0])
    assert w.future[0, :, 0].tolist() == [1.0, 0.0, 0.0, 1.0, 0.0]


# ---------------------------------------------------------------- moved names

MOVED = [
    ("check_series", checks),
    ("future_index", calendar),
    ("calendar_features", calendar),
    ("Augmentation", augment),
    ("make_jitter", augment),
    ("make_magnitude_scaling", augment),
    ("make_window_slicing", augment),
    ("make_time_warp", augment),
    ("chain_augmentations", augment),
]


@pytest.mark.parametrize(("name", "module"), MOVED)
def test_moved_names_warn_and_still_work(name, module):
    new_home = f"{module.__name__}.{name}"
    with pytest.warns(
        DeprecationWarning, match=f"windows.{name}` moved to `{new_home}"
    ):
        old = getattr(windows, name)
    assert old is getattr(module, name)
    assert name not in windows.__all__


def test_moved_names_warn_on_import_and_others_do_not():
    with pytest.warns(DeprecationWarning, match="moved to `forecastrnn.augment"):
        from forecastrnn.windows import make_jitter  # noqa: F401
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from forecastrnn.windows import make_windows as same  # noqa: F401
    assert same is make_windows
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        windows.nope  # noqa: B018


ORDER_DEPENDENT = "rows are lag windows of their neighbours, so row order matters"


@parametrize_with_checks(
    [LagWindowTransformer(window_size=3)],
    expected_failed_checks=lambda est: {
        "check_methods_sample_order_invariance": ORDER_DEPENDENT,
        "check_methods_subset_invariance": ORDER_DEPENDENT,
    },
)
def test_lag_window_transformer_sklearn_checks(estimator, check):
    check(estimator)
