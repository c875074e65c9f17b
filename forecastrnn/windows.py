"""Windowing: a series in, supervised samples ``(X, Y)`` out, and time splits.

pandas in at the series level, numpy out at the window level: `make_windows`
turns a validated series (see `forecastrnn.checks.check_series`) and its
covariates (`forecastrnn.checks.check_covariates`) into input windows and the
targets that follow them, without a Python loop over windows; `last_window`
builds the window to forecast from; `time_split` cuts data into consecutive
train, validation and test parts; `fill_missing` fills gaps, opt-in.

Calendar features and future timestamps live in `forecastrnn.calendar`,
training-time augmentations in `forecastrnn.augment`, input checks in
`forecastrnn.checks`; their old names here still work, with a
``DeprecationWarning``.
"""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from . import augment, calendar, checks

__all__ = [
    "LagWindowTransformer",
    "LastWindow",
    "TimeSplit",
    "Windows",
    "fill_missing",
    "last_window",
    "make_windows",
    "time_split",
    "time_split_indices",
]

# Names that moved out of this module in 0.6, and their new home.
_MOVED = {
    "check_series": checks,
    "future_index": calendar,
    "calendar_features": calendar,
    "Augmentation": augment,
    "make_jitter": augment,
    "make_magnitude_scaling": augment,
    "make_window_slicing": augment,
    "make_time_warp": augment,
    "chain_augmentations": augment,
}


def __getattr__(name: str):
    """The names that moved out of this module, with a DeprecationWarning."""
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(
        f"`forecastrnn.windows.{name}` moved to `{module.__name__}.{name}`; "
        f"import it from there (`from {module.__name__} import {name}`). The "
        "old name will be removed in a future release.",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(module, name)


# --------------------------------------------------------------------------
# Missing values
# --------------------------------------------------------------------------


def fill_missing(y, method: str = "interpolate", *, limit: int | None = None):
    """Fill NaN in a series or frame, opt-in, without looking further than needed.

    Parameters
    ----------
    y : pandas.Series or pandas.DataFrame
        Numeric data with a regular index (see `check_series`).
    method : {"interpolate", "ffill"}, default="interpolate"
        ``"interpolate"`` draws a straight line between the observations on
        either side of a gap (it uses the value after the gap, so never use it
        on data you will forecast from); ``"ffill"`` carries the last
        observation forward and only uses the past.
    limit : int, optional
        Fill at most this many consecutive NaN in each gap; longer gaps keep
        their remaining NaN. ``None`` fills every gap.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        A new float64 object. Leading NaN (before the first observation) stay
        NaN with either method: drop them, or let ``make_windows(...,
        dropna=True)`` skip the windows that hold them.

    Raises
    ------
    TypeError, ValueError
        For non-numeric data or a bad index (see `check_series`), an unknown
        `method` or a negative `limit`.

    Examples
    --------
    >>> import pandas as pd
    >>> fill_missing(pd.Series([1.0, None, 3.0])).tolist()
    [1.0, 2.0, 3.0]
    """
    checks.check_choice(method, "method", ("interpolate", "ffill"))
    limit = checks.check_int(limit, "limit", allow_none=True)
    if isinstance(y, pd.DataFrame) and y.shape[1] != 1:
        cols = {
            c: checks.check_series(y[c], name=f"y[{c!r}]", allow_nan=True) for c in y
        }
        out = pd.DataFrame(cols)
    else:
        out = checks.check_series(y, name="y", allow_nan=True)
    if method == "ffill":
        return out.ffill(limit=limit)
    return out.interpolate(method="linear", limit=limit, limit_area="inside")


# --------------------------------------------------------------------------
# Windows
# --------------------------------------------------------------------------


class Windows(NamedTuple):
    """Supervised samples cut from a series by `make_windows`.

    Attributes
    ----------
    X : numpy.ndarray of shape (n_windows, window_size, n_channels)
        Input windows, oldest step first; channel 0 is the target, then the
        past covariates of ``exog`` in column order.
    Y : numpy.ndarray of shape (n_windows, horizon)
        The target over the horizon that follows each input window.
    origins : pandas.Index of length n_windows
        Label (timestamp or integer) of the last observation of each input
        window: the time each forecast is made.
    future : numpy.ndarray of shape (n_windows, window_size + horizon, n_future)
        Future-known covariates over the input window and the horizon, or
        ``None`` without ``future_exog``.
    n_dropped : int
        Number of windows left out because they held NaN (``dropna=True``).
    """

    X: np.ndarray
    Y: np.ndarray
    origins: pd.Index
    future: np.ndarray | None
    n_dropped: int


class LastWindow(NamedTuple):
    """The final input window of a series, to forecast from (`last_window`).

    Attributes
    ----------
    X : numpy.ndarray of shape (1, window_size, n_channels)
        The last `window_size` observations, laid out as in `Windows.X`.
    origin : label
        Timestamp or integer of the last observation: the forecast origin.
    future : numpy.ndarray of shape (1, window_size + horizon, n_future)
        Future-known covariates over the window and the horizon, or ``None``.
    """

    X: np.ndarray
    origin: object
    future: np.ndarray | None


def _target(y, allow_nan: bool) -> pd.Series:
    """Validate `y` (Series or 1-D array-like) into a regular float64 Series."""
    if isinstance(y, pd.Series | pd.DataFrame):
        return checks.check_series(y, name="y", allow_nan=allow_nan)
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(
            f"`y` must be 1-D; got an array of shape {arr.shape}. Pass one "
            "series; put other variables in `exog` or `future_exog`."
        )
    return checks.check_series(pd.Series(arr), name="y", allow_nan=allow_nan)


def _array_frame(x, name: str, labels: pd.Index) -> pd.DataFrame:
    """An array of covariates, one row per label in order, as a frame."""
    arr = np.asarray(x)
    if arr.ndim not in (1, 2):
        raise ValueError(
            f"`{name}` must be 1-D or 2-D (n_samples, n_columns); got shape "
            f"{arr.shape}."
        )
    if len(arr) != len(labels):
        raise ValueError(
            f"`{name}` has {len(arr)} rows; expected {len(labels)} (one per "
            f"step, aligned with `y`). Pass a DataFrame indexed like `y` or an "
            "array of the right length."
        )
    return pd.DataFrame(arr.reshape(len(arr), -1), index=labels)


def _covariate_rows(x, name: str, labels: pd.Index, allow_nan: bool, what="`y`"):
    """The rows of covariates `x` at `labels`, a fresh float64 array.

    A DataFrame or Series is matched by label (extra rows are ignored); an
    array must have exactly ``len(labels)`` rows, taken in order. The checks
    are `forecastrnn.checks.check_covariates`.
    """
    if not isinstance(x, pd.Series | pd.DataFrame):
        x = _array_frame(x, name, labels)
    frame = checks.check_covariates(
        x, labels, name=name, what=what, allow_nan=allow_nan
    )
    return frame.to_numpy()


def _windows_with_nan(nan_rows: np.ndarray, span: int, n_windows, stride):
    """Boolean mask: which windows (of `span` rows) contain a NaN row."""
    counts = np.concatenate([[0], np.cumsum(nan_rows)])
    starts = np.arange(n_windows) * stride
    return counts[starts + span] - counts[starts] > 0


def _check_length(n: int, window_size: int, horizon: int) -> None:
    """Raise when a series is too short for one window plus its horizon."""
    need = window_size + horizon
    if n < need:
        raise ValueError(
            f"`y` has {n} observations; `window_size + horizon` = {window_size} + "
            f"{horizon} needs at least {need}. Lower `window_size` or `horizon`, "
            "or pass more data."
        )


def make_windows(
    y,
    window_size: int,
    horizon: int,
    *,
    exog=None,
    future_exog=None,
    stride: int = 1,
    dropna: bool = False,
) -> Windows:
    """Cut a series into input windows and the targets that follow them.

    Window ``i`` starts at position ``i * stride``: its input covers
    ``y[i*stride : i*stride + window_size]`` and its target the next `horizon`
    values. Windows are strided views of the data, copied once; there is no
    Python loop over windows.

    Parameters
    ----------
    y : pandas.Series or array-like of shape (n_samples,)
        The target, validated with `check_series` (a regular index is
        required; an array gets positions ``0..n_samples-1``).
    window_size : int
        Number of past steps in each input window, at least 1.
    horizon : int
        Number of future target steps per window, at least 1.
    exog : pandas.DataFrame, pandas.Series or array-like, optional
        Past covariates, known only up to the forecast origin: they enter `X`
        as channels 1, 2, ... over the input window only. Indexed like `y`
        (same labels) or an array with one row per step of `y`.
    future_exog : pandas.DataFrame, pandas.Series or array-like, optional
        Future-known covariates (calendar features, holidays), known over the
        horizon too: returned in `future` over the input window and the
        horizon. A DataFrame must hold every label of `y` (it may extend
        further); an array needs one row per step of `y`.
    stride : int, default=1
        Step between the starts of consecutive windows.
    dropna : bool, default=False
        If False, NaN anywhere in `y` or the covariates raises. If True, every
        window whose input, target or future covariates hold a NaN is left out
        and counted in `n_dropped`.

    Returns
    -------
    Windows
        ``(X, Y, origins, future, n_dropped)``; see `Windows`. `X`, `Y` and
        `future` are float64 arrays that own their data.

    Raises
    ------
    TypeError
        For a non-numeric `y` or covariate, or non-integer sizes.
    ValueError
        For sizes < 1, a series shorter than ``window_size + horizon``,
        unaligned covariates, NaN (unless `dropna`), or when every window holds
        a NaN.

    Examples
    --------
    >>> import numpy as np
    >>> w = make_windows(np.arange(6.0), window_size=3, horizon=2)
    >>> w.X[:, :, 0].tolist(), w.Y.tolist()
    ([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]], [[3.0, 4.0], [4.0, 5.0]])
    """
    window_size = checks.check_int(window_size, "window_size")
    horizon = checks.check_int(horizon, "horizon")
    stride = checks.check_int(stride, "stride")
    series = _target(y, allow_nan=dropna)
    n, span = len(series), window_size + horizon
    _check_length(n, window_size, horizon)
    n_windows = (n - span) // stride + 1
    rows = slice(0, n_windows * stride, stride)
    target = series.to_numpy()
    data = target[:, None]
    if exog is not None:
        past = _covariate_rows(exog, "exog", series.index, dropna)
        data = np.concatenate([data, past], axis=1)
    X = sliding_window_view(data, window_size, axis=0)[rows]
    X = np.ascontiguousarray(X.transpose(0, 2, 1))
    Y = np.ascontiguousarray(sliding_window_view(target[window_size:], horizon)[rows])
    future, fut = None, None
    if future_exog is not None:
        fut = _future_rows(future_exog, series.index, dropna)
        future = sliding_window_view(fut, span, axis=0)[rows]
        future = np.ascontiguousarray(future.transpose(0, 2, 1))
    origins = series.index[np.arange(n_windows) * stride + window_size - 1]
    windows = Windows(X, Y, origins, future, 0)
    return _drop_nan_windows(windows, data, fut, stride) if dropna else windows


def _drop_nan_windows(windows: Windows, data, fut, stride: int) -> Windows:
    """Leave out the windows whose input, target or future rows hold NaN."""
    n_windows, window_size, _ = windows.X.shape
    span = window_size + windows.Y.shape[1]
    bad = _windows_with_nan(np.isnan(data[:, 0]), span, n_windows, stride)
    bad |= _windows_with_nan(np.isnan(data).any(axis=1), window_size, n_windows, stride)
    if fut is not None:
        bad |= _windows_with_nan(np.isnan(fut).any(axis=1), span, n_windows, stride)
    if bad.all():
        raise ValueError(
            f"All {n_windows} windows of `y` contain NaN, so none is left with "
            "`dropna=True`. Fill the gaps with `fill_missing` or use a smaller "
            "`window_size`."
        )
    keep = ~bad
    X, Y, origins, future, _ = windows
    future = None if future is None else future[keep]
    return Windows(X[keep], Y[keep], origins[keep], future, int(bad.sum()))


def _future_rows(future_exog, index: pd.Index, allow_nan: bool) -> np.ndarray:
    """Rows of `future_exog` at `index`; an array may run past the end of `y`."""
    if not isinstance(future_exog, pd.Series | pd.DataFrame):
        values = np.asarray(future_exog)
        if values.ndim and len(values) < len(index):
            raise ValueError(
                f"`future_exog` has {len(values)} rows; expected at least "
                f"{len(index)} (one per step of `y`). Pass an array aligned with `y`."
            )
        future_exog = values[: len(index)] if values.ndim else values
    return _covariate_rows(future_exog, "future_exog", index, allow_nan)


def last_window(
    y,
    window_size: int,
    *,
    exog=None,
    future_exog=None,
    horizon: int | None = None,
) -> LastWindow:
    """Build the final input window of a series, to forecast what follows it.

    Parameters
    ----------
    y : pandas.Series or array-like of shape (n_samples,)
        The target, validated with `check_series`; no NaN in the last window.
    window_size : int
        Number of past steps in the window.
    exog : pandas.DataFrame, pandas.Series or array-like, optional
        Past covariates aligned with `y`, as in `make_windows`.
    future_exog : pandas.DataFrame, pandas.Series or array-like, optional
        Future-known covariates over the window and the next `horizon` steps.
        A DataFrame must hold the last `window_size` labels of `y` and the
        `horizon` labels of ``future_index(y.index, horizon)``; an array must
        have ``n_samples + horizon`` rows (history, then the future).
    horizon : int, optional
        Number of steps to forecast; required with `future_exog`.

    Returns
    -------
    LastWindow
        ``(X, origin, future)`` with `X` of shape (1, window_size, n_channels).

    Raises
    ------
    TypeError, ValueError
        As `make_windows`, plus a missing `horizon` with `future_exog`, or a
        `future_exog` that does not reach `horizon` steps past the end of `y`.

    Examples
    --------
    >>> import numpy as np
    >>> last_window(np.arange(5.0), 3).X[0, :, 0].tolist()
    [2.0, 3.0, 4.0]
    """
    window_size = checks.check_int(window_size, "window_size")
    series = _target(y, allow_nan=False)
    if len(series) < window_size:
        raise ValueError(
            f"`y` has {len(series)} observations; `window_size` = {window_size} "
            "needs at least as many. Lower `window_size` or pass more data."
        )
    index = series.index
    data = series.to_numpy()[-window_size:, None]
    if exog is not None:
        past = _covariate_rows(exog, "exog", index, False)[-window_size:]
        data = np.concatenate([data, past], axis=1)
    future = None
    if future_exog is not None:
        if horizon is None:
            raise ValueError(
                "`horizon` is required with `future_exog`; got None. Pass the "
                "number of steps to forecast, e.g. horizon=24."
            )
        horizon = checks.check_int(horizon, "horizon")
        labels = index[-window_size:].append(calendar.future_index(index, horizon))
        if not isinstance(future_exog, pd.Series | pd.DataFrame):
            values = np.asarray(future_exog)
            if values.ndim and len(values) != len(index) + horizon:
                raise ValueError(
                    f"`future_exog` has {len(values)} rows; expected "
                    f"{len(index) + horizon} (the {len(index)} steps of `y`, then "
                    f"the {horizon} forecast steps). Extend it over the horizon."
                )
            future_exog = values[-(window_size + horizon) :] if values.ndim else values
        what = "the last window and the forecast period"
        future = _covariate_rows(future_exog, "future_exog", labels, False, what)
        future = future[None]
    return LastWindow(np.ascontiguousarray(data[None]), index[-1], future)


# --------------------------------------------------------------------------
# scikit-learn transformer
# --------------------------------------------------------------------------


class LagWindowTransformer(TransformerMixin, BaseEstimator):
    """Turn a series (rows = time steps) into lag windows, one row per step.

    Row ``t`` of the output is the flattened window ``X[t - window_size + 1 :
    t + 1]``, oldest step first, ``n_channels`` values per step: the layout
    that `RNNRegressor` expects. The output keeps one row per input row so
    that it fits in a `Pipeline`; the first ``window_size - 1`` rows have no
    full history and are padded.

    Parameters
    ----------
    window_size : int, default=24
        Number of lagged steps per row.
    padding : {"edge", "nan"}, default="edge"
        How the missing history of the first rows is filled: with the first
        row of `X` (``"edge"``) or with NaN (``"nan"``, for estimators that
        accept NaN or for dropping those rows yourself).

    Attributes
    ----------
    n_features_in_ : int
        Number of channels (columns) seen in `fit`.

    Examples
    --------
    >>> import numpy as np
    >>> LagWindowTransformer(window_size=2).fit_transform(np.arange(3.0)[:, None])
    array([[0., 0.],
           [0., 1.],
           [1., 2.]])
    """

    def __init__(self, window_size: int = 24, padding: str = "edge"):
        self.window_size = window_size
        self.padding = padding

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def fit(self, X, y=None):
        """Check the parameters and record the number of channels."""
        checks.check_int(self.window_size, "window_size")
        checks.check_choice(self.padding, "padding", ("edge", "nan"))
        validate_data(self, X, ensure_all_finite="allow-nan", dtype=np.float64)
        return self

    def transform(self, X):
        """Return lag windows of shape (n_samples, window_size * n_channels)."""
        check_is_fitted(self, "n_features_in_")
        X = validate_data(
            self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64
        )
        w = self.window_size
        fill = X[:1] if self.padding == "edge" else np.full((1, X.shape[1]), np.nan)
        padded = np.concatenate([np.repeat(fill, w - 1, axis=0), X], axis=0)
        lags = sliding_window_view(padded, w, axis=0).transpose(0, 2, 1)
        return lags.reshape(len(X), w * X.shape[1])

    def get_feature_names_out(self, input_features=None):
        """Names ``<channel>_lag<k>``, k = window_size - 1 down to 0."""
        check_is_fitted(self, "n_features_in_")
        if input_features is None:
            input_features = getattr(self, "feature_names_in_", None)
        if input_features is None:
            input_features = [f"x{i}" for i in range(self.n_features_in_)]
        lags = range(self.window_size - 1, -1, -1)
        return np.asarray(
            [f"{c}_lag{k}" for k in lags for c in input_features], dtype=object
        )


# --------------------------------------------------------------------------
# Time-ordered splits
# --------------------------------------------------------------------------


class TimeSplit(NamedTuple):
    """Consecutive train / validation / test parts, in time order.

    ``validation`` is ``None`` when no validation part was asked for.
    """

    train: object
    validation: object
    test: object


def _part_size(size, n_samples: int, name: str) -> int:
    """Turn a count or a fraction of `n_samples` into a count."""
    if isinstance(size, float) and 0.0 < size < 1.0:
        return math.ceil(size * n_samples)
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 0:
        raise ValueError(
            f"`{name}` must be an int >= 0 (a count) or a float in (0, 1) (a "
            f"fraction); got {size!r}."
        )
    return int(size)


def _bounds(n_samples: int, test_size, validation_size, gap) -> list[int]:
    """Start/stop positions: [train_stop, val_start, val_stop, test_start]."""
    n_test = _part_size(test_size, n_samples, "test_size")
    n_val = _part_size(validation_size, n_samples, "validation_size")
    gap = checks.check_int(gap, "gap", minimum=0)
    if n_test < 1:
        raise ValueError(f"`test_size` must give at least 1 sample; got {test_size!r}.")
    n_gaps = 2 if n_val else 1
    n_train = n_samples - n_test - n_val - n_gaps * gap
    if n_train < 1:
        raise ValueError(
            f"{n_samples} samples leave {n_train} for training after test_size="
            f"{n_test}, validation_size={n_val} and {n_gaps} gap(s) of {gap}; "
            "expected at least 1. Lower the sizes or the gap, or pass more data."
        )
    val_start = n_train + gap
    test_start = val_start + n_val + (gap if n_val else 0)
    return [n_train, val_start, val_start + n_val, test_start]


def time_split_indices(
    n_samples: int, *, test_size, validation_size=0, gap: int = 0
) -> TimeSplit:
    """Positions of consecutive train, validation and test parts; no shuffling.

    Parameters
    ----------
    n_samples : int
        Number of samples (time steps or windows), in time order.
    test_size : int or float
        The last samples: a count, or a fraction in (0, 1) (rounded up).
    validation_size : int or float, default=0
        Samples just before the test part (before its gap); 0 for none.
    gap : int, default=0
        Samples left out between consecutive parts. With windows, a gap of
        ``window_size + horizon - 1`` keeps the parts free of shared steps.

    Returns
    -------
    TimeSplit
        Integer arrays of positions ``(train, validation, test)``; every train
        position precedes every validation position, which precedes every test
        position. ``validation`` is ``None`` when `validation_size` is 0.

    Raises
    ------
    ValueError
        For negative sizes or when no training sample would remain.

    Examples
    --------
    >>> s = time_split_indices(10, test_size=2, validation_size=2, gap=1)
    >>> s.train.tolist(), s.validation.tolist(), s.test.tolist()
    ([0, 1, 2, 3], [5, 6], [8, 9])
    """
    n_samples = checks.check_int(n_samples, "n_samples")
    stop, v0, v1, t0 = _bounds(n_samples, test_size, validation_size, gap)
    validation = np.arange(v0, v1) if v1 > v0 else None
    return TimeSplit(np.arange(stop), validation, np.arange(t0, n_samples))


def _take(data, start: int, stop: int):
    """Rows `start:stop` of a pandas object, an array or a `Windows` tuple."""
    if isinstance(data, Windows):
        future = None if data.future is None else data.future[start:stop]
        return Windows(
            data.X[start:stop],
            data.Y[start:stop],
            data.origins[start:stop],
            future,
            data.n_dropped,
        )
    if isinstance(data, pd.Series | pd.DataFrame):
        return data.iloc[start:stop]
    return data[start:stop]


def time_split(data, *, test_size, validation_size=0, gap: int = 0) -> TimeSplit:
    """Split data into consecutive train, validation and test parts.

    Parameters
    ----------
    data : pandas.Series, pandas.DataFrame, array-like or Windows
        Rows in time order (a `Windows` tuple is split window-wise, keeping
        `X`, `Y`, `origins` and `future` together).
    test_size, validation_size, gap
        As in `time_split_indices`.

    Returns
    -------
    TimeSplit
        ``(train, validation, test)``, each of the type of `data`;
        ``validation`` is ``None`` when `validation_size` is 0.

    Examples
    --------
    >>> import pandas as pd
    >>> parts = time_split(pd.Series(range(5)), test_size=0.4)
    >>> parts.train.tolist(), parts.validation, parts.test.tolist()
    ([0, 1, 2], None, [3, 4])
    """
    n = len(data.X) if isinstance(data, Windows) else len(data)
    stop, v0, v1, t0 = _bounds(n, test_size, validation_size, gap)
    validation = _take(data, v0, v1) if v1 > v0 else None
    return TimeSplit(_take(data, 0, stop), validation, _take(data, t0, n))
